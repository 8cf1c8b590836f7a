/* attrib: CPU attribution that can fail. Each process's samples are scaled
 * to that process's own measured CPU (sampling rates differ between
 * processes: ~228 Hz effective for NATS against ~249 for direct), so CPU
 * that was not sampled stays with the process it belongs to. Every trial is
 * attributed on its own and the rows are compared over trials with a Welch
 * interval; the total is computed independently of the measured overhead
 * and the residual between them is reported, never forced to zero.
 *
 * Categories are the rules' categories (categories_names) followed by
 * "unattributed" (categories_unattributed), each sample's decided by
 * aggregate_stack_category, the same function that decides the hotspots'
 * categories: samples whose leaf no symbol names and no rule places are
 * unattributed, not given their caller's category. */
#ifndef OVERHEAD_ATTRIB_H
#define OVERHEAD_ATTRIB_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "stats.h"

#define ATTRIB_MAX_PROCS 16
#define ATTRIB_MAX_CATS  16

/* Number of categories (the rules' + "unattributed") and their names. */
size_t attrib_ncats(void);
const char *attrib_cat_name(size_t k);
/* Index of a category name; -1 when unknown. */
long attrib_cat_index(const char *name);

/* The category of a function as a hotspot, after aggregate_categorize: the
 * one most of its flat samples are charged to (its 'charged'), so that a
 * hotspot and its breakdown row agree; "unattributed" before categorizing. */
const char *attrib_fn_category(const aggregate_fn *fn);

/* One process of one trial. */
typedef struct attrib_proc {
    const char *role;     /* "direct", "bot", "service", "nats-server", ... */
    double cpu_s;         /* its measured CPU over the trial's window */
    const aggregate *agg; /* its profile (borrowed, categorized), NULL if none */
    long fixed_cat;       /* >= 0: all its CPU is this category (nats-server) */
    const double *scale;  /* per stack of agg: its samples' weight relative to
                             the process's mean (attrib_thread_shares), or NULL
                             (every sample weighs the same) */
    double unsampled;     /* share of its CPU on threads with no sample: counted
                             unattributed */
} attrib_proc;

/* ---- threads: the kernel's per-thread CPU against the samples ---------- */

/* A thread of a process as the kernel counted it (the trial record's
 * processes[].threads): its entry's name and its CPU. */
typedef struct attrib_thread {
    const char *name;
    double cpu_s;
} attrib_thread;

/* What the sampler gave one thread. */
typedef struct attrib_thread_share {
    uint64_t samples;     /* stacks that ran on it */
    double kernel_share;  /* its CPU / the threads' CPU */
    double sampled_share; /* its samples / the samples of known threads */
} attrib_thread_share;

/* Root-most frames searched for a thread's entry (clone3, start_thread, the
 * workload's trampoline, nats.c's own, then the entry). */
#define ATTRIB_THREAD_DEPTH 6

/* The thread stack 'st' ran on: the index in th[0..n-1] of the first thread
 * whose name is one of the stack's ATTRIB_THREAD_DEPTH root-most functions
 * ("main" for the main thread); -1 when none is. */
long attrib_stack_thread(const aggregate *a, const aggregate_stack *st,
                         const attrib_thread *th, size_t n);

/* Each thread's samples and shares (out[n]) and, when 'scale' is not NULL,
 * the weight of each stack (scale[a->nstacks]) that gives every known
 * thread the share of the process's CPU the kernel measured: the samplers
 * under-sample threads that run in short bursts, and no sampler sees the
 * context switch itself, which the kernel charges to the thread. Stacks of
 * no known thread keep weight 1. *unsampled: the share of the CPU on threads
 * without a sample. Returns 0, or -1 when out of memory. */
int attrib_thread_shares(const aggregate *a, const attrib_thread *th, size_t n,
                         attrib_thread_share *out, double *scale, double *unsampled);


typedef struct attrib_trial {
    int index;     /* the trial's number, for messages */
    double events; /* stored events */
    size_t nprocs;
    attrib_proc procs[ATTRIB_MAX_PROCS];
} attrib_trial;

/* Microseconds per event that one sample of process p stands for; 0 when
 * the process has no samples. */
double attrib_weight(const attrib_trial *t, size_t p);
/* The per-event microseconds one sample of stack i of process p stands for
 * (attrib_weight x its scale). */
double attrib_stack_weight(const attrib_trial *t, size_t p, size_t i);

/* Per-event microseconds of each category in trial t (out[attrib_ncats()]).
 * A process with CPU but no samples counts as unattributed. */
void attrib_trial_us(const attrib_trial *t, double *out);

/* Per-event microseconds of the samples whose leaf is function 'name' of
 * 'module' in trial t. */
double attrib_trial_fn_us(const attrib_trial *t, const char *module, const char *name);

typedef struct attrib_row {
    const char *category;
    double direct_us, nats_us; /* means over trials */
    stats_interval delta;      /* nats - direct, Welch over trials */
    int ok;                    /* 1 when the interval could be computed */
    int significant;           /* 1 when the interval excludes 0 */
} attrib_row;

typedef struct attrib_result {
    attrib_row rows[ATTRIB_MAX_CATS];
    size_t nrows;
    attrib_row total;   /* sum of the rows, computed from the same trials */
    double measured_us; /* the measured overhead it is checked against */
    double residual_us; /* total.delta.est - measured_us */
    int residual_large; /* |residual| > ATTRIB_RESIDUAL_WARN of |measured| */
} attrib_result;

#define ATTRIB_RESIDUAL_WARN 0.10

/* Compare direct trials a[0..na-1] with NATS trials b[0..nb-1] category by
 * category and check the total against 'measured_us'. -1 when a side has no
 * trials (intervals need 2 per side: with fewer, ok = 0). */
int attrib_compare(const attrib_trial *a, size_t na, const attrib_trial *b, size_t nb,
                   double measured_us, attrib_result *out);

/* Does a process report more samples than its CPU allows at 'max_hz' (the
 * kernel tick caps SIGPROF at 250 per CPU-second)? A tick-based timer
 * charges a whole tick to whoever runs at the tick, so bursty processes
 * may show a little more; only more than ATTRIB_SAMPLES_SLACK beyond, and 2
 * samples, counts. 'cpu_s' is the CPU the profile covers (the whole
 * process). */
#define ATTRIB_SAMPLES_SLACK 0.10
int attrib_samples_exceed(double samples, double cpu_s, double max_hz);

#endif
