/* runrecord: the owner of the files `overhead run` writes and the analysis
 * reads: the trial record (schema "overhead.run/1", trial-NN-<tag>.json) and
 * the run's own run.json (schema "overhead.run-config/1").
 *
 * The runner fills a runrecord and calls runrecord_write; the analysis calls
 * runrecord_read, which validates every field it types (see docs/run-record.md)
 * so that no reader needs to re-check: types, ranges (no negative or
 * non-finite CPU, counts that fit in int64 and in the record's own limits),
 * sums that must agree (stored <= published <= requested), and a plausibility
 * flag for sample counts. Parts that are descriptive only (versions, host,
 * git, command, cluster, jetstream, per-service counts) are kept as JSON. */
#ifndef OVERHEAD_RUNRECORD_H
#define OVERHEAD_RUNRECORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define RUNRECORD_SCHEMA     "overhead.run/1"
#define RUNRECORD_RUN_SCHEMA "overhead.run-config/1"
/* No trial asks for more events than this (the runner caps far lower). */
#define RUNRECORD_MAX_EVENTS 1000000000000LL
#define RUNRECORD_MAX_PROCS  16
/* The kernel tick caps SIGPROF at about this many samples per CPU-second
 * (CONFIG_HZ=250, see DESIGN.md), unless the profile asked for more. */
#define RUNRECORD_TICK_HZ 250.0
/* A process's samples above (its measured CPU x the sampling rate) x this
 * margin + RUNRECORD_SAMPLE_SLACK are flagged (never refused: a process that
 * wakes on timer ticks, as at chat rate, is sampled more often than its CPU
 * share, and its profiler runs a little beyond the measured window). */
#define RUNRECORD_SAMPLE_MARGIN 1.25
#define RUNRECORD_SAMPLE_SLACK  2

/* Replica arms (runrecord.replica.mode): the team's test as written (events
 * on a subject no service stores: 0 stored) and as intended (stored). */
#define RUNRECORD_REPLICA_WRITTEN 1
#define RUNRECORD_REPLICA_STORED  2

/* Absent or null numbers are NAN (doubles) or RUNRECORD_UNKNOWN (counts);
 * absent tri-states are -1. */
#define RUNRECORD_UNKNOWN INT64_MIN

/* A CPU and wall-clock window: user, sys, cpu (= user + sys), wall seconds. */
typedef struct runrecord_window {
    int have; /* 0: null */
    double user_s, sys_s, cpu_s, wall_s;
    /* "half": from the start to the process's half-way point (its
     * half_events handled; the broker: the first workload's half-way point),
     * when have_half */
    int have_half;
    double half_cpu_s, half_wall_s;
    int64_t half_events;
} runrecord_window;

/* One thread of a workload process over its measured window, as the kernel
 * counts it (/proc/self/task/<tid>/schedstat and status, read by the
 * workload at the window's edges; see workloads/wlthreads.h). */
typedef struct runrecord_thread {
    char *name;         /* its entry: a symbol, or <module>+0x<offset>; "main" */
    int tid, main;      /* main: the process's main thread */
    int started;        /* 1: started inside the window (counts since its start) */
    double cpu_s;       /* on-CPU seconds (schedstat) */
    double clock_s;     /* its task-clock sampler event's count (NAN: none) */
    int64_t voluntary;  /* context switches: blocked (wake-ups) */
    int64_t involuntary; /* preempted */
} runrecord_thread;

#define RUNRECORD_MAX_THREADS 64

