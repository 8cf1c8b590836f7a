/* analysis: a run directory (trial records + profiles from `overhead run`)
 * -> the analysis JSON (schema overhead.analysis/1) that the report template
 * reads. Everything the report shows is computed here, with its uncertainty;
 * the template and the renderer only lay it out. The fields are described in
 * docs/analysis-schema.md. */
#ifndef OVERHEAD_ANALYSIS_H
#define OVERHEAD_ANALYSIS_H

#include <stdint.h>

#include <jansson.h>

#include "error.h"

typedef struct analysis_options {
    double target_pct;          /* the overhead target, default 5 */
    double reference_pct;       /* the figure the team quoted, default 5.80 */
    double team_rate;           /* events/s a team asks about (rate model); 0: none */
    double chat_rate;           /* the chat-rate section's events/s among several
                                   measured rates; 0: the rate with the most trials
                                   (the lowest of a tie) */
    const char *nats_arch;      /* headline NATS architecture; NULL: nats-2p if
                                   measured, else nats */
    const char *storage;        /* headline storage; NULL: the first measured */
    const char *sprint;         /* for the report's metadata */
    const char *reproduce;      /* the command that reproduces the report */
    const char *categories;     /* category rules file (report/data/categories.tsv) */
    const char *functions;      /* known-function descriptions (report/data/functions.tsv) */
    unsigned bootstrap_iters;   /* default 10000 */
    uint64_t seed;              /* bootstrap seed, default 1 */
    int accept_loss;            /* analyse runs with lost events (the report says so) */
    int allow_unnamed;          /* go on when a raw profile names a binary that is
                                   missing or has changed (its functions stay
                                   unnamed; the report says which); otherwise that
                                   is ERR_INPUT */
    const char *repeatability;  /* overhead.repeatability/1 from `overhead repeat`
                                   (the run-to-run component), or NULL */
    json_t *optimization;       /* measured optimization variants, borrowed, or NULL:
                                   {"variants": [{"name", "what", "saving_us",
                                   "ci_lo_us", "ci_hi_us"}]}; copied into the
                                   analysis as "optimization", where the
                                   recommendation judges "inherent" against it */
} analysis_options;

/* Fill 'o' with the defaults above ('categories'/'functions' left NULL). */
void analysis_defaults(analysis_options *o);

/* Analyse the runs in rundirs[0..ndirs-1] together (e.g. the saturated
 * comparison, a chat-rate phase, an A/A control and a storage sweep made as
 * separate runs); the first is the main run, whose run.json describes the
 * environment. On success *out is a new JSON object (the
 * caller owns the reference). On error *out is NULL and 'err' says which
 * file or trial is at fault: ERR_INPUT for unreadable or inconsistent
 * records, ERR_CHECK when a trial lost events (unless accept_loss) or the run
 * has too few trials to compare. */
int analysis_run(json_t **out, const char *const *rundirs, size_t ndirs,
                 const analysis_options *o, error *err);

/* How many trials the headline needs: from the runs so far, the half-width
 * of the headline interval, and the trials per side at which a Welch
 * interval on log CPU with the observed spread would have a half-width of
 * 'want_half_pct' points of overhead (at least the 4 a 95% rank interval
 * needs). For sizing a run from its own first trials. */
typedef struct analysis_sizing {
    size_t have;         /* headline trials per side so far (the fewer side) */
    double overhead_pct; /* the estimate so far */
    double half_pct;     /* its interval's half-width, points; NAN without one */
    long needed;         /* trials per side for want_half_pct; -1 unknown */
    int paired;          /* have/needed count paired rounds */
} analysis_sizing;

int analysis_size(analysis_sizing *out, const char *const *rundirs, size_t ndirs,
                  double want_half_pct, const analysis_options *o, error *err);

#endif
