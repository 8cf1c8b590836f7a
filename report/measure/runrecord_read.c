/* runrecord_read: reading and validating the run records (see runrecord.h;
 * runrecord.c builds and writes them). */
#include "runrecord.h"
#include "jsonfile.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading and validation ------------------------------------------------ */

/* The reader's state: the file name for messages, the first error. */
typedef struct rd {
    const char *name;
    error *err;
} rd;

enum { OPTIONAL = 1, NULLABLE = 2 };

/* The member 'key' of 'obj' ('path' names it in messages). Sets *v to NULL
 * when absent or null; refuses absent (unless OPTIONAL) and null (unless
 * NULLABLE or OPTIONAL). */
static int field(rd *d, json_t *obj, const char *key, const char *path, int flags,
                 json_t **v) {
    *v = json_object_get(obj, key);
    if (*v == NULL && !(flags & OPTIONAL))
        return error_set(d->err, ERR_INPUT, "%s: field %s is missing", d->name, path);
    if (json_is_null(*v)) {
        *v = NULL;
        /* An optional field may be null: runrecord_to_json writes every
         * unknown value as null, and what it writes must read back. */
        if (!(flags & (NULLABLE | OPTIONAL)))
            return error_set(d->err, ERR_INPUT, "%s: field %s is null", d->name, path);
    }
    return 0;
}

static int get_str(rd *d, json_t *obj, const char *key, const char *path, int flags,
                   char **out) {
    json_t *v;
    if (field(d, obj, key, path, flags, &v) != 0)
        return -1;
    if (v != NULL && !json_is_string(v))
        return error_set(d->err, ERR_INPUT, "%s: field %s must be a string", d->name,
                         path);
    if (runrecord_set_str(out, json_string_value(v)) != 0)
        return error_set(d->err, ERR_NOMEM, "%s: out of memory", d->name);
    return 0;
}

static int get_bool(rd *d, json_t *obj, const char *key, const char *path, int flags,
                    int *out) {
    json_t *v;
    if (field(d, obj, key, path, flags, &v) != 0)
        return -1;
    if (v != NULL && !json_is_boolean(v))
        return error_set(d->err, ERR_INPUT, "%s: field %s must be true or false", d->name,
                         path);
    if (v != NULL)
        *out = json_is_true(v);
    return 0;
}

/* An integer in [lo, hi]; absent/null leaves *out unchanged. */
static int get_int(rd *d, json_t *obj, const char *key, const char *path, int flags,
                   int64_t lo, int64_t hi, int64_t *out) {
    json_t *v;
    if (field(d, obj, key, path, flags, &v) != 0)
        return -1;
    if (v == NULL)
        return 0;
    if (!json_is_integer(v))
        return error_set(d->err, ERR_INPUT, "%s: field %s must be an integer", d->name,
                         path);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return error_set(d->err, ERR_INPUT, "%s: field %s is %lld, outside %lld..%lld",
                         d->name, path, (long long)x, (long long)lo, (long long)hi);
    *out = (int64_t)x;
    return 0;
}

static int get_int32(rd *d, json_t *obj, const char *key, const char *path, int flags,
                     int64_t lo, int64_t hi, int *out) {
    int64_t x = *out;
    if (get_int(d, obj, key, path, flags, lo, hi, &x) != 0)
        return -1;
    *out = (int)x;
    return 0;
}

/* A finite number in [lo, hi]; absent/null leaves *out unchanged. */
static int get_num(rd *d, json_t *obj, const char *key, const char *path, int flags,
                   double lo, double hi, double *out) {
    json_t *v;
    if (field(d, obj, key, path, flags, &v) != 0)
        return -1;
    if (v == NULL)
        return 0;
    if (!json_is_number(v))
        return error_set(d->err, ERR_INPUT, "%s: field %s must be a number", d->name,
                         path);
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi)
        return error_set(d->err, ERR_INPUT, "%s: field %s is %g, outside %g..%g", d->name,
                         path, x, lo, hi);
    *out = x;
    return 0;
}

/* An object or array kept as JSON (absent or null: NULL). */
static int get_json(rd *d, json_t *obj, const char *key, int array, json_t **out) {
    json_t *v = json_object_get(obj, key);
    if (json_is_null(v))
        v = NULL;
    if (v != NULL && (array ? !json_is_array(v) : !json_is_object(v)))
        return error_set(d->err, ERR_INPUT, "%s: field %s must be an %s", d->name, key,
                         array ? "array" : "object");
    *out = json_incref(v);
    return 0;
}

