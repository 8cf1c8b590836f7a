/* analysis: "Priority 2: Optimize". The saturated rounds run the workloads'
 * what-if variants (workloads/chatvariant.c) beside the headline's own
 * direct and NATS trials (one baseline; older runs had a separate
 * optimization phase with its own baselines, still read as such). Each NATS
 * variant is compared with the NATS baseline round by round: CPU per event,
 * the saving in us (Hodges-Lehmann of the paired differences, exact
 * signed-rank interval; unpaired when the trials do not pair) and as a share
 * of the headline overhead in us/event (c->overhead_us: the one denominator
 * of the report), the overhead left against direct and against direct
 * batched alike, the publish-to-commit latency, and what it gives up. The
 * actions are the variants whose saving is significant, ranked by it.
 *
 * The result is c->a "optimization"; its variants[] (name, what, saving_us,
 * ci_lo_us, ci_hi_us) is the hook the recommendation reads. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define OPT_MAX_VARIANTS 16

/* The trials of one (architecture, variant) of the optimization phase. */
typedef struct opt_set {
    const char *arch, *variant;
    double v[MAX_TRIALS];
    const trial *t[MAX_TRIALS];
    size_t n;
    double med, lo, hi; /* median and range of CPU per event */
    double p50, p99;    /* medians over trials of each trial's latency */
} opt_set;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of the finite values of v[0..n) (NAN when none). */
static double opt_median(const double *v, size_t n) {
    double *w = malloc((n ? n : 1) * sizeof *w);
    size_t k = 0;
    for (size_t i = 0; w != NULL && i < n; i++)
        if (isfinite(v[i]))
            w[k++] = v[i];
    double m = w != NULL && k ? stats_median(w, k) : NAN;
    free(w);
    return m;
}

/* Select the saturated optimization-phase trials of 'arch' with 'variant'. */
static void opt_select(ctx *c, opt_set *s, const char *arch, const char *variant) {
    double p50[MAX_TRIALS], p99[MAX_TRIALS];
    s->arch = arch;
    s->variant = variant;
    s->n = 0;
    for (size_t i = 0; i < c->nt; i++) {
        const trial *t = &c->t[i];
        /* a shared run's baselines are the headline's unprofiled trials */
        int member = t->optimize || (t->shared && !t->profiled);
        if (!member || t->rate > 0 || strcmp(t->arch, arch) != 0 ||
            strcmp(t->variant, variant) != 0 || isnan(t->per_event_us))
            continue;
        p50[s->n] = t->lat_p50_us;
        p99[s->n] = t->lat_p99_us;
        s->t[s->n] = t;
        s->v[s->n++] = t->per_event_us;
    }
    s->med = s->n ? stats_median(s->v, s->n) : NAN;
    double sorted[MAX_TRIALS];
    memcpy(sorted, s->v, s->n * sizeof *sorted);
    qsort(sorted, s->n, sizeof *sorted, cmp_double);
    s->lo = s->n ? sorted[0] : NAN;
    s->hi = s->n ? sorted[s->n - 1] : NAN;
    s->p50 = opt_median(p50, s->n);
    s->p99 = opt_median(p99, s->n);
}

/* The variants of the phase's NATS trials, in order of first appearance. */
static size_t opt_variants(ctx *c, const char *arch, const char **out) {
    size_t n = 0;
    for (size_t i = 0; i < c->nt && n < OPT_MAX_VARIANTS; i++) {
        const trial *t = &c->t[i];
        if (!t->optimize || strcmp(t->arch, arch) != 0 ||
            strcmp(t->variant, "baseline") == 0)
            continue;
        size_t k = 0;
        while (k < n && strcmp(out[k], t->variant) != 0)
            k++;
        if (k == n)
            out[n++] = t->variant;
    }
    return n;
}

/* A string of the variant's description in its first record ("" if none). */
static const char *opt_text(const opt_set *s, const char *field) {
    char path[64];
    snprintf(path, sizeof path, "variant.%s", field);
    const char *v = s->n ? an_jstr(s->t[0]->rec, path) : NULL;
    return v ? v : "";
}

/* Percent of 'a' over 'b' (a / b - 1), NAN when unknown. */
static double opt_pct(double a, double b) {
    return b > 0 && isfinite(a) ? (a / b - 1) * 100 : NAN;
}

