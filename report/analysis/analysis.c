/* analysis: the defaults and analysis_run, which loads the runs and builds
 * the analysis JSON section by section (an_internal.h). */

#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "an_internal.h"

void analysis_defaults(analysis_options *o) {
    memset(o, 0, sizeof *o);
    o->target_pct = 5;
    o->reference_pct = 5.80;
    o->bootstrap_iters = 10000;
    o->seed = 1;
}

/* Free the analysis state and everything it holds. NULL is a no-op. */
static void ctx_free(ctx *c) {
    if (c == NULL)
        return;
    json_decref(c->a);
    json_decref(c->runj);
    json_decref(c->records);
    json_decref(c->warnings);
    json_decref(c->unnamed);
    json_decref(c->reasons); /* an_avoidable's; c->a holds its own reference */
    json_decref(c->actions);
    free(c->t);
    free(c->xt);
    free(c->gd);
    free(c->gn);
    free(c->g1);
    free(c->g2);
    free(c->pd);
    free(c->pn);
    an_attribution_free(c);
    free(c->drows);
    an_flame_free(&c->froot);
    aggregate_free(c->sd.agg);
    aggregate_free(c->sn.agg);
    categories_free(c->cats);
    an_known_free(&c->kn);
    free(c);
}

/* A new analysis state for 'rundirs' (not loaded yet); NULL when out of
 * memory ('err' says so). Free with ctx_free. */
static ctx *ctx_new(const char *const *rundirs, size_t ndirs, const analysis_options *o,
                    error *err) {
    ctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        error_set(err, ERR_NOMEM, "%s: out of memory", rundirs[0]);
        return NULL;
    }
    *c = (ctx){.o = o,
               .dirs = rundirs,
               .ndirs = ndirs,
               .rundir = rundirs[0],
               .err = err,
               .warnings = json_array(),
               .sd = {.arch = "direct"}};
    c->gd = calloc(1, sizeof *c->gd);
    c->gn = calloc(1, sizeof *c->gn);
    c->g1 = calloc(1, sizeof *c->g1);
    c->g2 = calloc(1, sizeof *c->g2);
    c->pd = calloc(1, sizeof *c->pd);
    c->pn = calloc(1, sizeof *c->pn);
    if (c->gd == NULL || c->gn == NULL || c->g1 == NULL || c->g2 == NULL ||
        c->pd == NULL || c->pn == NULL || c->warnings == NULL) {
        error_set(err, ERR_NOMEM, "%s: out of memory", c->rundir);
        ctx_free(c);
        return NULL;
    }
    return c;
}

int analysis_run(json_t **out, const char *const *rundirs, size_t ndirs,
                 const analysis_options *o, error *err) {
    *out = NULL;
    if (ndirs == 0)
        return error_set(err, ERR_INPUT, "no run directory given");
    int rc = -1;
    ctx *c = ctx_new(rundirs, ndirs, o, err);
    if (c == NULL)
        return -1;
    if (an_load_runs(c) != 0 || an_select(c) != 0)
        goto done;
    an_verdict(c);
    an_sample_check(c);
    if (an_profiles(c) != 0)
        goto done;
    an_meta(c);
    an_headline(c);
    an_chat_rate(c);
    an_rate_model(c);
    an_noise_floor(c);
    an_reference(c);
    an_sensitivity(c);
    an_architectures(c);
    if (an_breakdown(c) != 0)
        goto done;
    an_threads(c);
    if (o->optimization != NULL)
        json_object_set_new(c->a, "optimization", json_deep_copy(o->optimization));
    an_avoidable(c);
    an_optimize(c);
    an_precision(c);
    if (an_run_to_run(c) != 0)
        goto done;
    an_removal(c);
    an_trials(c);
    an_recommend(c);
    an_conclusion(c);
    an_environment(c);
    *out = c->a;
    c->a = NULL;
    rc = 0;
done:
    ctx_free(c);
    return rc;
}

int analysis_size(analysis_sizing *out, const char *const *rundirs, size_t ndirs,
                  double want_half_pct, const analysis_options *o, error *err) {
    memset(out, 0, sizeof *out);
    out->needed = -1;
    if (ndirs == 0)
        return error_set(err, ERR_INPUT, "no run directory given");
    ctx *c = ctx_new(rundirs, ndirs, o, err);
    if (c == NULL)
        return -1;
    int rc = -1;
    if (an_load_runs(c) != 0 || an_select(c) != 0)
        goto done;
    const compare *h = &c->h;
    out->have = c->gd->n < c->gn->n ? c->gd->n : c->gn->n;
    out->overhead_pct = h->ratio * 100;
    out->half_pct = h->ok ? (h->hi - h->lo) / 2 * 100 : NAN;
    /* on the log scale the interval's half-width is about the wanted
     * points over (1 + overhead) */
    double want = want_half_pct / 100 / (1 + h->ratio);
    /* paired rounds when the trials pair up, else trials per side */
    out->needed = an_trials_for_half(h, want);
    out->paired = h->paired;
    if (h->paired)
        out->have = h->npairs;
    rc = 0;
done:
    ctx_free(c);
    return rc;
}