/* Seconds of CPU or wall time: no record holds a negative or a year's worth. */
#define MAX_SECONDS (365.0 * 86400)

static int read_window(rd *d, json_t *m, const char *path, runrecord_window *w) {
    char p[4][160];
    const char *k[4] = {"user_s", "sys_s", "cpu_s", "wall_s"};
    double *v[4] = {&w->user_s, &w->sys_s, &w->cpu_s, &w->wall_s};
    w->have = 1;
    for (int i = 0; i < 4; i++) {
        *v[i] = NAN;
        snprintf(p[i], sizeof p[i], "%.120s.%s", path, k[i]);
        if (get_num(d, m, k[i], p[i], OPTIONAL | NULLABLE, 0, MAX_SECONDS, v[i]) != 0)
            return -1;
    }
    /* The optional half-way point (records before it have none). */
    json_t *h = json_object_get(m, "half");
    w->have_half = 0;
    w->half_cpu_s = w->half_wall_s = NAN;
    w->half_events = RUNRECORD_UNKNOWN;
    if (h == NULL || json_is_null(h))
        return 0;
    char hp[3][160];
    snprintf(hp[0], sizeof hp[0], "%.120s.half", path);
    snprintf(hp[1], sizeof hp[1], "%.120s.half.cpu_s", path);
    snprintf(hp[2], sizeof hp[2], "%.120s.half.wall_s", path);
    if (!json_is_object(h))
        return error_set(d->err, ERR_INPUT, "%s: field %s must be an object", d->name,
                         hp[0]);
    if (get_num(d, h, "cpu_s", hp[1], NULLABLE, 0, MAX_SECONDS, &w->half_cpu_s) != 0 ||
        get_num(d, h, "wall_s", hp[2], NULLABLE, 0, MAX_SECONDS, &w->half_wall_s) != 0)
        return -1;
    snprintf(hp[1], sizeof hp[1], "%.120s.half.events", path);
    if (get_int(d, h, "events", hp[1], NULLABLE, 1, INT64_MAX / 2, &w->half_events) != 0)
        return -1;
    w->have_half = 1;
    return 0;
}

/* A process's optional threads[]: each an object with a name, a tid, and
 * non-negative finite CPU and context switch counts. */
static int read_threads(rd *d, json_t *a, const char *path, runrecord_proc *p) {
    if (a == NULL || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) > RUNRECORD_MAX_THREADS)
        return error_set(d->err, ERR_INPUT,
                         "%s: field %s must be an array of at most %d threads", d->name,
                         path, RUNRECORD_MAX_THREADS);
    size_t i;
    json_t *t;
    json_array_foreach(a, i, t) {
        char f[160], g[200];
        double cpu = NAN, clock = NAN;
        int64_t tid = 0, vol = 0, inv = 0;
        char *name = NULL;
        snprintf(f, sizeof f, "%s[%zu]", path, i);
        if (!json_is_object(t))
            return error_set(d->err, ERR_INPUT, "%s: field %s must be an object", d->name,
                             f);
#define TF(key) (snprintf(g, sizeof g, "%s.%s", f, key), g)
        int rc = get_str(d, t, "name", TF("name"), 0, &name) != 0 ||
                 get_int(d, t, "tid", TF("tid"), 0, 0, INT32_MAX, &tid) != 0 ||
                 get_num(d, t, "cpu_s", TF("cpu_s"), 0, 0, MAX_SECONDS, &cpu) != 0 ||
                 get_num(d, t, "task_clock_s", TF("task_clock_s"), OPTIONAL, 0, MAX_SECONDS,
                         &clock) != 0 ||
                 get_int(d, t, "voluntary", TF("voluntary"), 0, 0, INT64_MAX / 2, &vol) != 0 ||
                 get_int(d, t, "involuntary", TF("involuntary"), 0, 0, INT64_MAX / 2,
                         &inv) != 0;
#undef TF
        free(name);
        if (rc)
            return -1;
    }
    return runrecord_proc_threads(p, a) != 0
               ? error_set(d->err, ERR_NOMEM, "%s: out of memory", d->name)
               : 0;
}