/* One NATS variant against the baselines: the hook's numbers and the
 * table's formatted row. 'bd_batch' is direct with the variant's batch
 * (NULL when the variant does not batch). */
/* The trials of set 's' as the group 'g'. */
static void opt_group(group *g, const opt_set *s) {
    g->n = 0;
    for (size_t i = 0; i < s->n && i < MAX_TRIALS; i++) {
        g->t[g->n] = (trial *)s->t[i];
        g->v[g->n++] = s->v[i];
    }
}

static json_t *opt_row(ctx *c, const opt_set *v, const opt_set *bn, const opt_set *bd,
                       const opt_set *bd_batch, double overhead) {
    double lo = NAN, hi = NAN;
    double saving = bn->med - v->med;
    /* The saving baseline - variant, paired by round when the variant ran in
     * the baseline's rounds (Hodges-Lehmann of the per-round differences,
     * exact signed-rank interval), else the unpaired Hodges-Lehmann shift,
     * like every other comparison. */
    opt_group(c->g1, v);
    opt_group(c->g2, bn);
    compare r = an_compare_diff(c, c->g1, c->g2);
    stats_interval iv = r.iv;
    int ok = v->n >= 2 && bn->n >= 2 && r.ok;
    if (ok) {
        saving = r.ratio;
        lo = r.lo;
        hi = r.hi;
    } else {
        lo = hi = NAN;
    }
    double share = overhead > 0 ? saving / overhead * 100 : NAN;
    double vs_direct = opt_pct(v->med, bd->med);
    double vs_batched = bd_batch ? opt_pct(v->med, bd_batch->med) : NAN;
    int significant = ok && lo > 0;
    json_t *row = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
        "name", v->variant, "what", opt_text(v, "changes"), "gives_up",
        opt_text(v, "gives_up"), "code_change", opt_text(v, "code_change"), "trials",
        (json_int_t)v->n, "cpu_us", jsonfile_num(v->med), "saving_us",
        jsonfile_num(saving), "saving_pct", jsonfile_num(share), "ci_lo_us",
        ok ? jsonfile_num(lo) : json_null(), "ci_hi_us",
        ok ? jsonfile_num(hi) : json_null(), "overhead_vs_direct_pct",
        isfinite(vs_direct) ? jsonfile_num(vs_direct) : json_null(),
        "overhead_vs_batched_direct_pct",
        isfinite(vs_batched) ? jsonfile_num(vs_batched) : json_null(), "latency_p50_us",
        isfinite(v->p50) ? jsonfile_num(v->p50) : json_null(), "latency_p99_us",
        isfinite(v->p99) ? jsonfile_num(v->p99) : json_null(), "significant",
        significant);
    if (row == NULL)
        return NULL;
    /* what the interval really covers with these trials (3 + 3: 90%) */
    json_object_set_new(row, "ci_coverage_pct",
                        ok ? jsonfile_num(iv.coverage * 100) : json_null());
    json_object_set_new(row, "ci_half_us", ok ? jsonfile_num((hi - lo) / 2) : json_null());
    json_object_set_new(row, "paired", json_boolean(r.paired));
    json_object_set_new(row, "pairs", json_integer((json_int_t)r.npairs));
    json_object_set_new(row, "interval", an_interval_json(&r));
    /* The same, formatted for the template (which computes nothing). */
    char range[96], batched[96], b1[32], b2[32];
    snprintf(range, sizeof range, "%s to %s", an_fmt(v->lo, b1, sizeof b1),
             an_fmt(v->hi, b2, sizeof b2));
    snprintf(batched, sizeof batched, "n/a (no batch)");
    if (bd_batch != NULL && isfinite(vs_batched))
        snprintf(batched, sizeof batched, "%s%s%% (direct %s)",
                 vs_batched >= 0 ? "+" : "", an_fmt(vs_batched, b1, sizeof b1),
                 bd_batch->variant);
    json_object_set_new(
        row, "text",
        json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o}", "cpu_us",
                  an_fnum(v->med), "cpu_range_us", range, "saving_us", an_fsigned(saving),
                  "ci_lo_us", an_fsigned(lo), "ci_hi_us", an_fsigned(hi), "saving_pct",
                  an_fnum(share), "vs_direct_pct", an_fsigned(vs_direct),
                  "vs_batched_direct", batched, "latency_p50_ms", an_fnum(v->p50 / 1000),
                  "latency_p99_ms", an_fnum(v->p99 / 1000)));
    return row;
}

