#include "wl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gperftools/profiler.h>

#include "chatproto.h"

/* Parse a non-negative integer option value. */
static int wl_int(int64_t *out, const char *name, const char *v, int64_t min,
                  error *err) {
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < min)
        return error_set(err, ERR_INPUT, "%s: expected an integer >= %lld, got '%s'",
                         name, (long long)min, v);
    *out = x;
    return 0;
}

int wl_parse(wl_options *opts, int argc, char **argv, int nats, error *err) {
    memset(opts, 0, sizeof *opts);
    opts->events = -1;
    opts->db = ":memory:";
    opts->batch = 1;
    opts->freq = 250;
    opts->expect = -1;
    opts->ready_fd = -1;
    opts->window_fd = -1;
    opts->stall_ms = 5000;
    opts->subject = CHATPROTO_SUBJECT;
    opts->js_replicas = 1;
    opts->js_storage = "file";
    opts->url = getenv("NATS_URL");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return error_set(err, ERR_INPUT, "%s: missing value (or unknown option)", a);
        const char *v = argv[++i];
        int64_t x = 0;
        if (strcmp(a, "--events") == 0) {
            if (wl_int(&opts->events, a, v, 0, err) != 0)
                return -1;
        } else if (strcmp(a, "--db") == 0) {
            opts->db = v;
        } else if (strcmp(a, "--journal") == 0) {
            opts->journal = v;
        } else if (strcmp(a, "--sync") == 0) {
            opts->sync = v;
        } else if (strcmp(a, "--batch") == 0) {
            if (wl_int(&x, a, v, 1, err) != 0 || x > INT_MAX)
                return error_set(err, ERR_INPUT, "%s: bad batch size '%s'", a, v);
            opts->batch = (int)x;
        } else if (strcmp(a, "--profile") == 0) {
            opts->profile = v;
        } else if (strcmp(a, "--freq") == 0) {
            if (wl_int(&x, a, v, 1, err) != 0 || x > 4000)
                return error_set(err, ERR_INPUT, "%s: bad frequency '%s'", a, v);
            opts->freq = (int)x;
        } else if (strcmp(a, "--rate") == 0) {
            char *end = NULL;
            opts->rate = strtod(v, &end);
            if (end == v || *end != '\0' || !(opts->rate >= 0))
                return error_set(err, ERR_INPUT, "%s: bad rate '%s'", a, v);
        } else if (strcmp(a, "--result") == 0) {
            opts->result = v;
        } else if (nats && strcmp(a, "--mode") == 0) {
            opts->mode = v;
        } else if (nats && strcmp(a, "--subject") == 0) {
            opts->subject = v;
        } else if (nats && strcmp(a, "--url") == 0) {
            opts->url = v;
        } else if (nats && strcmp(a, "--expect") == 0) {
            if (wl_int(&opts->expect, a, v, 0, err) != 0)
                return -1;
        } else if (nats &&
                   (strcmp(a, "--ready-fd") == 0 || strcmp(a, "--window-fd") == 0)) {
            if (wl_int(&x, a, v, 0, err) != 0 || x > INT_MAX)
                return -1;
            *(a[2] == 'r' ? &opts->ready_fd : &opts->window_fd) = (int)x;
        } else if (nats && strcmp(a, "--malformed") == 0) {
            if (wl_int(&opts->malformed, a, v, 0, err) != 0)
                return -1;
        } else if (nats && strcmp(a, "--queue") == 0) {
            opts->queue = v;
        } else if (nats &&
                   (strcmp(a, "--end-marker") == 0 || strcmp(a, "--js") == 0 ||
                    strcmp(a, "--js-admin") == 0 || strcmp(a, "--shared-db") == 0)) {
            if (wl_int(&x, a, v, 0, err) != 0 || x > 1)
                return error_set(err, ERR_INPUT, "%s: expected 0 or 1, got '%s'", a, v);
            *(a[2] == 'e'    ? &opts->end_marker
              : a[2] == 's'  ? &opts->shared_db
              : a[4] == '\0' ? &opts->js
                             : &opts->js_admin) = (int)x;
        } else if (nats && strcmp(a, "--js-replicas") == 0) {
            if (wl_int(&x, a, v, 1, err) != 0 || x > 5)
                return error_set(err, ERR_INPUT, "%s: expected 1..5, got '%s'", a, v);
            opts->js_replicas = (int)x;
        } else if (nats && strcmp(a, "--js-storage") == 0) {
            if (strcmp(v, "file") != 0 && strcmp(v, "memory") != 0)
                return error_set(err, ERR_INPUT, "%s: file or memory, not '%s'", a, v);
            opts->js_storage = v;
        } else if (nats && strcmp(a, "--stall-ms") == 0) {
            if (wl_int(&x, a, v, 1, err) != 0 || x > INT_MAX)
                return -1;
            opts->stall_ms = (int)x;
        } else {
            return error_set(err, ERR_INPUT, "unknown option '%s'", a);
        }
    }
    if (opts->events < 0)
        return error_set(err, ERR_INPUT, "--events N is required");
    if (opts->expect < 0)
        opts->expect = opts->events;
    if (nats) {
        if (opts->mode == NULL ||
            (strcmp(opts->mode, "inproc") != 0 && strcmp(opts->mode, "bot") != 0 &&
             strcmp(opts->mode, "service") != 0 && strcmp(opts->mode, "js-clean") != 0))
            return error_set(err, ERR_INPUT,
                             "--mode must be inproc, bot, service or js-clean");
        if (opts->url == NULL || *opts->url == '\0')
            return error_set(err, ERR_INPUT, "no NATS URL: give --url or set NATS_URL");
    }
    return 0;
}