/* One process of a trial. */
typedef struct runrecord_proc {
    char *role;                          /* direct, inproc, service, bot, nats-server */
    int node, index;                     /* -1: absent */
    int pid;                             /* 0: absent */
    int exit_status;                     /* -1 when killed or unknown; INT32_MIN: null */
    double user_s, sys_s, cpu_s, wall_s; /* NAN: null (unknown) */
    char *cpu_source;                    /* wait4, schedstat, wait4-at-exit, ... */
    int external, lost;                  /* nats-server only; -1: absent */
    runrecord_window measured;           /* the workload's measured window, or the
                                            broker's CPU over the same window */
    int has_profile;                     /* the field is present (else absent) */
    char *profile;                       /* relative path, or NULL (null) */
    char *profile_error;                 /* NULL: absent */
    int64_t samples;                     /* RUNRECORD_UNKNOWN: absent */
    double effective_hz;                 /* NAN: null */
    char *log;                           /* NULL: absent */
    int samples_flagged;                 /* set by runrecord_read, see above */
    runrecord_thread *threads;           /* owned; NULL when absent */
    int nthreads;
} runrecord_proc;

/* One trial record (schema RUNRECORD_SCHEMA). Strings are owned. */
typedef struct runrecord {
    char *run_id;
    int trial, round;
    char *arch, *tag, *storage;
    char *aa_group; /* "A", "B" or NULL; control is "aa" when set */
    int profiled, ok, loss_accepted;
    char *failure; /* NULL when ok */
    struct {
        int64_t requested, published, received, stored, malformed, dropped, rows;
        int64_t unique_ids; /* RUNRECORD_UNKNOWN: null */
        int64_t duplicates, resent, lost;
        /* What the trial had to store: requested, except in a replica arm
         * as the team wrote it (RUNRECORD_REPLICA_WRITTEN), whose events go
         * to a subject no service stores: 0. RUNRECORD_UNKNOWN in older
         * records (read as requested). */
        int64_t expected_stored;
        int verified;
        json_t *per_service; /* array (owned) */
    } events;
    struct {
        double requested, achieved; /* NAN: null */
    } rate;
    struct {
        char *storage, *path_kind, *path, *journal, *synchronous; /* journal,
                                                        synchronous: NULL = null */
        int batch;
        int per_service_files, shared_file, busy_timeout_ms, event_id_unique;
    } db;
    runrecord_proc procs[RUNRECORD_MAX_PROCS];
    int nprocs;
    struct {
        double total_s, user_s, sys_s, per_event_us, nats_server_s, measured_s,
            measured_per_event_us, window_s, window_per_event_us, services_s, bot_s,
            broker_share; /* NAN: null */
        int includes_nats_server, nats_server_nodes, nats_server_nodes_measured;
    } cpu;
    double wall_s;
    int64_t samples;
    struct {
        int requested_hz;
        int64_t period_us; /* RUNRECORD_UNKNOWN: null */
        double effective_hz;
        char *sampler; /* itimer, thread-timers, task-clock; NULL: absent (itimer) */
    } sampling;
    /* The workloads' what-if variant (--variant): its name (NULL: absent, the
     * baseline) and the storing workload's description of it (owned JSON:
     * name, batch, batch_ms, destroy_group, encoding, changes, gives_up,
     * code_change), and the publish-to-commit latency of the stored events
     * from their own timestamps (events RUNRECORD_UNKNOWN: not reported). */
    char *variant;
    json_t *variant_info;
    struct {
        int64_t events;
        double p50_us, p99_us, max_us, mean_us;
    } latency;
    /* The trial's place in its round's order (1-based; 0: absent, records
     * before the seeded order) and how quiet the machine was over the trial
     * (/proc/stat, see quiet.h; NAN: absent): every process's CPU, the CPU
     * of processes outside the trial (busy minus the trial's own), steal
     * time, over 'wall_s'. */
    int position;
    struct {
        double wall_s, busy_s, outside_s, steal_s; /* NAN: absent */
    } machine;
    /* A replica arm: the team's test_nats_cpu_overhead (mode
     * RUNRECORD_REPLICA_*; 0: not one, the field is absent): the subject the
     * bot published on and the one its DatabaseService subscribed to (NULL:
     * the same), and the process's own CPU over the idle window just before
     * the measured one (idle_ms asked; NAN: not reported). */
    struct {
        int mode;
        char *subject, *store_subject;
        int idle_ms;
        double idle_cpu_s, idle_wall_s;
    } replica;
    /* Descriptive parts, owned references (NULL: absent / null). */
    json_t *cluster, *jetstream, *versions, *host, *git, *command;
    /* Set by runrecord_read: some process's samples exceed its CPU at the
     * sampling rate (see RUNRECORD_SAMPLE_MARGIN). */
    int samples_flagged;
} runrecord;