static int read_proc(rd *d, json_t *o, int i, runrecord_proc *p) {
    char path[64], f[96];
    snprintf(path, sizeof path, "processes[%d]", i);
    p->node = p->index = p->external = p->lost = -1;
    p->exit_status = INT32_MIN;
    p->user_s = p->sys_s = p->cpu_s = p->wall_s = p->effective_hz = NAN;
    p->samples = RUNRECORD_UNKNOWN;
    if (!json_is_object(o))
        return error_set(d->err, ERR_INPUT, "%s: field %s must be an object", d->name,
                         path);
#define F(key) (snprintf(f, sizeof f, "%s.%s", path, key), f)
    int64_t pid = 0;
    if (get_str(d, o, "role", F("role"), 0, &p->role) != 0 ||
        get_int32(d, o, "node", F("node"), OPTIONAL, 0, 1000, &p->node) != 0 ||
        get_int32(d, o, "index", F("index"), OPTIONAL, 0, 1000, &p->index) != 0 ||
        get_int(d, o, "pid", F("pid"), OPTIONAL | NULLABLE, 0, INT32_MAX, &pid) != 0 ||
        get_int32(d, o, "exit_status", F("exit_status"), OPTIONAL | NULLABLE, -1, 255,
                  &p->exit_status) != 0 ||
        get_num(d, o, "user_s", F("user_s"), OPTIONAL | NULLABLE, 0, MAX_SECONDS,
                &p->user_s) != 0 ||
        get_num(d, o, "sys_s", F("sys_s"), OPTIONAL | NULLABLE, 0, MAX_SECONDS,
                &p->sys_s) != 0 ||
        get_num(d, o, "cpu_s", F("cpu_s"), NULLABLE, 0, MAX_SECONDS, &p->cpu_s) != 0 ||
        get_num(d, o, "wall_s", F("wall_s"), OPTIONAL | NULLABLE, 0, MAX_SECONDS,
                &p->wall_s) != 0 ||
        get_str(d, o, "cpu_source", F("cpu_source"), OPTIONAL | NULLABLE,
                &p->cpu_source) != 0 ||
        get_bool(d, o, "external", F("external"), OPTIONAL, &p->external) != 0 ||
        get_bool(d, o, "lost", F("lost"), OPTIONAL, &p->lost) != 0 ||
        get_str(d, o, "profile", F("profile"), OPTIONAL | NULLABLE, &p->profile) != 0 ||
        get_str(d, o, "profile_error", F("profile_error"), OPTIONAL, &p->profile_error) !=
            0 ||
        get_int(d, o, "samples", F("samples"), OPTIONAL, 0, INT64_MAX / 2, &p->samples) !=
            0 ||
        get_num(d, o, "effective_hz", F("effective_hz"), OPTIONAL | NULLABLE, 0, 1e9,
                &p->effective_hz) != 0 ||
        get_str(d, o, "log", F("log"), OPTIONAL, &p->log) != 0)
        return -1;
    p->pid = (int)pid;
    p->has_profile = json_object_get(o, "profile") != NULL;
    json_t *m = json_object_get(o, "measured");
    if (m != NULL && !json_is_null(m)) {
        if (!json_is_object(m))
            return error_set(d->err, ERR_INPUT, "%s: field %s must be an object", d->name,
                             F("measured"));
        if (read_window(d, m, F("measured"), &p->measured) != 0)
            return -1;
    }
    if (read_threads(d, json_object_get(o, "threads"), F("threads"), p) != 0)
        return -1;
#undef F
    /* A path that leaves the run directory is not a profile of this run. */
    if (p->profile != NULL && (p->profile[0] == '/' || strstr(p->profile, "..") != NULL))
        return error_set(d->err, ERR_INPUT,
                         "%s: field %s.profile must be a file of the run directory",
                         d->name, path);
    return 0;
}

