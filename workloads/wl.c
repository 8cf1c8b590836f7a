#include "wl.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gperftools/profiler.h>

#include "chatproto.h"

/* The options, as data: name, chat_nats only, kind, field, range. */
typedef enum wl_kind { WL_I64, WL_INT, WL_BOOL, WL_STR, WL_RATE } wl_kind;

typedef struct wl_opt {
    const char *name;
    int nats;
    wl_kind kind;
    size_t off;
    int64_t min, max;
} wl_opt;

#define WL_FIELD(f) offsetof(wl_options, f)

static const wl_opt wl_opts[] = {
    {"--events", 0, WL_I64, WL_FIELD(events), 0, INT64_MAX},
    {"--db", 0, WL_STR, WL_FIELD(db), 0, 0},
    {"--journal", 0, WL_STR, WL_FIELD(journal), 0, 0},
    {"--sync", 0, WL_STR, WL_FIELD(sync), 0, 0},
    {"--batch", 0, WL_INT, WL_FIELD(batch), 1, INT_MAX},
    {"--batch-ms", 0, WL_INT, WL_FIELD(batch_ms), 0, 3600000},
    {"--delay-ms", 0, WL_INT, WL_FIELD(delay_ms), 0, 60000},
    {"--variant", 0, WL_STR, WL_FIELD(variant_name), 0, 0},
    {"--profile", 0, WL_STR, WL_FIELD(profile), 0, 0},
    {"--freq", 0, WL_INT, WL_FIELD(freq), 1, 4000},
    {"--sampler", 0, WL_STR, WL_FIELD(sampler_name), 0, 0},
    {"--rate", 0, WL_RATE, WL_FIELD(rate), 0, 0},
    {"--result", 0, WL_STR, WL_FIELD(result), 0, 0},
    {"--mode", 1, WL_STR, WL_FIELD(mode), 0, 0},
    {"--subject", 1, WL_STR, WL_FIELD(subject), 0, 0},
    {"--url", 1, WL_STR, WL_FIELD(url), 0, 0},
    {"--expect", 1, WL_I64, WL_FIELD(expect), 0, INT64_MAX},
    {"--ready-fd", 1, WL_INT, WL_FIELD(ready_fd), 0, INT_MAX},
    {"--window-fd", 1, WL_INT, WL_FIELD(window_fd), 0, INT_MAX},
    {"--malformed", 1, WL_I64, WL_FIELD(malformed), 0, INT64_MAX},
    {"--queue", 1, WL_STR, WL_FIELD(queue), 0, 0},
    {"--end-marker", 1, WL_BOOL, WL_FIELD(end_marker), 0, 1},
    {"--js", 1, WL_BOOL, WL_FIELD(js), 0, 1},
    {"--js-admin", 1, WL_BOOL, WL_FIELD(js_admin), 0, 1},
    {"--shared-db", 1, WL_BOOL, WL_FIELD(shared_db), 0, 1},
    {"--js-replicas", 1, WL_INT, WL_FIELD(js_replicas), 1, 5},
    {"--js-storage", 1, WL_STR, WL_FIELD(js_storage), 0, 0},
    {"--stall-ms", 1, WL_INT, WL_FIELD(stall_ms), 1, INT_MAX},
    {"--idle-ms", 1, WL_INT, WL_FIELD(idle_ms), 0, 60000},
    {"--store-subject", 1, WL_STR, WL_FIELD(store_subject), 0, 0},
};

/* Store one option's value 'v' into its field. */
static int wl_set(wl_options *opts, const wl_opt *o, const char *v, error *err) {
    char *field = (char *)opts + o->off;
    char *end = NULL;
    if (o->kind == WL_STR) {
        memcpy(field, &v, sizeof v);
        return 0;
    }
    if (o->kind == WL_RATE) {
        double r = strtod(v, &end);
        if (end == v || *end != '\0' || !(r >= 0))
            return error_set(err, ERR_INPUT, "%s: bad rate '%s'", o->name, v);
        memcpy(field, &r, sizeof r);
        return 0;
    }
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < o->min || x > o->max)
        return error_set(err, ERR_INPUT,
                         "%s: expected an integer in %lld..%lld, got '%s'", o->name,
                         (long long)o->min, (long long)o->max, v);
    if (o->kind == WL_I64) {
        int64_t i = x;
        memcpy(field, &i, sizeof i);
    } else {
        int i = (int)x;
        memcpy(field, &i, sizeof i);
    }
    return 0;
}

