/* analysis: attribution per process and trial (attrib) of the profiled
 * headline trials: the breakdown rows with their intervals and the residual
 * against the measured overhead, the hotspots on the same footing, and the
 * recommendation rules' evidence (recrules). */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peek.h"
#include "profile.h"

#define HOTSPOTS        3      /* functions in the hotspots table */
#define HOTSPOT_PATHS   3      /* caller chains shown per hotspot */
#define HOT_CANDIDATES  40     /* pooled diff rows considered for it */
#define FEW_SAMPLES     16     /* about where aggregate_few() starts to say "few" */
#define CHART_MIN_SHARE 0.0005 /* of the overhead: smaller changes stay off the chart */

/* Keep 'a' for freeing with the analysis. */
static int keep_agg(ctx *c, aggregate *a) {
    aggregate **k = realloc(c->paggs, (c->npaggs + 1) * sizeof *k);
    if (k == NULL) {
        aggregate_free(a);
        return error_set(c->err, ERR_NOMEM, "out of memory");
    }
    c->paggs = k;
    c->paggs[c->npaggs++] = a;
    return 0;
}

/* Thread scaling of one process: when its record lists its threads, each
 * thread's stacks weigh what the kernel measured for that thread
 * (attrib_thread_shares). The scale array is kept with the analysis. */
int an_thread_scale(ctx *c, json_t *proc, attrib_proc *ap) {
    json_t *ths = json_object_get(proc, "threads"), *t;
    size_t n = json_array_size(ths), k;
    if (n == 0 || ap->agg == NULL || ap->agg->nstacks == 0)
        return 0;
    attrib_thread *th = calloc(n, sizeof *th);
    attrib_thread_share *sh = calloc(n, sizeof *sh);
    double *scale = malloc(ap->agg->nstacks * sizeof *scale);
    int rc = -1;
    if (th == NULL || sh == NULL || scale == NULL)
        goto done;
    json_array_foreach(ths, k, t) {
        th[k].name = an_jstr(t, "name");
        th[k].cpu_s = an_jnum(t, "cpu_s");
        if (th[k].name == NULL || !(th[k].cpu_s >= 0)) {
            th[k].name = "";
            th[k].cpu_s = 0;
        }
    }
    if (attrib_thread_shares(ap->agg, th, n, sh, scale, &ap->unsampled) != 0)
        goto done;
    double **ks = realloc(c->pscales, (c->npscales + 1) * sizeof *ks);
    if (ks == NULL)
        goto done;
    c->pscales = ks;
    c->pscales[c->npscales++] = scale;
    ap->scale = scale;
    scale = NULL;
    rc = 0;
done:
    free(th);
    free(sh);
    free(scale);
    return rc == 0 ? 0 : error_set(c->err, ERR_NOMEM, "out of memory");
}

/* One profiled trial as attrib sees it: each process with its own CPU and
 * its own profile; nats-server (no profile) is the broker row. */
