/* wl: what the workload programs share: their command line, the profiled
 * window (ProfilerStart/ProfilerStop with the CPU and wall time it covered)
 * and the result file the runner reads.
 *
 * Options common to chat_direct and chat_nats:
 *   --events N        events to log/publish (required, >= 0)
 *   --db PATH         ":memory:" (default) or a file name
 *   --journal MODE    PRAGMA journal_mode (default: SQLite's)
 *   --sync LEVEL      PRAGMA synchronous (default: SQLite's)
 *   --batch B         events per commit (default 1: autocommit each, as the bot);
 *                     a batch is also committed when no event is waiting
 *                     (the service's queue is empty, or the direct loop is
 *                     ahead of --rate) or once its oldest event waited
 *                     --batch-ms
 *   --batch-ms T      the age limit of an open batch (default 50)
 *   --variant NAME    a what-if variant (chatvariant.h; default baseline); the
 *                     bot and the service of one trial must use the same
 *   --delay-ms D      test hook: sleep D ms before every commit (default 0)
 *   --profile FILE    profile the measured work into FILE (default: unprofiled)
 *   --freq HZ         sampling frequency; sets CPUPROFILE_FREQUENCY and
 *                     re-executes itself so gperftools sees it (default 250)
 *   --sampler S       itimer (gperftools' default, and ours), thread-timers
 *                     or task-clock (see wlthreads.h); thread-timers
 *                     sets CPUPROFILE_PER_THREAD_TIMERS=1 the same way
 *   --rate R          pace events at R per second (default: as fast as possible)
 *   --result FILE     write the result JSON there (default: stdout)
 * chat_nats only:
 *   --mode inproc|bot|service|js-clean (js-clean: delete the JetStream stream and
 *          exit; the runner's clean-up after a jetstream trial), --url URL
 *          (default $NATS_URL),
 *   --expect N (service: events to wait for; default --events),
 *   --ready-fd FD (service: write "ready\n" there once subscribed and flushed),
 *   --window-fd FD (write "start\n" there when the measured window opens and
 *                   "stop\n" when it closes: the runner reads nats-server's
 *                   CPU at those edges),
 *   --malformed K (bot: also publish K malformed events, spread out),
 *   --stall-ms MS (fail when no event arrives for MS ms; default 5000),
 *   --subject S (default rosey.events.chat),
 *   --queue GROUP (service: join this queue group and complete on the bot's end
 *                  marker instead of after --expect events),
 *   --end-marker 0|1 (bot: publish SUBJECT.end after the last event),
 *   --js 0|1 (JetStream: the bot publishes with acks and message ids, the
 *             service pulls from the durable consumer and acks after commit;
 *             --expect is then the events of the whole group),
 *   --js-admin 0|1 (service: re-create the stream and consumer first),
 *   --js-replicas R, --js-storage file|memory (with --js-admin),
 *   --shared-db 0|1 (service: other services write the same database file, so
 *                    its row count is not this process's alone)
 * Every event the bot publishes carries its id ("id": 0..N-1), stored in
 * chat_log.event_id; with --js the service ignores an id already stored.
 * Every event also carries its publish time, from which the storing process
 * reports the publish-to-commit latency ("latency" in the result).
 * --help prints this, and the variants, on stdout.
 */
#ifndef OVERHEAD_WL_H
#define OVERHEAD_WL_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "chatlog.h"
#include "chatvariant.h"
#include "error.h"
#include "wlthreads.h"

typedef struct wl_options {
    int64_t events;
    const char *db;
    const char *journal;
    const char *sync;
    int batch;
    int batch_ms;
    int delay_ms;
    const char *variant_name;
    const chat_variant *variant;
    int help;
    const char *profile;
    int freq;
    double rate;
    const char *result;
    const char *mode;
    const char *url;
    int64_t expect;
    int ready_fd;
    int window_fd;
    int64_t malformed;
    int stall_ms;
    const char *subject;
    const char *queue;
    int end_marker;
    int js;
    int js_admin;
    int shared_db;
    int js_replicas;
    const char *js_storage;
    const char *sampler_name;
    wl_sampler sampler;
    int idle_ms;               /* measure own CPU idle over this long, before the window */
    const char *store_subject; /* inproc/service: subscribe here instead of --subject */
} wl_options;