/* Direct with the batch of NATS variant 'v' ("batch10" for "batch10",
 * "batch100-compact" -> "batch100"), or NULL. */
static const opt_set *opt_batched_direct(const opt_set *v, const opt_set *dv,
                                         size_t ndv) {
    int batch = (int)json_integer_value(
        json_object_get(json_object_get(v->n ? v->t[0]->rec : NULL, "variant"), "batch"));
    for (size_t i = 0; batch > 1 && i < ndv; i++) {
        json_t *d = json_object_get(dv[i].t[0]->rec, "variant");
        if (json_integer_value(json_object_get(d, "batch")) == batch)
            return &dv[i];
    }
    return NULL;
}

static int cmp_saving(const void *a, const void *b) {
    double x = json_real_value(json_object_get(*(json_t *const *)a, "saving_us"));
    double y = json_real_value(json_object_get(*(json_t *const *)b, "saving_us"));
    return x > y ? -1 : x < y;
}

/* The significant savings, largest first, each a sentence. */
static json_t *opt_actions(json_t *rows) {
    json_t *sig[OPT_MAX_VARIANTS], *out = json_array();
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (json_is_true(json_object_get(r, "significant")) && n < OPT_MAX_VARIANTS)
            sig[n++] = r;
    }
    qsort(sig, n, sizeof *sig, cmp_saving);
    for (i = 0; i < n; i++) {
        json_t *t = json_object_get(sig[i], "text");
        char line[1400], b[3][32];
        snprintf(
            line, sizeof line,
            "%s: %s. Saves %s us/event (interval %s to %s, coverage %.1f%%), %s%% of the "
            "overhead, leaving NATS at %s%% against direct; gives up %s.",
            json_string_value(json_object_get(sig[i], "name")),
            json_string_value(json_object_get(sig[i], "code_change")),
            an_fmt(json_number_value(json_object_get(sig[i], "saving_us")), b[0], 32),
            an_fmt(json_number_value(json_object_get(sig[i], "ci_lo_us")), b[1], 32),
            an_fmt(json_number_value(json_object_get(sig[i], "ci_hi_us")), b[2], 32),
            json_number_value(json_object_get(sig[i], "ci_coverage_pct")),
            json_string_value(json_object_get(t, "saving_pct")),
            json_string_value(json_object_get(t, "vs_direct_pct")),
            json_string_value(json_object_get(sig[i], "gives_up")));
        json_array_append_new(out, json_string(line));
    }
    return out;
}

/* The direct variants (batched commits without the bus), formatted. */
static json_t *opt_direct_rows(const opt_set *bd, const opt_set *dv, size_t ndv) {
    json_t *rows = json_array();
    for (size_t i = 0; i < ndv; i++)
        json_array_append_new(
            rows, json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "name", dv[i].variant,
                            "trials", (json_int_t)dv[i].n, "cpu_us", an_fnum(dv[i].med),
                            "vs_direct_pct", an_fsigned(opt_pct(dv[i].med, bd->med)),
                            "latency_p50_ms", an_fnum(dv[i].p50 / 1000), "latency_p99_ms",
                            an_fnum(dv[i].p99 / 1000)));
    return rows;
}

/* The summary sentence: how the variants were measured and how many save
 * CPU. With one baseline (the headline's trials) its figures are the
 * Summary's and are not repeated; a separate phase states its own. */
