/* analysis: intervals that say what they are. Every comparison of two
 * groups of trials uses the Hodges-Lehmann estimate with its exact
 * distribution-free interval: paired by round when the trials were measured
 * in the same rounds (the exact Wilcoxon signed-rank interval of the
 * per-round log ratios or differences, a paired t interval beside it; the
 * unpaired figures kept for comparison), else the exact Mann-Whitney
 * interval with a Welch t interval. It reports the coverage actually
 * achieved and says when there are too few trials for 95% and how many
 * would give it. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Pairs up when at least this many rounds hold both arms (the fewest whose
 * signed-rank interval can reach 95%: fewer pairs would give a wider, less
 * covering interval than the unpaired 3 + 3 or 5 + 5 trials do)... */
#define PAIRED_MIN 6
/* ...and they hold at least this share of the smaller group's trials. */
#define PAIRED_SHARE 0.75

/* The rounds that hold both arms: pa[k], pb[k] are the values of a and b
 * measured in the same round of the same run (each trial used once).
 * Returns the number of pairs. */
static size_t pair_rounds(const group *a, const group *b, double *pa, double *pb) {
    size_t k = 0;
    char *used = calloc(b->n ? b->n : 1, 1);
    for (size_t i = 0; used != NULL && i < a->n; i++) {
        const trial *x = a->t[i];
        if (x->round <= 0)
            continue;
        for (size_t j = 0; j < b->n; j++) {
            const trial *y = b->t[j];
            if (used[j] || y == x || y->round != x->round || strcmp(y->dir, x->dir) != 0)
                continue;
            used[j] = 1;
            pa[k] = a->v[i];
            pb[k++] = b->v[j];
            break;
        }
    }
    free(used);
    return k;
}

/* The paired intervals of 'r' from n pairs (pa, pb). Returns 0, or -1 when
 * no paired interval could be made. */
static int compare_paired(compare *r, const double *pa, const double *pb, size_t n,
                          int ratio) {
    stats_interval iv, alt;
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        d[i] = pb[i] - pa[i];
    int hl = ratio ? stats_hl_paired_ratio(pa, pb, n, CONFIDENCE, &iv)
                   : stats_hl_paired(d, n, CONFIDENCE, &iv);
    int t = ratio ? stats_paired_t_ratio(pa, pb, n, CONFIDENCE, &alt)
                  : stats_paired_t(d, n, CONFIDENCE, &alt);
    free(d);
    if (hl != 0)
        return -1;
    r->un = r->iv;
    r->un_ok = r->ok;
    r->un_alt = r->alt;
    r->un_alt_ok = r->alt_ok;
    r->iv = iv;
    r->alt = alt;
    r->alt_ok = t == 0;
    r->paired = 1;
    r->npairs = n;
    return 0;
}

/* Compare groups a and b: 'ratio' on logs (b/a - 1), else the shift b - a;
 * paired by round when the trials pair up (see compare). */
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
    double *pa = malloc((a->n ? a->n : 1) * sizeof *pa);
    double *pb = malloc((a->n ? a->n : 1) * sizeof *pb);
    size_t np = pa && pb ? pair_rounds(a, b, pa, pb) : 0;
    size_t fewer = a->n < b->n ? a->n : b->n;
    if (np >= PAIRED_MIN && (double)np >= PAIRED_SHARE * (double)fewer &&
        compare_paired(&r, pa, pb, np, ratio) == 0) {
        hl = 0;
        r.ok = 1;
    }
    free(pa);
    free(pb);
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

/* The fewest pairs whose exact signed-rank interval reaches 'level' (6 for
 * 95%: 2 / 2^6 <= 5%). */
static size_t paired_min_n(double level) {
    size_t n = 1;
    while (n < 64 && 2.0 / (double)(1ULL << n) > 1 - level)
        n++;
    return n;
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
    size_t need = r->paired ? paired_min_n(CONFIDENCE) : stats_rank_min_n(CONFIDENCE);
    return r->iv.short_of_level ? need : 0;
}

