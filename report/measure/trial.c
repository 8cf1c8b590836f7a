/* trial: one trial of the runner, in steps sharing a small state: plan the
 * processes and their files, start them, wait, read the servers' CPU,
 * collect what the workloads reported, account CPU and profiles, fill the
 * run record. See runner.h for what a trial measures. */
#include "runner_int.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chatproto.h"
#include "procstat.h"
#include "profile.h"
#include "perfrec.h"
#include "quiet.h"

#define FAIL_MAX 1024

typedef struct trial {
    runner *r;
    const runner_config *cfg;
    const variant *v;
    int64_t n;
    const char *base;
    const storage_preset *sp;
    int is_nats, multi, shared_db, nsvc;
    child ch[RUNNER_MAX_SERVICES + 1];
    int nch;
    char db[RUNNER_PATH_MAX];
    char fail[FAIL_MAX]; /* why the trial failed; "" while it has not */
    /* nats-server nodes: schedstat at the start and end, lost during the trial */
    procstat_cpu s0[NATSCLUSTER_MAX], s1[NATSCLUSTER_MAX];
    int have_s0[NATSCLUSTER_MAX], have_s1[NATSCLUSTER_MAX], lost_node[NATSCLUSTER_MAX];
    double t0, t1;
    /* nats-server nodes at the edges of the workloads' measured windows: the
     * first window's start and the last window's stop */
    procstat_cpu w0[NATSCLUSTER_MAX], w1[NATSCLUSTER_MAX];
    int have_w0[NATSCLUSTER_MAX], have_w1[NATSCLUSTER_MAX];
    double tw0, tw1;
    int nwin, win_started, win_stopped;
    /* ... and at the first workload's half-way point ("half\n") */
    procstat_cpu wh[NATSCLUSTER_MAX];
    int have_wh[NATSCLUSTER_MAX], win_halves;
    double twh;
    json_t *res[RUNNER_MAX_SERVICES + 1];         /* the workloads' result files */
    char store[RUNNER_MAX_ARGS][RUNNER_PATH_MAX]; /* a command line's strings */
    runrecord *rec;
    double server_cpu, server_window_cpu, prof_cpu;
    int have_server, all_profiles, server_windows;
    quiet_stat q0, q1; /* the machine at the trial's start and end */
} trial;

