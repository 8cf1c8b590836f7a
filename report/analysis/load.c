/* analysis: reading the run directories: run.json of the main run and every
 * trial record (trial-*.json), one trial each. */

#include "an_internal.h"
#include "runrecord.h"
#include "jsonfile.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A count for the analysis: 0 when the record says unknown (null: the
 * workload wrote no result, e.g. it was killed). */
static int64_t count_or_zero(int64_t v) {
    return v == RUNRECORD_UNKNOWN ? 0 : v;
}

/* nats-server's CPU over the workloads' measured windows, summed over its
 * nodes, when every node has one; else its CPU over the whole trial
 * (cpu.nats_server_s, NAN when unknown). */
/* The split-half check of trial 't' (trial.half_log_ratio): the first half
 * of the events is every process's CPU to its half-way point, over
 * requested / 2 events; the second the rest of t->cpu_s over the rest of the
 * stored events. NAN unless every process that makes up t->cpu_s has its
 * half-way point and every event was stored. */
static double half_log_ratio(const runrecord *rr, const trial *t) {
    double first = 0;
    int64_t e1 = t->requested / 2, e2 = t->stored - e1;
    if (t->stored != t->requested || e1 <= 0 || e2 <= 0 || !(rr->cpu.measured_s > 0))
        return NAN;
    for (int k = 0; k < rr->nprocs; k++) {
        const runrecord_window *w = &rr->procs[k].measured;
        /* a process without its window (a broker read over the whole trial)
         * cannot be split */
        if (!w->have || !w->have_half || !(w->half_cpu_s >= 0) || !(w->half_cpu_s <= w->cpu_s))
            return NAN;
        first += w->half_cpu_s;
    }
    double second = t->cpu_s - first;
    if (!(first > 0) || !(second > 0))
        return NAN;
    return log(second / (double)e2) - log(first / (double)e1);
}

static double broker_window_s(const runrecord *rr) {
    double sum = 0;
    int nodes = 0, windowed = 0;
    for (int k = 0; k < rr->nprocs; k++)
        if (strcmp(rr->procs[k].role, "nats-server") == 0) {
            nodes++;
            if (rr->procs[k].measured.have && !isnan(rr->procs[k].measured.cpu_s)) {
                windowed++;
                sum += rr->procs[k].measured.cpu_s;
            }
        }
    return nodes > 0 && windowed == nodes && !isnan(rr->cpu.nats_server_s)
               ? sum
               : rr->cpu.nats_server_s;
}

/* Take one trial from its record 'rec' (validated by runrecord; 'rr' is its
 * typed view). ERR_CHECK for a failed trial unless loss is accepted. */
