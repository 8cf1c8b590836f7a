/* stats_paired: comparisons of two arms measured in the same rounds (see
 * stats.h): per pair the difference or log ratio, the Hodges-Lehmann estimate
 * of those values with the exact Wilcoxon signed-rank interval, a paired t
 * interval beside it, and the pairs a wanted half-width needs. */
#include "stats.h"
#include "stats_int.h"

#include <math.h>
#include <stdlib.h>

int stats_paired_t(const double *d, size_t n, double level, stats_interval *out) {
    if (n < 2 || !(level > 0 && level < 1))
        return -1;
    stats_interval_init(out, n, n, level, STATS_PAIRED_T);
    out->est = stats_mean(d, n);
    out->sd_a = out->sd_b = stats_stddev(d, n);
    stats_t_fill(out, out->sd_a / sqrt((double)n), (double)(n - 1));
    return 0;
}

/* ---- paired comparisons ------------------------------------------------- */

/* P(W+ = w) for w = 0..n(n+1)/2 (n >= 1), as probabilities: each pair's rank
 * is in W+ with probability 1/2 under the null. Caller frees. */
static double *wsr_probs(size_t n) {
    size_t max = n * (n + 1) / 2;
    double *p = calloc(max + 1, sizeof *p);
    if (p == NULL)
        return NULL;
    p[0] = 1;
    size_t top = 0;
    for (size_t r = 1; r <= n; r++) {
        top += r;
        for (size_t w = top; w >= r; w--)
            p[w] = 0.5 * (p[w] + p[w - r]);
        for (size_t w = r; w-- > 0;)
            p[w] *= 0.5;
    }
    return p;
}

double stats_wsr_cdf(size_t n, double w) {
    if (n == 0 || n > STATS_WSR_EXACT_MAX)
        return NAN;
    size_t max = n * (n + 1) / 2;
    if (w < 0)
        return 0;
    double *p = wsr_probs(n);
    if (p == NULL)
        return NAN;
    double c = 0;
    for (size_t v = 0; v <= max && (double)v <= w + 1e-9; v++)
        c += p[v];
    free(p);
    return c > 1 ? 1 : c;
}

/* Two-sided signed-rank p-value of d[0..n): zeros dropped, midranks for
 * ties of |d|, exact null when no ties, else the normal approximation. */
static double wsr_p(const double *d, size_t n) {
    double *ab = malloc((n ? n : 1) * sizeof *ab);
    double *sg = malloc((n ? n : 1) * sizeof *sg);
    double p = NAN;
    size_t m = 0;
    if (ab == NULL || sg == NULL)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (d[i] != 0 && isfinite(d[i])) {
            ab[m] = fabs(d[i]);
            sg[m++] = d[i] > 0;
        }
    if (m == 0) {
        p = 1;
        goto done;
    }
    /* W+ with midranks: rank of |d[i]| = (#smaller) + (#equal + 1) / 2 */
    double wplus = 0, tie_term = 0;
    int ties = 0;
    for (size_t i = 0; i < m; i++) {
        size_t less = 0, eq = 0;
        for (size_t j = 0; j < m; j++) {
            less += ab[j] < ab[i];
            eq += ab[j] == ab[i];
        }
        if (eq > 1) {
            ties = 1;
            tie_term += ((double)eq * eq * eq - (double)eq) / (double)eq;
        }
        if (sg[i])
            wplus += (double)less + ((double)eq + 1) / 2;
    }
    double mean = (double)m * (double)(m + 1) / 4;
    if (!ties && m <= STATS_WSR_EXACT_MAX) {
        double lo = wplus <= mean ? wplus : (double)m * (double)(m + 1) / 2 - wplus;
        p = 2 * stats_wsr_cdf(m, lo);
    } else {
        double var = (double)m * (double)(m + 1) * (double)(2 * m + 1) / 24 -
                     tie_term / 48;
        double z = var > 0 ? (fabs(wplus - mean) - 0.5) / sqrt(var) : 0;
        p = 2 * (1 - stats_normal_cdf(z > 0 ? z : 0));
    }
    if (p > 1)
        p = 1;
done:
    free(ab);
    free(sg);
    return p;
}