static json_t *opt_summary(const opt_set *bn, const opt_set *bd, double overhead,
                           json_t *rows, size_t nsig, int shared) {
    char b[3][32], text[1400], base[400];
    json_t *r;
    size_t i;
    /* batching variants against direct batched alike: how many beat it */
    size_t nb = 0, beat = 0;
    json_array_foreach(rows, i, r) {
        json_t *vb = json_object_get(r, "overhead_vs_batched_direct_pct");
        if (json_is_number(vb)) {
            nb++;
            beat += json_number_value(vb) < 0;
        }
    }
    char batched[400] = "";
    if (nb > 0)
        snprintf(batched, sizeof batched,
                 " Against direct batched alike, %zu of %zu batching %s less "
                 "CPU per event.",
                 beat, nb, nb == 1 ? "variant uses" : "variants use");
    /* A share of an overhead that is not there means nothing: say so rather
     * than leave the column's "n/a" unexplained. */
    if (!(overhead > 0))
        snprintf(batched + strlen(batched), sizeof batched - strlen(batched),
                 " The baseline NATS used no more CPU per event than direct here, so "
                 "no saving is stated as a share of the overhead.");
    size_t nv = json_array_size(rows);
    if (shared)
        snprintf(base, sizeof base,
                 "%s ran in the headline's rounds, unprofiled, each saving paired by round "
                 "with the headline's NATS trials",
                 nv == 1 ? "The variant" : "The variants");
    else
        snprintf(base, sizeof base,
                 "%zu %s measured against their own baseline (%zu NATS and %zu direct "
                 "trials, unprofiled, interleaved): NATS %s us/event, direct %s us/event, "
                 "overhead %s us/event",
                 nv, nv == 1 ? "variant" : "variants", bn->n, bd->n,
                 an_fmt(bn->med, b[0], 32), an_fmt(bd->med, b[1], 32),
                 an_fmt(overhead, b[2], 32));
    char how[64];
    if (nsig == 0)
        snprintf(how, sizeof how, "%s", nv == 1 ? "it does not save" : "none saves");
    else if (nsig == nv)
        snprintf(how, sizeof how, "%s", nv == 1 ? "it saves" : nv == 2 ? "both save"
                                                                      : "all save");
    else
        snprintf(how, sizeof how, "%zu of %zu %s", nsig, nv, nsig == 1 ? "saves" : "save");
    snprintf(text, sizeof text,
             "%s; %s CPU significantly (rank interval above 0).%s",
             base, how, batched);
    return json_string(text);
}

/* ---- latency at fixed offered loads -------------------------------------
 *
 * The latency-only runs (c->xt, plan.c's "latency" phases) measure the NATS
 * baseline and every variant at offered loads below saturation, where
 * publish-to-commit latency is what an event waits, not how long the
 * service's queue is. Per load: each arm's p50 and p99 (medians over its
 * trials of each trial's own), and what a variant adds to the baseline at
 * the same load, with an interval (Hodges-Lehmann, paired by round when the
 * trials pair) when each side has 2 trials. */

#define OPT_MAX_LOADS 4

/* The offered loads of the latency-only trials of 'arch', ascending. */
static size_t opt_loads(const ctx *c, const char *arch, double *loads) {
    size_t n = 0;
    for (size_t i = 0; i < c->nxt; i++) {
        const trial *t = &c->xt[i];
        if (!t->latency_only || !(t->rate > 0) || strcmp(t->arch, arch) != 0)
            continue;
        size_t k = 0;
        while (k < n && loads[k] != t->rate)
            k++;
        if (k == n && n < OPT_MAX_LOADS)
            loads[n++] = t->rate;
    }
    qsort(loads, n, sizeof *loads, cmp_double);
    return n;
}

/* The latency-only trials of 'arch' + 'variant' at 'rate' into g1 (p50, us)
 * and g2 (p99, us). */
static void opt_load_trials(ctx *c, group *p50, group *p99, const char *arch,
                            const char *variant, double rate) {
    p50->n = p99->n = 0;
    for (size_t i = 0; i < c->nxt && p50->n < MAX_TRIALS; i++) {
        trial *t = &c->xt[i];
        if (!t->latency_only || t->rate != rate || strcmp(t->arch, arch) != 0 ||
            strcmp(t->variant, variant) != 0 || isnan(t->lat_p50_us) ||
            isnan(t->lat_p99_us))
            continue;
        p50->t[p50->n] = p99->t[p99->n] = t;
        p50->v[p50->n++] = t->lat_p50_us;
        p99->v[p99->n++] = t->lat_p99_us;
    }
}

/* "+0.12" ms, with " (-0.01 to +0.3)" when the comparison has an interval. */
static void opt_added_text(const compare *r, double added_ms, char *buf, size_t size) {
    char b[3][32];
    const char *sign = added_ms >= 0 ? "+" : "";
    if (r->ok)
        snprintf(buf, size, "%s%s (%s%s to %s%s)", sign, an_fmt(added_ms, b[0], 32),
                 r->lo >= 0 ? "+" : "", an_fmt(r->lo / 1000, b[1], 32),
                 r->hi >= 0 ? "+" : "", an_fmt(r->hi / 1000, b[2], 32));
    else
        snprintf(buf, size, "%s%s", sign, an_fmt(added_ms, b[0], 32));
}

