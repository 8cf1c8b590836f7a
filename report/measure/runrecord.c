/* runrecord: building and writing the run records (see runrecord.h;
 * runrecord_read.c reads and validates them). */
#include "runrecord.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

/* ---- memory --------------------------------------------------------------- */

runrecord *runrecord_new(void) {
    runrecord *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    int64_t *counts[] = {&r->events.requested, &r->events.published, &r->events.received,
                         &r->events.stored,    &r->events.malformed, &r->events.dropped,
                         &r->events.rows,      &r->events.unique_ids};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        *counts[i] = RUNRECORD_UNKNOWN;
    double *nums[] = {&r->rate.requested,
                      &r->rate.achieved,
                      &r->cpu.total_s,
                      &r->cpu.user_s,
                      &r->cpu.sys_s,
                      &r->cpu.per_event_us,
                      &r->cpu.nats_server_s,
                      &r->cpu.measured_s,
                      &r->cpu.measured_per_event_us,
                      &r->cpu.window_s,
                      &r->cpu.window_per_event_us,
                      &r->cpu.services_s,
                      &r->cpu.bot_s,
                      &r->cpu.broker_share,
                      &r->wall_s,
                      &r->sampling.effective_hz,
                      &r->latency.p50_us,
                      &r->latency.p99_us,
                      &r->latency.max_us,
                      &r->latency.mean_us,
                      &r->machine.wall_s,
                      &r->machine.busy_s,
                      &r->machine.outside_s,
                      &r->machine.steal_s,
                      &r->replica.idle_cpu_s,
                      &r->replica.idle_wall_s};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        *nums[i] = NAN;
    r->sampling.period_us = RUNRECORD_UNKNOWN;
    r->latency.events = RUNRECORD_UNKNOWN;
    r->events.expected_stored = RUNRECORD_UNKNOWN;
    return r;
}

static void proc_clear(runrecord_proc *p) {
    free(p->role);
    free(p->cpu_source);
    free(p->profile);
    free(p->profile_error);
    free(p->log);
    for (int i = 0; i < p->nthreads; i++)
        free(p->threads[i].name);
    free(p->threads);
}

void runrecord_free(runrecord *r) {
    if (r == NULL)
        return;
    char *strs[] = {r->run_id,     r->arch,           r->tag,
                    r->storage,    r->aa_group,       r->failure,
                    r->db.storage, r->db.path_kind,   r->db.path,
                    r->db.journal, r->db.synchronous, r->variant,
                    r->sampling.sampler, r->replica.subject,
                    r->replica.store_subject};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (int i = 0; i < r->nprocs; i++)
        proc_clear(&r->procs[i]);
    json_t *js[] = {r->events.per_service, r->variant_info, r->cluster, r->jetstream,
                    r->versions,           r->host,         r->git,     r->command};
    for (size_t i = 0; i < sizeof js / sizeof js[0]; i++)
        json_decref(js[i]);
    free(r);
}