static void wl_defaults(wl_options *opts) {
    memset(opts, 0, sizeof *opts);
    opts->events = -1;
    opts->db = ":memory:";
    opts->batch = 1;
    opts->batch_ms = CHATVARIANT_BATCH_MS;
    opts->variant_name = "baseline";
    opts->freq = 250;
    opts->sampler_name = "itimer";
    opts->expect = -1;
    opts->ready_fd = -1;
    opts->window_fd = -1;
    opts->stall_ms = 5000;
    opts->subject = CHATPROTO_SUBJECT;
    opts->js_replicas = 1;
    opts->js_storage = "file";
    opts->url = getenv("NATS_URL");
}

/* The variant named in the options, its batch, and the values that only
 * make sense together. */
static int wl_check(wl_options *opts, int nats, error *err) {
    if (opts->events < 0)
        return error_set(err, ERR_INPUT, "--events N is required");
    /* Published on a subject the service does not subscribe to: nothing is
     * stored, nothing waited for (the team's test as written). */
    int unstored = opts->store_subject != NULL && opts->subject != NULL &&
                   strcmp(opts->store_subject, opts->subject) != 0;
    if (opts->expect < 0)
        opts->expect = unstored ? 0 : opts->events;
    int sampler = wl_sampler_parse(opts->sampler_name);
    if (sampler < 0)
        return error_set(err, ERR_INPUT,
                         "--sampler: '%s' is not itimer, thread-timers or task-clock",
                         opts->sampler_name);
    opts->sampler = (wl_sampler)sampler;
    wl_threads_configure(opts->sampler, opts->freq);
    opts->variant = chatvariant_find(opts->variant_name);
    if (opts->variant == NULL || (!nats && !opts->variant->direct))
        return error_set(err, ERR_INPUT,
                         "--variant: '%s' is not a variant of %s (see --help)",
                         opts->variant_name, nats ? "chat_nats" : "chat_direct");
    if (opts->variant->batch > 1) {
        if (opts->batch != 1 && opts->batch != opts->variant->batch)
            return error_set(err, ERR_INPUT,
                             "--batch %d conflicts with --variant %s (%d per commit)",
                             opts->batch, opts->variant->name, opts->variant->batch);
        opts->batch = opts->variant->batch;
    }
    if (!nats)
        return 0;
    if (opts->mode == NULL ||
        (strcmp(opts->mode, "inproc") != 0 && strcmp(opts->mode, "bot") != 0 &&
         strcmp(opts->mode, "service") != 0 && strcmp(opts->mode, "js-clean") != 0))
        return error_set(err, ERR_INPUT,
                         "--mode must be inproc, bot, service or js-clean");
    if (strcmp(opts->js_storage, "file") != 0 && strcmp(opts->js_storage, "memory") != 0)
        return error_set(err, ERR_INPUT, "--js-storage: file or memory, not '%s'",
                         opts->js_storage);
    if (opts->url == NULL || *opts->url == '\0')
        return error_set(err, ERR_INPUT, "no NATS URL: give --url or set NATS_URL");
    return 0;
}

int wl_parse(wl_options *opts, int argc, char **argv, int nats, error *err) {
    wl_defaults(opts);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            opts->help = 1;
            return 0;
        }
        const wl_opt *o = NULL;
        for (size_t k = 0; o == NULL && k < sizeof wl_opts / sizeof wl_opts[0]; k++)
            if (strcmp(a, wl_opts[k].name) == 0 && (nats || !wl_opts[k].nats))
                o = &wl_opts[k];
        if (o == NULL)
            return error_set(err, ERR_INPUT, "unknown option '%s' (see --help)", a);
        if (i + 1 >= argc)
            return error_set(err, ERR_INPUT, "%s: missing value", a);
        if (wl_set(opts, o, argv[++i], err) != 0)
            return -1;
    }
    return wl_check(opts, nats, err);
}