static int read_events(rd *d, json_t *rec, runrecord *r) {
    json_t *e;
    if (field(d, rec, "events", "events", 0, &e) != 0)
        return -1;
    if (!json_is_object(e))
        return error_set(d->err, ERR_INPUT, "%s: field events must be an object",
                         d->name);
    const int64_t max = RUNRECORD_MAX_EVENTS;
    struct {
        const char *key, *path;
        int flags;
        int64_t *out;
    } counts[] = {
        {"requested", "events.requested", 0, &r->events.requested},
        {"published", "events.published", NULLABLE, &r->events.published},
        {"received", "events.received", NULLABLE, &r->events.received},
        {"stored", "events.stored", NULLABLE, &r->events.stored},
        {"malformed", "events.malformed", NULLABLE, &r->events.malformed},
        {"dropped", "events.dropped", NULLABLE, &r->events.dropped},
        {"rows", "events.rows", NULLABLE, &r->events.rows},
        {"unique_ids", "events.unique_ids", OPTIONAL | NULLABLE, &r->events.unique_ids},
        {"duplicates", "events.duplicates", OPTIONAL | NULLABLE, &r->events.duplicates},
        {"resent", "events.resent", OPTIONAL | NULLABLE, &r->events.resent},
        {"lost", "events.lost", OPTIONAL | NULLABLE, &r->events.lost},
        {"expected_stored", "events.expected_stored", OPTIONAL, &r->events.expected_stored},
    };
    r->events.duplicates = r->events.resent = r->events.lost = RUNRECORD_UNKNOWN;
    r->events.expected_stored = RUNRECORD_UNKNOWN;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        /* resent may exceed N (one event re-sent many times); lost is at most N. */
        int64_t hi = strcmp(counts[i].key, "resent") == 0 ? INT64_MAX / 2 : max;
        int64_t lo = strcmp(counts[i].key, "requested") == 0 ? 1 : 0;
        if (get_int(d, e, counts[i].key, counts[i].path, counts[i].flags, lo, hi,
                    counts[i].out) != 0)
            return -1;
    }
    if (get_bool(d, e, "verified", "events.verified", OPTIONAL, &r->events.verified) !=
            0 ||
        get_json(d, e, "per_service", 1, &r->events.per_service) != 0)
        return -1;
    /* The sums that must agree: a process cannot store what was never
     * published, nor publish more than was asked for. */
    int64_t req = r->events.requested, pub = r->events.published, sto = r->events.stored;
    if (r->events.expected_stored != RUNRECORD_UNKNOWN && r->events.expected_stored > req)
        return error_set(d->err, ERR_INPUT,
                         "%s: field events.expected_stored (%lld) exceeds "
                         "events.requested (%lld)",
                         d->name, (long long)r->events.expected_stored, (long long)req);
    if (pub != RUNRECORD_UNKNOWN && pub > req)
        return error_set(d->err, ERR_INPUT,
                         "%s: field events.published (%lld) exceeds events.requested "
                         "(%lld)",
                         d->name, (long long)pub, (long long)req);
    if (sto != RUNRECORD_UNKNOWN && pub != RUNRECORD_UNKNOWN && sto > pub)
        return error_set(d->err, ERR_INPUT,
                         "%s: field events.stored (%lld) exceeds events.published (%lld)",
                         d->name, (long long)sto, (long long)pub);
    if (sto != RUNRECORD_UNKNOWN && sto > req)
        return error_set(d->err, ERR_INPUT,
                         "%s: field events.stored (%lld) exceeds events.requested (%lld)",
                         d->name, (long long)sto, (long long)req);
    return 0;
}

static int read_cpu(rd *d, json_t *rec, runrecord *r) {
    json_t *c;
    if (field(d, rec, "cpu", "cpu", 0, &c) != 0)
        return -1;
    if (!json_is_object(c))
        return error_set(d->err, ERR_INPUT, "%s: field cpu must be an object", d->name);
    struct {
        const char *key;
        int flags;
        double hi, *out;
    } nums[] = {
        {"total_s", 0, MAX_SECONDS, &r->cpu.total_s},
        {"user_s", OPTIONAL, MAX_SECONDS, &r->cpu.user_s},
        {"sys_s", OPTIONAL, MAX_SECONDS, &r->cpu.sys_s},
        {"per_event_us", OPTIONAL | NULLABLE, 1e12, &r->cpu.per_event_us},
        {"nats_server_s", OPTIONAL | NULLABLE, MAX_SECONDS, &r->cpu.nats_server_s},
        {"measured_s", OPTIONAL | NULLABLE, MAX_SECONDS, &r->cpu.measured_s},
        {"measured_per_event_us", OPTIONAL | NULLABLE, 1e12,
         &r->cpu.measured_per_event_us},
        {"window_s", OPTIONAL | NULLABLE, MAX_SECONDS, &r->cpu.window_s},
        {"window_per_event_us", OPTIONAL | NULLABLE, 1e12, &r->cpu.window_per_event_us},
        {"services_s", OPTIONAL | NULLABLE, MAX_SECONDS, &r->cpu.services_s},
        {"bot_s", OPTIONAL | NULLABLE, MAX_SECONDS, &r->cpu.bot_s},
        {"broker_share", OPTIONAL | NULLABLE, 1, &r->cpu.broker_share},
    };
    char path[64];
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        snprintf(path, sizeof path, "cpu.%s", nums[i].key);
        if (get_num(d, c, nums[i].key, path, nums[i].flags, 0, nums[i].hi, nums[i].out) !=
            0)
            return -1;
    }
    return get_bool(d, c, "includes_nats_server", "cpu.includes_nats_server", OPTIONAL,
                    &r->cpu.includes_nats_server) != 0 ||
                   get_int32(d, c, "nats_server_nodes", "cpu.nats_server_nodes", OPTIONAL,
                             0, 1000, &r->cpu.nats_server_nodes) != 0 ||
                   get_int32(d, c, "nats_server_nodes_measured",
                             "cpu.nats_server_nodes_measured", OPTIONAL, 0, 1000,
                             &r->cpu.nats_server_nodes_measured) != 0
               ? -1
               : 0;
}

