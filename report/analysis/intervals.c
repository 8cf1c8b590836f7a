/* analysis: intervals that say what they are. Every comparison of two
 * groups of trials uses the Hodges-Lehmann estimate with its exact rank
 * interval (stats_hl_ratio / stats_hl_shift), reports the coverage actually
 * achieved, carries a Welch t interval on the same values as the
 * alternative, and says when there are too few trials for 95% and how many
 * would give it. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

/* Compare groups a and b: 'ratio' on logs (b/a - 1), else the shift b - a. */
static compare compare_values(const group *a, const group *b, int ratio) {
    compare r = {.med_a = stats_median(a->v, a->n), .med_b = stats_median(b->v, b->n)};
    r.cv_a = stats_stddev(a->v, a->n) / stats_mean(a->v, a->n);
    r.cv_b = stats_stddev(b->v, b->n) / stats_mean(b->v, b->n);
    r.is_ratio = ratio;
    int hl = ratio ? stats_hl_ratio(a->v, a->n, b->v, b->n, CONFIDENCE, &r.iv)
                   : stats_hl_shift(a->v, a->n, b->v, b->n, CONFIDENCE, &r.iv);
    r.alt_ok =
        (ratio ? stats_welch_log_ratio(a->v, a->n, b->v, b->n, CONFIDENCE, &r.alt)
               : stats_welch_diff(a->v, a->n, b->v, b->n, CONFIDENCE, &r.alt)) == 0;
    r.ok = a->n >= 2 && b->n >= 2 && hl == 0;
    if (hl == 0) {
        r.ratio = r.iv.est;
        r.lo = r.iv.lo;
        r.hi = r.iv.hi;
        r.p = r.iv.p;
    } else {
        /* the notes name the trials even when there is no interval */
        r.iv.na = a->n;
        r.iv.nb = b->n;
        r.ratio = ratio ? r.med_b / r.med_a - 1 : r.med_b - r.med_a;
    }
    if (!r.ok)
        r.lo = r.hi = r.p = NAN;
    return r;
}

compare an_compare(ctx *c, const group *a, const group *b) {
    (void)c;
    return compare_values(a, b, 1);
}

compare an_compare_diff(ctx *c, const group *a, const group *b) {
    (void)c;
    return compare_values(a, b, 0);
}

size_t an_needs_for_95(const compare *r) {
    size_t need = stats_rank_min_n(CONFIDENCE);
    return r->iv.short_of_level ? need : 0;
}

long an_trials_to_decide(const compare *r, double target) {
    if (!r->alt_ok)
        return -1;
    /* the spread of the values the interval is computed on: logs for ratios */
    double est = r->is_ratio ? log1p(r->ratio) : r->ratio;
    double tgt = r->is_ratio ? log1p(target) : target;
    long n = stats_trials_to_decide(r->alt.sd_a, r->alt.sd_b, est, tgt, CONFIDENCE);
    if (n < 0)
        return -1;
    /* The rank interval may be wider (and lopsided) than the Welch one: when
     * it still reaches the target, scale its side towards the target as
     * 1/sqrt(n) until it clears the gap. */
    size_t have = r->iv.na < r->iv.nb ? r->iv.na : r->iv.nb;
    double gap = fabs(r->ratio - target);
    double side = target > r->ratio ? r->hi - r->ratio : r->ratio - r->lo;
    if (r->ok && gap > 0 && side >= gap) {
        long m = (long)ceil((double)have * (side / gap) * (side / gap));
        if (m <= (long)have)
            m = (long)have + 1;
        if (m > n)
            n = m;
    }
    size_t need = stats_rank_min_n(CONFIDENCE);
    return (size_t)n < need ? (long)need : n;
}

long an_trials_for_half(const compare *r, double half) {
    if (!r->alt_ok)
        return -1;
    double h = r->is_ratio ? log1p(half) : half;
    long n = stats_trials_for_half(r->alt.sd_a, r->alt.sd_b, h, CONFIDENCE);
    size_t need = stats_rank_min_n(CONFIDENCE);
    return n > 0 && (size_t)n < need ? (long)need : n;
}

const char *an_interval_note(const compare *r, char *buf, size_t size) {
    if (!r->ok) {
        snprintf(buf, size,
                 "%zu + %zu trials: too few for any interval (at least 2 per side; %zu "
                 "per side for 95%%)",
                 r->iv.na, r->iv.nb, stats_rank_min_n(CONFIDENCE));
        return buf;
    }
    if (r->iv.short_of_level)
        snprintf(buf, size,
                 "n too small for 95%%: %zu + %zu trials give at most %.1f%% (the "
                 "interval is the range of the data); needs %zu trials per side",
                 r->iv.na, r->iv.nb, r->iv.coverage * 100, an_needs_for_95(r));
    else
        snprintf(buf, size, "%s, %zu + %zu trials, coverage %.1f%%",
                 stats_method_name(r->iv.method), r->iv.na, r->iv.nb,
                 r->iv.coverage * 100);
    return buf;
}

/* Scale of a value for display: percent for ratios. */
static double shown(const compare *r, double v) {
    return r->is_ratio ? v * 100 : v;
}

json_t *an_interval_json(const compare *r) {
    char note[256];
    an_interval_note(r, note, sizeof note);
    json_t *j = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:I, s:I, s:I, s:s, s:s}", "method",
        r->ok ? stats_method_name(r->iv.method) : "none", "estimate",
        an_fsigned(shown(r, r->ratio)), "lo",
        r->ok ? an_fsigned(shown(r, r->lo)) : json_string("n/a"), "hi",
        r->ok ? an_fsigned(shown(r, r->hi)) : json_string("n/a"), "half_width",
        r->ok ? an_fnum(shown(r, (r->hi - r->lo) / 2)) : json_string("n/a"),
        "coverage_pct", r->ok ? an_fnum(r->iv.coverage * 100) : json_string("n/a"),
        "short_of_level", !r->ok || r->iv.short_of_level, "n_a", (json_int_t)r->iv.na,
        "n_b", (json_int_t)r->iv.nb, "needs_per_side",
        (json_int_t)(r->ok ? an_needs_for_95(r) : stats_rank_min_n(CONFIDENCE)), "unit",
        r->is_ratio ? "%" : "", "note", note);
    char text[160], b1[32], b2[32], b3[32];
    if (r->ok)
        snprintf(text, sizeof text, "%s%s to %s%s (coverage %s%%%s)",
                 an_fmt(shown(r, r->lo), b1, 32), r->is_ratio ? "%" : "",
                 an_fmt(shown(r, r->hi), b2, 32), r->is_ratio ? "%" : "",
                 an_fmt(r->iv.coverage * 100, b3, 32),
                 r->iv.short_of_level ? ", short of 95%" : "");
    else
        snprintf(text, sizeof text, "none (%zu + %zu trials)", r->iv.na, r->iv.nb);
    json_object_set_new(j, "text", json_string(text));
    if (r->alt_ok) {
        json_object_set_new(
            j, "alternative",
            json_pack("{s:s, s:o, s:o, s:o}", "method",
                      r->is_ratio ? "Welch t interval on log CPU" : "Welch t interval",
                      "estimate", an_fsigned(shown(r, r->alt.est)), "lo",
                      an_fsigned(shown(r, r->alt.lo)), "hi",
                      an_fsigned(shown(r, r->alt.hi))));
    }
    return j;
}

void an_few_trials_warn(ctx *c, const char *what, const compare *r) {
    char note[256];
    if (!r->ok || r->iv.short_of_level)
        an_warn(c, "%s: %s", what, an_interval_note(r, note, sizeof note));
}
