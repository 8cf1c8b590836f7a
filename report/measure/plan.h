/* plan: the measurement plan of `overhead report`, as data.
 *
 * plan.c holds the table of steps (which phase, when it runs, what it
 * compares, how many trials and events in a full and in a --quick report)
 * and the events per trial of each swept storage setting. plan_build turns
 * the table and the report's options into one runner configuration per
 * phase; `overhead report` runs them in order. To change what a report
 * measures, change the tables in plan.c (the report's --help reads its
 * numbers from them). */
#ifndef OVERHEAD_PLAN_H
#define OVERHEAD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "runner.h"

#define PLAN_MAX_PHASES 16
#define PLAN_MAX_SWEEP  8
#define PLAN_SWEEP_MIN_EVENTS 30 /* a swept rate's trial: enough wake-ups to count */

/* Special event counts of a step. */
#define PLAN_EVENTS_AUTO  (-1) /* the runner chooses N after the warm-up */
#define PLAN_EVENTS_FIRST (-2) /* the first phase's N, known once it has run */

typedef enum plan_when {
    PLAN_ALWAYS,
    PLAN_IF_RATE,    /* the chat rate is > 0 */
    PLAN_IF_AA,      /* the A/A control is wanted */
    PLAN_PER_SWEEP,  /* once per swept storage other than the main one */
    PLAN_PER_RATE,   /* once per rate of the rate sweep other than the chat rate */
    PLAN_IF_CLUSTER, /* a cluster of >= 1 node is asked for */
    PLAN_IF_REPLICA, /* replica arms are asked for and the chat rate is > 0 */
    PLAN_IF_LATENCY_RATE, /* the variants are measured and the chat rate is > 0 */
    PLAN_IF_LATENCY  /* the variants are measured */
} plan_when;

typedef enum plan_arms {
    PLAN_ARMS_COMPARE, /* direct against the report's NATS architecture */
    PLAN_ARMS_AA,      /* direct against direct */
    PLAN_ARMS_CLUSTER, /* nats-cluster against jetstream, on a file database */
    PLAN_ARMS_REPLICA, /* the team's test: the replica arms of "nats" (one
                          process), unprofiled (runner_config.replica) */
    PLAN_ARMS_LATENCY, /* the NATS architecture with every workload variant of
                          plan_variants (baseline included), unprofiled, in a
                          seeded random order: latency at a fixed load only */
    PLAN_ARMS_ALL      /* one baseline for everything: direct and the NATS
                          architecture, each also with every workload variant
                          of plan_variants that applies (unless --no-optimize),
                          all in every round in a seeded random order;
                          profiled copies of the two baselines only */
} plan_arms;

typedef enum plan_sizing {
    PLAN_SIZE_EVENTS,  /* 'events' is the count per trial (or PLAN_EVENTS_*) */
    PLAN_SIZE_AT_RATE, /* 'events' is seconds at the chat rate */
    PLAN_SIZE_STORAGE, /* plan_storage_events() of the phase's storage */
    PLAN_SIZE_SWEEP,   /* 'events' is seconds at the swept rate, at least
                          PLAN_SWEEP_MIN_EVENTS events */
    PLAN_SIZE_TEAM,    /* 'events' events at the team's rate
                          (CHATPROTO_TEAM_RATE events/s) */
    PLAN_SIZE_EVENTS_AT_RATE, /* 'events' events at the chat rate */
    PLAN_SIZE_HALF     /* 'events' is milliseconds at half the saturated
                          rate of the first phase's baseline NATS trials,
                          known once it has run (plan_resolve) */
} plan_sizing;

/* The half-load rate when the first phase's records cannot say (events/s). */
#define PLAN_HALF_FALLBACK_RATE 10000.0

/* A number for a full report and for a --quick one. */
typedef struct plan_count {
    int64_t full, quick;
} plan_count;

typedef struct plan_step {
    const char *name; /* NULL: the swept storage's name */
    plan_when when;
    plan_arms arms;
    plan_count trials; /* rounds */
    plan_sizing sizing;
    plan_count events;
    int warmup;     /* a warm-up trial of each variant first */
    int unprofiled; /* unprofiled copies (unless --quick or --no-unprofiled) */
    int overrides;  /* the report's -k and -n set this step's rounds and events */
} plan_step;

/* The steps, in the order they run. */
extern const plan_step plan_steps[];
extern const size_t plan_nsteps;

/* The workload variants measured in the saturated rounds, baseline first. */
extern const char *const plan_variants[];
extern const size_t plan_nvariants;

/* Events per trial of a sweep phase at 'storage'. */
int64_t plan_storage_events(const char *storage, int quick);

/* The report's options that shape the plan. */
typedef struct plan_options {
    int quick;
    int trials;            /* rounds of the overriding step; 0: the table's */
    int64_t events;        /* events of the overriding step; 0: the table's */
    double rate;           /* events/s of the chat-rate phase; 0: no such phase */
    int aa;                /* run the A/A control */
    int unprofiled;        /* add unprofiled copies where the table says so */
    const char *storage;   /* the main storage setting */
    const char *nats_arch; /* "nats-2p" or "nats" */
    const char *sweep[PLAN_MAX_SWEEP];
    int nsweep;
    int cluster;  /* nodes of the cluster phase; 0: no such phase */
    int services; /* its DatabaseService processes */
    int optimize; /* the what-if variants run as arms of the saturated rounds */
    uint64_t seed; /* the saturated rounds' order seed; 0: plan_build draws one */
    double rates[PLAN_MAX_SWEEP]; /* the rate sweep (events/s), for the rate model */
    int nrates;
    int rates_given; /* the sweep was asked for: it runs in a --quick report too */
    int replica;     /* the replica arms (RUNNER_REPLICA_* bits); 0: none */
} plan_options;

/* The defaults of `overhead report`. */
void plan_defaults(plan_options *o);

typedef struct plan_phase {
    const char *name; /* borrowed from the table or from o->sweep */
    runner_config cfg;
    int events_from_first; /* cfg.events is -1 until plan_resolve sets it */
    int64_t half_ms; /* > 0: cfg.rate and cfg.events are set by plan_resolve,
                        this many ms at half the first phase's saturated
                        baseline NATS rate (cfg.events is -1 until then) */
} plan_phase;

/* Fill out[0..*n) with one phase per step that applies, each with the
 * runner's defaults otherwise (the caller adds paths, URLs, progress).
 * 'out' holds PLAN_MAX_PHASES. Returns 0, or -1 with ERR_INPUT. */
int plan_build(plan_phase *out, size_t *n, const plan_options *o, error *err);

/* Before running phase 'p': a PLAN_EVENTS_FIRST count (events_from_first)
 * becomes the
 * events_per_trial of the first phase's run (its run.json in
 * 'first_run_dir'), or 20000 when that cannot be read. A half-load phase
 * (half_ms) gets half of plan_saturated_rate() of that run as its rate
 * (PLAN_HALF_FALLBACK_RATE when it cannot be read) and half_ms of events. */
void plan_resolve(plan_phase *p, const char *first_run_dir);

/* The saturated rate of the baseline 'arch' trials of the run in 'dir'
 * (unprofiled when there are, else any): the median over its trials of the
 * events stored over the storing process's measured window (the service's
 * for nats-2p: the publisher alone runs far ahead of it). NAN when no such
 * trial can be read. */
double plan_saturated_rate(const char *dir, const char *arch);

#endif