static int attrib_of(ctx *c, const trial *t, attrib_trial *out) {
    *out = (attrib_trial){.index = t->index, .events = (double)t->stored};
    long broker = attrib_cat_index("broker process");
    json_t *p;
    size_t k;
    json_array_foreach(json_object_get(t->rec, "processes"), k, p) {
        if (out->nprocs == ATTRIB_MAX_PROCS)
            return error_set(c->err, ERR_INPUT, "%s/%s: more than %d processes", t->dir,
                             t->file, ATTRIB_MAX_PROCS);
        const char *role = an_jstr(p, "role");
        double cpu = an_jnum(p, "measured.cpu_s");
        attrib_proc *ap = &out->procs[out->nprocs++];
        *ap = (attrib_proc){.role = role ? role : "?",
                            .cpu_s = isnan(cpu) ? an_jnum(p, "cpu_s") : cpu,
                            .fixed_cat = -1};
        const char *prof = an_jstr(p, "profile");
        if (prof == NULL) {
            if (role != NULL && strncmp(role, "nats-server", 11) == 0)
                ap->fixed_cat = broker;
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", t->dir, prof);
        symprof *pr = NULL;
        aggregate *a = NULL;
        if (an_profile_load(c, path, &pr) != 0)
            return -1;
        int rc = aggregate_new(&a, c->err);
        if (rc == 0)
            rc = aggregate_add_symprof(a, pr, path, c->err);
        symprof_free(pr);
        if (rc == 0)
            rc = aggregate_categorize(a, c->cats, c->err);
        if (rc != 0) {
            aggregate_free(a);
            return -1;
        }
        if (keep_agg(c, a) != 0)
            return -1;
        ap->agg = a;
        if (an_thread_scale(c, p, ap) != 0)
            return -1;
    }
    return 0;
}

int an_attribution(ctx *c) {
    /* c->overhead_us: the headline's, set by an_select */
    if (!c->have_profiles)
        return 0;
    c->ad = calloc(c->pd->n, sizeof *c->ad);
    c->an = calloc(c->pn->n, sizeof *c->an);
    if (c->ad == NULL || c->an == NULL)
        return error_set(c->err, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->pd->n; i++)
        if (attrib_of(c, c->pd->t[i], &c->ad[c->nad++]) != 0)
            return -1;
    for (size_t i = 0; i < c->pn->n; i++)
        if (attrib_of(c, c->pn->t[i], &c->an[c->nan_++]) != 0)
            return -1;
    if (attrib_compare(c->ad, c->nad, c->an, c->nan_, c->overhead_us, &c->attr) != 0 ||
        recrules_evaluate(c->ad, c->nad, c->an, c->nan_, c->overhead_us, c->rules,
                          &c->nrules) != 0)
        return error_set(c->err, ERR_NOMEM, "out of memory");
    c->have_attr = 1;
    return an_crosscheck(c);
}

void an_attribution_free(ctx *c) {
    an_crosscheck_free(c);
    for (size_t i = 0; i < c->npaggs; i++)
        aggregate_free(c->paggs[i]);
    free(c->paggs);
    for (size_t i = 0; i < c->npscales; i++)
        free(c->pscales[i]);
    free(c->pscales);
    free(c->ad);
    free(c->an);
}

/* A row's interval ends as JSON ("n/a" without one). */
static json_t *end_of(const attrib_row *r, double v) {
    return r->ok ? an_fsigned(v) : json_string("n/a");
}

static json_t *breakdown_row(const attrib_row *r, double overhead_us) {
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s, s:o}", "category",
                     r->category, "direct_us", an_fnum(r->direct_us), "nats_us",
                     an_fnum(r->nats_us), "delta_us", an_fsigned(r->delta.est),
                     "ci_lo_us", end_of(r, r->delta.lo), "ci_hi_us",
                     end_of(r, r->delta.hi), "share_pct",
                     an_fnum(overhead_us != 0 ? r->delta.est / overhead_us * 100 : NAN),
                     "significant", r->significant, "note",
                     !r->ok           ? "too few trials for an interval"
                     : r->significant ? ""
                                      : "no significant change",
                     "delta", jsonfile_num(r->delta.est));
}

/* The residual between the rows' total and the measured overhead, in words;
 * warns when it is large. */
static void residual_text(ctx *c, char *text, size_t size) {
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    const attrib_result *r = &c->attr;
    size_t n = (size_t)snprintf(
        text, size,
        "Each row is computed trial by trial: every process's samples scaled to that "
        "process's own measured CPU (so CPU that was not sampled stays with the process "
        "it belongs to), nats-server's CPU as the broker row, over %zu + %zu profiled "
        "trials; intervals are Welch 95%% intervals over those trials, and a row whose "
        "interval contains 0 shows no significant change. Their total, %s us per event, "
        "is computed independently of the measured overhead, %s us per event (%s "
        "trials): the residual is %s us (%s%% of the overhead), not forced to zero.",
        c->nad, c->nan_, an_fmt(r->total.delta.est, b1, 32),
        an_fmt(r->measured_us, b2, 32),
        c->headline_unprofiled ? "unprofiled" : "profiled",
        an_fmt(r->residual_us, b3, 32),
        an_fmt(r->measured_us != 0 ? r->residual_us / r->measured_us * 100 : NAN, b4,
               32));
    if (c->npscales > 0 && n < size)
        n += (size_t)snprintf(
            text + n, size - n,
            " Within a process, each thread's samples are weighed to the CPU the kernel "
            "measured for that thread (its records' threads), because the sampler "
            "under-samples threads that run in short bursts (appendix B).");
    if (r->residual_large && n < size) {
        snprintf(text + n, size - n,
                 " **Warning:** the residual exceeds %s%% of the overhead: the profiled "
                 "trials do not account for the measured overhead (the profiler's own "
                 "cost, or drift between the trials), so read the rows as shares rather "
                 "than as exact microseconds.",
                 an_fmt(ATTRIB_RESIDUAL_WARN * 100, b5, 32));
        an_warn(
            c,
            "breakdown: its total (%s us per event) and the measured overhead (%s us) "
            "differ by %s us, more than %s%%",
            an_fmt(r->total.delta.est, b1, 32), an_fmt(r->measured_us, b2, 32),
            an_fmt(r->residual_us, b3, 32), an_fmt(ATTRIB_RESIDUAL_WARN * 100, b4, 32));
    }
}