/* One arm's latency at each load: [{rate, trials, events, p50_us, p99_us,
 * added_p50_us, added_p99_us (null for the baseline), ..., text}]. */
static json_t *opt_latency_loads(ctx *c, const char *arch, const char *variant,
                                 const double *loads, size_t nloads) {
    json_t *out = json_array();
    group *bp50 = calloc(1, sizeof *bp50), *bp99 = calloc(1, sizeof *bp99);
    int base = strcmp(variant, "baseline") == 0;
    for (size_t l = 0; out != NULL && bp50 != NULL && bp99 != NULL && l < nloads; l++) {
        opt_load_trials(c, c->g1, c->g2, arch, variant, loads[l]);
        size_t n = c->g1->n;
        double p50 = n ? stats_median(c->g1->v, n) : NAN;
        double p99 = n ? stats_median(c->g2->v, n) : NAN;
        int64_t events = n ? c->g1->t[0]->requested : 0;
        double add50 = NAN, add99 = NAN;
        compare r50 = {0}, r99 = {0};
        if (!base && n > 0) {
            opt_load_trials(c, bp50, bp99, arch, "baseline", loads[l]);
            if (bp50->n > 0) {
                add50 = p50 - stats_median(bp50->v, bp50->n);
                add99 = p99 - stats_median(bp99->v, bp99->n);
                if (n >= 2 && bp50->n >= 2) {
                    r50 = an_compare_diff(c, bp50, c->g1);
                    opt_load_trials(c, c->g1, c->g2, arch, variant, loads[l]);
                    r99 = an_compare_diff(c, bp99, c->g2);
                }
            }
        }
        char rate[32], cell[256], a50[96], a99[96], b[2][32];
        snprintf(rate, sizeof rate, "%.0f", loads[l]);
        snprintf(cell, sizeof cell, "%s / %s", an_fmt(p50 / 1000, b[0], 32),
                 an_fmt(p99 / 1000, b[1], 32));
        if (!base && !isnan(add50)) {
            opt_added_text(&r50, add50 / 1000, a50, sizeof a50);
            opt_added_text(&r99, add99 / 1000, a99, sizeof a99);
            snprintf(cell + strlen(cell), sizeof cell - strlen(cell), " (%s / %s)", a50,
                     a99);
        }
        json_t *e = json_pack(
            "{s:o, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "rate",
            jsonfile_num(loads[l]), "rate_text", rate, "trials", (json_int_t)n, "events",
            (json_int_t)events, "p50_us", jsonfile_num(p50), "p99_us", jsonfile_num(p99),
            "added_p50_us", jsonfile_num(add50), "added_p99_us", jsonfile_num(add99),
            "added_p50_interval", r50.ok ? an_interval_json(&r50) : json_null(),
            "added_p99_interval", r99.ok ? an_interval_json(&r99) : json_null(), "text",
            n ? cell : "not measured");
        json_array_append_new(out, e);
    }
    free(bp50);
    free(bp99);
    return out;
}

/* The latency paragraph: the loads and how they were measured, and the
 * largest p50 a variant adds. */
