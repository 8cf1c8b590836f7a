/* stats: the small statistics the report rests on (see stats.h); the paired
 * comparisons are in stats_paired.c. */
#include "stats.h"
#include "stats_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double stats_normal_cdf(double x) {
    return 0.5 * erfc(-x / sqrt(2.0));
}

int stats_cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Median of an array the function may reorder. */
static double median_inplace(double *x, size_t n) {
    qsort(x, n, sizeof x[0], stats_cmp_double);
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

#define MW_EXACT_MAX 50 /* exact U distribution for samples up to this size */

/* Counts of arrangements with each U value (0..na*nb) for samples of na and
 * nb without ties, built by the recurrence c(m, n, u) = c(m-1, n, u-n) +
 * c(m, n-1, u), over m, one row at a time (only additions: no cancellation).
 * Returns a new array of na*nb+1 counts, NULL when out of memory. */
static double *mw_counts(size_t na, size_t nb) {
    size_t umax = na * nb, stride = umax + 1;
    double *prev = calloc((nb + 1) * stride, sizeof *prev);
    double *cur = calloc((nb + 1) * stride, sizeof *cur);
    double *out = malloc(stride * sizeof *out);
    if (prev == NULL || cur == NULL || out == NULL) {
        free(out);
        out = NULL;
        goto done;
    }
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
    memcpy(out, prev + nb * stride, stride * sizeof *out);
done:
    free(prev);
    free(cur);
    return out;
}

/* Exact two-sided p-value of U under H0 (no ties). */
static double mw_exact_p(size_t na, size_t nb, double u) {
    size_t umax = na * nb;
    double *cnt = mw_counts(na, nb);
    if (cnt == NULL)
        return NAN;
    double total = 0, tail = 0, mean = (double)umax / 2;
    double dist = fabs(u - mean);
    for (size_t v = 0; v <= umax; v++) {
        total += cnt[v];
        if (fabs((double)v - mean) >= dist - 1e-9)
            tail += cnt[v];
    }
    free(cnt);
    return fmin(1.0, tail / total);
}

typedef struct ranked {
    double v;
    int group; /* 0 = a, 1 = b */
} ranked;

static int cmp_ranked(const void *pa, const void *pb) {
    return stats_cmp_double(&((const ranked *)pa)->v, &((const ranked *)pb)->v);
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
    if (!ties && na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX) {
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
static int bootstrap(const double *a, size_t na, const double *b, size_t nb,
                     unsigned iters, uint64_t seed, double level, int ratio, double *lo,
                     double *hi) {
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
    qsort(est, kept, sizeof *est, stats_cmp_double);
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

/* ---- intervals that are honest at small n -------------------------------- */

const char *stats_method_name(int method) {
    switch (method) {
        case STATS_HL_EXACT:
            return "Hodges-Lehmann estimate, exact distribution-free rank interval";
        case STATS_HL_NORMAL:
            return "Hodges-Lehmann estimate, rank interval (normal approximation)";
        case STATS_WELCH:
            return "Welch t interval";
        case STATS_PAIRED_T:
            return "paired t interval";
        case STATS_HL_SIGNED:
            return "Hodges-Lehmann estimate of paired rounds, exact Wilcoxon "
                   "signed-rank interval";
        case STATS_HL_SIGNED_NORMAL:
            return "Hodges-Lehmann estimate of paired rounds, signed-rank interval "
                   "(normal approximation)";
        default:
            return "unknown";
    }
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double beta_cf(double a, double b, double x) {
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m, aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double ibeta(double a, double b, double x) {
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2))
        return exp(lbt) * beta_cf(a, b, x) / a;
    return 1 - exp(lbt) * beta_cf(b, a, 1 - x) / b;
}

double stats_t_cdf(double t, double df) {
    if (!(df > 0) || isnan(t))
        return NAN;
    double tail = isinf(t) ? 0 : 0.5 * ibeta(df / 2, 0.5, df / (df + t * t));
    return t > 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, double df) {
    if (!(df > 0) || !(p > 0 && p < 1))
        return NAN;
    if (p < 0.5)
        return -stats_t_quantile(1 - p, df);
    double lo = 0, hi = 1;
    while (stats_t_cdf(hi, df) < p && hi < 1e12)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (stats_t_cdf(mid, df) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double stats_mw_cdf(size_t na, size_t nb, double u) {
    if (na == 0 || nb == 0 || na > MW_EXACT_MAX || nb > MW_EXACT_MAX || isnan(u))
        return NAN;
    if (u < 0)
        return 0;
    double *cnt = mw_counts(na, nb);
    if (cnt == NULL)
        return NAN;
    double total = 0, below = 0;
    for (size_t v = 0; v <= na * nb; v++) {
        total += cnt[v];
        if ((double)v <= u + 1e-9)
            below += cnt[v];
    }
    free(cnt);
    return below / total;
}

/* Largest c with P(U <= c) <= alpha/2 from the counts 'cnt'; -1 when none.
 * Sets *cdf to P(U <= c) (0 when none). */
static long mw_critical_counts(const double *cnt, size_t umax, double alpha,
                               double *cdf) {
    double total = 0, below = 0;
    for (size_t v = 0; v <= umax; v++)
        total += cnt[v];
    long c = -1;
    *cdf = 0;
    for (size_t v = 0; v <= umax / 2; v++) {
        below += cnt[v];
        /* the relative slack absorbs rounding of exact ties such as 2.5% */
        if (below / total > alpha / 2 * (1 + 1e-12))
            break;
        c = (long)v;
        *cdf = below / total;
    }
    return c;
}

int stats_mw_critical(size_t na, size_t nb, double alpha) {
    if (na == 0 || nb == 0 || na > MW_EXACT_MAX || nb > MW_EXACT_MAX || !(alpha > 0))
        return -1;
    double *cnt = mw_counts(na, nb), cdf;
    if (cnt == NULL)
        return -1;
    long c = mw_critical_counts(cnt, na * nb, alpha, &cdf);
    free(cnt);
    return (int)c;
}

double stats_normal_quantile(double p) {
    if (!(p > 0 && p < 1))
        return NAN;
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (stats_normal_cdf(mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void stats_interval_init(stats_interval *out, size_t na, size_t nb, double level,
                          int method) {
    *out = (stats_interval){.level = level,
                            .method = method,
                            .na = na,
                            .nb = nb,
                            .df = NAN,
                            .p = NAN,
                            .sd_a = NAN,
                            .sd_b = NAN};
}

/* HL on values already transformed (logs for ratios). */
static int hl_core(const double *a, size_t na, const double *b, size_t nb, double level,
                   stats_interval *out) {
    if (na == 0 || nb == 0 || !(level > 0 && level < 1))
        return -1;
    size_t n = na * nb;
    double *d = malloc(n * sizeof *d);
    if (d == NULL)
        return -1;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            d[i * nb + j] = b[j] - a[i];
    qsort(d, n, sizeof *d, stats_cmp_double);
    stats_interval_init(out, na, nb, level, STATS_HL_EXACT);
    out->est = n % 2 ? d[n / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
    double alpha = 1 - level;
    long c;
    if (na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX) {
        double *cnt = mw_counts(na, nb), cdf;
        if (cnt == NULL) {
            free(d);
            return -1;
        }
        c = mw_critical_counts(cnt, n, alpha, &cdf);
        if (c < 0) { /* too few for the level: the widest interval, the data's range */
            out->short_of_level = 1;
            double total = 0;
            for (size_t v = 0; v <= n; v++)
                total += cnt[v];
            out->coverage = 1 - 2 * cnt[0] / total;
        } else {
            out->coverage = 1 - 2 * cdf;
        }
        free(cnt);
        c = c < 0 ? 1 : c + 1; /* k = c + 1; the range (k = 1) when none qualified */
    } else {
        out->method = STATS_HL_NORMAL;
        double z = stats_normal_quantile(1 - alpha / 2);
        double sd = sqrt((double)na * (double)nb * (double)(na + nb + 1) / 12);
        c = (long)floor((double)n / 2 - z * sd) + 1;
        if (c < 1)
            c = 1;
        out->coverage = level;
    }
    /* [D(k), D(N+1-k)], 1-based */
    out->lo = d[c - 1];
    out->hi = d[n - (size_t)c];
    out->half = (out->hi - out->lo) / 2;
    double u;
    if (stats_mann_whitney(a, na, b, nb, &u, &out->p) != 0)
        out->p = NAN;
    if (na >= 2)
        out->sd_a = stats_stddev(a, na);
    if (nb >= 2)
        out->sd_b = stats_stddev(b, nb);
    free(d);
    return 0;
}

int stats_hl_shift(const double *a, size_t na, const double *b, size_t nb, double level,
                   stats_interval *out) {
    return hl_core(a, na, b, nb, level, out);
}

/* Copy of x as logs; NULL when a value is <= 0 or memory runs out. */
static double *logs_of(const double *x, size_t n) {
    double *l = malloc((n ? n : 1) * sizeof *l);
    for (size_t i = 0; l != NULL && i < n; i++) {
        if (!(x[i] > 0)) {
            free(l);
            return NULL;
        }
        l[i] = log(x[i]);
    }
    return l;
}

/* est, lo, hi from the log scale to b / a - 1 */
void stats_to_ratio(stats_interval *out) {
    out->est = expm1(out->est);
    out->lo = expm1(out->lo);
    out->hi = expm1(out->hi);
    out->half = (out->hi - out->lo) / 2;
}

/* Run 'fn' on the logs of a and b and report a ratio. */
static int on_logs(int (*fn)(const double *, size_t, const double *, size_t, double,
                             stats_interval *),
                   const double *a, size_t na, const double *b, size_t nb, double level,
                   stats_interval *out) {
    double *la = logs_of(a, na), *lb = logs_of(b, nb);
    int rc = -1;
    if (la != NULL && lb != NULL && fn(la, na, lb, nb, level, out) == 0) {
        stats_to_ratio(out);
        rc = 0;
    }
    free(la);
    free(lb);
    return rc;
}

int stats_hl_ratio(const double *a, size_t na, const double *b, size_t nb, double level,
                   stats_interval *out) {
    if (na == 0 || nb == 0)
        return -1;
    return on_logs(hl_core, a, na, b, nb, level, out);
}

/* Fill lo/hi/p of a t interval around out->est with standard error se. */
void stats_t_fill(stats_interval *out, double se, double df) {
    double alpha = 1 - out->level;
    out->df = df;
    out->coverage = out->level;
    if (!(se > 0)) {
        out->lo = out->hi = out->est;
        out->half = 0;
        out->p = out->est == 0 ? 1 : 0;
        return;
    }
    double t = stats_t_quantile(1 - alpha / 2, df);
    out->half = t * se;
    out->lo = out->est - out->half;
    out->hi = out->est + out->half;
    out->p = 2 * stats_t_cdf(-fabs(out->est / se), df);
}

int stats_welch_diff(const double *a, size_t na, const double *b, size_t nb, double level,
                     stats_interval *out) {
    if (na < 2 || nb < 2 || !(level > 0 && level < 1))
        return -1;
    stats_interval_init(out, na, nb, level, STATS_WELCH);
    out->sd_a = stats_stddev(a, na);
    out->sd_b = stats_stddev(b, nb);
    out->est = stats_mean(b, nb) - stats_mean(a, na);
    double va = out->sd_a * out->sd_a / (double)na,
           vb = out->sd_b * out->sd_b / (double)nb;
    double se = sqrt(va + vb);
    double den = va * va / (double)(na - 1) + vb * vb / (double)(nb - 1);
    double df = den > 0 ? (va + vb) * (va + vb) / den : (double)(na + nb - 2);
    stats_t_fill(out, se, df);
    return 0;
}

int stats_welch_log_ratio(const double *a, size_t na, const double *b, size_t nb,
                          double level, stats_interval *out) {
    if (na < 2 || nb < 2)
        return -1;
    return on_logs(stats_welch_diff, a, na, b, nb, level, out);
}

size_t stats_rank_min_n(double level) {
    double binom = 2; /* C(2n, n) for n = 1 */
    for (size_t n = 1; n < 64; n++) {
        if (1 - 2 / binom >= level)
            return n;
        binom = binom * (double)(2 * n + 1) * (double)(2 * n + 2) /
                ((double)(n + 1) * (double)(n + 1));
    }
    return 64;
}

long stats_trials_for_half(double sd_a, double sd_b, double half, double level) {
    if (!(sd_a >= 0) || !(sd_b >= 0) || isinf(sd_a) || isinf(sd_b) || !(half > 0) ||
        !(level > 0 && level < 1))
        return -1;
    double var = sd_a * sd_a + sd_b * sd_b;
    if (var == 0)
        return 2;
    double z = stats_normal_quantile(1 - (1 - level) / 2);
    double n0 = ceil(z * z * var / (half * half));
    if (n0 > 1e6)
        return -1;
    double q4 = sd_a * sd_a * sd_a * sd_a + sd_b * sd_b * sd_b * sd_b;
    for (long n = n0 < 2 ? 2 : (long)n0; n <= 1000000; n++) {
        double df = var * var / (q4 / (double)(n - 1));
        double h = stats_t_quantile(1 - (1 - level) / 2, df) * sqrt(var / (double)n);
        if (h <= half)
            return n;
    }
    return -1;
}

long stats_trials_to_decide(double sd_a, double sd_b, double est, double target,
                            double level) {
    double gap = fabs(est - target);
    if (!(gap > 0))
        return -1;
    /* strictly inside: the interval must not touch the target */
    return stats_trials_for_half(sd_a, sd_b, gap * (1 - 1e-9), level);
}