int runrecord_set_str(char **dst, const char *s) {
    char *copy = NULL;
    if (s != NULL && (copy = strdup(s)) == NULL)
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

/* ---- writing -------------------------------------------------------------- */

static json_t *num(double v) {
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *count(int64_t v) {
    return v == RUNRECORD_UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

static json_t *str(const char *s) {
    return s != NULL ? json_string(s) : json_null();
}

static json_t *window_json(const runrecord_window *w) {
    if (!w->have)
        return json_null();
    json_t *o = json_pack("{s:o, s:o, s:o, s:o}", "user_s", num(w->user_s), "sys_s",
                          num(w->sys_s), "cpu_s", num(w->cpu_s), "wall_s", num(w->wall_s));
    if (o != NULL && w->have_half)
        json_object_set_new(o, "half",
                            json_pack("{s:o, s:o, s:o}", "cpu_s", num(w->half_cpu_s),
                                      "wall_s", num(w->half_wall_s), "events",
                                      w->half_events == RUNRECORD_UNKNOWN
                                          ? json_null()
                                          : json_integer(w->half_events)));
    return o;
}

static json_t *threads_json(const runrecord_proc *p) {
    json_t *a = json_array();
    for (int i = 0; a != NULL && i < p->nthreads; i++) {
        const runrecord_thread *t = &p->threads[i];
        json_t *o = json_pack("{s:s, s:i, s:b, s:b, s:o, s:I, s:I}", "name", t->name,
                              "tid", t->tid, "main", t->main, "started", t->started,
                              "cpu_s", num(t->cpu_s), "voluntary",
                              (json_int_t)t->voluntary, "involuntary",
                              (json_int_t)t->involuntary);
        if (o != NULL && isfinite(t->clock_s))
            json_object_set_new(o, "task_clock_s", json_real(t->clock_s));
        json_array_append_new(a, o);
    }
    return a;
}

int runrecord_proc_threads(runrecord_proc *p, json_t *threads) {
    size_t n = json_is_array(threads) ? json_array_size(threads) : 0;
    if (n == 0)
        return 0;
    if (n > RUNRECORD_MAX_THREADS)
        n = RUNRECORD_MAX_THREADS;
    p->threads = calloc(n, sizeof *p->threads);
    if (p->threads == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(threads, i);
        json_t *name = json_object_get(o, "name"), *cpu = json_object_get(o, "cpu_s");
        if (!json_is_string(name) || !json_is_number(cpu) ||
            !isfinite(json_number_value(cpu)))
            continue;
        runrecord_thread *t = &p->threads[p->nthreads];
        if ((t->name = strdup(json_string_value(name))) == NULL)
            return -1;
        t->tid = (int)json_integer_value(json_object_get(o, "tid"));
        t->main = json_is_true(json_object_get(o, "main"));
        t->started = json_is_true(json_object_get(o, "started"));
        t->cpu_s = json_number_value(cpu);
        json_t *clock = json_object_get(o, "task_clock_s");
        t->clock_s = json_is_number(clock) ? json_number_value(clock) : NAN;
        t->voluntary = json_integer_value(json_object_get(o, "voluntary"));
        t->involuntary = json_integer_value(json_object_get(o, "involuntary"));
        p->nthreads++;
    }
    return 0;
}

static json_t *proc_json(const runrecord_proc *p) {
    json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o}", "role", p->role, "cpu_s",
                          num(p->cpu_s), "cpu_source", str(p->cpu_source), "measured",
                          window_json(&p->measured), "exit_status",
                          p->exit_status == INT32_MIN ? json_null()
                                                      : json_integer(p->exit_status));
    if (o == NULL)
        return NULL;
    /* A nats-server whose CPU is unknown has no user/sys/wall/pid. */
    if (!isnan(p->cpu_s) || strcmp(p->role, "nats-server") != 0) {
        json_object_set_new(o, "pid", json_integer(p->pid));
        json_object_set_new(o, "user_s", num(p->user_s));
        json_object_set_new(o, "sys_s", num(p->sys_s));
        json_object_set_new(o, "wall_s", num(p->wall_s));
    } else {
        json_object_del(o, "measured");
        json_object_del(o, "exit_status");
    }
    if (p->node >= 0)
        json_object_set_new(o, "node", json_integer(p->node));
    if (p->index >= 0)
        json_object_set_new(o, "index", json_integer(p->index));
    if (p->external >= 0)
        json_object_set_new(o, "external", json_boolean(p->external));
    if (p->lost >= 0)
        json_object_set_new(o, "lost", json_boolean(p->lost));
    if (p->log != NULL)
        json_object_set_new(o, "log", json_string(p->log));
    if (p->has_profile)
        json_object_set_new(o, "profile", str(p->profile));
    if (p->profile_error != NULL)
        json_object_set_new(o, "profile_error", json_string(p->profile_error));
    if (p->samples != RUNRECORD_UNKNOWN) {
        json_object_set_new(o, "samples", json_integer((json_int_t)p->samples));
        json_object_set_new(o, "effective_hz", num(p->effective_hz));
    }
    if (p->threads != NULL)
        json_object_set_new(o, "threads", threads_json(p));
    return o;
}

/* The processes and the profiles[] summary derived from them. */
static int procs_json(const runrecord *r, json_t *rec) {
    json_t *procs = json_array(), *profs = json_array();
    json_object_set_new(rec, "processes", procs);
    json_object_set_new(rec, "profiles", profs);
    if (procs == NULL || profs == NULL)
        return -1;
    for (int i = 0; i < r->nprocs; i++) {
        const runrecord_proc *p = &r->procs[i];
        if (json_array_append_new(procs, proc_json(p)) != 0)
            return -1;
        if (p->profile == NULL || p->samples == RUNRECORD_UNKNOWN)
            continue;
        json_t *pe = json_pack("{s:s, s:s, s:I, s:o}", "role", p->role, "path",
                               p->profile, "samples", (json_int_t)p->samples, "period_us",
                               count(r->sampling.period_us));
        if (pe != NULL && p->index >= 0 && strcmp(r->arch, "nats-cluster") == 0)
            json_object_set_new(pe, "index", json_integer(p->index));
        if (pe != NULL && p->index >= 0 && strcmp(r->arch, "jetstream") == 0)
            json_object_set_new(pe, "index", json_integer(p->index));
        if (json_array_append_new(profs, pe) != 0)
            return -1;
    }
    return 0;
}

static json_t *events_json(const runrecord *r) {
    json_t *e = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:O}", "requested",
        count(r->events.requested), "published", count(r->events.published), "received",
        count(r->events.received), "stored", count(r->events.stored), "malformed",
        count(r->events.malformed), "dropped", count(r->events.dropped), "rows",
        count(r->events.rows), "verified", r->events.verified, "unique_ids",
        count(r->events.unique_ids), "duplicates", count(r->events.duplicates), "resent",
        count(r->events.resent), "lost", count(r->events.lost), "per_service",
        r->events.per_service ? r->events.per_service : json_null());
    if (e != NULL && r->events.expected_stored != RUNRECORD_UNKNOWN)
        json_object_set_new(e, "expected_stored",
                            json_integer((json_int_t)r->events.expected_stored));
    return e;
}

