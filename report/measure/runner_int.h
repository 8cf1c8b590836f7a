/* runner_int: what runner.c (the run), trial.c (one trial) and spawn.c
 * (names, workload command lines and processes) share. Private to
 * report/measure. Calls go one way: runner.c -> trial.c -> spawn.c and
 * results.c (runner.c also calls spawn.c's name functions). */
#ifndef OVERHEAD_RUNNER_INT_H
#define OVERHEAD_RUNNER_INT_H

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <jansson.h>

#include "chatproto.h"
#include "error.h"
#include "natscluster.h"
#include "runner.h"
#include "runrecord.h"

/* Path buffers. The run directory is kept shorter than a path so that every
 * file name built under it fits: runner_validate refuses a longer out_dir. */
#define RUNNER_PATH_MAX    4096
#define RUNNER_DIR_MAX     3000
#define RUNNER_OUT_DIR_MAX 2900
#define RUNNER_URL_MAX     256
#define RUNNER_BASE_MAX    200 /* trial-NN-<tag> / warmup-<tag> */
/* A workload's command line: at most this many arguments (runner_args uses
 * at most 37, a replica arm at most 36; the last four slots are --window-fd and --ready-fd). */
#define RUNNER_MAX_ARGS 50

/* Timing of a trial (seconds unless named otherwise). */
#define RUNNER_POLL_US        10000 /* wait loop period */
#define RUNNER_POLL_MS        (RUNNER_POLL_US / 1000)
#define RUNNER_READY_S        20.0  /* a service's "ready" line */
#define RUNNER_GRACE_S        8.0   /* several services: the others may finish */
#define RUNNER_SERVER_DEATH_S 2.0   /* one server died: the workloads may say so */
#define RUNNER_JS_CLEAN_S     45.0  /* deleting the JetStream stream */
#define RUNNER_STALL_MS       5000  /* a workload's own stall timeout */
#define RUNNER_JS_STALL_MS    CHATPROTO_JS_FAILOVER_MS /* leader elections: no stall */

/* Set by runner_request_stop (signal handlers). */
extern volatile sig_atomic_t runner_stop_flag;

/* ---- spawn.c: names ---- */

/* What `--storage` names mean. */
typedef struct storage_preset {
    const char *name;
    int memory;
    const char *journal;
    const char *synchronous;
} storage_preset;

/* The preset called 'name', or NULL. */
const storage_preset *runner_storage(const char *name);

/* Does workload variant 'name' exist (CHATPROTO_VARIANTS), and apply to
 * 'arch' (direct: CHATPROTO_DIRECT_VARIANTS)? */
int runner_variant_applies(const char *name, const char *arch);

/* Architectures with a bot and K services, each service its own process. */
int runner_multi(const char *arch);

/* One variant: what a trial measures. */
typedef struct variant {
    const char *arch;
    const char *storage;
    int profiled;
    const char *aa_group; /* "A"/"B" for the A/A control, else NULL */
    const char *wvariant; /* the workloads' --variant, or NULL (their default) */
    int replica;          /* RUNRECORD_REPLICA_WRITTEN / _STORED, or 0 */
    char tag[96];
} variant;

/* One workload process of a trial. */
typedef struct child {
    const char *role;         /* "direct", "inproc", "bot", "service" */
    int index;                /* service index (0..K-1); 0 for the others */
    int node;                 /* the node it connects to */
    char db[RUNNER_PATH_MAX]; /* its database (multi-service architectures) */
    pid_t pid;
    int done;
    int status;
    struct rusage ru;
    double t0, t1;
    char result[RUNNER_PATH_MAX];
    char prof[RUNNER_PATH_MAX]; /* empty when unprofiled */
    char log[RUNNER_PATH_MAX];
    char prof_rel[RUNNER_URL_MAX];
    int window; /* tell its measured window's edges (--window-fd) */
    int win_fd; /* the read end of that pipe, or -1 */
    pid_t perf_pid; /* perf record on it (perfrec), or 0 */
} child;

/* The run's state, shared by its trials. */
typedef struct runner {
    const runner_config *cfg;
    char dir[RUNNER_DIR_MAX];
    char run_id[64];
    natscluster *servers; /* started by the runner, or NULL */
    int nnodes;
    char node_url[NATSCLUSTER_MAX][RUNNER_URL_MAX];
    pid_t node_pid[NATSCLUSTER_MAX];                   /* 0: unknown */
    char urls[NATSCLUSTER_MAX * (RUNNER_URL_MAX + 4)]; /* every node, comma-separated */
    const char *url;                                   /* node 0 */
    pid_t server_pid;
    int jetstream;
    json_t *env; /* versions, host, git, command: copied into every record */
} runner;

/* Seconds of a timeval (spawn.c). */
double runner_tv(const struct timeval *tv);

/* ---- spawn.c: processes ---- */

/* Build the workload command line of child 'c' of variant 'v' into 'argv'
 * (strings in 'store'; NULL-terminated; room left for two more arguments). */
void runner_args(const runner *r, const variant *v, const child *c, int64_t n,
                 const char *db, char **argv, char store[][RUNNER_PATH_MAX]);

/* Start child 'c' with 'argv'. A service is given --ready-fd and waited for
 * (its "ready" line): when it does not become ready, 'fail' (size 'size')
 * says why and 0 is returned. With c->window it is given --window-fd, whose
 * read end is c->win_fd (the caller closes it). Returns -1 with 'err' when
 * nothing could be started. */
int runner_spawn(child *c, char **argv, char store[][RUNNER_PATH_MAX], char *fail,
                 size_t size, error *err);

/* Kill (SIGKILL) and reap every child not yet reaped. */
void runner_kill_children(child *ch, int n);

/* Remove a database file and its WAL/journal companions. */
void runner_remove_db(const char *db);

/* After a jetstream trial: delete the stream (outside the measured window).
 * A failure is noted in 'fail' when it holds none yet. */
void runner_js_clean(const runner *r, const char *base, char *fail, size_t size);

/* Why child 'c' failed, from its exit status and the last line of its log
 * (the workload's own error, e.g. "disk I/O error", or a signal's name and
 * the file system's free space): into 'out'. */
void runner_child_failure(const runner *r, const child *c, int multi, char *out,
                          size_t size);

/* ---- results.c ---- */

/* Rows and distinct event ids over the databases 'dbs[0..n)' (opened
 * read-only after the workloads exited). Returns 0 or -1 with 'err'. */
int runner_count_ids(int64_t *rows, int64_t *unique, const char *const *dbs, int n,
                     error *err);

/* The variant and (with 'latency': one storing process) the
 * publish-to-commit latency the storing workload reported in its result
 * 'res' (NULL: none), into the record. Returns 0 or -1 (out of memory). */
int runner_result_variant(runrecord *rec, json_t *res, int latency);

/* A replica arm's protocol, subjects and idle window (from the workload's
 * result 'res', NULL: none) into the record. Returns 0 or -1 (out of memory). */
int runner_result_replica(runrecord *rec, const variant *v, json_t *res);

/* ---- trial.c ---- */

/* Run one trial of 'v' with 'n' events; 'base' names its files. The record is
 * returned in *out (caller frees) even when the trial failed, unless nothing
 * could be run (-1 with 'err'). *ok says whether it passed. */
int runner_trial(runrecord **out, int *ok, runner *r, const variant *v, int index,
                 int round, int64_t n, const char *base, error *err);

#endif
