/* analysis: the pooled profiles of the profiled trials (for the flame graph,
 * the hotspots' sample counts and sampling health), the known functions'
 * descriptions, and the breakdown section (rows from attribution.c). */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "profile.h"
#include "buf.h"
#include "stats.h"

#define WANT_SAMPLES         2000 /* samples per side for shares to about +-1 point */
#define SAMPLING_LOW         0.8  /* effective/expected rate below which to warn */
#define MAX_PROFILE_WARNINGS 10   /* of one side's aggregate, passed on */
#define UNNAMED_LIBS         6    /* libraries listed by unnamed samples */

/* Pool the profiles of the trials in 'g' into one aggregate, converting
 * samples to time at the measured rate (samples per profiled CPU-second). */
static int pool_profiles(ctx *c, side *s, const group *g, const categories *cats) {
    if (aggregate_new(&s->agg, c->err) != 0)
        return -1;
    double prof_cpu = 0, whole_cpu = 0;
    uint64_t samples = 0;
    for (size_t i = 0; i < g->n; i++) {
        json_t *rec = g->t[i]->rec, *p;
        size_t k;
        s->requested_hz = an_jnum(rec, "sampling.requested_hz");
        s->cap_hz = an_sample_cap_hz(rec);
        json_array_foreach(json_object_get(rec, "processes"), k, p) {
            if (!json_is_string(json_object_get(p, "profile")))
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", g->t[i]->dir, an_jstr(p, "profile"));
            symprof *prof = NULL;
            if (an_profile_load(c, path, &prof) != 0)
                return -1;
            int rc = aggregate_add_symprof(s->agg, prof, path, c->err);
            samples += prof->samples;
            symprof_free(prof);
            if (rc != 0)
                return -1;
            double m = an_jnum(p, "measured.cpu_s");
            prof_cpu += isnan(m) ? an_jnum(p, "cpu_s") : m;
            whole_cpu += an_jnum(p, "cpu_s");
        }
    }
    if (prof_cpu > 0 && samples > 0)
        aggregate_set_rate(s->agg, (double)samples / prof_cpu);
    s->window_share = whole_cpu > 0 ? prof_cpu / whole_cpu : NAN;
    return aggregate_categorize(s->agg, cats, c->err);
}

/* Broker and workload CPU per event; pool the headline trials' profiles. */
int an_profiles(ctx *c) {
    const analysis_options *o = c->o;
    error *err = c->err;
    /* Broker and workload CPU per event, for the breakdown. */
    /* From the profiled trials, which the profiles describe (the flame graph
     * scales the pooled samples to their median CPU). */
    double broker = an_broker_median_us(c->pn->n ? c->pn : c->gn);
    c->sn.broker_us = isnan(broker) ? 0 : broker;
    c->sd.work_us = c->pd->n ? stats_median(c->pd->v, c->pd->n) : c->h.med_a;
    c->sn.work_us =
        (c->pn->n ? stats_median(c->pn->v, c->pn->n) : c->h.med_b) - c->sn.broker_us;

    /* Profiles: pooled per architecture over the profiled headline trials. */
    if (categories_load(&c->cats, o->categories, err) != 0 ||
        an_known_load(c, &c->kn, o->functions) != 0)
        return -1;
    c->have_profiles = c->pd->n > 0 && c->pn->n > 0;
    if (c->have_profiles && (pool_profiles(c, &c->sd, c->pd, c->cats) != 0 ||
                             pool_profiles(c, &c->sn, c->pn, c->cats) != 0))
        return -1;

    return 0;
}

/* Sampling health of both sides: samples, requested and effective rates,
 * unsymbolized share (and per library), as the "sampling" section; warns
 * where they fall short. */