int wl_ensure_frequency(const wl_options *opts, char **argv, error *err) {
    char want[32];
    snprintf(want, sizeof want, "%d", opts->freq);
    const char *have = getenv("CPUPROFILE_FREQUENCY");
    if (opts->profile == NULL || (have != NULL && strcmp(have, want) == 0))
        return 0;
    if (setenv("CPUPROFILE_FREQUENCY", want, 1) != 0)
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

int wl_window_start(wl_window *w, const wl_options *opts, error *err) {
    memset(w, 0, sizeof *w);
    w->fd = -1;
    if (opts->profile != NULL) {
        if (!ProfilerStart(opts->profile))
            return error_set(err, ERR_SYSTEM, "ProfilerStart(%s) failed", opts->profile);
        w->profiling = 1;
    }
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
    if (w->fd >= 0) {
        ssize_t k = write(w->fd, "stop\n", 5);
        (void)k;
        w->fd = -1; /* once */
    }
    if (w->profiling) {
        ProfilerStop();
        w->profiling = 0;
    }
}

void wl_pace(const wl_options *opts, double start, int64_t i) {
    if (opts->rate <= 0)
        return;
    double due = start + (double)i / opts->rate;
    struct timespec ts = {.tv_sec = (time_t)due,
                          .tv_nsec = (long)((due - (double)(time_t)due) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

json_t *wl_result_new(const char *role, const wl_options *opts, const wl_window *w) {
    return json_pack("{s:s, s:{s:I}, s:{s:f, s:f, s:f}, s:{s:s, s:s?, s:s?, s:i}, "
                     "s:s?, s:i, s:f}",
                     "role", role, "events", "requested", (json_int_t)opts->events,
                     "measured", "user_s", w->user_s, "sys_s", w->sys_s, "wall_s",
                     w->wall_s, "db", "path", opts->db, "journal_requested",
                     opts->journal, "synchronous_requested", opts->sync, "batch",
                     opts->batch, "profile", opts->profile, "frequency_hz", opts->freq,
                     "rate_requested", opts->rate);
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