static const char wl_usage_common[] =
    "  --events N        events to log/publish (required)\n"
    "  --db PATH         \":memory:\" (default) or a file name\n"
    "  --journal MODE    PRAGMA journal_mode (default: SQLite's)\n"
    "  --sync LEVEL      PRAGMA synchronous (default: SQLite's)\n"
    "  --batch B         events per commit (default 1); a batch is also committed when\n"
    "                    no event is waiting, or once its oldest event waited "
    "--batch-ms\n"
    "  --batch-ms T      age limit of an open batch in ms (default 50)\n"
    "  --variant NAME    a what-if variant, below (default baseline)\n"
    "  --profile FILE    profile the measured work into FILE\n"
    "  --freq HZ         sampling frequency (default 250)\n"
    "  --sampler S       itimer (default), thread-timers or task-clock\n"
    "  --rate R          events per second (default: as fast as possible)\n"
    "  --result FILE     the result JSON (default: stdout); it includes the\n"
    "                    publish-to-commit latency p50/p99 of the stored events\n"
    "  --delay-ms D      test hook: sleep D ms before every commit\n";

static const char wl_usage_nats[] =
    "  --mode inproc|bot|service|js-clean   (required)\n"
    "  --url URL         nats-server (default $NATS_URL)\n"
    "  --expect N        service: events to wait for (default --events)\n"
    "  --ready-fd FD     service: write \"ready\\n\" there once subscribed\n"
    "  --window-fd FD    write start/stop there as the measured window opens/closes\n"
    "  --malformed K     bot: also publish K malformed events\n"
    "  --stall-ms MS     fail when no event arrives for MS ms (default 5000)\n"
    "  --subject S       default rosey.events.chat\n"
    "  --queue GROUP     service: join a queue group, complete on the end marker\n"
    "  --end-marker 0|1  bot: publish SUBJECT.end after the last event\n"
    "  --js 0|1, --js-admin 0|1, --js-replicas R, --js-storage file|memory\n"
    "  --shared-db 0|1   service: other services write the same database file\n"
    "  --idle-ms MS      first sleep MS ms, connected and subscribed, and report the\n"
    "                    process's own CPU over it (idle.cpu_s, idle.wall_s)\n"
    "  --store-subject S inproc: the service subscribes to S instead of --subject;\n"
    "                    events published on another subject are not stored (the\n"
    "                    team's test as written), so none are waited for\n";

void wl_usage(FILE *out, int nats) {
    fprintf(out, "usage: %s --events N [options]\n\n%s%s\nvariants:\n",
            nats ? "chat_nats --mode MODE" : "chat_direct", wl_usage_common,
            nats ? wl_usage_nats : "");
    size_t n = 0;
    const chat_variant *v = chatvariant_all(&n);
    for (size_t i = 0; i < n; i++)
        if (nats || v[i].direct)
            fprintf(out, "  %s\n    changes: %s.\n    gives up: %s.\n", v[i].name,
                    v[i].changes, v[i].gives_up);
}

chatlog_config wl_chatlog_config(const wl_options *opts, int dedupe, int busy_ms) {
    chatlog_config cfg = {.path = opts->db,
                          .journal = opts->journal,
                          .synchronous = opts->sync,
                          .batch = opts->batch,
                          .dedupe = dedupe,
                          .busy_ms = busy_ms,
                          .batch_ms = opts->batch_ms,
                          .delay_ms = opts->delay_ms,
                          .expect = opts->expect > 0 ? opts->expect : opts->events};
    return cfg;
}