/* Libraries by unnamed samples (most first, ties by name). */
static const aggregate *unnamed_ctx;
static int unnamed_cmp(const void *x, const void *y) {
    const aggregate_count *a = &unnamed_ctx->libs[*(const size_t *)x];
    const aggregate_count *b = &unnamed_ctx->libs[*(const size_t *)y];
    if (a->unnamed != b->unnamed)
        return a->unnamed > b->unnamed ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* The unnamed share of each library with samples, for one side: a list
 * [{library, samples, unnamed, unnamed_pct}] (libraries with unnamed
 * samples, most first, at most UNNAMED_LIBS) and a one-line text. */
static json_t *unnamed_by_library(const aggregate *ag, char *text, size_t len) {
    json_t *libs = json_array();
    size_t *idx = malloc((ag->nlibs ? ag->nlibs : 1) * sizeof *idx), n = 0;
    snprintf(text, len, "none");
    if (idx == NULL)
        return libs;
    for (size_t i = 0; i < ag->nlibs; i++)
        if (ag->libs[i].unnamed > 0)
            idx[n++] = i;
    unnamed_ctx = ag;
    qsort(idx, n, sizeof *idx, unnamed_cmp);
    size_t used = 0;
    for (size_t k = 0; k < n && k < UNNAMED_LIBS; k++) {
        const aggregate_count *l = &ag->libs[idx[k]];
        double pct = l->flat ? (double)l->unnamed / (double)l->flat * 100 : 0;
        json_array_append_new(libs, json_pack("{s:s, s:I, s:I, s:o}", "library", l->name,
                                              "samples", (json_int_t)l->flat, "unnamed",
                                              (json_int_t)l->unnamed, "unnamed_pct",
                                              an_fnum(pct)));
        int w =
            snprintf(text + used, len - used, "%s%s %llu of %llu", k ? ", " : "", l->name,
                     (unsigned long long)l->unnamed, (unsigned long long)l->flat);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    free(idx);
    return libs;
}

static void sampling_health(ctx *c) {
    json_t *srows = json_array();
    const side *sides[2] = {&c->sd, &c->sn};
    for (int i = 0; i < 2; i++) {
        const aggregate *ag = sides[i]->agg;
        const char *arch = sides[i]->arch;
        char text[1024];
        json_t *libs = unnamed_by_library(ag, text, sizeof text);
        json_array_append_new(
            srows, json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:s}", "arch", arch,
                             "samples", (json_int_t)ag->samples, "requested_hz",
                             an_fnum(sides[i]->requested_hz), "effective_hz",
                             an_fnum(ag->rate_hz), "unsymbolized_pct",
                             an_fnum(ag->samples ? (double)ag->unnamed_samples /
                                                       (double)ag->samples * 100
                                                 : 0),
                             "unnamed_libraries", libs, "unnamed_text", text));
        if (ag->samples < WANT_SAMPLES)
            an_warn(c,
                    "%s: %llu samples in total, fewer than the %d wanted for shares "
                    "known to about +-1 point",
                    arch, (unsigned long long)ag->samples, WANT_SAMPLES);
        double cap = sides[i]->cap_hz;
        if (ag->rate_hz > 0 && ag->rate_hz < SAMPLING_LOW * cap)
            an_warn(c,
                    "%s: effective sampling rate %.0f Hz is well below the %.0f Hz "
                    "expected; time is converted with the measured rate",
                    arch, ag->rate_hz, cap);
        if (ag->capped_samples > 0)
            an_warn(c,
                    "%s: %llu samples on stacks at the 254-frame depth cap (truncated)",
                    arch, (unsigned long long)ag->capped_samples);
        for (size_t w = 0; w < ag->nwarnings && w < MAX_PROFILE_WARNINGS; w++)
            an_warn(c, "%s", ag->warnings[w]);
    }
    json_object_set_new(c->a, "sampling", json_pack("{s:o}", "rows", srows));
}

/* From the profiled trials: breakdown (per process and trial), hotspots,
 * flame graph and sampling health, or a breakdown that says there are none.
 * Sets c->overhead_us. */
int an_breakdown(ctx *c) {
    an_charts(c);
    if (an_attribution(c) != 0)
        return -1;
    json_t *hot = json_array();
    if (c->have_profiles) {
        if (an_breakdown_rows(c, hot) != 0 || an_flame(c) != 0) {
            json_decref(hot);
            return -1;
        }
        sampling_health(c);
    } else {
        json_object_set_new(
            c->a, "breakdown",
            json_pack("{s:[], s:s}", "rows", "residual_text",
                      "No breakdown: the headline trials were not profiled."));
        json_object_set_new(c->a, "sampling", json_pack("{s:[]}", "rows"));
        an_warn(c, "the headline trials were not profiled: no breakdown or hotspots");
    }
    json_object_set_new(c->a, "hotspots", hot);
    json_t *sampling = json_object_get(c->a, "sampling");
    json_object_set_new(sampling, "warnings", json_copy(c->warnings));
    json_t *groups = an_warning_groups(c->warnings);
    size_t nw = json_array_size(c->warnings), ng = json_array_size(groups);
    json_object_set_new(sampling, "warning_groups", groups);
    if (nw > 0) {
        char text[256];
        if (nw == 1)
            snprintf(text, sizeof text, "One warning; it is in the appendix (B).");
        else if (ng == 1)
            snprintf(text, sizeof text,
                     "%zu warnings, all of one kind; they are in the appendix (B).", nw);
        else
            snprintf(text, sizeof text,
                     "%zu warnings of %zu kinds; they are in the appendix (B), one line "
                     "per kind.",
                     nw, ng);
        json_object_set_new(sampling, "warning_summary", json_string(text));
    }
    json_object_set_new(sampling, "unnamed_binaries",
                        c->unnamed ? json_copy(c->unnamed) : json_array());
    size_t nu = c->unnamed ? json_array_size(c->unnamed) : 0;
    if (nu > 0) {
        buf b = BUF_INIT;
        buf_printf(&b, "the profiles name %s that %s missing or had changed when they "
                       "were symbolized, so %s functions are unnamed: ",
                   nu == 1 ? "one binary" : "binaries", nu == 1 ? "was" : "were",
                   nu == 1 ? "its" : "their");
        for (size_t i = 0; i < nu; i++)
            buf_printf(&b, "%s%s", i ? ", " : "",
                       json_string_value(json_array_get(c->unnamed, i)));
        json_object_set_new(sampling, "unnamed_binaries_text",
                            json_string(b.data ? b.data : ""));
        buf_free(&b);
    }
    return 0;
}