static int read_db(rd *d, json_t *rec, runrecord *r) {
    json_t *o;
    r->db.batch = 1; /* the runner's default when the record does not say */
    if (field(d, rec, "db", "db", OPTIONAL | NULLABLE, &o) != 0)
        return -1;
    if (o == NULL)
        return 0;
    if (!json_is_object(o))
        return error_set(d->err, ERR_INPUT, "%s: field db must be an object", d->name);
    return get_str(d, o, "storage", "db.storage", OPTIONAL, &r->db.storage) != 0 ||
                   get_str(d, o, "path_kind", "db.path_kind", OPTIONAL,
                           &r->db.path_kind) != 0 ||
                   get_str(d, o, "path", "db.path", OPTIONAL, &r->db.path) != 0 ||
                   get_str(d, o, "journal", "db.journal", OPTIONAL | NULLABLE,
                           &r->db.journal) != 0 ||
                   get_str(d, o, "synchronous", "db.synchronous", OPTIONAL | NULLABLE,
                           &r->db.synchronous) != 0 ||
                   get_int32(d, o, "batch", "db.batch", OPTIONAL, 1, INT32_MAX,
                             &r->db.batch) != 0 ||
                   get_bool(d, o, "per_service_files", "db.per_service_files", OPTIONAL,
                            &r->db.per_service_files) != 0 ||
                   get_bool(d, o, "shared_file", "db.shared_file", OPTIONAL,
                            &r->db.shared_file) != 0 ||
                   get_int32(d, o, "busy_timeout_ms", "db.busy_timeout_ms", OPTIONAL, 0,
                             INT32_MAX, &r->db.busy_timeout_ms) != 0 ||
                   get_bool(d, o, "event_id_unique", "db.event_id_unique", OPTIONAL,
                            &r->db.event_id_unique) != 0
               ? -1
               : 0;
}