static void breakdown_section(ctx *c) {
    json_t *rows = json_array(), *items = json_array();
    const attrib_result *r = &c->attr;
    for (size_t k = 0; k < r->nrows; k++) {
        const attrib_row *row = &r->rows[k];
        if (row->direct_us == 0 && row->nats_us == 0)
            continue;
        json_array_append_new(rows, breakdown_row(row, c->overhead_us));
        if (fabs(row->delta.est) > CHART_MIN_SHARE * fabs(c->overhead_us)) {
            json_t *item = json_pack("{s:s, s:o}", "label", row->category, "value",
                                     jsonfile_num(row->delta.est));
            /* the chart draws the interval as a whisker when there is one */
            if (item != NULL && isfinite(row->delta.lo) && isfinite(row->delta.hi)) {
                json_object_set_new(item, "lo", jsonfile_num(row->delta.lo));
                json_object_set_new(item, "hi", jsonfile_num(row->delta.hi));
            }
            json_array_append_new(items, item);
        }
    }
    char text[1536];
    residual_text(c, text, sizeof text);
    json_object_set_new(
        c->a, "breakdown",
        json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:b}", "rows", rows, "total",
                  breakdown_row(&r->total, c->overhead_us), "residual_text", text,
                  "residual_us", jsonfile_num(r->residual_us), "residual_fmt",
                  an_fsigned(r->residual_us), "measured_us", an_fnum(r->measured_us),
                  "residual_large", r->residual_large));
    an_crosscheck_section(c);
    json_object_set_new(
        an_charts(c), "breakdown",
        json_pack("{s:s, s:s, s:o}", "unit", "us/event", "caption",
                  "Change in CPU per event, NATS minus direct, by category "
                  "(negative: less CPU with NATS).",
                  "items", items));
}

/* The pooled function entry for (module, name), preferring the NATS side. */
static const aggregate_fn *pooled_fn(const ctx *c, const char *module, const char *name) {
    const aggregate *sides[2] = {c->sn.agg, c->sd.agg};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < sides[s]->nfns; i++)
            if (strcmp(sides[s]->fns[i].name, name) == 0 &&
                strcmp(sides[s]->fns[i].module, module) == 0)
                return &sides[s]->fns[i];
    return NULL;
}

typedef struct hot {
    const aggregate_diff_row *dr;
    attrib_row r;
} hot;

/* Per-trial, per-process-scaled CPU per event of one function on both
 * sides, compared as a breakdown row is. */
static int hot_eval(ctx *c, const aggregate_diff_row *dr, attrib_row *out) {
    size_t n = c->nad + c->nan_;
    double *v = malloc(n * sizeof *v);
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = attrib_trial_fn_us(i < c->nad ? &c->ad[i] : &c->an[i - c->nad], dr->module,
                                  dr->name);
    memset(out, 0, sizeof *out);
    out->category = dr->name;
    out->direct_us = stats_mean(v, c->nad);
    out->nats_us = stats_mean(v + c->nad, c->nan_);
    out->ok =
        stats_welch_diff(v, c->nad, v + c->nad, c->nan_, CONFIDENCE, &out->delta) == 0;
    if (!out->ok)
        out->delta.est = out->nats_us - out->direct_us;
    out->significant = out->ok && (out->delta.lo > 0 || out->delta.hi < 0);
    free(v);
    return 0;
}

static int cmp_hot(const void *pa, const void *pb) {
    double a = ((const hot *)pa)->r.delta.est, b = ((const hot *)pb)->r.delta.est;
    return (a < b) - (a > b);
}

/* The dominant caller chains of hotspot 'dr' in the pooled NATS profiles
 * (pprof -peek style): [{path, samples, share_pct}], share of its flat
 * samples. */
