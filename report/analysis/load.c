/* analysis: reading the run directories: run.json of the main run and every
 * trial record (trial-*.json), one trial each. */

#include "an_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read one trial from its record; ERR_INPUT when a field is missing. */
static int trial_read(ctx *c, trial *t, json_t *rec, const char *dir, const char *file) {
    t->rec = rec;
    t->dir = dir;
    t->file = file;
    const char *schema = an_jstr(rec, "schema");
    if (schema == NULL || strcmp(schema, "overhead.run/1") != 0)
        return error_set(c->err, ERR_INPUT,
                         "%s/%s: schema is '%s', expected 'overhead.run/1'", dir, file,
                         schema ? schema : "(missing)");
    t->arch = an_jstr(rec, "arch");
    t->tag = an_jstr(rec, "tag");
    t->storage = an_jstr(rec, "storage");
    /* A/A control trials carry aa_group "A" or "B" (1 and 2 here). */
    const char *aa = an_jstr(rec, "aa_group");
    t->aa_group = aa == NULL             ? 0
                  : strcmp(aa, "A") == 0 ? 1
                  : strcmp(aa, "B") == 0 ? 2
                                         : 3;
    if (t->aa_group == 3)
        return error_set(c->err, ERR_INPUT, "%s/%s: aa_group is '%s', expected A or B",
                         dir, file, aa);
    t->profiled = json_is_true(an_jget(rec, "profiled"));
    t->rate = json_is_number(an_jget(rec, "rate.requested"))
                  ? an_jnum(rec, "rate.requested")
                  : 0;
    t->requested = (int64_t)an_jnum(rec, "events.requested");
    t->stored = (int64_t)an_jnum(rec, "events.stored");
    double rows = an_jnum(rec, "events.rows"),
           published = an_jnum(rec, "events.published");
    t->dropped = (int64_t)an_jnum(rec, "events.dropped");
    double least = fmin(published, fmin((double)t->stored, rows));
    t->lost = isnan(least) ? t->requested : t->requested - (int64_t)least;
    /* CPU per event: the workloads' measured windows (getrusage around the
     * event loop: no process start-up, no connection set-up) plus the
     * broker's CPU over the trial. Whole-process CPU is kept for the table. */
    t->broker_s = an_jnum(rec, "cpu.nats_server_s");
    t->whole_s = an_jnum(rec, "cpu.total_s");
    double work = an_jnum(rec, "cpu.measured_s");
    if (!(work > 0))
        work = t->whole_s - (isnan(t->broker_s) ? 0 : t->broker_s);
    t->cpu_s = work + (isnan(t->broker_s) ? 0 : t->broker_s);
    t->wall_s = an_jnum(rec, "wall_s");
    double window = NAN;
    json_t *p;
    size_t k;
    json_array_foreach(json_object_get(rec, "processes"), k, p) {
        double w = an_jnum(p, "measured.wall_s");
        if (w > 0 && !(w <= window))
            window = w;
    }
    t->window_s = window > 0 ? window : t->wall_s;
    t->per_event_us = t->stored > 0 ? t->cpu_s / (double)t->stored * 1e6 : NAN;
    t->util_pp = t->window_s > 0 ? t->cpu_s / t->window_s * 100 : NAN;
    if (t->arch == NULL || t->storage == NULL || isnan(t->cpu_s) || isnan(t->wall_s) ||
        t->requested < 0)
        return error_set(
            c->err, ERR_INPUT,
            "%s/%s: incomplete record (arch, storage, events, cpu.total_s and "
            "wall_s are required)",
            dir, file);
    if (t->tag == NULL)
        t->tag = t->arch;
    int ok = json_is_true(an_jget(rec, "ok"));
    if (!ok || t->lost > 0 || t->dropped > 0) {
        const char *why = an_jstr(rec, "failure");
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

/* Append the trial-*.json records of one run directory, in file order. */
static int load_dir(ctx *c, const char *dir) {
    int rc = -1;
    char path[4096];
    char **names = NULL;
    size_t nnames = 0;
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/run.json", dir);
    json_t *runj = json_load_file(path, 0, &jerr);
    if (runj == NULL)
        return error_set(c->err, ERR_INPUT, "%s: not a run directory (run.json: %s)", dir,
                         jerr.text);
    if (c->runj == NULL)
        c->runj = runj;
    else
        json_decref(runj);
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
    for (size_t i = 0; i < nnames; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        json_t *rec = json_load_file(path, 0, &jerr);
        if (rec == NULL) {
            error_set(c->err, ERR_INPUT, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                      jerr.text);
            goto done;
        }
        json_object_set_new(rec, "_file", json_string(names[i]));
        json_array_append_new(c->records, rec);
        trial *t = &c->t[c->nt];
        if (trial_read(c, t, rec, dir, an_jstr(rec, "_file")) != 0)
            goto done;
        t->index = (int)++c->nt;
    }
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
    if (c->records == NULL || c->t == NULL)
        return error_set(c->err, ERR_NOMEM, "%s: out of memory", c->rundir);
    for (size_t i = 0; i < c->ndirs; i++)
        if (load_dir(c, c->dirs[i]) != 0)
            return -1;
    return 0;
}