void wl_result_variant(json_t *result, const wl_options *opts, const chatlog *log) {
    const chat_variant *v = opts->variant;
    json_object_set_new(
        result, "variant",
        json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s}", "name", v->name, "batch",
                  opts->batch, "batch_ms", opts->batch_ms, "destroy_group",
                  v->destroy_group, "encoding", chatcodec_name(v->encoding), "changes",
                  v->changes, "gives_up", v->gives_up, "code_change", v->code_change));
    chatlog_latency lat;
    error err;
    error_clear(&err);
    if (log == NULL || chatlog_latency_get(log, &lat, &err) != 0) {
        json_object_set_new(result, "latency", json_null());
        return;
    }
    json_object_set_new(result, "latency",
                        json_pack("{s:I, s:f, s:f, s:f, s:f, s:i}", "events",
                                  (json_int_t)lat.n, "p50_us", lat.p50_us, "p99_us",
                                  lat.p99_us, "max_us", lat.max_us, "mean_us",
                                  lat.mean_us, "injected_delay_ms", opts->delay_ms));
}

int wl_ensure_frequency(const wl_options *opts, char **argv, error *err) {
    char want[32];
    snprintf(want, sizeof want, "%d", opts->freq);
    const char *have = getenv("CPUPROFILE_FREQUENCY");
    const char *pt = getenv("CPUPROFILE_PER_THREAD_TIMERS");
    int want_pt = opts->sampler == WL_SAMPLER_THREAD_TIMERS;
    int pt_ok = want_pt ? pt != NULL && strcmp(pt, "1") == 0 : pt == NULL;
    if (opts->profile == NULL || (have != NULL && strcmp(have, want) == 0 && pt_ok))
        return 0;
    if (setenv("CPUPROFILE_FREQUENCY", want, 1) != 0 ||
        (want_pt ? setenv("CPUPROFILE_PER_THREAD_TIMERS", "1", 1)
                 : unsetenv("CPUPROFILE_PER_THREAD_TIMERS")) != 0)
        return error_errno(err, ERR_SYSTEM, errno, "setenv");
    execv("/proc/self/exe", argv);
    return error_errno(err, ERR_SYSTEM, errno, "re-exec /proc/self/exe");
}