static void set_fail(trial *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_fail(trial *t, const char *fmt, ...) {
    if (t->fail[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->fail, sizeof t->fail, fmt, ap);
    va_end(ap);
}

/* ---- plan ------------------------------------------------------------------ */

/* Roles and nodes: K services then the bot, or one process. */
static void plan_roles(trial *t) {
    if (t->nsvc > 0) {
        for (int i = 0; i < t->nsvc; i++) {
            child *c = &t->ch[t->nch++];
            c->role = "service";
            c->index = i;
            /* Not on the bot's node 0, so that events cross a route. */
            c->node = t->multi && t->r->nnodes > 1 ? 1 + i % (t->r->nnodes - 1) : 0;
        }
        t->ch[t->nch++].role = "bot";
    } else {
        t->ch[t->nch++].role = t->is_nats ? "inproc" : "direct";
    }
}

/* The files of child 'c': database (several services), result, log, profile. */
static void plan_files(trial *t, child *c) {
    const runner *r = t->r;
    c->win_fd = -1;
    /* Every NATS workload tells its window's edges, so that nats-server's
     * CPU is read over the same window. */
    c->window = t->is_nats;
    t->nwin += c->window;
    int is_svc = strcmp(c->role, "service") == 0;
    int main_role = strcmp(c->role, "bot") != 0 && c->index == 0;
    char who[32];
    snprintf(who, sizeof who, "%s", c->role);
    if (t->multi && is_svc)
        snprintf(who, sizeof who, "service-%d", c->index);
    /* nats-cluster: a database per service (no redelivery, so no duplicates
     * to catch, and no write lock shared between them); jetstream: one
     * shared file, see chat_nats.c. */
    if (t->multi && is_svc && !t->shared_db) {
        snprintf(c->db, sizeof c->db, "%s/%s.%s.sqlite", r->dir, t->base, who);
        runner_remove_db(c->db);
    }
    snprintf(c->result, sizeof c->result, "%s/.%s.%s.result.json", r->dir, t->base, who);
    snprintf(c->log, sizeof c->log, "%s/%s.%s.log", r->dir, t->base, who);
    unlink(c->result);
    if (!t->v->profiled)
        return;
    /* The process that stores is trial-NN-<tag>.prof (service 0 when there
     * are several: the others are -service<I>.prof); the bot's is
     * trial-NN-<tag>-bot.prof. */
    if (main_role)
        snprintf(c->prof_rel, sizeof c->prof_rel, "%s.prof", t->base);
    else if (is_svc)
        snprintf(c->prof_rel, sizeof c->prof_rel, "%s-service%d.prof", t->base, c->index);
    else
        snprintf(c->prof_rel, sizeof c->prof_rel, "%s-bot.prof", t->base);
    snprintf(c->prof, sizeof c->prof, "%s/%s", r->dir, c->prof_rel);
}

static void trial_plan(trial *t) {
    t->sp = runner_storage(t->v->storage);
    t->is_nats = strcmp(t->v->arch, "direct") != 0;
    t->multi = runner_multi(t->v->arch);
    t->shared_db = strcmp(t->v->arch, "jetstream") == 0;
    t->nsvc = t->multi ? t->cfg->services : strcmp(t->v->arch, "nats-2p") == 0 ? 1 : 0;
    plan_roles(t);
    if (t->sp->memory)
        snprintf(t->db, sizeof t->db, ":memory:");
    else
        snprintf(t->db, sizeof t->db, "%s/%s.sqlite", t->r->dir, t->base);
    runner_remove_db(t->db); /* fresh database per trial */
    for (int i = 0; i < t->nch; i++)
        plan_files(t, &t->ch[i]);
}

/* ---- start and wait ---------------------------------------------------------- */

/* Read every known node's schedstat: at the start ('end' 0) or the end. */
static void read_servers(trial *t, int end) {
    runner *r = t->r;
    for (int i = 0; t->is_nats && i < r->nnodes; i++) {
        if (r->node_pid[i] <= 0)
            continue;
        if (!end) {
            t->have_s0[i] = procstat_read(&t->s0[i], r->node_pid[i], NULL) == 0;
            continue;
        }
        /* Reap a dead node first: a zombie's /proc entry is no reading. */
        if (r->servers != NULL && !natscluster_alive(r->servers, i))
            t->lost_node[i] = 1;
        if (!t->lost_node[i])
            t->have_s1[i] = procstat_read(&t->s1[i], r->node_pid[i], NULL) == 0 &&
                            (!t->have_s0[i] || t->s1[i].on_cpu_ns >= t->s0[i].on_cpu_ns);
    }
}

/* Read every known node's schedstat into 'out' (have[i] set when read). */
static void read_nodes(trial *t, procstat_cpu *out, int *have) {
    for (int i = 0; i < t->r->nnodes; i++)
        if (t->r->node_pid[i] > 0 && !t->lost_node[i])
            have[i] = procstat_read(&out[i], t->r->node_pid[i], NULL) == 0;
}

/* A workload's window opened ('stop' 0) or closed: the first opening and
 * the last closing are the broker's window edges. */
static void window_edge(trial *t, int stop) {
    if (!stop && t->win_started++ == 0) {
        read_nodes(t, t->w0, t->have_w0);
        t->tw0 = procstat_mono();
    } else if (stop && ++t->win_stopped == t->nwin) {
        read_nodes(t, t->w1, t->have_w1);
        t->tw1 = procstat_mono();
    }
}

/* Wait up to 'ms' for the workloads' window messages ("start\n", "stop\n")
 * and act on them; a plain sleep when no workload has a window pipe. */
static void poll_windows(trial *t, int ms) {
    struct pollfd p[RUNNER_MAX_SERVICES + 1];
    child *owner[RUNNER_MAX_SERVICES + 1];
    int np = 0;
    for (int i = 0; i < t->nch; i++)
        if (t->ch[i].win_fd >= 0) {
            p[np] = (struct pollfd){t->ch[i].win_fd, POLLIN, 0};
            owner[np++] = &t->ch[i];
        }
    if (np == 0) {
        usleep((useconds_t)ms * 1000);
        return;
    }
    if (poll(p, (nfds_t)np, ms) <= 0)
        return;
    for (int i = 0; i < np; i++) {
        if (p[i].revents == 0)
            continue;
        char buf[64];
        ssize_t k = read(p[i].fd, buf, sizeof buf - 1);
        if (k <= 0) { /* the workload closed it (exited) */
            close(owner[i]->win_fd);
            owner[i]->win_fd = -1;
            continue;
        }
        buf[k] = '\0';
        /* Each message is one write of at most 6 bytes: never split. */
        for (char *m = buf; (m = strstr(m, "start\n")) != NULL; m += 6)
            window_edge(t, 0);
        for (char *m = buf; (m = strstr(m, "stop\n")) != NULL; m += 5)
            window_edge(t, 1);
        /* The first half-way point: the broker's CPU there. */
        if (strstr(buf, "half\n") != NULL && t->win_halves++ == 0) {
            read_nodes(t, t->wh, t->have_wh);
            t->twh = procstat_mono();
        }
    }
}

/* The files of child c's perf recording: "DIR/.BASE.perf.data",
 * "DIR/BASE.perf.txt" (its profile's name with .perf.txt for .prof) and
 * "DIR/BASE.perf.log" (removed when all went well). */
static void perf_files(const trial *t, const child *c, char *data, char *txt, char *log,
                       size_t size) {
    size_t n = strlen(c->prof_rel);
    int stem = n > 5 ? (int)(n - 5) : (int)n; /* without ".prof" */
    snprintf(data, size, "%s/.%.*s.perf.data", t->r->dir, stem, c->prof_rel);
    snprintf(txt, size, "%s/%.*s.perf.txt", t->r->dir, stem, c->prof_rel);
    snprintf(log, size, "%s/%.*s.perf.log", t->r->dir, stem, c->prof_rel);
}

/* Start perf on profiled child c (perfrec_attach); a failure fails the trial. */
static void perf_attach(trial *t, child *c) {
    char data[RUNNER_PATH_MAX + 64], txt[RUNNER_PATH_MAX + 64], log[RUNNER_PATH_MAX + 64];
    error e;
    error_clear(&e);
    perf_files(t, c, data, txt, log, sizeof data);
    if (perfrec_attach(&c->perf_pid, c->pid, t->cfg->perf_hz, data, log, &e) != 0) {
        c->perf_pid = 0;
        set_fail(t, "perf: %s", e.text);
    }
}

/* After child c ended: its perf text, kept to its measured window (the
 * result's mono_start/mono_stop: where its gperftools profile starts and
 * stops). */
static void perf_finish(trial *t, child *c, json_t *res) {
    char data[RUNNER_PATH_MAX + 64], txt[RUNNER_PATH_MAX + 64], log[RUNNER_PATH_MAX + 64];
    error e;
    error_clear(&e);
    perf_files(t, c, data, txt, log, sizeof data);
    json_t *m = json_object_get(res, "measured");
    double t0 = json_number_value(json_object_get(m, "mono_start"));
    double t1 = json_number_value(json_object_get(m, "mono_stop"));
    if (json_object_get(m, "mono_start") == NULL)
        t0 = t1 = -1;
    if (perfrec_finish(c->perf_pid, data, txt, log, t0, t1, &e) != 0)
        set_fail(t, "%s", e.text);
    else
        unlink(log);
    c->perf_pid = 0;
}

static int trial_start(trial *t, error *err) {
    char *argv[RUNNER_MAX_ARGS + 1];
    read_servers(t, 0);
    t->t0 = procstat_mono();
    quiet_read(&t->q0);
    for (int i = 0; i < t->nch && t->fail[0] == '\0'; i++) {
        runner_args(t->r, t->v, &t->ch[i], t->n, t->db, argv, t->store);
        if (runner_spawn(&t->ch[i], argv, t->store, t->fail, sizeof t->fail, err) != 0)
            return -1;
        if (t->cfg->perf_hz > 0 && t->ch[i].prof[0] != '\0')
            perf_attach(t, &t->ch[i]);
    }
    return 0;
}

/* Reap the children that ended; returns how many still run. The first
 * failure is named. */
static int reap(trial *t) {
    int running = 0;
    for (int i = 0; i < t->nch; i++) {
        child *c = &t->ch[i];
        if (c->pid <= 0 || c->done)
            continue;
        if (wait4(c->pid, &c->status, WNOHANG, &c->ru) != c->pid) {
            running++;
            continue;
        }
        c->done = 1;
        c->t1 = procstat_mono();
        if ((!WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0) && t->fail[0] == '\0')
            runner_child_failure(t->r, c, t->multi, t->fail, sizeof t->fail);
    }
    return running;
}

/* One server: the workloads notice a closed connection themselves; give them
 * RUNNER_SERVER_DEATH_S to say so, then stop. A cluster survives a node: its
 * clients decide. Returns 1 when the trial must stop. */
static int servers_lost(trial *t, double now, double *dead_at) {
    runner *r = t->r;
    if (!t->is_nats || r->servers == NULL)
        return 0;
    int dead = 0;
    for (int i = 0; i < r->nnodes; i++)
        if (!natscluster_alive(r->servers, i))
            dead = t->lost_node[i] = 1;
    if (!dead || r->nnodes != 1)
        return 0;
    if (*dead_at == 0)
        *dead_at = now;
    else if (now - *dead_at > RUNNER_SERVER_DEATH_S) {
        set_fail(t, "nats-server exited during the trial");
        return 1;
    }
    return 0;
}

/* Wait for every child: reap them as they end, kill the rest when one fails,
 * the server dies, the time is up or the user interrupts. With several
 * services, the others may still finish after one failed (a node of theirs
 * died): they get a grace period, so that what they stored is counted. */
static void trial_wait(trial *t) {
    double deadline = t->t0 + t->cfg->trial_timeout, dead_at = 0, grace_until = 0;
    /* Poll first: a window's "stop" is read the moment it is written, before
     * the workload's exit (and its connection's close) costs the broker. */
    for (;;) {
        poll_windows(t, RUNNER_POLL_MS);
        if (reap(t) == 0)
            break;
        double now = procstat_mono();
        int stop = 0;
        if (t->fail[0] != '\0') {
            if (t->multi && grace_until == 0)
                grace_until = now + RUNNER_GRACE_S;
            stop = !t->multi || now > grace_until;
        }
        if (!stop && runner_stop_flag) {
            snprintf(t->fail, sizeof t->fail, "interrupted");
            stop = 1;
        }
        if (!stop && now > deadline) {
            snprintf(t->fail, sizeof t->fail, "timed out after %.0f s",
                     t->cfg->trial_timeout);
            stop = 1;
        }
        if (stop || servers_lost(t, now, &dead_at))
            break;
    }
    runner_kill_children(t->ch, t->nch);
    t->t1 = procstat_mono();
}

/* After the wait: clean JetStream, read the servers, name a lost node as the
 * root cause rather than its first symptom. */
static void trial_servers_end(trial *t) {
    runner *r = t->r;
    if (strcmp(t->v->arch, "jetstream") == 0)
        runner_js_clean(r, t->base, t->fail, sizeof t->fail);
    read_servers(t, 1);
    int nlost = 0;
    char lost_list[64] = "";
    for (int i = 0; t->is_nats && i < r->nnodes; i++)
        if (t->lost_node[i]) {
            size_t len = strlen(lost_list);
            snprintf(lost_list + len, sizeof lost_list - len, "%s%d", nlost ? "," : "",
                     i);
            nlost++;
        }
    if (nlost == 0)
        return;
    char symptom[FAIL_MAX];
    memcpy(symptom, t->fail, sizeof symptom);
    if (r->nnodes == 1)
        snprintf(t->fail, sizeof t->fail, "nats-server exited during the trial%s%.900s%s",
                 symptom[0] ? " (" : "", symptom, symptom[0] ? ")" : "");
    else if (symptom[0] != '\0')
        snprintf(t->fail, sizeof t->fail,
                 "nats-server node %s exited during the trial (%.900s)", lost_list,
                 symptom);
}

/* ---- collect ------------------------------------------------------------------ */

/* A count from a workload's result, or RUNRECORD_UNKNOWN when it wrote none. */
static int64_t result_count(json_t *res, const char *key) {
    json_t *v = json_object_get(json_object_get(res, "events"), key);
    return json_is_integer(v) && json_integer_value(v) >= 0
               ? (int64_t)json_integer_value(v)
               : RUNRECORD_UNKNOWN;
}

static int64_t known(int64_t v) {
    return v == RUNRECORD_UNKNOWN ? 0 : v;
}

static json_t *count_json(int64_t v) {
    return v == RUNRECORD_UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

/* Several services: sum their counts, list each, and count rows and distinct
 * event ids in their databases (read here, after they exited). */
static void collect_services(trial *t) {
    runrecord *rec = t->rec;
    int64_t rcv = 0, sto = 0, mal = 0, drp = 0, dup = 0;
    for (int i = 0; i < t->nch - 1; i++) {
        json_t *res = t->res[i];
        int64_t d = known(result_count(res, "duplicates"));
        rcv += known(result_count(res, "received"));
        sto += known(result_count(res, "stored")) - d;
        mal += known(result_count(res, "malformed"));
        drp += known(result_count(res, "dropped"));
        dup += d;
        json_array_append_new(
            rec->events.per_service,
            json_pack("{s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:b, s:O?}", "index",
                      t->ch[i].index, "node", t->ch[i].node, "received",
                      count_json(result_count(res, "received")), "stored",
                      count_json(result_count(res, "stored")), "duplicates",
                      count_json(result_count(res, "duplicates")), "rows",
                      count_json(result_count(res, "rows")), "reconnects",
                      count_json(result_count(res, "reconnects")), "ok",
                      json_is_true(json_object_get(res, "ok")), "error",
                      json_object_get(res, "error")));
    }
    rec->events.received = rcv;
    rec->events.stored = sto;
    rec->events.malformed = mal;
    rec->events.dropped = drp;
    rec->events.duplicates = dup;
    const char *dbs[RUNNER_MAX_SERVICES];
    for (int i = 0; i < t->nch - 1; i++)
        dbs[i] = t->shared_db ? t->db : t->ch[i].db;
    error cerr;
    error_clear(&cerr);
    if (runner_count_ids(&rec->events.rows, &rec->events.unique_ids, dbs,
                         t->shared_db ? 1 : t->nch - 1, &cerr) != 0)
        set_fail(t, "%s", cerr.text);
}

/* The storing process wrote no result (killed, or it crashed): what it had
 * committed is in its database file, so the loss is counted from there, not
 * taken as everything. */
static void count_file(trial *t) {
    const char *dbs[1] = {t->db};
    int64_t unique = RUNRECORD_UNKNOWN;
    error cerr;
    error_clear(&cerr);
    if (runner_count_ids(&t->rec->events.rows, &unique, dbs, 1, &cerr) != 0)
        set_fail(t, "%s", cerr.text);
}

/* A count for a message: the number, or "none" when the workload wrote no
 * result (killed or interrupted). */
static const char *count_text(int64_t v, char *buf, size_t size) {
    if (v == RUNRECORD_UNKNOWN)
        return "none";
    snprintf(buf, size, "%lld", (long long)v);
    return buf;
}

/* The events: what the workloads reported, verified against N. */
static void trial_collect(trial *t) {
    runrecord *rec = t->rec;
    for (int i = 0; i < t->nch; i++) {
        json_error_t jerr;
        t->res[i] = json_load_file(t->ch[i].result, 0, &jerr);
        unlink(t->ch[i].result);
    }
    json_t *sres = t->res[0], *pres = t->res[t->nch - 1];
    int64_t n = t->n;
    rec->events.requested = n;
    rec->events.published = result_count(pres, "published");
    rec->events.received = result_count(sres, "received");
    rec->events.stored = result_count(sres, "stored");
    rec->events.malformed = result_count(sres, "malformed");
    rec->events.dropped = result_count(sres, "dropped");
    rec->events.rows = result_count(sres, "rows");
    rec->events.duplicates = 0;
    rec->events.resent = known(result_count(pres, "resent"));
    rec->events.per_service = json_array();
    if (t->multi)
        collect_services(t);
    else if (sres == NULL && !t->sp->memory)
        count_file(t);
    if (runner_result_variant(rec, sres, !t->multi) != 0 ||
        runner_result_replica(rec, t->v, sres) != 0)
        set_fail(t, "out of memory");
    /* Every published event must be stored, except in the replica arm as
     * the team wrote it: its events go to a subject no service stores, and
     * it must store none (one stored would mean it measured something else). */
    int64_t x = t->v->replica == RUNRECORD_REPLICA_WRITTEN ? 0 : n;
    rec->events.expected_stored = x;
    const runrecord *e = rec;
    rec->events.verified =
        e->events.published == n && e->events.stored == x && e->events.rows == x &&
        e->events.dropped == 0 && e->events.malformed == 0 &&
        (t->multi ? e->events.unique_ids == x : e->events.received == x);
    rec->events.lost = x - known(t->multi ? e->events.unique_ids : e->events.rows);
    if (e->events.published != RUNRECORD_UNKNOWN && n - e->events.published > rec->events.lost)
        rec->events.lost = n - e->events.published; /* never published: lost too */
    char b[7][24];
    if (!rec->events.verified)
        set_fail(t,
                 "lost events: requested %lld, published %s, received %s, stored %s, "
                 "rows %s, unique ids %s, dropped %s, malformed %s%s",
                 (long long)n, count_text(e->events.published, b[0], 24),
                 count_text(e->events.received, b[1], 24),
                 count_text(e->events.stored, b[2], 24),
                 count_text(e->events.rows, b[3], 24),
                 count_text(e->events.unique_ids, b[4], 24),
                 count_text(e->events.dropped, b[5], 24),
                 count_text(e->events.malformed, b[6], 24),
                 x == n ? "" : " (this arm must store none: its events go to a subject "
                               "no service stores)");
    if (sres != NULL && !json_is_true(json_object_get(sres, "ok")))
        set_fail(t, "%s", json_string_value(json_object_get(sres, "error")));
}

/* ---- account --------------------------------------------------------------------- */

/* Count the samples of child 'c''s profile into its entry 'p'. */
static void account_profile(trial *t, const child *c, runrecord_proc *p) {
    profile *prof = NULL;
    error perr;
    error_clear(&perr);
    p->has_profile = 1;
    if (profile_load(&prof, c->prof, &perr) != 0) {
        t->all_profiles = 0;
        runrecord_set_str(&p->profile_error, perr.text);
        set_fail(t, "%s", perr.text);
        return;
    }
    double m = p->measured.have ? p->measured.cpu_s : 0;
    t->rec->samples += (int64_t)prof->samples;
    t->rec->sampling.period_us = (int64_t)prof->period_us;
    t->prof_cpu += m;
    runrecord_set_str(&p->profile, c->prof_rel);
    p->samples = (int64_t)prof->samples;
    p->effective_hz = m > 0 ? (double)prof->samples / m : NAN;
    profile_free(prof);
}

/* One workload process: its whole-process CPU (wait4), its own measured
 * window, its profile. */
static void account_child(trial *t, const child *c, json_t *res, runrecord_proc *p) {
    runrecord *rec = t->rec;
    p->node = p->index = p->external = p->lost = -1;
    p->samples = RUNRECORD_UNKNOWN;
    p->effective_hz = NAN;
    runrecord_set_str(&p->role, c->role);
    runrecord_set_str(&p->cpu_source, "wait4");
    runrecord_set_str(&p->log, strrchr(c->log, '/') + 1);
    p->pid = (int)c->pid;
    p->exit_status = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
    p->user_s = runner_tv(&c->ru.ru_utime);
    p->sys_s = runner_tv(&c->ru.ru_stime);
    p->cpu_s = p->user_s + p->sys_s;
    p->wall_s = c->t1 - c->t0;
    json_t *m = json_object_get(res, "measured");
    if (m != NULL) {
        p->measured.have = 1;
        p->measured.user_s = json_real_value(json_object_get(m, "user_s"));
        p->measured.sys_s = json_real_value(json_object_get(m, "sys_s"));
        p->measured.cpu_s = p->measured.user_s + p->measured.sys_s;
        p->measured.wall_s = json_real_value(json_object_get(m, "wall_s"));
        rec->cpu.measured_s += p->measured.cpu_s;
        json_t *h = json_object_get(m, "half");
        json_t *he = json_object_get(h, "events");
        if (json_is_object(h) && json_is_integer(he) && json_integer_value(he) > 0) {
            p->measured.have_half = 1;
            p->measured.half_cpu_s = json_real_value(json_object_get(h, "user_s")) +
                                     json_real_value(json_object_get(h, "sys_s"));
            p->measured.half_wall_s = json_real_value(json_object_get(h, "wall_s"));
            p->measured.half_events = json_integer_value(he);
        }
    }
    runrecord_proc_threads(p, json_object_get(res, "threads"));
    if (t->is_nats)
        p->node = c->node;
    if (strcmp(c->role, "service") == 0) {
        p->index = c->index;
        rec->cpu.services_s += p->cpu_s;
    } else if (strcmp(c->role, "bot") == 0) {
        rec->cpu.bot_s += p->cpu_s;
    }
    rec->cpu.total_s += p->cpu_s;
    rec->cpu.user_s += p->user_s;
    rec->cpu.sys_s += p->sys_s;
    if (c->prof[0] != '\0')
        account_profile(t, c, p);
}

/* nats-server node 'i' over the trial. */
static void account_server(trial *t, int i, runrecord_proc *p) {
    runner *r = t->r;
    struct rusage dru;
    p->node = i;
    p->index = p->external = -1;
    p->lost = t->lost_node[i];
    p->exit_status = INT32_MIN;
    p->samples = RUNRECORD_UNKNOWN;
    p->pid = (int)r->node_pid[i];
    p->wall_s = t->t1 - t->t0;
    runrecord_set_str(&p->role, "nats-server");
    if (t->have_s0[i] && t->lost_node[i] && r->servers != NULL &&
        natscluster_exit_rusage(r->servers, i, &dru) == 0) {
        /* A node that died during the trial: its CPU up to its death (wait4,
         * whole life) less its schedstat at the start. */
        double u = runner_tv(&dru.ru_utime), sy = runner_tv(&dru.ru_stime);
        p->cpu_s = fmax(0, u + sy - (double)t->s0[i].on_cpu_ns / 1e9);
        p->user_s = fmax(0, u - t->s0[i].user_s);
        p->sys_s = fmax(0, sy - t->s0[i].sys_s);
        p->external = 0;
        runrecord_set_str(&p->cpu_source, "wait4-at-exit");
    } else if (t->have_s0[i] && t->have_s1[i]) {
        p->cpu_s = (double)(t->s1[i].on_cpu_ns - t->s0[i].on_cpu_ns) / 1e9;
        p->user_s = t->s1[i].user_s - t->s0[i].user_s;
        p->sys_s = t->s1[i].sys_s - t->s0[i].sys_s;
        p->external = r->servers == NULL;
        runrecord_set_str(&p->cpu_source, "schedstat");
        if (t->have_w0[i] && t->have_w1[i] && !t->lost_node[i] &&
            t->w1[i].on_cpu_ns >= t->w0[i].on_cpu_ns) {
            /* The same window as the workloads' measured CPU. */
            runrecord_window *w = &p->measured;
            w->have = 1;
            w->cpu_s = (double)(t->w1[i].on_cpu_ns - t->w0[i].on_cpu_ns) / 1e9;
            w->user_s = t->w1[i].user_s - t->w0[i].user_s;
            w->sys_s = t->w1[i].sys_s - t->w0[i].sys_s;
            w->wall_s = t->tw1 - t->tw0;
            if (t->have_wh[i] && t->wh[i].on_cpu_ns >= t->w0[i].on_cpu_ns &&
                t->w1[i].on_cpu_ns >= t->wh[i].on_cpu_ns) {
                w->have_half = 1;
                w->half_cpu_s = (double)(t->wh[i].on_cpu_ns - t->w0[i].on_cpu_ns) / 1e9;
                w->half_wall_s = t->twh - t->tw0;
                w->half_events = RUNRECORD_UNKNOWN;
            }
            t->server_window_cpu += w->cpu_s;
            t->server_windows++;
            /* Its threads as one: nats-server's goroutines move between
             * threads, so only their sum means anything. */
            int64_t vol = t->w1[i].voluntary - t->w0[i].voluntary,
                    inv = t->w1[i].involuntary - t->w0[i].involuntary;
            json_t *all = json_pack("[{s:s, s:i, s:b, s:b, s:f, s:I, s:I}]", "name",
                                    "nats-server (all threads)", "tid", (int)r->node_pid[i],
                                    "main", 1, "started", 0, "cpu_s", w->cpu_s, "voluntary",
                                    (json_int_t)vol, "involuntary", (json_int_t)inv);
            if (all != NULL && vol >= 0 && inv >= 0 && p->threads == NULL)
                runrecord_proc_threads(p, all);
            json_decref(all);
        }
    } else {
        /* Unknown (external server without its pid), or a node killed during
         * the trial: its last CPU is not readable any more. */
        t->have_server = 0;
        p->cpu_s = p->user_s = p->sys_s = p->wall_s = NAN;
        runrecord_set_str(&p->cpu_source, r->node_pid[i] <= 0 ? "unknown" : "unreadable");
        return;
    }
    t->server_cpu += p->cpu_s;
    t->rec->cpu.nats_server_nodes_measured++;
}

static void trial_account(trial *t) {
    runrecord *rec = t->rec;
    rec->cpu.total_s = rec->cpu.user_s = rec->cpu.sys_s = rec->cpu.measured_s = 0;
    rec->cpu.services_s = rec->cpu.bot_s = 0;
    t->all_profiles = t->v->profiled;
    for (int i = 0; i < t->nch; i++) {
        if (t->ch[i].perf_pid > 0)
            perf_finish(t, &t->ch[i], t->res[i]);
        account_child(t, &t->ch[i], t->res[i], &rec->procs[rec->nprocs++]);
    }
    t->have_server = t->is_nats;
    for (int i = 0; t->is_nats && i < t->r->nnodes; i++)
        account_server(t, i, &rec->procs[rec->nprocs++]);
    double cpu = rec->cpu.total_s + t->server_cpu, stored = (double)rec->events.stored;
    int per_event = rec->events.stored != RUNRECORD_UNKNOWN && rec->events.stored > 0;
    rec->cpu.total_s = cpu;
    rec->cpu.per_event_us = per_event ? cpu / stored * 1e6 : NAN;
    rec->cpu.nats_server_s = t->have_server ? t->server_cpu : NAN;
    rec->cpu.measured_per_event_us = per_event ? rec->cpu.measured_s / stored * 1e6 : NAN;
    /* The broker over the workloads' windows when every node was read at
     * their edges, else over the trial. */
    int windowed = t->have_server && t->server_windows == t->r->nnodes;
    rec->cpu.window_s =
        rec->cpu.measured_s + (windowed ? t->server_window_cpu : t->server_cpu);
    rec->cpu.window_per_event_us = per_event ? rec->cpu.window_s / stored * 1e6 : NAN;
    rec->cpu.includes_nats_server = t->have_server;
    rec->cpu.nats_server_nodes = t->is_nats ? t->r->nnodes : 0;
    rec->cpu.broker_share = t->have_server && cpu > 0 ? t->server_cpu / cpu : NAN;
    if (!t->v->profiled || rec->sampling.period_us <= 0)
        rec->sampling.period_us = RUNRECORD_UNKNOWN;
    quiet_window q;
    quiet_since(&q, &t->q0, &t->q1, cpu);
    rec->machine.wall_s = q.wall_s;
    rec->machine.busy_s = q.busy_s;
    rec->machine.outside_s = q.outside_s;
    rec->machine.steal_s = q.steal_s;
    rec->sampling.requested_hz = t->cfg->freq;
    if (t->v->profiled)
        runrecord_set_str(&rec->sampling.sampler,
                          runner_sampler(t->cfg));
    rec->sampling.effective_hz = t->v->profiled && t->all_profiles && t->prof_cpu > 0
                                     ? (double)rec->samples / t->prof_cpu
                                     : NAN;
}

/* ---- the record ---------------------------------------------------------------- */

static json_t *cluster_json(const trial *t) {
    int queue = strcmp(t->v->arch, "nats-cluster") == 0;
    json_t *svc_nodes = json_array(), *lost = json_array();
    for (int i = 0; i < t->nch; i++)
        if (strcmp(t->ch[i].role, "service") == 0)
            json_array_append_new(svc_nodes, json_integer(t->ch[i].node));
    for (int i = 0; i < t->r->nnodes; i++)
        if (t->lost_node[i])
            json_array_append_new(lost, json_integer(i));
    return json_pack("{s:i, s:i, s:b, s:i, s:o, s:o, s:s?}", "nodes",
                     t->is_nats ? t->r->nnodes : 0, "services", t->nsvc, "queue_group",
                     queue, "bot_node", 0, "service_nodes", svc_nodes, "nodes_lost", lost,
                     "queue", queue ? CHATPROTO_QUEUE : NULL);
}

static json_t *jetstream_json(const trial *t) {
    if (strcmp(t->v->arch, "jetstream") != 0)
        return NULL;
    int nodes = t->r->nnodes;
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:f}", "stream", CHATPROTO_STREAM,
                     "subject", CHATPROTO_SUBJECT, "storage", t->cfg->js_storage,
                     "replicas", nodes < 3 ? nodes : 3, "consumer", CHATPROTO_DURABLE,
                     "ack", "explicit, after commit", "ack_wait_s", CHATPROTO_ACK_WAIT_S);
}

/* A string member of 'o', or NULL. */
static const char *jstr(json_t *o, const char *key) {
    return json_string_value(json_object_get(o, key));
}

/* Everything but events, processes and CPU. Returns 0 or -1 (out of memory). */
static int trial_fill(trial *t, int index, int round) {
    runrecord *rec = t->rec;
    const runner *r = t->r;
    const variant *v = t->v;
    json_t *sdb = json_object_get(t->res[0], "db");
    json_t *pm = json_object_get(t->res[t->nch - 1], "measured");
    double pub_wall = json_real_value(json_object_get(pm, "wall_s"));
    const char *dbpath = t->ch[0].db[0] ? t->ch[0].db : t->db;
    rec->trial = index;
    rec->round = round;
    rec->profiled = v->profiled;
    rec->ok = t->fail[0] == '\0';
    rec->wall_s = t->t1 - t->t0;
    rec->rate.requested = t->cfg->rate > 0 ? t->cfg->rate : NAN;
    rec->rate.achieved = pub_wall > 0 && known(rec->events.published) > 0
                             ? (double)rec->events.published / pub_wall
                             : NAN;
    json_t *batch = json_object_get(sdb, "batch"); /* a variant's, when it has one */
    rec->db.batch =
        json_is_integer(batch) ? (int)json_integer_value(batch) : t->cfg->batch;
    rec->db.per_service_files = t->multi && !t->shared_db;
    rec->db.shared_file = t->multi && t->shared_db;
    rec->db.busy_timeout_ms = t->multi && t->shared_db ? CHATPROTO_JS_BUSY_TIMEOUT_MS : 0;
    rec->db.event_id_unique = strcmp(v->arch, "jetstream") == 0;
    rec->cluster = cluster_json(t);
    rec->jetstream = jetstream_json(t);
    rec->versions = json_incref(json_object_get(r->env, "versions"));
    rec->host = json_incref(json_object_get(r->env, "host"));
    rec->git = json_incref(json_object_get(r->env, "git"));
    rec->command = json_incref(json_object_get(r->env, "command"));
    if (runrecord_set_str(&rec->run_id, r->run_id) ||
        runrecord_set_str(&rec->arch, v->arch) || runrecord_set_str(&rec->tag, v->tag) ||
        runrecord_set_str(&rec->storage, v->storage) ||
        runrecord_set_str(&rec->aa_group, v->aa_group) ||
        runrecord_set_str(&rec->failure, t->fail[0] ? t->fail : NULL) ||
        runrecord_set_str(&rec->db.storage, v->storage) ||
        runrecord_set_str(&rec->db.path_kind, t->sp->memory ? "memory" : "file") ||
        runrecord_set_str(&rec->db.path,
                          t->sp->memory ? ":memory:" : strrchr(dbpath, '/') + 1) ||
        runrecord_set_str(&rec->db.journal, jstr(sdb, "journal")) ||
        runrecord_set_str(&rec->db.synchronous, jstr(sdb, "synchronous")) ||
        rec->cluster == NULL || (rec->jetstream == NULL && rec->db.event_id_unique))
        return -1;
    return 0;
}

/* ---- the trial ------------------------------------------------------------------ */

static void trial_cleanup(trial *t) {
    runner_kill_children(t->ch, t->nch);
    if (t->sp != NULL && !t->sp->memory) {
        runner_remove_db(t->db);
        for (int i = 0; i < t->nch; i++)
            if (t->ch[i].db[0] != '\0')
                runner_remove_db(t->ch[i].db);
    }
    for (int i = 0; i < t->nch; i++) {
        json_decref(t->res[i]);
        if (t->ch[i].win_fd >= 0)
            close(t->ch[i].win_fd);
        if (t->ch[i].perf_pid > 0) { /* a trial that ended before its accounting */
            char data[RUNNER_PATH_MAX + 64], txt[RUNNER_PATH_MAX + 64], log[RUNNER_PATH_MAX + 64];
            kill(t->ch[i].perf_pid, SIGKILL);
            waitpid(t->ch[i].perf_pid, NULL, 0);
            perf_files(t, &t->ch[i], data, txt, log, sizeof data);
            unlink(data);
        }
    }
    runrecord_free(t->rec);
    free(t);
}

int runner_trial(runrecord **out, int *ok, runner *r, const variant *v, int index,
                 int round, int64_t n, const char *base, error *err) {
    int rc = -1;
    *out = NULL;
    *ok = 0;
    trial *t = calloc(1, sizeof *t);
    if (t == NULL)
        return error_set(err, ERR_NOMEM, "%s: out of memory", base);
    t->r = r;
    t->cfg = r->cfg;
    t->v = v;
    t->n = n;
    t->base = base;
    if ((t->rec = runrecord_new()) == NULL) {
        error_set(err, ERR_NOMEM, "%s: out of memory", base);
        goto done;
    }
    trial_plan(t);
    if (trial_start(t, err) != 0)
        goto done;
    trial_wait(t);
    quiet_read(&t->q1);
    trial_servers_end(t);
    trial_collect(t);
    trial_account(t);
    if (trial_fill(t, index, round) != 0) {
        error_set(err, ERR_NOMEM, "%s: cannot build the record", base);
        goto done;
    }
    *ok = t->rec->ok;
    *out = t->rec;
    t->rec = NULL;
    rc = 0;
done:
    trial_cleanup(t);
    return rc;
}
