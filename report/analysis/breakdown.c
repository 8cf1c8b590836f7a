/* analysis: the pooled profiles and what is read from them: the breakdown
 * by category, hotspots with the known functions' descriptions, the flame
 * graph, sampling health and avoidable work. */

#include "an_internal.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "profile.h"
#include "stats.h"

#define HOTSPOTS             3    /* functions in the hotspots table */
#define WANT_SAMPLES         2000 /* samples per side for shares to about +-1 point */
#define FEW_SAMPLES          16   /* about where aggregate_few() starts to say "few" */
#define CHART_MIN_SHARE      0.0005 /* of the overhead: smaller changes stay off the chart */
#define KERNEL_TICK_HZ       250    /* CONFIG_HZ: SIGPROF comes no faster (DESIGN.md) */
#define SAMPLING_LOW         0.8    /* effective/expected rate below which to warn */
#define MAX_PROFILE_WARNINGS 10     /* of one side's aggregate, passed on */

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
        json_array_foreach(json_object_get(rec, "processes"), k, p) {
            if (!json_is_string(json_object_get(p, "profile")))
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", g->t[i]->dir, an_jstr(p, "profile"));
            profile *prof = NULL;
            if (profile_load(&prof, path, c->err) != 0)
                return -1;
            int rc = aggregate_add(s->agg, prof, path, c->err);
            samples += prof->samples;
            profile_free(prof);
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

/* Per-event microseconds that 'k' samples of side 's' stand for. */
double an_us_of(const side *s, uint64_t k) {
    return s->agg->samples ? (double)k / (double)s->agg->samples * s->work_us : 0;
}

static uint64_t category_flat(const aggregate *a, const char *name) {
    for (size_t i = 0; i < a->ncategories; i++)
        if (strcmp(a->categories[i].name, name) == 0)
            return a->categories[i].flat;
    return 0;
}

void an_known_free(known *k) {
    free(k->text);
    free(k->glob);
    free(k->desc);
}

static int known_load(ctx *c, known *k, const char *path) {
    memset(k, 0, sizeof *k);
    if (path == NULL)
        return 0;
    uint8_t *text = NULL;
    size_t len;
    if (file_read_all(&text, &len, path, c->err) != 0)
        return -1;
    k->text = (char *)text;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    k->glob = calloc(lines, sizeof *k->glob);
    k->desc = calloc(lines, sizeof *k->desc);
    if (k->glob == NULL || k->desc == NULL)
        return error_set(c->err, ERR_NOMEM, "%s: out of memory", path);
    int lineno = 0;
    for (char *line = k->text, *next; line != NULL && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*line == '#' || *line == '\0')
            continue;
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            return error_set(c->err, ERR_INPUT,
                             "%s:%d: expected 'pattern<TAB>description'", path, lineno);
        *tab = '\0';
        k->glob[k->n] = line;
        k->desc[k->n++] = tab + 1;
    }
    return 0;
}

static const char *known_describe(const known *k, const char *name) {
    for (size_t i = 0; i < k->n; i++)
        if (fnmatch(k->glob[i], name, 0) == 0)
            return k->desc[i];
    return NULL;
}

/* Categories whose extra CPU is the inherent cost of a message bus. */
static const char *const inherent[] = {"JSON serialization", "NATS client",
                                       "network I/O syscalls",
                                       "thread hand-off / event loop", "broker process"};

/* Broker and workload CPU per event; pool the headline trials' profiles. */
int an_profiles(ctx *c) {
    const analysis_options *o = c->o;
    error *err = c->err;
    /* Broker and workload CPU per event, for the breakdown. */
    double broker = an_broker_median_us(c->gn);
    c->sn.broker_us = isnan(broker) ? 0 : broker;
    c->sd.work_us = c->h.med_a;
    c->sn.work_us = c->h.med_b - c->sn.broker_us;

    /* Profiles: pooled per architecture over the headline trials. */
    if (categories_load(&c->cats, o->categories, err) != 0 ||
        known_load(c, &c->kn, o->functions) != 0)
        return -1;
    c->have_profiles = c->gd->t[0]->profiled && c->gn->t[0]->profiled;
    if (c->have_profiles && (pool_profiles(c, &c->sd, c->gd, c->cats) != 0 ||
                             pool_profiles(c, &c->sn, c->gn, c->cats) != 0))
        return -1;

    return 0;
}

