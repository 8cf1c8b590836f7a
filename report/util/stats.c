#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double stats_normal_cdf(double x) {
    return 0.5 * erfc(-x / sqrt(2.0));
}

static int cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Median of an array the function may reorder. */
static double median_inplace(double *x, size_t n) {
    qsort(x, n, sizeof x[0], cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Median through a small stack buffer or a heap copy; NAN on failure. */
double stats_median(const double *x, size_t n) {
    if (n == 0)
        return NAN;
    double small[64];
    double *tmp = n <= 64 ? small : malloc(n * sizeof *tmp);
    if (tmp == NULL)
        return NAN;
    memcpy(tmp, x, n * sizeof *tmp);
    double m = median_inplace(tmp, n);
    if (tmp != small)
        free(tmp);
    return m;
}

double stats_mad(const double *x, size_t n) {
    if (n == 0)
        return NAN;
    double med = stats_median(x, n);
    double *dev = malloc(n * sizeof *dev);
    if (dev == NULL)
        return NAN;
    for (size_t i = 0; i < n; i++)
        dev[i] = fabs(x[i] - med);
    double mad = 1.4826 * median_inplace(dev, n);
    free(dev);
    return mad;
}

double stats_mean(const double *x, size_t n) {
    if (n == 0)
        return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

double stats_stddev(const double *x, size_t n) {
    if (n < 2)
        return NAN;
    double m = stats_mean(x, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (double)(n - 1));
}

size_t stats_mad_outliers(const double *x, size_t n, double k, int *out) {
    size_t flagged = 0;
    double med = stats_median(x, n), mad = stats_mad(x, n);
    for (size_t i = 0; i < n; i++) {
        out[i] = mad > 0 && fabs(x[i] - med) > k * mad;
        flagged += (size_t)out[i];
    }
    return flagged;
}

void stats_wilson(double k, double n, double z, double *lo, double *hi) {
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double p = k / n, z2 = z * z;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = z / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    *lo = fmax(0.0, centre - half);
    *hi = fmin(1.0, centre + half);
}

double stats_two_prop_z(double k1, double n1, double k2, double n2, double *p) {
    *p = 1.0;
    if (n1 <= 0 || n2 <= 0)
        return 0;
    double pooled = (k1 + k2) / (n1 + n2);
    if (pooled <= 0 || pooled >= 1)
        return 0;
    double se = sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    double z = (k2 / n2 - k1 / n1) / se;
    *p = 2 * stats_normal_cdf(-fabs(z));
    return z;
}

/* Exact two-sided p-value of U under H0 (no ties): the count of
 * arrangements with each U value, built by the recurrence
 * c(m, n, u) = c(m-1, n, u-n) + c(m, n-1, u), over m, one row at a time. */
static double mw_exact_p(size_t na, size_t nb, double u) {
    size_t umax = na * nb;
    /* row[n][u] for the current m; n in 0..nb, u in 0..umax */
    size_t stride = umax + 1;
    double *prev = calloc((nb + 1) * stride, sizeof *prev);
    double *cur = calloc((nb + 1) * stride, sizeof *cur);
    double p = NAN;
    if (prev == NULL || cur == NULL)
        goto done;
    for (size_t n = 0; n <= nb; n++)
        prev[n * stride] = 1; /* m = 0: one arrangement, U = 0 */
    for (size_t m = 1; m <= na; m++) {
        memset(cur, 0, (nb + 1) * stride * sizeof *cur);
        cur[0] = 1; /* n = 0 */
        for (size_t n = 1; n <= nb; n++)
            for (size_t v = 0; v <= m * n; v++)
                cur[n * stride + v] =
                    (v >= n ? prev[n * stride + v - n] : 0) + cur[(n - 1) * stride + v];
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double total = 0, tail = 0, mean = (double)umax / 2;
    double dist = fabs(u - mean);
    for (size_t v = 0; v <= umax; v++) {
        double c = prev[nb * stride + v];
        total += c;
        if (fabs((double)v - mean) >= dist - 1e-9)
            tail += c;
    }
    p = fmin(1.0, tail / total);
done:
    free(prev);
    free(cur);
    return p;
}

typedef struct ranked {
    double v;
    int group; /* 0 = a, 1 = b */
} ranked;

static int cmp_ranked(const void *pa, const void *pb) {
    return cmp_double(&((const ranked *)pa)->v, &((const ranked *)pb)->v);
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
                       double *p) {
    if (na == 0 || nb == 0)
        return -1;
    size_t n = na + nb;
    ranked *r = malloc(n * sizeof *r);
    if (r == NULL)
        return -1;
    for (size_t i = 0; i < na; i++)
        r[i] = (ranked){a[i], 0};
    for (size_t i = 0; i < nb; i++)
        r[na + i] = (ranked){b[i], 1};
    qsort(r, n, sizeof *r, cmp_ranked);
    double rank_sum_b = 0, tie_term = 0;
    int ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && r[j + 1].v == r[i].v)
            j++;
        double avg_rank = (double)(i + j) / 2 + 1;
        double t = (double)(j - i + 1);
        if (t > 1) {
            ties = 1;
            tie_term += t * t * t - t;
        }
        for (size_t k = i; k <= j; k++)
            if (r[k].group == 1)
                rank_sum_b += avg_rank;
        i = j + 1;
    }
    free(r);
    double ub = rank_sum_b - (double)nb * (double)(nb + 1) / 2;
    *u = ub;
    if (!ties && na <= 50 && nb <= 50) {
        *p = mw_exact_p(na, nb, ub);
        if (!isnan(*p))
            return 0;
    }
    double mean = (double)na * (double)nb / 2;
    double var = (double)na * (double)nb / 12 *
                 (((double)n + 1) - tie_term / ((double)n * ((double)n - 1)));
    if (var <= 0) {
        *p = 1;
        return 0;
    }
    double dz = fabs(ub - mean) - 0.5;
    *p = fmin(1.0, 2 * stats_normal_cdf(-fmax(dz, 0) / sqrt(var)));
    return 0;
}

/* splitmix64: small, fast and good enough for resampling indices. */
static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double resampled_median(const double *x, size_t n, double *tmp, uint64_t *s) {
    for (size_t i = 0; i < n; i++)
        tmp[i] = x[rng_next(s) % n];
    return median_inplace(tmp, n);
}

/* Shared bootstrap loop: 'ratio' selects median(b)/median(a)-1 over
 * median(b)-median(a). */
static int bootstrap(const double *a, size_t na, const double *b, size_t nb, unsigned iters,
                     uint64_t seed, double level, int ratio, double *lo, double *hi) {
    if (na == 0 || nb == 0 || iters < 100 || level <= 0 || level >= 1)
        return -1;
    int rc = -1;
    double *ta = malloc(na * sizeof *ta), *tb = malloc(nb * sizeof *tb);
    double *est = malloc(iters * sizeof *est);
    if (ta == NULL || tb == NULL || est == NULL)
        goto done;
    uint64_t s = seed;
    unsigned kept = 0;
    for (unsigned i = 0; i < iters; i++) {
        double ma = resampled_median(a, na, ta, &s), mb = resampled_median(b, nb, tb, &s);
        if (ratio && ma == 0)
            continue;
        est[kept++] = ratio ? mb / ma - 1 : mb - ma;
    }
    if (kept < 100)
        goto done;
    qsort(est, kept, sizeof *est, cmp_double);
    double alpha = (1 - level) / 2;
    size_t ilo = (size_t)floor(alpha * (kept - 1));
    size_t ihi = (size_t)ceil((1 - alpha) * (kept - 1));
    *lo = est[ilo];
    *hi = est[ihi];
    rc = 0;
done:
    free(ta);
    free(tb);
    free(est);
    return rc;
}

int stats_bootstrap_ratio(const double *a, size_t na, const double *b, size_t nb,
                          unsigned iters, uint64_t seed, double level, double *lo,
                          double *hi) {
    return bootstrap(a, na, b, nb, iters, seed, level, 1, lo, hi);
}

int stats_bootstrap_diff(const double *a, size_t na, const double *b, size_t nb,
                         unsigned iters, uint64_t seed, double level, double *lo,
                         double *hi) {
    return bootstrap(a, na, b, nb, iters, seed, level, 0, lo, hi);
}
