/* aggregate: symbolized profiles -> per-function, per-library, per-file and
 * per-category totals, call edges and merged stacks; and the diff of two
 * aggregates. Several profiles (trials) may be added to one aggregate: they
 * are merged by function name and library, never by raw address (each
 * process has its own address layout).
 *
 * Counting: flat = samples whose leaf is the function; cum = samples whose
 * stack contains the function at least once (recursion counted once per
 * stack); an edge caller->callee counts once per stack too. The profiler's
 * own signal-path frames are removed and reported in 'stripped'. */
#ifndef OVERHEAD_AGGREGATE_H
#define OVERHEAD_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "categories.h"
#include "error.h"
#include "profile.h"
#include "symprof.h"

typedef struct aggregate_fn {
    const char *name;     /* function, as symbols names it */
    const char *module;   /* library or executable base name */
    const char *file;     /* source file (first pc seen with one), or NULL */
    int line;             /* its line, 0 when unknown */
    int named;            /* 1 when a symbol contained the address */
    const char *category; /* set by aggregate_categorize, else NULL */
    int caller_cost;      /* set by aggregate_categorize: a "(caller)" rule matched */
    const char *charged;  /* set by aggregate_categorize: the category most of its
                             flat samples are charged to (aggregate_stack_category);
                             with none, what one would be as a leaf of its own */
    uint64_t flat, cum;
} aggregate_fn;

typedef struct aggregate_count {
    const char *name;
    uint64_t flat, cum;
    uint64_t unnamed; /* libraries: flat samples in functions no symbol contains */
} aggregate_count;

typedef struct aggregate_edge {
    uint32_t caller, callee; /* indexes into fns */
    uint64_t samples;
} aggregate_edge;

typedef struct aggregate_stack {
    uint64_t count;
    uint32_t depth;
    size_t first; /* leaf's index in 'frames' (function indexes, leaf first) */
} aggregate_stack;

typedef struct aggregate_internal aggregate_internal;

typedef struct aggregate {
    size_t nprofiles;
    uint64_t samples;
    double header_seconds; /* sum over profiles of samples x header period */
    double rate_hz;        /* measured samples per CPU-second, 0 when unknown */
    uint64_t unnamed_samples;
    uint64_t capped_samples; /* samples on stacks at the depth cap */
    uint64_t stripped_frames;
    size_t nfns, nlibs, nfiles, nedges, nstacks, nstripped, ncategories, nwarnings;
    aggregate_fn *fns;
    aggregate_count *libs;
    aggregate_count *files;
    aggregate_edge *edges; /* filled by aggregate_edges() */
    aggregate_stack *stacks;
    uint32_t *frames;
    aggregate_count *stripped;   /* profiler frames removed: name, frames (in flat) */
    aggregate_count *categories; /* after aggregate_categorize: flat per category */
    char **warnings;
    char **unnamed; /* binaries that could not be read or had changed when a
                       profile was symbolized: their functions are unnamed */
    size_t nunnamed;
    aggregate_internal *in;
} aggregate;

/* A new, empty aggregate. Free with aggregate_free. */
int aggregate_new(aggregate **out, error *err);

/* Symbolize 'p' from its own memory map and add it. 'label' (its file name)
 * prefixes warnings and errors. On error 'a' may hold part of the profile:
 * discard it. */
int aggregate_add(aggregate *a, const profile *p, const char *label, error *err);

/* Add a profile symbolized already (symprof_symbolize, pprof_read). The
 * result is that of aggregate_add on the raw profile it was made from.
 * 'label' prefixes its warnings and errors. */
int aggregate_add_symprof(aggregate *a, const symprof *sp, const char *label,
                          error *err);

/* Compute a->edges (caller -> callee, counted once per stack) from the
 * merged stacks. Edges are not kept up to date by aggregate_add, because
 * most outputs do not need them: call this after the last add. */
int aggregate_edges(aggregate *a, error *err);

/* Use a measured sampling rate (samples per CPU-second, e.g. from a run
 * record) instead of the header period to convert samples to time. */
void aggregate_set_rate(aggregate *a, double rate_hz);

/* CPU seconds one sample stands for (0 when there are no samples). */
double aggregate_seconds_per_sample(const aggregate *a);

/* Assign every function its category (first matching rule) and caller_cost,
 * fill a->categories with flat samples per category (categories_names, then
 * categories_unattributed) and each function's 'charged', all from
 * aggregate_stack_category. */
int aggregate_categorize(aggregate *a, const categories *c, error *err);

/* The category the samples of stack 'st' are charged to: the one place that
 * decides it, for the breakdown and the hotspots alike. Needs the functions'
 * category and caller_cost (aggregate_categorize). The leaf's rule category;
 * for a named leaf a "(caller)" rule matches (libc's memmove), that of its
 * nearest caller that is not a "(caller)" function, whose rule category it
 * takes, or "other" when it is a named function no rule places (the
 * application's own frames: never walked past), or "unattributed" when no
 * symbol names it either. A leaf no symbol names and no rule places is
 * "unattributed", never its caller's. The string is static. */
const char *aggregate_stack_category(const aggregate *a, const aggregate_stack *st);

/* Is a count of 'k' out of 'n' too small to mean much? True when the 95%
 * Wilson interval's half-width exceeds half the share (about k < 16). */
int aggregate_few(uint64_t k, uint64_t n);

/* One row of a diff: a function present in either side. */
typedef struct aggregate_diff_row {
    const char *name, *module;
    uint64_t base, new;                     /* flat samples */
    double base_s, new_s;                   /* CPU seconds */
    double base_unit, new_unit, delta_unit; /* seconds per unit of work; NAN
                                               when units are not given */
    double delta_s;                         /* new_s - base_s */
    double z, p;                            /* two-proportion z-test of the flat shares */
} aggregate_diff_row;

/* Compare flat samples per function. 'base_units'/'new_units' (e.g. events
 * processed) normalise time per unit; pass 0 when unknown. Rows are sorted by
 * decreasing |delta| (per unit when given, else raw). *rows is freed with
 * free(); its strings belong to the aggregates. */
int aggregate_diff(aggregate_diff_row **rows, size_t *nrows, const aggregate *base,
                   const aggregate *new, double base_units, double new_units, error *err);

/* Free an aggregate. NULL is a no-op. */
void aggregate_free(aggregate *a);

#endif
