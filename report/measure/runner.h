/* runner: the trials of `overhead run`.
 *
 * A run measures each variant (architecture x storage x profiled, or the
 * A/A control) in interleaved rounds (A B C, C B A, ..., or a seeded random
 * order per round), after a warm-up,
 * with a fresh database per trial, and writes into <out>/<timestamp>/:
 *   trial-NN-<tag>.json           the run record of trial NN (schema
 *                                 "overhead.run/1", see docs/run-record.md)
 *   trial-NN-<tag>[-service].prof gperftools profiles (profiled trials)
 *   trial-NN-<tag>.<role>.log     the workload's stderr
 *   run.json                      configuration, environment, trial list,
 *                                 status (rewritten at the end)
 *   nats/                         the run's own nats-server (ports file, log)
 * where <tag> is the architecture, then "-A"/"-B" for the A/A control, the
 * storage when more than one is measured, and "-unprof" for unprofiled trials.
 *
 * CPU accounting: workloads are children (wait4 rusage, whole process);
 * every nats-server node by /proc/PID/schedstat deltas around each NATS trial.
 *
 * Cluster (--cluster N, or several comma-separated URLs in NATS_URL): the
 * single-server architectures use node 0. nats-cluster runs the bot on node
 * 0 and K services in one queue group on the other nodes (round robin), so
 * every event crosses a route: a server prefers local queue members, so a
 * service on the bot's node would take every event. jetstream: the same
 * placement, a stream (replicated on min(3, N) nodes) and one durable pull
 * consumer shared by the K services. Each service writes its own database
 * file; the runner counts rows and distinct event ids across them.
 * A trial with published != stored != rows, dropped events or a failed
 * process fails the run (exit 1) unless accept_loss is set. */
#ifndef OVERHEAD_RUNNER_H
#define OVERHEAD_RUNNER_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define RUNNER_MAX_LIST     8
#define RUNNER_MAX_SERVICES 8
#define RUNNER_REPLICA_WRITTEN 1 /* runner_config.replica: the team's test as written */
#define RUNNER_REPLICA_STORED  2 /* ... and as intended (stored) */

typedef struct runner_config {
    int64_t events; /* per trial; -1: chosen after the warm-up to reach
                       min_samples (100000 without warm-up), rate x 5
                       with a rate */
    int trials;     /* rounds: each variant runs once per round */
    const char *archs[RUNNER_MAX_LIST]; /* "direct", "nats", "nats-2p",
                                           "nats-cluster", "jetstream" */
    int narchs;
    const char *storages[RUNNER_MAX_LIST]; /* "memory", "wal", "wal-full", "delete" */
    int nstorages;
    int batch;       /* events per commit */
    int freq;        /* requested sampling frequency, Hz */
    const char *sampler; /* the workloads' --sampler; NULL: itimer */
    int perf_hz;         /* > 0: Linux perf records every profiled process too,
                            at this rate (perfrec.h: NAME.perf.txt beside
                            NAME.prof); 0: off */
    double rate;     /* events/s; 0 = saturated */
    int aa;          /* A/A control: direct against direct */
    int unprofiled;  /* add an unprofiled copy of every variant */
    int no_profiled; /* only unprofiled trials (no profiled ones) */
    /* Workload variants (CHATPROTO_VARIANTS): each architecture is measured
     * with every variant that applies to it (direct: CHATPROTO_DIRECT_VARIANTS),
     * tagged <arch>+<variant> ("baseline" keeps the bare tag). None: the
     * workloads' default, baseline, as before. */
    const char *variants[RUNNER_MAX_LIST];
    int nvariants;
    /* Profiled copies only of the baseline variant of each architecture
     * (profiles serve attribution; the unprofiled trials give the numbers). */
    int profile_baseline;
    /* 0: rounds alternate forward and backward (A B C, C B A, ...); else each
     * round runs its trials in a fresh random order drawn from this seed
     * (run.json config.order_seed; each record its round and position), so
     * that no arm always follows the same other arm. */
    uint64_t order_seed;
    /* The team's test_nats_cpu_overhead as replica arms of "nats" (one
     * process: bot and DatabaseService), in place of the plain arm: a
     * bitmask of RUNNER_REPLICA_WRITTEN (events on CHATPROTO_TEAM_SUBJECT,
     * the service subscribed to CHATPROTO_TEAM_STORE_SUBJECT: nothing is
     * stored, and the trial must store 0) and RUNNER_REPLICA_STORED (the
     * service on the same subject: every event stored). Each process first
     * idles CHATPROTO_TEAM_IDLE_MS, connected and subscribed, and reports its
     * CPU over it (the record's replica.idle). 0: no replica arms. */
    int replica;
    /* The run measures publish-to-commit latency at a fixed offered load
     * (run.json config.latency_only): the analysis reads its trials only for
     * the latency table, never for a CPU comparison. */
    int latency_only;
    int warmup;               /* run a warm-up trial of each variant first */
    int64_t min_samples;      /* wanted per architecture when events == -1 */
    const char *out_dir;      /* parent of the run directory */
    const char *nats_url;     /* external server, or NULL to start one */
    pid_t nats_pid;           /* external server's pid for schedstat, or 0 */
    const char *nats_server;  /* nats-server executable */
    const char *workload_dir; /* where chat_direct and chat_nats are */
    double trial_timeout;     /* seconds before a trial is killed */
    int accept_loss;          /* record lost events instead of failing */
    int cluster;              /* nats-server nodes to start (0 or 1: one server) */
    int services;             /* K DatabaseService processes of nats-cluster and
                                 jetstream (1..RUNNER_MAX_SERVICES) */
    const char *js_storage;   /* JetStream stream storage: "file" or "memory" */
    int argc;                 /* the command line, for run.json */
    char **argv;
    /* One progress line (no newline) per event worth telling; may be NULL. */
    void (*progress)(void *ctx, const char *line);
    void *progress_ctx;
} runner_config;

/* Fill 'cfg' with the defaults (see `overhead run --help`). */
void runner_defaults(runner_config *cfg);

/* Check the configuration without running anything: values in range, known
 * architectures and storages, workloads present, NATS URL reachable, output
 * directory writable. Returns 0 or -1 with ERR_INPUT. */
int runner_validate(const runner_config *cfg, error *err);

/* The sampler the workloads get: cfg->sampler, else itimer. */
const char *runner_sampler(const runner_config *cfg);

/* Run everything. On return *run_dir (may be NULL; caller frees) names the
 * run directory when one was created. Returns 0 when every trial passed;
 * -1 with 'err' otherwise (ERR_CHECK lost events, ERR_SYSTEM a process or
 * the server failed or the run was interrupted, ERR_INPUT bad config). */
int runner_run(const runner_config *cfg, char **run_dir, error *err);

/* Ask a running runner_run to stop: it kills its children, stops its
 * nats-server and returns. Async-signal-safe (for SIGINT/SIGTERM handlers). */
void runner_request_stop(void);

/* Install SIGINT and SIGTERM handlers that call runner_request_stop(), so
 * that Ctrl-C stops the trials, the children and the servers cleanly. */
void runner_catch_signals(void);

#endif