int stats_hl_paired(const double *d, size_t n, double level, stats_interval *out) {
    if (n == 0 || !(level > 0 && level < 1))
        return -1;
    size_t m = n * (n + 1) / 2;
    double *w = malloc(m * sizeof *w);
    if (w == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            w[k++] = 0.5 * (d[i] + d[j]);
    qsort(w, m, sizeof *w, stats_cmp_double);
    stats_interval_init(out, n, n, level, STATS_HL_SIGNED);
    out->est = m % 2 ? w[m / 2] : 0.5 * (w[m / 2 - 1] + w[m / 2]);
    double alpha = 1 - level;
    long c = -1; /* the largest W+ with P(W+ <= c) <= alpha / 2 */
    if (n <= STATS_WSR_EXACT_MAX) {
        double *p = wsr_probs(n), cdf = 0, at_c = 0;
        if (p == NULL) {
            free(w);
            return -1;
        }
        for (size_t v = 0; v <= m; v++) {
            cdf += p[v];
            if (cdf > alpha / 2 + 1e-12)
                break;
            c = (long)v;
            at_c = cdf;
        }
        if (c < 0) { /* too few pairs: the range of the Walsh averages */
            out->short_of_level = 1;
            out->coverage = 1 - 2 * p[0];
        } else {
            out->coverage = 1 - 2 * at_c;
        }
        free(p);
    } else {
        out->method = STATS_HL_SIGNED_NORMAL;
        double z = stats_normal_quantile(1 - alpha / 2);
        double sd = sqrt((double)n * (double)(n + 1) * (double)(2 * n + 1) / 24);
        c = (long)floor((double)m / 2 - z * sd);
        out->coverage = level;
    }
    size_t kk = c < 0 ? 1 : (size_t)c + 1; /* [A(k), A(M+1-k)], 1-based */
    out->lo = w[kk - 1];
    out->hi = w[m - kk];
    out->half = (out->hi - out->lo) / 2;
    out->p = wsr_p(d, n);
    if (n >= 2)
        out->sd_a = out->sd_b = stats_stddev(d, n);
    free(w);
    return 0;
}

/* log(b[i] / a[i]) into a new array; NULL when a value is <= 0. */
static double *log_ratios(const double *a, const double *b, size_t n) {
    double *l = malloc((n ? n : 1) * sizeof *l);
    for (size_t i = 0; l != NULL && i < n; i++) {
        if (!(a[i] > 0) || !(b[i] > 0)) {
            free(l);
            return NULL;
        }
        l[i] = log(b[i] / a[i]);
    }
    return l;
}

int stats_hl_paired_ratio(const double *a, const double *b, size_t n, double level,
                          stats_interval *out) {
    double *l = n ? log_ratios(a, b, n) : NULL;
    int rc = l != NULL ? stats_hl_paired(l, n, level, out) : -1;
    if (rc == 0)
        stats_to_ratio(out);
    free(l);
    return rc;
}

int stats_paired_t_ratio(const double *a, const double *b, size_t n, double level,
                         stats_interval *out) {
    double *l = n >= 2 ? log_ratios(a, b, n) : NULL;
    int rc = l != NULL ? stats_paired_t(l, n, level, out) : -1;
    if (rc == 0)
        stats_to_ratio(out);
    free(l);
    return rc;
}

long stats_pairs_for_half(double sd, double half, double level) {
    if (!isfinite(sd) || !(sd > 0) || !isfinite(half) || !(half > 0) ||
        !(level > 0 && level < 1))
        return -1;
    double alpha = 1 - level;
    for (long n = 2; n <= 1000000; n = n < 64 ? n + 1 : n + n / 16) {
        double t = stats_t_quantile(1 - alpha / 2, (double)(n - 1));
        if (t * sd / sqrt((double)n) <= half)
            return n;
    }
    return -1;
}