static json_t *cpu_json(const runrecord *r) {
    json_t *c = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:i, s:i, s:o, s:o, s:o}",
        "total_s", num(r->cpu.total_s), "user_s", num(r->cpu.user_s), "sys_s",
        num(r->cpu.sys_s), "per_event_us", num(r->cpu.per_event_us), "nats_server_s",
        num(r->cpu.nats_server_s), "measured_s", num(r->cpu.measured_s),
        "measured_per_event_us", num(r->cpu.measured_per_event_us), "window_s",
        num(r->cpu.window_s), "window_per_event_us", num(r->cpu.window_per_event_us),
        "includes_nats_server", r->cpu.includes_nats_server, "nats_server_nodes",
        r->cpu.nats_server_nodes, "nats_server_nodes_measured",
        r->cpu.nats_server_nodes_measured, "services_s", num(r->cpu.services_s), "bot_s",
        num(r->cpu.bot_s), "broker_share", num(r->cpu.broker_share));
    return c;
}

static json_t *db_json(const runrecord *r) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:b, s:i, s:b}", "storage",
                     str(r->db.storage), "path_kind", str(r->db.path_kind), "path",
                     str(r->db.path), "journal", str(r->db.journal), "synchronous",
                     str(r->db.synchronous), "batch", r->db.batch, "per_service_files",
                     r->db.per_service_files, "shared_file", r->db.shared_file,
                     "busy_timeout_ms", r->db.busy_timeout_ms, "event_id_unique",
                     r->db.event_id_unique);
}

/* The sampler is added only when known, so older records read back equal. */
static void sampler_json(const runrecord *r, json_t *j) {
    json_t *smp = json_object_get(j, "sampling");
    if (smp != NULL && r->sampling.sampler != NULL)
        json_object_set_new(smp, "sampler", json_string(r->sampling.sampler));
}