static json_t *opt_latency_text(const ctx *c, const char *arch, const double *loads,
                                size_t nloads, json_t *rows) {
    char text[1024], b[4][32];
    if (nloads == 0)
        return json_string(
            "Latency was not measured at a fixed load below saturation in these runs "
            "(the saturated trials' publish-to-commit latency is queueing in the "
            "service, kept in the JSON only).");
    size_t len = (size_t)snprintf(
        text, sizeof text,
        "Latency is publish to commit at fixed offered loads below saturation, one "
        "unprofiled trial of each arm per load:");
    for (size_t l = 0; l < nloads; l++) {
        int64_t events = 0;
        for (size_t i = 0; i < c->nxt && events == 0; i++)
            if (c->xt[i].latency_only && c->xt[i].rate == loads[l] &&
                strcmp(c->xt[i].arch, arch) == 0)
                events = c->xt[i].requested;
        len += (size_t)snprintf(text + len, len < sizeof text ? sizeof text - len : 0,
                                "%s %s events/s (%lld events a trial)",
                                l == 0 ? "" : l + 1 == nloads ? " and" : ",",
                                an_fmt(loads[l], b[0], 32), (long long)events);
    }
    /* the largest added p50 at the highest load */
    const char *worst = NULL;
    double most = -INFINITY;
    json_t *r;
    size_t i;
    json_array_foreach(rows, i, r) {
        json_t *last = json_array_get(json_object_get(r, "loads"), nloads - 1);
        double a = json_number_value(json_object_get(last, "added_p50_us"));
        if (json_is_number(json_object_get(last, "added_p50_us")) && a > most) {
            most = a;
            worst = json_string_value(json_object_get(r, "name"));
        }
    }
    /* the highest load against the saturated baseline's own rate here, as
     * plan.c sized it (stored over the storing process's window), so that
     * the sentence says what the load was even when the plan fell back to a
     * fixed rate */
    double sat[MAX_TRIALS];
    size_t ns = 0;
    for (size_t k = 0; k < c->nt && ns < MAX_TRIALS; k++) {
        const trial *t = &c->t[k];
        if (t->rate > 0 || t->profiled || t->aa_group || strcmp(t->arch, arch) != 0 ||
            strcmp(t->variant, "baseline") != 0 || t->stored <= 0)
            continue;
        json_t *p;
        size_t q;
        json_array_foreach(json_object_get(t->rec, "processes"), q, p) {
            const char *role = json_string_value(json_object_get(p, "role"));
            double w = an_jnum(p, "measured.wall_s");
            if (role != NULL && (strcmp(role, "service") == 0 || strcmp(role, "inproc") == 0) &&
                w > 0)
                sat[ns++] = (double)t->stored / w;
        }
    }
    char sat_text[160] = "";
    if (ns > 0 && nloads > 1) {
        double m = stats_median(sat, ns);
        snprintf(sat_text, sizeof sat_text,
                 "; the higher load is %s%% of the saturated baseline's rate here (%s "
                 "events/s stored over the service's window)",
                 an_fmt(loads[nloads - 1] / m * 100, b[1], 32), an_fmt(m, b[3], 32));
    }
    char most_text[96] = "";
    /* 'most' is in us; under half a microsecond is no delay at all */
    if (worst != NULL && most >= 0.5)
        snprintf(most_text, sizeof most_text, "; the most at the higher load: %s, +%s ms at p50",
                 worst, an_fmt(most / 1000, b[2], 32));
    else if (worst != NULL)
        snprintf(most_text, sizeof most_text,
                 "; at the higher load no variant adds to the baseline's p50");
    if (len < sizeof text)
        snprintf(text + len, sizeof text - len,
                 "%s. In brackets, what a variant adds to the baseline's p50 / p99 at the "
                 "same load%s. The saturated trials' latency is queueing in the service "
                 "and stays in the JSON only.",
                 sat_text, most_text);
    return json_string(text);
}

/* Select every set of the phase: baselines, NATS variants, direct variants.
 * Returns the NATS variants' count (in *nv) and direct variants' (in *ndv). */
static void opt_collect(ctx *c, const char *arch, opt_set *bn, opt_set *bd, opt_set *nv,
                        size_t *nnv, opt_set *dv, size_t *ndv) {
    const char *names[OPT_MAX_VARIANTS];
    opt_select(c, bn, arch, "baseline");
    opt_select(c, bd, "direct", "baseline");
    size_t n = opt_variants(c, arch, names);
    *nnv = 0;
    for (size_t i = 0; i < n; i++) {
        opt_select(c, &nv[*nnv], arch, names[i]);
        *nnv += nv[*nnv].n > 0;
    }
    n = opt_variants(c, "direct", names);
    *ndv = 0;
    for (size_t i = 0; i < n; i++) {
        opt_select(c, &dv[*ndv], "direct", names[i]);
        *ndv += dv[*ndv].n > 0;
    }
}