static json_t *hotspot_paths(ctx *c, const aggregate_diff_row *dr) {
    json_t *paths = json_array();
    peek_path *p = NULL;
    size_t n = 0;
    if (dr->new == 0 ||
        peek_paths(&p, &n, c->sn.agg, dr->module, dr->name, HOTSPOT_PATHS, NULL) != 0)
        return paths;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            paths, json_pack("{s:s, s:I, s:o}", "path", p[i].text, "samples",
                             (json_int_t)p[i].samples, "share_pct",
                             an_fnum((double)p[i].samples / (double)dr->new * 100)));
    peek_free(p, n);
    return paths;
}

static json_t *hotspot_json(ctx *c, const hot *h, int rank) {
    const aggregate_diff_row *dr = h->dr;
    const aggregate *n = c->sn.agg;
    const aggregate_fn *fn = pooled_fn(c, dr->module, dr->name);
    double lo, hi;
    stats_wilson((double)dr->new, (double)n->samples, STATS_Z95, &lo, &hi);
    const char *desc = an_known_describe(&c->kn, dr->name);
    int few = aggregate_few(dr->new, n->samples);
    if (few)
        an_warn(c, "hotspot %s rests on %llu samples: its share is imprecise", dr->name,
                (unsigned long long)dr->new);
    json_t *row = json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b,"
        " s:I, s:I, s:b, s:i, s:o}",
        "rank", rank, "name", dr->name, "library", dr->module, "category",
        fn ? attrib_fn_category(fn) : "unattributed", "description",
        desc ? desc : "not in the table of known functions (report/data/functions.tsv)",
        "delta_us", an_fnum(h->r.delta.est), "ci_lo_us", end_of(&h->r, h->r.delta.lo),
        "ci_hi_us", end_of(&h->r, h->r.delta.hi), "nats_us", an_fnum(h->r.nats_us),
        "direct_us", an_fnum(h->r.direct_us), "seconds",
        an_fnum((double)dr->new *aggregate_seconds_per_sample(n)), "share_pct",
        an_fnum((double)dr->new / (double)n->samples * 100), "share_ci_lo",
        an_fnum(lo * 100), "share_ci_hi", an_fnum(hi * 100), "significant",
        h->r.significant, "samples", (json_int_t)dr->new, "direct_samples",
        (json_int_t)dr->base, "few_samples", few, "min_samples", FEW_SAMPLES, "delta",
        jsonfile_num(h->r.delta.est));
    json_t *paths = hotspot_paths(c, dr), *pj;
    /* the paths in one line, for a report that lists each hotspot briefly */
    char via[2048] = "";
    size_t k, len = 0;
    json_array_foreach(paths, k, pj) {
        if (len < sizeof via)
            len += (size_t)snprintf(via + len, sizeof via - len, "%s%s (%s%%%s)",
                                    k ? "; " : "", an_jstr(pj, "path"),
                                    an_jstr(pj, "share_pct"),
                                    k ? "" : " of its samples");
    }
    json_object_set_new(row, "paths", paths);
    json_object_set_new(row, "via_text", json_string(via));
    return row;
}

/* Hotspots: among the pooled diff's rows that grew most, the functions
 * whose per-event CPU (per process and trial, as the breakdown) grew most.
 * Their category is the breakdown's for the same function. */
static int hotspots(ctx *c, json_t *out) {
    if (aggregate_diff(&c->drows, &c->ndrows, c->sd.agg, c->sn.agg, 0, 0, c->err) != 0)
        return -1;
    hot cand[HOT_CANDIDATES];
    size_t nc = 0;
    for (size_t i = 0; i < c->ndrows && nc < HOT_CANDIDATES; i++) {
        if (c->drows[i].new <= c->drows[i].base)
            continue;
        cand[nc].dr = &c->drows[i];
        if (hot_eval(c, &c->drows[i], &cand[nc].r) != 0)
            return error_set(c->err, ERR_NOMEM, "out of memory");
        nc++;
    }
    qsort(cand, nc, sizeof *cand, cmp_hot);
    for (size_t r = 0, rank = 0; r < nc && rank < HOTSPOTS; r++)
        if (cand[r].r.delta.est > 0)
            json_array_append_new(out, hotspot_json(c, &cand[r], (int)++rank));
    return 0;
}

int an_breakdown_rows(ctx *c, json_t *hot) {
    breakdown_section(c);
    return hotspots(c, hot);
}
