/* recrules: the recommendation's rules, applied to evidence on stacks and
 * real function names rather than to category labels. Each rule measures a
 * pattern in per-event microseconds, trial by trial with every process's
 * samples scaled to its own CPU (attrib), compares NATS with direct over
 * trials (Welch), and fires only when the increase is significant and at
 * least a stated share of the measured overhead (shares that measured runs
 * reach: the nats.c hand-off alone was ~49% of it).
 *
 * Rules are data (the table in recrules.c); the sentences the report shows
 * are built from the result fields by the analysis. */
#ifndef OVERHEAD_RECRULES_H
#define OVERHEAD_RECRULES_H

#include <stddef.h>

#include "attrib.h"
#include "stats.h"

enum recrules_kind {
    RECRULE_STACK = 1, /* samples of stacks with a frame matching 'path' (and,
                          when 'with' is given, also a frame matching it) */
    RECRULE_LEAF,      /* samples whose leaf matches 'path' */
    RECRULE_CALLERS    /* stacks through 'path': distinct outside callers */
};

#define RECRULES_MAX   8
#define RECRULES_GLOBS 8

typedef struct recrule {
    const char *id;                   /* stable key: "handoff", "round_trip", ... */
    int kind;                         /* enum recrules_kind */
    const char *path[RECRULES_GLOBS]; /* NULL-terminated fnmatch globs */
    const char *with[RECRULES_GLOBS]; /* RECRULE_STACK: also a frame matching one */
    double min_share;                 /* of the measured overhead, to fire */
    const char *what;                 /* the pattern, in words */
    const char *action;
} recrule;

typedef struct recrule_result {
    const recrule *rule;
    double direct_us, nats_us; /* means over trials, us per event */
    stats_interval delta;      /* nats - direct */
    int ok;                    /* the interval could be computed */
    double share;              /* delta.est / measured overhead */
    int fired;
    size_t ncallers;   /* RECRULE_CALLERS: distinct outside callers */
    char callers[256]; /* their names, comma-separated */
} recrule_result;

/* The rules, in the order they are evaluated and reported. */
const recrule *recrules_table(size_t *n);

/* Evaluate every rule on direct trials d[0..nd-1] and NATS trials
 * n[0..nn-1] against the measured overhead (us per event). out has room
 * for RECRULES_MAX results; *nout is set. Returns 0, -1 when a side is empty
 * or memory runs out. */
int recrules_evaluate(const attrib_trial *d, size_t nd, const attrib_trial *n, size_t nn,
                      double overhead_us, recrule_result *out, size_t *nout);

#endif