static int read_top(rd *d, json_t *rec, runrecord *r) {
    char *schema = NULL;
    if (get_str(d, rec, "schema", "schema", 0, &schema) != 0)
        return -1;
    int bad = strcmp(schema, RUNRECORD_SCHEMA) != 0;
    if (bad)
        error_set(d->err, ERR_INPUT, "%s: schema is '%s', expected '%s'", d->name, schema,
                  RUNRECORD_SCHEMA);
    free(schema);
    if (bad)
        return -1;
    int64_t trial = 0, round = 0;
    if (get_str(d, rec, "run_id", "run_id", OPTIONAL, &r->run_id) != 0 ||
        get_int(d, rec, "trial", "trial", OPTIONAL, 0, 100000, &trial) != 0 ||
        get_int(d, rec, "round", "round", OPTIONAL, 0, 100000, &round) != 0 ||
        get_str(d, rec, "arch", "arch", 0, &r->arch) != 0 ||
        get_str(d, rec, "tag", "tag", OPTIONAL | NULLABLE, &r->tag) != 0 ||
        get_str(d, rec, "storage", "storage", 0, &r->storage) != 0 ||
        get_str(d, rec, "aa_group", "aa_group", OPTIONAL | NULLABLE, &r->aa_group) != 0 ||
        get_bool(d, rec, "profiled", "profiled", OPTIONAL, &r->profiled) != 0 ||
        get_bool(d, rec, "ok", "ok", 0, &r->ok) != 0 ||
        get_bool(d, rec, "loss_accepted", "loss_accepted", OPTIONAL, &r->loss_accepted) !=
            0 ||
        get_str(d, rec, "failure", "failure", OPTIONAL | NULLABLE, &r->failure) != 0 ||
        get_num(d, rec, "wall_s", "wall_s", 0, 0, MAX_SECONDS, &r->wall_s) != 0 ||
        get_int(d, rec, "samples", "samples", OPTIONAL, 0, INT64_MAX / 2, &r->samples) !=
            0)
        return -1;
    r->trial = (int)trial;
    r->round = (int)round;
    if (r->aa_group != NULL && strcmp(r->aa_group, "A") != 0 &&
        strcmp(r->aa_group, "B") != 0)
        return error_set(d->err, ERR_INPUT, "%s: aa_group is '%s', expected A or B",
                         d->name, r->aa_group);
    json_t *rate = json_object_get(rec, "rate"), *smp = json_object_get(rec, "sampling");
    if (get_num(d, rate, "requested", "rate.requested", OPTIONAL | NULLABLE, 0, 1e9,
                &r->rate.requested) != 0 ||
        get_num(d, rate, "achieved", "rate.achieved", OPTIONAL | NULLABLE, 0, 1e12,
                &r->rate.achieved) != 0 ||
        get_int32(d, smp, "requested_hz", "sampling.requested_hz", OPTIONAL, 0, 1000000,
                  &r->sampling.requested_hz) != 0 ||
        get_int(d, smp, "period_us", "sampling.period_us", OPTIONAL | NULLABLE, 0,
                INT64_MAX / 2, &r->sampling.period_us) != 0 ||
        get_num(d, smp, "effective_hz", "sampling.effective_hz", OPTIONAL | NULLABLE, 0,
                1e9, &r->sampling.effective_hz) != 0 ||
        get_str(d, smp, "sampler", "sampling.sampler", OPTIONAL, &r->sampling.sampler) !=
            0)
        return -1;
    return get_json(d, rec, "cluster", 0, &r->cluster) != 0 ||
                   get_json(d, rec, "jetstream", 0, &r->jetstream) != 0 ||
                   get_json(d, rec, "versions", 0, &r->versions) != 0 ||
                   get_json(d, rec, "host", 0, &r->host) != 0 ||
                   get_json(d, rec, "git", 0, &r->git) != 0 ||
                   get_json(d, rec, "command", 1, &r->command) != 0
               ? -1
               : 0;
}

/* The workload variant (its description, whose name must be a string) and
 * the latency of the stored events; both absent or null in older records. */
static int read_variant(rd *d, json_t *rec, runrecord *r) {
    if (get_json(d, rec, "variant", 0, &r->variant_info) != 0 ||
        get_str(d, r->variant_info, "name", "variant.name",
                r->variant_info ? 0 : OPTIONAL, &r->variant) != 0)
        return -1;
    json_t *lat = json_object_get(rec, "latency");
    if (lat == NULL || json_is_null(lat))
        return 0;
    if (!json_is_object(lat))
        return error_set(d->err, ERR_INPUT, "%s: field latency must be an object",
                         d->name);
    r->latency.events = 0;
    /* A latency may be a little negative only if the clock was stepped. */
    return get_int(d, lat, "events", "latency.events", 0, 0, RUNRECORD_MAX_EVENTS,
                   &r->latency.events) != 0 ||
                   get_num(d, lat, "p50_us", "latency.p50_us", NULLABLE, -1e12, 1e12,
                           &r->latency.p50_us) != 0 ||
                   get_num(d, lat, "p99_us", "latency.p99_us", NULLABLE, -1e12, 1e12,
                           &r->latency.p99_us) != 0 ||
                   get_num(d, lat, "max_us", "latency.max_us", NULLABLE, -1e12, 1e12,
                           &r->latency.max_us) != 0 ||
                   get_num(d, lat, "mean_us", "latency.mean_us", NULLABLE, -1e12, 1e12,
                           &r->latency.mean_us) != 0
               ? -1
               : 0;
}