/* The breakdown by category: each side's flat samples per category scaled
 * to its CPU per event (the broker row of NATS is nats-server's measured
 * CPU), as the "breakdown" section and chart. Sets c->inherent_share, the
 * part of the added CPU that falls in the inherent categories. */
static void breakdown_categories(ctx *c) {
    char b1[32], b2[32], b3[32];
    json_t *brows = json_array(), *bitems = json_array();
    double inherent_pos = 0, all_pos = 0, sum_delta = 0;
    for (size_t k = 0; k < categories_count; k++) {
        const char *cat = categories_names[k];
        double dv = an_us_of(&c->sd, category_flat(c->sd.agg, cat));
        double nv = an_us_of(&c->sn, category_flat(c->sn.agg, cat));
        if (strcmp(cat, "broker process") == 0)
            nv += c->sn.broker_us;
        double delta = nv - dv;
        sum_delta += delta;
        if (delta > 0) {
            all_pos += delta;
            for (size_t j = 0; j < sizeof inherent / sizeof inherent[0]; j++)
                if (strcmp(inherent[j], cat) == 0)
                    inherent_pos += delta;
        }
        json_array_append_new(
            brows,
            json_pack("{s:s, s:o, s:o, s:o, s:o, s:f}", "category", cat, "direct_us",
                      an_fnum(dv), "nats_us", an_fnum(nv), "delta_us", an_fsigned(delta),
                      "share_pct",
                      an_fnum(c->overhead_us != 0 ? delta / c->overhead_us * 100 : NAN),
                      "delta", delta));
        if (fabs(delta) > CHART_MIN_SHARE * fabs(c->overhead_us))
            json_array_append_new(bitems,
                                  json_pack("{s:s, s:f}", "label", cat, "value", delta));
    }
    c->inherent_share = all_pos > 0 ? inherent_pos / all_pos : NAN;
    char rtext[768];
    snprintf(rtext, sizeof rtext,
             "Rows are the pooled profiles' shares scaled to the measured CPU per "
             "event, so "
             "they add up to the measured overhead (residual %s us per event). "
             "Profiles and "
             "CPU figures cover the same measured windows, which hold %s%% of the "
             "direct and "
             "%s%% of the NATS workload processes' whole CPU (the rest is process "
             "start-up "
             "and connection set-up, left out of every per-event figure). The broker "
             "row is "
             "nats-server's CPU measured by the kernel.",
             an_fmt(sum_delta - c->overhead_us, b1, sizeof b1),
             an_fmt(c->sd.window_share * 100, b2, sizeof b2),
             an_fmt(c->sn.window_share * 100, b3, sizeof b3));
    json_object_set_new(c->a, "breakdown",
                        json_pack("{s:o, s:s, s:f}", "rows", brows, "residual_text",
                                  rtext, "residual_us", sum_delta - c->overhead_us));
    json_object_set_new(c->charts, "breakdown",
                        json_pack("{s:s, s:s, s:o}", "unit", "us/event", "caption",
                                  "Change in CPU per event, NATS minus direct, by "
                                  "category (negative: less CPU with NATS).",
                                  "items", bitems));
}

/* The HOTSPOTS rows of c->drows whose CPU per event grew most, largest
 * first: their indexes in idx[], their growth in val[]; returns how many. */
static size_t hotspots_top(const ctx *c, size_t idx[HOTSPOTS], double val[HOTSPOTS]) {
    size_t nh = 0;
    for (size_t i = 0; i < c->ndrows; i++) {
        double d = an_us_of(&c->sn, c->drows[i].new) - an_us_of(&c->sd, c->drows[i].base);
        if (d <= 0)
            continue;
        size_t pos = nh < HOTSPOTS ? nh++ : HOTSPOTS;
        if (pos == HOTSPOTS && d <= val[HOTSPOTS - 1])
            continue;
        if (pos == HOTSPOTS)
            pos = HOTSPOTS - 1;
        while (pos > 0 && val[pos - 1] < d) {
            val[pos] = val[pos - 1];
            idx[pos] = idx[pos - 1];
            pos--;
        }
        val[pos] = d;
        idx[pos] = i;
    }
    return nh;
}