void an_optimize(ctx *c) {
    const char *arch = NULL;
    if (json_object_get(c->a, "optimization") != NULL)
        return; /* given by the caller (analysis_options.optimization) */
    for (size_t i = 0; arch == NULL && i < c->nt; i++)
        if (c->t[i].optimize && strcmp(c->t[i].arch, "direct") != 0)
            arch = c->t[i].arch;
    if (arch == NULL)
        return; /* no optimization phase */
    opt_set *s = calloc(2 + 2 * OPT_MAX_VARIANTS, sizeof *s);
    if (s == NULL) {
        an_warn(c, "optimization: out of memory");
        return;
    }
    opt_set *bn = &s[0], *bd = &s[1], *nv = &s[2], *dv = &s[2 + OPT_MAX_VARIANTS];
    size_t nnv = 0, ndv = 0, nsig = 0;
    opt_collect(c, arch, bn, bd, nv, &nnv, dv, &ndv);
    if (bn->n < 2 || bd->n < 2) {
        an_warn(c,
                "optimization phase: %zu baseline %s and %zu direct trials; at least 2 "
                "of each are needed to compare the variants",
                bn->n, arch, bd->n);
        free(s);
        return;
    }
    /* One baseline: the variants ran in the headline's rounds, so a share of
     * "the overhead" is of the headline's overhead in us/event, the same
     * denominator as every other share in the report. Older runs with their
     * own baselines keep theirs. */
    int shared = bn->t[0]->shared;
    double overhead = shared ? c->overhead_us : bn->med - bd->med;
    double overhead_pct = shared ? c->h.ratio * 100 : opt_pct(bn->med, bd->med);
    /* The variants ranked by their saving, largest first: the table is the
     * report's one list of them (the decision block takes its best of each
     * kind). */
    json_t *ranked[OPT_MAX_VARIANTS], *rows = json_array();
    size_t nr = 0;
    for (size_t i = 0; i < nnv; i++) {
        json_t *row =
            opt_row(c, &nv[i], bn, bd, opt_batched_direct(&nv[i], dv, ndv), overhead);
        if (row != NULL) {
            nsig += json_is_true(json_object_get(row, "significant"));
            ranked[nr++] = row;
        }
    }
    if (nr > 1)
        qsort(ranked, nr, sizeof *ranked, cmp_saving);
    for (size_t i = 0; i < nr; i++) {
        json_object_set_new(ranked[i], "rank", json_integer((json_int_t)(i + 1)));
        json_array_append_new(rows, ranked[i]);
    }
    double loads[OPT_MAX_LOADS];
    size_t nloads = opt_loads(c, arch, loads);
    json_t *r;
    size_t ri;
    json_array_foreach(rows, ri, r) {
        json_object_set_new(r, "loads",
                            opt_latency_loads(c, arch, json_string_value(json_object_get(
                                                           r, "name")),
                                              loads, nloads));
    }
    json_t *lload = json_array();
    for (size_t l = 0; l < nloads; l++) {
        char rate[32];
        snprintf(rate, sizeof rate, "%.0f", loads[l]);
        json_array_append_new(lload, json_pack("{s:o, s:s}", "rate", jsonfile_num(loads[l]),
                                               "rate_text", rate));
    }
    char b[32];
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}, s:o, s:o, s:I}",
        "arch", arch, "storage", bn->t[0]->storage, "events_per_trial",
        (json_int_t)bn->t[0]->requested, "baseline", "nats_us", jsonfile_num(bn->med),
        "direct_us", jsonfile_num(bd->med), "overhead_us", jsonfile_num(overhead),
        "overhead_pct", jsonfile_num(overhead_pct), "nats_text",
        an_fnum(bn->med), "direct_text", an_fnum(bd->med), "overhead_text",
        an_fnum(overhead), "overhead_pct_text",
        json_string(an_fmt(overhead_pct, b, sizeof b)), "direct_variants",
        opt_direct_rows(bd, dv, ndv), "text", opt_summary(bn, bd, overhead, rows, nsig, shared),
        "significant", (json_int_t)nsig);
    if (o != NULL) {
        json_object_set_new(o, "one_baseline", json_boolean(shared));
        /* the latency table is its own: beside the savings it is too wide */
        json_object_set_new(o, "has_loads", json_boolean(nloads > 0));
        json_object_set_new(o, "loads", lload);
        json_object_set_new(json_object_get(o, "baseline"), "loads",
                            opt_latency_loads(c, arch, "baseline", loads, nloads));
        json_object_set_new(o, "latency_text", opt_latency_text(c, arch, loads, nloads, rows));
        json_object_set_new(o, "actions", opt_actions(rows));
        json_object_set_new(o, "variants", rows);
        json_object_set_new(c->a, "optimization", o);
    } else {
        json_decref(rows);
        json_decref(lload);
    }
    free(s);
}