static int trial_read(ctx *c, trial *t, json_t *rec, const runrecord *rr, const char *dir,
                      const char *file) {
    t->rec = rec;
    t->dir = dir;
    t->file = file;
    /* Strings borrowed from 'rec', which the analysis keeps. */
    t->arch = an_jstr(rec, "arch");
    t->tag = an_jstr(rec, "tag");
    t->storage = an_jstr(rec, "storage");
    /* A/A control trials carry aa_group "A" or "B" (1 and 2 here). */
    t->aa_group = rr->aa_group == NULL ? 0 : rr->aa_group[0] == 'A' ? 1 : 2;
    t->profiled = rr->profiled;
    t->round = rr->round;
    t->position = rr->position;
    t->outside_pct = rr->machine.wall_s > 0 ? rr->machine.outside_s / rr->machine.wall_s * 100 : NAN;
    t->steal_pct = rr->machine.wall_s > 0 ? rr->machine.steal_s / rr->machine.wall_s * 100 : NAN;
    t->rate = isnan(rr->rate.requested) ? 0 : rr->rate.requested;
    t->requested = rr->events.requested;
    t->stored = count_or_zero(rr->events.stored);
    t->dropped = count_or_zero(rr->events.dropped);
    /* Lost: never published, or published and not stored of what the trial
     * had to store (all of it, but none in a replica arm as the team wrote
     * it: runrecord checks expected_stored <= requested). */
    int64_t least = t->stored, expected = runrecord_expected_stored(rr);
    if (count_or_zero(rr->events.rows) < least)
        least = count_or_zero(rr->events.rows);
    t->lost = expected - least;
    if (t->requested - count_or_zero(rr->events.published) > t->lost)
        t->lost = t->requested - count_or_zero(rr->events.published);
    /* CPU per event: the workloads' measured windows (getrusage around the
     * event loop: no process start-up, no connection set-up) plus the
     * broker's CPU over the same windows when every node was read at their
     * edges (else over the trial). Whole-process CPU is kept for the table. */
    t->broker_s = broker_window_s(rr);
    t->whole_s = rr->cpu.total_s;
    double work = rr->cpu.measured_s;
    if (!(work > 0))
        work = t->whole_s - (isnan(t->broker_s) ? 0 : t->broker_s);
    t->cpu_s = work + (isnan(t->broker_s) ? 0 : t->broker_s);
    t->wall_s = rr->wall_s;
    double window = NAN;
    for (int k = 0; k < rr->nprocs; k++) {
        double w = rr->procs[k].measured.have ? rr->procs[k].measured.wall_s : NAN;
        if (w > 0 && !(w <= window))
            window = w;
    }
    t->window_s = window > 0 ? window : t->wall_s;
    t->per_event_us = t->stored > 0 ? t->cpu_s / (double)t->stored * 1e6 : NAN;
    t->half_log_ratio = half_log_ratio(rr, t);
    t->util_pp = t->window_s > 0 ? t->cpu_s / t->window_s * 100 : NAN;
    if (t->tag == NULL)
        t->tag = t->arch;
    if (!rr->ok || t->lost > 0 || t->dropped > 0) {
        const char *why = rr->failure;
        if (!c->o->accept_loss)
            return error_set(
                c->err, ERR_CHECK,
                "%s/%s: trial %d failed (%s): %lld of %lld events not stored, "
                "%lld dropped; rerun, or analyse with --accept-loss",
                dir, file, t->index, why ? why : "lost events", (long long)t->lost,
                (long long)t->requested, (long long)t->dropped);
        an_warn(
            c,
            "trial %d (%s) lost %lld of %lld events (%s); analysed anyway because loss "
            "was accepted",
            t->index, t->tag, (long long)t->lost, (long long)t->requested,
            why ? why : "lost events");
    }
    if (an_is_nats_arch(t->arch) && isnan(t->broker_s))
        an_warn(
            c,
            "trial %d: nats-server CPU was not measured; its per-event CPU excludes the "
            "broker",
            t->index);
    return 0;
}

/* A replica arm's figures: the storing process's CPU over its measured
 * window minus its CPU over the idle window, in % of one core (the team's
 * cpu_percent() difference), and nats-server's over the same window. */
static void replica_read(trial *t, const runrecord *rr) {
    t->replica = rr->replica.mode;
    t->replica_pp = t->replica_broker_pp = NAN;
    double idle = rr->replica.idle_wall_s > 0
                      ? rr->replica.idle_cpu_s / rr->replica.idle_wall_s * 100
                      : NAN;
    for (int k = 0; k < rr->nprocs; k++) {
        const runrecord_proc *p = &rr->procs[k];
        if (!p->measured.have || !(p->measured.wall_s > 0))
            continue;
        double pp = p->measured.cpu_s / p->measured.wall_s * 100;
        if (strcmp(p->role, "nats-server") == 0)
            t->replica_broker_pp = pp;
        else if (strcmp(p->role, "inproc") == 0)
            t->replica_pp = pp - idle;
    }
}

/* Read, validate and append the record 'name' of 'dir' as trial c->nt (or,
 * for a replica arm or a latency-only run, as c->xt[c->nxt]);
 * 'optimize': the run measured workload variants; 'shared': in the same
 * rounds as their baselines, which then belong to the headline;
 * 'latency_only': the run measured latency at a fixed load. */