/* A replica arm's protocol, subjects and idle window (absent: not one). */
static int read_replica(rd *d, json_t *rec, runrecord *r) {
    json_t *rp = json_object_get(rec, "replica"), *idle;
    const char *proto = NULL;
    if (rp == NULL || json_is_null(rp))
        return 0;
    if (!json_is_object(rp))
        return error_set(d->err, ERR_INPUT, "%s: field replica must be an object",
                         d->name);
    if (get_str(d, rp, "protocol", "replica.protocol", 0, (char **)&proto) != 0)
        return -1;
    r->replica.mode = strcmp(proto, "as written") == 0    ? RUNRECORD_REPLICA_WRITTEN
                      : strcmp(proto, "as intended") == 0 ? RUNRECORD_REPLICA_STORED
                                                          : 0;
    free((char *)proto);
    if (r->replica.mode == 0)
        return error_set(d->err, ERR_INPUT,
                         "%s: field replica.protocol must be \"as written\" or \"as "
                         "intended\"",
                         d->name);
    int64_t ms = 0;
    if (get_str(d, rp, "subject", "replica.subject", NULLABLE, &r->replica.subject) != 0 ||
        get_str(d, rp, "store_subject", "replica.store_subject", NULLABLE,
                &r->replica.store_subject) != 0 ||
        get_int(d, rp, "idle_ms", "replica.idle_ms", 0, 0, 3600000, &ms) != 0 ||
        field(d, rp, "idle", "replica.idle", 0, &idle) != 0)
        return -1;
    r->replica.idle_ms = (int)ms;
    if (!json_is_object(idle))
        return error_set(d->err, ERR_INPUT, "%s: field replica.idle must be an object",
                         d->name);
    return get_num(d, idle, "cpu_s", "replica.idle.cpu_s", NULLABLE, 0, MAX_SECONDS,
                   &r->replica.idle_cpu_s) != 0 ||
                   get_num(d, idle, "wall_s", "replica.idle.wall_s", NULLABLE, 0,
                           MAX_SECONDS, &r->replica.idle_wall_s) != 0
               ? -1
               : 0;
}

/* The trial's position in its round and the machine's quietness over it
 * (both absent in older records). */
static int read_machine(rd *d, json_t *rec, runrecord *r) {
    int64_t pos = 0;
    if (get_int(d, rec, "position", "position", OPTIONAL, 0, 100000, &pos) != 0)
        return -1;
    r->position = (int)pos;
    json_t *m = json_object_get(rec, "machine");
    if (m == NULL || json_is_null(m))
        return 0;
    if (!json_is_object(m))
        return error_set(d->err, ERR_INPUT, "%s: field machine must be an object",
                         d->name);
    return get_num(d, m, "wall_s", "machine.wall_s", NULLABLE, 0, MAX_SECONDS,
                   &r->machine.wall_s) != 0 ||
                   get_num(d, m, "busy_s", "machine.busy_s", NULLABLE, 0, 1e9,
                           &r->machine.busy_s) != 0 ||
                   get_num(d, m, "outside_s", "machine.outside_s", NULLABLE, 0, 1e9,
                           &r->machine.outside_s) != 0 ||
                   get_num(d, m, "steal_s", "machine.steal_s", NULLABLE, 0, 1e9,
                           &r->machine.steal_s) != 0
               ? -1
               : 0;
}

/* Flag processes whose samples exceed their CPU at the sampling rate (see
 * RUNRECORD_SAMPLE_MARGIN in the header for why this is a flag, not a
 * refusal). */
static void flag_samples(runrecord *r) {
    double hz = r->sampling.requested_hz > RUNRECORD_TICK_HZ ? r->sampling.requested_hz
                                                             : RUNRECORD_TICK_HZ;
    for (int i = 0; i < r->nprocs; i++) {
        runrecord_proc *p = &r->procs[i];
        double cpu = p->measured.have ? p->measured.cpu_s : p->cpu_s;
        if (p->samples == RUNRECORD_UNKNOWN || isnan(cpu))
            continue;
        if ((double)p->samples >
            cpu * hz * RUNRECORD_SAMPLE_MARGIN + RUNRECORD_SAMPLE_SLACK)
            p->samples_flagged = r->samples_flagged = 1;
    }
}