long an_trials_to_decide(const compare *r, double target) {
    if (!r->alt_ok)
        return -1;
    /* the spread of the values the interval is computed on: logs for ratios */
    double est = r->is_ratio ? log1p(r->ratio) : r->ratio;
    double tgt = r->is_ratio ? log1p(target) : target;
    /* paired: the per-round SD of the paired values, a one-sample interval */
    long n = r->paired ? (est == tgt ? -1
                                     : stats_pairs_for_half(r->alt.sd_a, fabs(est - tgt),
                                                            CONFIDENCE))
                       : stats_trials_to_decide(r->alt.sd_a, r->alt.sd_b, est, tgt,
                                                CONFIDENCE);
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
    size_t need = r->paired ? paired_min_n(CONFIDENCE) : stats_rank_min_n(CONFIDENCE);
    return (size_t)n < need ? (long)need : n;
}

long an_trials_for_half(const compare *r, double half) {
    if (!r->alt_ok)
        return -1;
    double h = r->is_ratio ? log1p(half) : half;
    long n = r->paired ? stats_pairs_for_half(r->alt.sd_a, h, CONFIDENCE)
                       : stats_trials_for_half(r->alt.sd_a, r->alt.sd_b, h, CONFIDENCE);
    size_t need = r->paired ? paired_min_n(CONFIDENCE) : stats_rank_min_n(CONFIDENCE);
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
    if (r->iv.short_of_level && r->paired)
        snprintf(buf, size,
                 "n too small for 95%%: %zu paired rounds give at most %.1f%% (the "
                 "interval is the range of the Walsh averages); needs %zu rounds",
                 r->npairs, r->iv.coverage * 100, an_needs_for_95(r));
    else if (r->iv.short_of_level)
        snprintf(buf, size,
                 "n too small for 95%%: %zu + %zu trials give at most %.1f%% (the "
                 "interval is the range of the data); needs %zu trials per side",
                 r->iv.na, r->iv.nb, r->iv.coverage * 100, an_needs_for_95(r));
    else if (r->paired)
        snprintf(buf, size, "%s, %zu paired rounds, coverage %.1f%%",
                 stats_method_name(r->iv.method), r->npairs, r->iv.coverage * 100);
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
    const char *alt_method = r->paired
                                 ? (r->is_ratio ? "paired t interval on log ratios"
                                                : "paired t interval")
                             : r->is_ratio ? "Welch t interval on log CPU"
                                           : "Welch t interval";
    if (r->alt_ok) {
        json_object_set_new(
            j, "alternative",
            json_pack("{s:s, s:o, s:o, s:o}", "method", alt_method, "estimate",
                      an_fsigned(shown(r, r->alt.est)), "lo",
                      an_fsigned(shown(r, r->alt.lo)), "hi",
                      an_fsigned(shown(r, r->alt.hi))));
    }
    json_object_set_new(j, "paired", json_boolean(r->paired));
    json_object_set_new(j, "pairs", json_integer((json_int_t)r->npairs));
    /* the same trials analysed as independent samples, for comparison */
    if (r->paired && r->un_ok)
        json_object_set_new(
            j, "unpaired",
            json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:I}", "method",
                      stats_method_name(r->un.method), "estimate",
                      an_fsigned(shown(r, r->un.est)), "lo", an_fsigned(shown(r, r->un.lo)),
                      "hi", an_fsigned(shown(r, r->un.hi)), "half_width",
                      an_fnum(shown(r, (r->un.hi - r->un.lo) / 2)), "coverage_pct",
                      an_fnum(r->un.coverage * 100), "n_a", (json_int_t)r->un.na, "n_b",
                      (json_int_t)r->un.nb));
    return j;
}

void an_few_trials_warn(ctx *c, const char *what, const compare *r) {
    char note[256];
    if (!r->ok || r->iv.short_of_level)
        an_warn(c, "%s: %s", what, an_interval_note(r, note, sizeof note));
}