static double wl_clock(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double wl_mono(void) {
    return wl_clock(CLOCK_MONOTONIC);
}

double wl_realtime(void) {
    return wl_clock(CLOCK_REALTIME);
}

static void wl_rusage(double *user, double *sys) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void wl_idle(const wl_options *opts, double *cpu_s, double *wall_s) {
    *cpu_s = *wall_s = 0;
    if (opts->idle_ms <= 0)
        return;
    double u0, s0, u1, s1, t0 = wl_mono();
    wl_rusage(&u0, &s0);
    double due = t0 + opts->idle_ms / 1000.0;
    struct timespec ts = {.tv_sec = (time_t)due,
                          .tv_nsec = (long)((due - (double)(time_t)due) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    wl_rusage(&u1, &s1);
    *wall_s = wl_mono() - t0;
    *cpu_s = (u1 - u0) + (s1 - s0);
}

int wl_window_start(wl_window *w, const wl_options *opts, error *err) {
    memset(w, 0, sizeof *w);
    w->fd = -1;
    if (opts->profile != NULL) {
        if (!ProfilerStart(opts->profile))
            return error_set(err, ERR_SYSTEM, "ProfilerStart(%s) failed", opts->profile);
        w->profiling = 1;
        if (wl_sampler_start() != 0) {
            int e = errno;
            ProfilerStop();
            w->profiling = 0;
            return error_errno(err, ERR_SYSTEM, e,
                               "--sampler task-clock: perf_event_open (needs root, "
                               "CAP_PERFMON or kernel.perf_event_paranoid <= 1; "
                               "--sampler itimer does without)");
        }
    }
    wl_threads_snap_take(&w->th0);
    wl_rusage(&w->user0, &w->sys0);
    w->wall0 = wl_mono();
    /* Tell the runner (a failed write only costs it the broker's window). */
    w->fd = opts->window_fd;
    if (w->fd >= 0 && write(w->fd, "start\n", 6) != 6)
        w->fd = -1;
    return 0;
}

void wl_window_stop(wl_window *w) {
    double u, s;
    w->wall_s = wl_mono() - w->wall0;
    wl_rusage(&u, &s);
    w->user_s = u - w->user0;
    w->sys_s = s - w->sys0;
    /* Large (64 threads): not on the stack of the caller's caller. */
    static wl_threads_snap th1;
    wl_threads_snap_take(&th1);
    json_decref(w->threads);
    w->threads = wl_threads_json(&w->th0, &th1);
    if (w->fd >= 0) {
        ssize_t k = write(w->fd, "stop\n", 5);
        (void)k;
        w->fd = -1; /* once */
    }
    if (w->profiling) {
        wl_sampler_stop();
        ProfilerStop();
        w->profiling = 0;
    }
}

void wl_window_half(wl_window *w, int64_t events) {
    if (w->half_done || w->wall_s > 0 || w->wall0 == 0)
        return;
    double u, s;
    wl_rusage(&u, &s);
    w->half_wall_s = wl_mono() - w->wall0;
    w->half_user_s = u - w->user0;
    w->half_sys_s = s - w->sys0;
    w->half_events = events;
    w->half_done = 1;
    if (w->fd >= 0) {
        ssize_t k = write(w->fd, "half\n", 5);
        (void)k; /* the runner then only misses the broker's half */
    }
}

int wl_early(const wl_options *opts, double start, int64_t i) {
    return opts->rate > 0 && wl_mono() < start + (double)i / opts->rate;
}

void wl_pace(const wl_options *opts, double start, int64_t i) {
    if (opts->rate <= 0)
        return;
    double due = start + (double)i / opts->rate;
    /* Behind schedule: no sleep call at all. clock_nanosleep with a deadline
     * already past still arms and fires a timer, which in this VM costs
     * ~13 us of CPU per event (direct at 10,000/s: 39 us per event with 0.02
     * sleeps per event, 26 us unpaced): the load generator's cost, not the
     * architecture's. */
    if (wl_mono() >= due)
        return;
    struct timespec ts = {.tv_sec = (time_t)due,
                          .tv_nsec = (long)((due - (double)(time_t)due) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* The window's per-thread deltas ("threads") and half-way point
 * ("measured.half"), when it has them, added to the result 'res'. */
static json_t *wl_result_add_window(json_t *res, const wl_window *w) {
    if (res != NULL && w->threads != NULL)
        json_object_set(res, "threads", w->threads);
    if (res != NULL && w->half_done)
        json_object_set_new(json_object_get(res, "measured"), "half",
                            json_pack("{s:f, s:f, s:f, s:I}", "user_s", w->half_user_s,
                                      "sys_s", w->half_sys_s, "wall_s", w->half_wall_s,
                                      "events", (json_int_t)w->half_events));
    return res;
}

json_t *wl_result_new(const char *role, const wl_options *opts, const wl_window *w) {
    return wl_result_add_window(
        json_pack("{s:s, s:{s:I}, s:{s:f, s:f, s:f, s:f, s:f}, s:{s:s, s:s?, s:s?, s:i}, "
                     "s:s?, s:i, s:f}",
                     "role", role, "events", "requested", (json_int_t)opts->events,
                     "measured", "user_s", w->user_s, "sys_s", w->sys_s, "wall_s",
                     w->wall_s, "mono_start", w->wall0, "mono_stop", w->wall0 + w->wall_s,
                     "db", "path", opts->db, "journal_requested",
                     opts->journal, "synchronous_requested", opts->sync, "batch",
                     opts->batch, "profile", opts->profile, "frequency_hz", opts->freq,
                     "rate_requested", opts->rate),
        w);
}

int wl_result_write(const wl_options *opts, json_t *result, const error *err) {
    int ok = err == NULL || err->kind == ERR_NONE;
    json_object_set_new(result, "ok", json_boolean(ok));
    json_object_set_new(result, "error", ok ? json_null() : json_string(err->text));
    if (opts->result == NULL) {
        int rc = json_dumpf(result, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        return rc;
    }
    /* Written under a temporary name and renamed, so that the runner never
     * reads half a file. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", opts->result);
    if (json_dump_file(result, tmp, JSON_INDENT(2)) != 0)
        return -1;
    return rename(tmp, opts->result);
}