/* Parse the options above into *opts (defaults filled first). 'nats' allows
 * the chat_nats-only options and variants. --help sets opts->help and stops.
 * A variant's batch becomes opts->batch (an explicit different --batch is an
 * error). Returns 0, or -1 with ERR_INPUT in 'err'. */
int wl_parse(wl_options *opts, int argc, char **argv, int nats, error *err);

/* Print the usage of chat_nats ('nats') or chat_direct, with the variants. */
void wl_usage(FILE *out, int nats);

/* The chat log's settings from the options ('dedupe' and 'busy_ms' as the
 * caller needs them). */
chatlog_config wl_chatlog_config(const wl_options *opts, int dedupe, int busy_ms);

/* Add to 'result' the variant, the batching settings and the
 * publish-to-commit latency of 'log' (NULL: no latency). */
void wl_result_variant(json_t *result, const wl_options *opts, const chatlog *log);

/* When --freq differs from CPUPROFILE_FREQUENCY in the environment, set it and
 * re-execute /proc/self/exe (gperftools reads it once, at load time). Returns
 * only on failure or when nothing needed doing; 0 or -1 with 'err'. */
int wl_ensure_frequency(const wl_options *opts, char **argv, error *err);

/* The measured window: CPU (getrusage RUSAGE_SELF) and monotonic wall time. */
typedef struct wl_window {
    double user0, sys0, wall0;
    double user_s, sys_s, wall_s;
    int profiling;
    int fd; /* --window-fd, or -1 */
    wl_threads_snap th0; /* the threads at the start */
    json_t *threads;     /* per-thread deltas at the stop (wl_threads_json), owned */
    /* The first half of the events (wl_window_half): CPU and wall from the
     * start to the moment the process had handled half_events of them. */
    int half_done;
    int64_t half_events;
    double half_user_s, half_sys_s, half_wall_s;
} wl_window;

/* Sleep opts->idle_ms (connected and subscribed, nothing published) and
 * return this process's CPU seconds over it in *cpu_s and the wall seconds
 * in *wall_s: the idle CPU the team's protocol subtracts (both 0 when
 * idle_ms is 0). */
void wl_idle(const wl_options *opts, double *cpu_s, double *wall_s);

/* Start the window, and the profiler when opts->profile is set. */
int wl_window_start(wl_window *w, const wl_options *opts, error *err);

/* Stop the profiler (if started) and close the window. */
void wl_window_stop(wl_window *w);

/* Mark the window's half-way point: this process has handled 'events' (half
 * of what it will handle). Records its CPU and wall time since the start
 * (the first call only: later ones, and calls after the stop, do nothing)
 * and tells the runner ("half\n" on --window-fd), which reads the broker's
 * CPU then. Any thread may call it once the window is open. The two halves
 * give the noise within a trial (the analysis's variance components). */
void wl_window_half(wl_window *w, int64_t events);

/* Seconds on CLOCK_MONOTONIC / CLOCK_REALTIME. */
double wl_mono(void);
double wl_realtime(void);

/* Sleep until event 'i' is due at opts->rate events/s after 'start' (monotonic
 * seconds); no-op when rate is 0 or the event is already due (no sleep call:
 * even one that returns at once arms a timer, which costs CPU). */
void wl_pace(const wl_options *opts, double start, int64_t i);

/* 1 when event 'i' is not due yet (wl_pace would sleep), 0 otherwise. */
int wl_early(const wl_options *opts, double start, int64_t i);

/* The result skeleton: {"role", "events":{}, "measured":{}, "db":{}, "profile",
 * "threads":[] (the window's per-thread CPU and context switches, see
 * wlthreads.h; absent when they could not be read)}.
 * New reference, or NULL when out of memory. */
json_t *wl_result_new(const char *role, const wl_options *opts, const wl_window *w);

/* Write 'result' (adds "ok" and "error" from 'err') to opts->result or stdout.
 * Returns 0 or -1. */
int wl_result_write(const wl_options *opts, json_t *result, const error *err);

#endif