json_t *runrecord_to_json(const runrecord *r) {
    json_t *j = json_pack(
        "{s:s, s:o, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:b, s:o,"
        " s:o, s:{s:o, s:o}, s:o, s:o, s:I, s:{s:i, s:o, s:o},"
        " s:O, s:O, s:O, s:O, s:O, s:O}",
        "schema", RUNRECORD_SCHEMA, "run_id", str(r->run_id), "trial", r->trial, "round",
        r->round, "arch", str(r->arch), "tag", str(r->tag), "storage", str(r->storage),
        "control", str(r->aa_group ? "aa" : NULL), "aa_group", str(r->aa_group),
        "profiled", r->profiled, "failure", str(r->failure), "ok", r->ok, "events",
        events_json(r), "db", db_json(r), "rate", "requested", num(r->rate.requested),
        "achieved", num(r->rate.achieved), "cpu", cpu_json(r), "wall_s", num(r->wall_s),
        "samples", (json_int_t)r->samples, "sampling", "requested_hz",
        r->sampling.requested_hz, "period_us", count(r->sampling.period_us),
        "effective_hz", num(r->sampling.effective_hz), "versions",
        r->versions ? r->versions : json_null(), "host", r->host ? r->host : json_null(),
        "git", r->git ? r->git : json_null(), "command",
        r->command ? r->command : json_null(), "cluster",
        r->cluster ? r->cluster : json_null(), "jetstream",
        r->jetstream ? r->jetstream : json_null());
    if (j == NULL)
        return NULL;
    if (r->loss_accepted)
        json_object_set_new(j, "loss_accepted", json_true());
    sampler_json(r, j);
    json_object_set_new(j, "variant",
                        r->variant_info ? json_incref(r->variant_info) : json_null());
    json_object_set_new(
        j, "latency",
        r->latency.events == RUNRECORD_UNKNOWN
            ? json_null()
            : json_pack("{s:I, s:o, s:o, s:o, s:o}", "events",
                        (json_int_t)r->latency.events, "p50_us", num(r->latency.p50_us),
                        "p99_us", num(r->latency.p99_us), "max_us",
                        num(r->latency.max_us), "mean_us", num(r->latency.mean_us)));
    if (r->position > 0)
        json_object_set_new(j, "position", json_integer(r->position));
    if (!isnan(r->machine.wall_s))
        json_object_set_new(j, "machine",
                            json_pack("{s:o, s:o, s:o, s:o}", "wall_s",
                                      num(r->machine.wall_s), "busy_s",
                                      num(r->machine.busy_s), "outside_s",
                                      num(r->machine.outside_s), "steal_s",
                                      num(r->machine.steal_s)));
    if (r->replica.mode > 0)
        json_object_set_new(
            j, "replica",
            json_pack("{s:s, s:o, s:o, s:i, s:{s:o, s:o}}", "protocol",
                      r->replica.mode == RUNRECORD_REPLICA_WRITTEN ? "as written"
                                                                   : "as intended",
                      "subject", str(r->replica.subject), "store_subject",
                      str(r->replica.store_subject), "idle_ms", r->replica.idle_ms,
                      "idle", "cpu_s", num(r->replica.idle_cpu_s), "wall_s",
                      num(r->replica.idle_wall_s)));
    if (procs_json(r, j) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Write 'j' to 'path' atomically, indented, keys sorted, newline-terminated. */
static int write_json(json_t *j, const char *path, error *err) {
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL)
        return error_set(err, ERR_NOMEM, "%s: cannot serialise", path);
    size_t len = strlen(text);
    char *line = realloc(text, len + 2);
    if (line == NULL) {
        free(text);
        return error_set(err, ERR_NOMEM, "%s: out of memory", path);
    }
    line[len] = '\n';
    int rc = file_write_atomic(path, line, len + 1, err);
    free(line);
    return rc;
}

int runrecord_write(const runrecord *r, const char *path, error *err) {
    json_t *j = runrecord_to_json(r);
    if (j == NULL)
        return error_set(err, ERR_NOMEM, "%s: cannot build the record", path);
    int rc = write_json(j, path, err);
    json_decref(j);
    return rc;
}

/* ---- run.json ------------------------------------------------------------- */

static const char *const status_names[] = {"running", "ok", "failed", "interrupted"};

const char *runrecord_status_name(runrecord_status s) {
    return status_names[s];
}

int runrecord_run_write(json_t *j, runrecord_status status, const char *failure,
                        const char *path, error *err) {
    if (json_object_set_new(j, "schema", json_string(RUNRECORD_RUN_SCHEMA)) != 0 ||
        json_object_set_new(j, "status", json_string(runrecord_status_name(status))) !=
            0 ||
        json_object_set_new(j, "failure", str(failure)) != 0)
        return error_set(err, ERR_NOMEM, "%s: out of memory", path);
    return write_json(j, path, err);
}

void runrecord_run_free(runrecord_run *r) {
    if (r == NULL)
        return;
    free(r->run_id);
    free(r->failure);
    json_decref(r->json);
    free(r);
}

int runrecord_check_dirs(const char *const *dirs, size_t n, error *err) {
    struct stat *st = calloc(n ? n : 1, sizeof *st);
    if (st == NULL)
        return error_set(err, ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (stat(dirs[i], &st[i]) != 0) {
            rc = error_errno(err, ERR_INPUT, errno, "%s: not a run directory", dirs[i]);
            break;
        }
        for (size_t k = 0; k < i; k++)
            if (st[k].st_dev == st[i].st_dev && st[k].st_ino == st[i].st_ino) {
                rc =
                    error_set(err, ERR_INPUT,
                              "%s: the same run directory as %s, given twice (its trials "
                              "would count twice and narrow every interval)",
                              dirs[i], dirs[k]);
                break;
            }
    }
    free(st);
    return rc;
}