/* A new record with every number unknown (NAN / RUNRECORD_UNKNOWN), for the
 * writer to fill. NULL when out of memory. Free with runrecord_free. */
runrecord *runrecord_new(void);

/* Free a record and everything it owns. NULL is a no-op. */
void runrecord_free(runrecord *r);

/* Copy the workload's "threads" array (wl_threads_json) into p->threads.
 * Entries that are not objects with a name and a finite cpu_s are skipped;
 * absent or not an array leaves none. Returns 0, or -1 when out of memory. */
int runrecord_proc_threads(runrecord_proc *p, json_t *threads);

/* Duplicate 's' into *dst (freeing the old value); NULL stays NULL.
 * Returns 0, or -1 when out of memory. */
int runrecord_set_str(char **dst, const char *s);

/* The record as JSON (new reference), or NULL when out of memory. */
json_t *runrecord_to_json(const runrecord *r);

/* Write the record to 'path' atomically (temp file + rename), indented with
 * sorted keys. Returns 0 or -1 with 'err' naming the file. */
int runrecord_write(const runrecord *r, const char *path, error *err);

/* Validate and convert a parsed record. 'name' names it in errors (the file).
 * On success *out is owned by the caller; on error *out is NULL and 'err'
 * (ERR_INPUT) names the file and the field. */
int runrecord_from_json(runrecord **out, json_t *j, const char *name, error *err);

/* What trial 'r' had to store: events.expected_stored, or the requested
 * count when the record predates that field. */
int64_t runrecord_expected_stored(const runrecord *r);

/* Read and validate the trial record at 'path'. As runrecord_from_json. */
int runrecord_read(runrecord **out, const char *path, error *err);

/* ---- run.json ----------------------------------------------------------- */

/* A run's status as run.json says. */
typedef enum runrecord_status {
    RUNRECORD_RUNNING,     /* written at start: the runner is running, or was killed */
    RUNRECORD_OK,          /* every trial passed */
    RUNRECORD_FAILED,      /* a trial or process failed: the records say which */
    RUNRECORD_INTERRUPTED, /* stopped by SIGINT/SIGTERM */
} runrecord_status;

/* run.json: the typed fields, plus the whole document for its descriptive
 * parts (config, versions, host, ...). */
typedef struct runrecord_run {
    char *run_id;
    runrecord_status status;
    char *failure; /* NULL: null */
    json_t *json;  /* the whole document (owned) */
} runrecord_run;

/* The name of a status ("running", "ok", ...). */
const char *runrecord_status_name(runrecord_status s);

/* Write run.json 'j' (its "status" and "failure" set from 'status' and
 * 'failure' first) to 'path' atomically. Returns 0 or -1 with 'err'. */
int runrecord_run_write(json_t *j, runrecord_status status, const char *failure,
                        const char *path, error *err);

/* Read <dir>/run.json. With 'complete' set, a run still "running" (the
 * runner was killed) or "interrupted" is refused. On success *out is owned
 * by the caller (runrecord_run_free); on error *out is NULL and 'err'
 * (ERR_INPUT) names the file and the field. */
int runrecord_run_read(runrecord_run **out, const char *dir, int complete, error *err);

/* Free a run.json. NULL is a no-op. */
void runrecord_run_free(runrecord_run *r);

/* Refuse (ERR_INPUT) a list of run directories that names the same directory
 * twice (by device and inode, so "a", "./a" and a symlink to it all count),
 * or a directory that cannot be opened. */
int runrecord_check_dirs(const char *const *dirs, size_t n, error *err);

#endif