static int load_record(ctx *c, const char *dir, const char *name, int optimize,
                       int shared, int latency_only) {
    char path[4096];
    runrecord *rr = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_t *rec = NULL;
    if (jsonfile_load(&rec, path, JSON_REJECT_DUPLICATES, c->err) != 0)
        return -1;
    json_object_set_new(rec, "_file", json_string(name));
    json_array_append_new(c->records, rec);
    if (runrecord_from_json(&rr, rec, path, c->err) != 0)
        return -1;
    int extra = latency_only || rr->replica.mode > 0;
    if (extra && c->nxt >= MAX_TRIALS) {
        runrecord_free(rr);
        return error_set(c->err, ERR_INPUT, "%s: more than %d trial records", dir,
                         MAX_TRIALS);
    }
    trial *t = extra ? &c->xt[c->nxt] : &c->t[c->nt];
    /* Numbered before it is read, so that its messages name it (the extra
     * trials are not in the trials table: numbered apart, from 1001). */
    t->index = extra ? 1001 + (int)c->nxt : (int)c->nt + 1;
    t->latency_only = latency_only;
    replica_read(t, rr);
    t->variant = an_jstr(rec, "variant.name");
    if (t->variant == NULL)
        t->variant = "baseline";
    t->shared = optimize && shared;
    t->optimize = optimize && !(t->shared && strcmp(t->variant, "baseline") == 0);
    t->lat_p50_us = rr->latency.p50_us;
    t->lat_p99_us = rr->latency.p99_us;
    int rc = trial_read(c, t, rec, rr, dir, an_jstr(rec, "_file"));
    runrecord_free(rr);
    if (rc == 0 && extra)
        c->nxt++;
    else if (rc == 0)
        c->nt++;
    return rc;
}

/* Append the trial-*.json records of one run directory, in file order. */
static int load_dir(ctx *c, const char *dir) {
    int rc = -1;
    char **names = NULL;
    size_t nnames = 0;
    runrecord_run *run = NULL;
    /* A run still "running" (its runner was killed) or "interrupted" has
     * incomplete rounds: refused. */
    if (runrecord_run_read(&run, dir, 1, c->err) != 0)
        return -1;
    if (c->runj == NULL)
        c->runj = json_incref(run->json);
    int optimize = json_array_size(an_jget(run->json, "config.variants")) > 0;
    int shared = json_is_true(an_jget(run->json, "config.profile_baseline_only"));
    int latency_only = json_is_true(an_jget(run->json, "config.latency_only"));
    runrecord_run_free(run);
    DIR *d = opendir(dir);
    if (d == NULL)
        return error_errno(c->err, ERR_INPUT, errno, "%s: cannot list", dir);
    names = calloc(MAX_TRIALS, sizeof *names);
    struct dirent *e;
    while (names != NULL && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "trial-", 6) != 0 || n < 11 ||
            strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        if (nnames == MAX_TRIALS || c->nt + nnames >= MAX_TRIALS) {
            error_set(c->err, ERR_INPUT, "%s: more than %d trial records", dir,
                      MAX_TRIALS);
            goto done;
        }
        names[nnames++] = strdup(e->d_name);
    }
    if (names == NULL) {
        error_set(c->err, ERR_NOMEM, "%s: out of memory", dir);
        goto done;
    }
    if (nnames == 0) {
        error_set(c->err, ERR_INPUT, "%s: no trial records (trial-NN-*.json)", dir);
        goto done;
    }
    qsort(names, nnames, sizeof *names, cmp_names);
    for (size_t i = 0; i < nnames; i++)
        if (load_record(c, dir, names[i], optimize, shared, latency_only) != 0)
            goto done;
    rc = 0;
done:
    closedir(d);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Load every run directory: run.json of the first, all trial records. */
int an_load_runs(ctx *c) {
    c->records = json_array();
    c->t = calloc(MAX_TRIALS, sizeof *c->t);
    c->xt = calloc(MAX_TRIALS, sizeof *c->xt);
    if (c->records == NULL || c->t == NULL || c->xt == NULL)
        return error_set(c->err, ERR_NOMEM, "%s: out of memory", c->rundir);
    /* The same run twice would count its trials twice. */
    if (runrecord_check_dirs(c->dirs, c->ndirs, c->err) != 0)
        return -1;
    for (size_t i = 0; i < c->ndirs; i++)
        if (load_dir(c, c->dirs[i]) != 0)
            return -1;
    return 0;
}