/* One row of the hotspots table: function 'dr', ranked 'rank' (from 1), whose
 * CPU per event grew by 'delta' us. Warns when it rests on few samples. */
static json_t *hotspot_row(ctx *c, const aggregate_diff_row *dr, int rank, double delta) {
    const aggregate *n = c->sn.agg;
    double lo, hi;
    stats_wilson((double)dr->new, (double)n->samples, STATS_Z95, &lo, &hi);
    const char *desc = known_describe(&c->kn, dr->name);
    int few = aggregate_few(dr->new, n->samples);
    if (few)
        an_warn(c, "hotspot %s rests on %llu samples: its share is imprecise", dr->name,
                (unsigned long long)dr->new);
    return json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
        " s:I, s:I, s:b, s:i, s:f}",
        "rank", rank, "name", dr->name, "library", dr->module, "category",
        categories_match(c->cats, dr->module, dr->name), "description",
        desc ? desc
             : "not in the table of known functions "
               "(report/data/functions.tsv)",
        "delta_us", an_fnum(delta), "nats_us", an_fnum(an_us_of(&c->sn, dr->new)),
        "direct_us", an_fnum(an_us_of(&c->sd, dr->base)), "seconds",
        an_fnum((double)dr->new *aggregate_seconds_per_sample(n)), "share_pct",
        an_fnum((double)dr->new / (double)n->samples * 100), "share_ci_lo",
        an_fnum(lo * 100), "share_ci_hi", an_fnum(hi * 100), "samples",
        (json_int_t)dr->new, "direct_samples", (json_int_t)dr->base, "few_samples", few,
        "min_samples", FEW_SAMPLES, "delta", delta);
}

/* Hotspots: the functions with the largest per-event increase, appended to
 * 'hot'. Fills c->drows with the per-function diff of the two sides. */
static int hotspots(ctx *c, json_t *hot) {
    if (aggregate_diff(&c->drows, &c->ndrows, c->sd.agg, c->sn.agg, 0, 0, c->err) != 0)
        return -1;
    size_t idx[HOTSPOTS];
    double val[HOTSPOTS];
    size_t nh = hotspots_top(c, idx, val);
    for (size_t r = 0; r < nh; r++)
        json_array_append_new(hot, hotspot_row(c, &c->drows[idx[r]], (int)r + 1, val[r]));
    return 0;
}

/* Sampling health of both sides: samples, requested and effective rates,
 * unsymbolized share, as the "sampling" section; warns where they fall
 * short. */
static void sampling_health(ctx *c) {
    json_t *srows = json_array();
    const side *sides[2] = {&c->sd, &c->sn};
    for (int i = 0; i < 2; i++) {
        const aggregate *ag = sides[i]->agg;
        const char *arch = sides[i]->arch;
        json_array_append_new(
            srows, json_pack("{s:s, s:I, s:o, s:o, s:o}", "arch", arch, "samples",
                             (json_int_t)ag->samples, "requested_hz",
                             an_fnum(sides[i]->requested_hz), "effective_hz",
                             an_fnum(ag->rate_hz), "unsymbolized_pct",
                             an_fnum(ag->samples ? (double)ag->unnamed_samples /
                                                       (double)ag->samples * 100
                                                 : 0)));
        if (ag->samples < WANT_SAMPLES)
            an_warn(c,
                    "%s: %llu samples in total, fewer than the %d wanted for shares "
                    "known to about +-1 point",
                    arch, (unsigned long long)ag->samples, WANT_SAMPLES);
        double cap = fmin(sides[i]->requested_hz, KERNEL_TICK_HZ);
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

/* From the pooled profiles: breakdown, hotspots, flame graph and sampling
 * health, or a breakdown that says there are none. Sets c->overhead_us and
 * c->inherent_share (NAN without profiles). */
int an_breakdown(ctx *c) {
    c->inherent_share = NAN;
    an_charts(c);
    c->overhead_us = c->h.med_b - c->h.med_a;
    json_t *hot = json_array();
    if (c->have_profiles) {
        breakdown_categories(c);
        if (hotspots(c, hot) != 0 || an_flame(c) != 0) {
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
    json_object_set_new(json_object_get(c->a, "sampling"), "warnings",
                        json_copy(c->warnings));
    return 0;
}
