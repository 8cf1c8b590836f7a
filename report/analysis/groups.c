/* analysis: selecting trials into groups, outliers, and the headline
 * selection (comparisons are in intervals.c). */

#include "an_internal.h"

#include <math.h>
#include <string.h>

#include "stats.h"

#define OUTLIER_K 3.5 /* MAD multiples beyond which a trial is an outlier */

/* Trials of 'arch' at 'storage' (NULL: any), profiled (1/0/ANY), A/A group
 * (0: none, 1/2, ANY), rated (1: fixed-rate, 0: saturated). 'util' picks CPU
 * utilisation instead of CPU per event as the value. */
void an_select_trials(ctx *c, group *g, const char *arch, const char *storage,
                      int profiled, int aa, int rated, int util) {
    g->n = 0;
    for (size_t i = 0; i < c->nt && g->n < MAX_TRIALS; i++) {
        trial *t = &c->t[i];
        if (t->optimize || strcmp(t->arch, arch) != 0 ||
            (storage && strcmp(t->storage, storage) != 0))
            continue;
        if ((profiled != ANY && t->profiled != profiled) ||
            (aa != ANY && t->aa_group != aa))
            continue;
        if ((t->rate > 0) != rated || (rated && c->chat_rate > 0 && t->rate != c->chat_rate))
            continue;
        double v = util ? t->util_pp : t->per_event_us;
        if (isnan(v))
            continue;
        g->t[g->n] = t;
        g->v[g->n++] = v;
    }
}

/* Unprofiled trials when there are at least 2 (the profiler's own cost is
 * not part of what is measured), else the profiled ones, else any. */
void an_select_best(ctx *c, group *g, const char *arch, const char *storage, int aa) {
    an_select_trials(c, g, arch, storage, 0, aa, 0, 0);
    if (g->n >= 2)
        return;
    an_select_trials(c, g, arch, storage, 1, aa, 0, 0);
    if (g->n == 0)
        an_select_trials(c, g, arch, storage, ANY, aa, 0, 0);
}

/* Median nats-server CPU per stored event (us) over the trials of 'g' that
 * measured it; NAN when none did. */
double an_broker_median_us(const group *g) {
    double broker[MAX_TRIALS];
    size_t nb = 0;
    for (size_t i = 0; i < g->n; i++)
        if (!isnan(g->t[i]->broker_s) && g->t[i]->stored > 0)
            broker[nb++] = g->t[i]->broker_s / (double)g->t[i]->stored * 1e6;
    return nb ? stats_median(broker, nb) : NAN;
}

/* Flag outliers within a group by the MAD rule. */
static void mark_outliers(group *g) {
    int flags[MAX_TRIALS];
    stats_mad_outliers(g->v, g->n, OUTLIER_K, flags);
    for (size_t i = 0; i < g->n; i++)
        g->t[i]->outlier |= flags[i];
}

/* Pick the headline architecture and storage, select its trials, flag
 * outliers and compare: direct against NATS. ERR_CHECK when too few. */
int an_select(ctx *c) {
    const analysis_options *o = c->o;
    error *err = c->err;
    const char *rundir = c->rundir;
    /* The headline comparison: direct against the NATS architecture. */
    c->nats_arch = o->nats_arch;
    for (size_t i = 0; c->nats_arch == NULL && i < c->nt; i++)
        if (!c->t[i].optimize && strcmp(c->t[i].arch, "nats-2p") == 0)
            c->nats_arch = "nats-2p";
    for (size_t i = 0; c->nats_arch == NULL && i < c->nt; i++)
        if (!c->t[i].optimize && strcmp(c->t[i].arch, "nats") == 0)
            c->nats_arch = "nats";
    c->storage = o->storage;
    for (size_t i = 0; c->storage == NULL && i < c->nt; i++)
        if (c->t[i].rate == 0 && c->t[i].aa_group == 0 && !c->t[i].optimize)
            c->storage = c->t[i].storage;
    if (c->nats_arch == NULL || c->storage == NULL) {
        error_set(err, ERR_CHECK, "%s: the run has no saturated NATS trials to compare",
                  rundir);
        return -1;
    }
    c->sn.arch = c->nats_arch;
    /* The chat rate: a rate sweep measures others, which only the rate model
     * reads. */
    c->chat_rate = o->chat_rate;
    size_t best = 0;
    for (size_t i = 0; c->chat_rate <= 0 && i < c->nt; i++) {
        if (!(c->t[i].rate > 0) || c->t[i].aa_group)
            continue;
        size_t k = 0;
        for (size_t j = 0; j < c->nt; j++)
            k += c->t[j].rate == c->t[i].rate && !c->t[j].aa_group;
        if (k > best || (k == best && c->t[i].rate < c->chat_rate))
            best = k, c->chat_rate = c->t[i].rate;
    }
    /* The headline and the verdict rest on unprofiled trials (the profiler
     * adds ~3% to direct and ~0.7% to NATS); profiled trials serve
     * attribution. Without unprofiled trials, the profiled ones stand in. */
    an_select_trials(c, c->pd, "direct", c->storage, 1, 0, 0, 0);
    an_select_trials(c, c->pn, c->nats_arch, c->storage, 1, 0, 0, 0);
    an_select_trials(c, c->gd, "direct", c->storage, 0, 0, 0, 0);
    an_select_trials(c, c->gn, c->nats_arch, c->storage, 0, 0, 0, 0);
    c->headline_unprofiled = c->gd->n >= 2 && c->gn->n >= 2;
    if (!c->headline_unprofiled) {
        an_select_best(c, c->gd, "direct", c->storage, 0);
        an_select_best(c, c->gn, c->nats_arch, c->storage, 0);
        if (c->pd->n > 0 && c->pn->n > 0)
            an_warn(c, "no unprofiled trials to compare: the headline rests on profiled "
                       "trials, which include the profiler's own cost (overhead run "
                       "--unprofiled)");
    }
    if (c->gd->n < 2 || c->gn->n < 2) {
        error_set(
            err, ERR_CHECK,
            "%s: %zu direct and %zu %s trials at storage '%s': at least 2 of each are "
            "needed",
            rundir, c->gd->n, c->gn->n, c->nats_arch, c->storage);
        return -1;
    }
    mark_outliers(c->gd);
    mark_outliers(c->gn);
    mark_outliers(c->pd);
    mark_outliers(c->pn);
    c->h = an_compare(c, c->gd, c->gn);
    /* The headline overhead in us/event from the same trials: the one
     * denominator of every "% of the overhead" (breakdown, variants,
     * recommendations). */
    c->hd = an_compare_diff(c, c->gd, c->gn);
    c->overhead_us = c->hd.ok ? c->hd.ratio : c->h.med_b - c->h.med_a;
    c->target = o->target_pct / 100;
    return 0;
}