int runrecord_from_json(runrecord **out, json_t *j, const char *name, error *err) {
    rd d = {name, err};
    runrecord *r = runrecord_new();
    *out = NULL;
    if (r == NULL)
        return error_set(err, ERR_NOMEM, "%s: out of memory", name);
    if (!json_is_object(j)) {
        error_set(err, ERR_INPUT, "%s: not a JSON object", name);
        goto fail;
    }
    if (read_top(&d, j, r) != 0 || read_events(&d, j, r) != 0 ||
        read_cpu(&d, j, r) != 0 || read_db(&d, j, r) != 0 || read_variant(&d, j, r) != 0 ||
        read_machine(&d, j, r) != 0 || read_replica(&d, j, r) != 0)
        goto fail;
    json_t *procs = json_object_get(j, "processes"), *p;
    size_t k;
    if (procs != NULL && !json_is_array(procs)) {
        error_set(err, ERR_INPUT, "%s: field processes must be an array", name);
        goto fail;
    }
    if (json_array_size(procs) > RUNRECORD_MAX_PROCS) {
        error_set(err, ERR_INPUT, "%s: field processes has %zu entries, more than %d",
                  name, json_array_size(procs), RUNRECORD_MAX_PROCS);
        goto fail;
    }
    json_array_foreach(procs, k, p) {
        r->nprocs = (int)k + 1;
        if (read_proc(&d, p, (int)k, &r->procs[k]) != 0)
            goto fail;
    }
    flag_samples(r);
    *out = r;
    return 0;
fail:
    runrecord_free(r);
    return -1;
}

int runrecord_read(runrecord **out, const char *path, error *err) {
    json_t *j = NULL;
    *out = NULL;
    if (jsonfile_load(&j, path, JSON_REJECT_DUPLICATES, err) != 0)
        return -1;
    int rc = runrecord_from_json(out, j, path, err);
    json_decref(j);
    return rc;
}

/* ---- run.json ------------------------------------------------------------- */

int runrecord_run_read(runrecord_run **out, const char *dir, int complete, error *err) {
    char path[4200];
    char *status = NULL, *schema = NULL;
    snprintf(path, sizeof path, "%s/run.json", dir);
    *out = NULL;
    runrecord_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return error_set(err, ERR_NOMEM, "%s: out of memory", path);
    rd d = {path, err};
    error jerr;
    error_clear(&jerr);
    if (jsonfile_load(&r->json, path, JSON_REJECT_DUPLICATES, &jerr) != 0) {
        error_set(err, ERR_INPUT, "%s: not a run directory (%s)", dir, jerr.text);
        goto fail;
    }
    if (!json_is_object(r->json)) {
        error_set(err, ERR_INPUT, "%s: not a JSON object", path);
        goto fail;
    }
    if (get_str(&d, r->json, "schema", "schema", OPTIONAL, &schema) != 0 ||
        get_str(&d, r->json, "run_id", "run_id", OPTIONAL, &r->run_id) != 0 ||
        get_str(&d, r->json, "status", "status", 0, &status) != 0 ||
        get_str(&d, r->json, "failure", "failure", OPTIONAL | NULLABLE, &r->failure) != 0)
        goto fail;
    if (schema != NULL && strcmp(schema, RUNRECORD_RUN_SCHEMA) != 0) {
        error_set(err, ERR_INPUT, "%s: schema is '%s', expected '%s'", path, schema,
                  RUNRECORD_RUN_SCHEMA);
        goto fail;
    }
    int s = RUNRECORD_RUNNING;
    while (s <= RUNRECORD_INTERRUPTED &&
           strcmp(status, runrecord_status_name((runrecord_status)s)) != 0)
        s++;
    if (s > RUNRECORD_INTERRUPTED) {
        error_set(err, ERR_INPUT,
                  "%s: field status is '%s', expected running, ok, failed or interrupted",
                  path, status);
        goto fail;
    }
    r->status = (runrecord_status)s;
    if (complete && r->status == RUNRECORD_RUNNING) {
        error_set(err, ERR_INPUT,
                  "%s: field status is 'running': the run never finished (its runner was "
                  "killed, or is still running); rerun it",
                  path);
        goto fail;
    }
    if (complete && r->status == RUNRECORD_INTERRUPTED) {
        error_set(err, ERR_INPUT,
                  "%s: field status is 'interrupted': the run was stopped before its "
                  "last trial, so its rounds are incomplete; rerun it",
                  path);
        goto fail;
    }
    free(status);
    free(schema);
    *out = r;
    return 0;
fail:
    free(status);
    free(schema);
    runrecord_run_free(r);
    return -1;
}

int64_t runrecord_expected_stored(const runrecord *r) {
    /* older records: every requested event had to be stored */
    return r->events.expected_stored == RUNRECORD_UNKNOWN ? r->events.requested
                                                          : r->events.expected_stored;
}
