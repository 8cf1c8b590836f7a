/* stats: the small statistics the report rests on. Pure functions over
 * caller-owned arrays; nothing here allocates what the caller must free.
 *
 * Conventions: intervals are two-sided; 'z' is the normal quantile for the
 * confidence level (STATS_Z95 for 95%). Functions that cannot produce a value
 * (empty input, zero denominators) return NAN or a negative status, as each
 * comment says; none of them aborts. */
#ifndef OVERHEAD_STATS_H
#define OVERHEAD_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_Z95 1.959963984540054

/* Standard normal cumulative distribution function. */
double stats_normal_cdf(double x);

/* Median of x[0..n-1] (x is not modified). NAN when n == 0. */
double stats_median(const double *x, size_t n);

/* Median absolute deviation from the median, scaled by 1.4826 so that it
 * estimates the standard deviation of normal data. NAN when n == 0. */
double stats_mad(const double *x, size_t n);

/* Arithmetic mean and sample standard deviation (n-1). NAN when undefined. */
double stats_mean(const double *x, size_t n);
double stats_stddev(const double *x, size_t n);

/* Outliers by the MAD rule: out[i] = 1 when |x[i] - median| > k * MAD
 * (k = 3.5 is customary). When MAD is 0 no point is flagged. Returns the
 * number flagged. */
size_t stats_mad_outliers(const double *x, size_t n, double k, int *out);

/* Wilson score interval for a proportion k/n. When n <= 0, lo = 0, hi = 1. */
void stats_wilson(double k, double n, double z, double *lo, double *hi);

/* Two-proportion z-test of k1/n1 against k2/n2 with the pooled variance.
 * Returns z (positive when k2/n2 > k1/n1) and sets *p to the two-sided
 * p-value. When either n is 0 or the pooled proportion is 0 or 1, returns 0
 * and sets *p = 1. */
double stats_two_prop_z(double k1, double n1, double k2, double n2, double *p);

/* Mann-Whitney U test of samples a and b, two-sided. *u is U for b (the
 * number of pairs with b > a, ties counting 1/2). The p-value is exact
 * (full permutation distribution) when there are no ties and na, nb <= 50,
 * otherwise from the normal approximation with tie and continuity
 * correction. Returns 0, or -1 when either sample is empty. */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
                       double *p);

/* Percentile bootstrap confidence interval for median(b)/median(a) - 1,
 * resampling each group's values with replacement 'iters' times from a
 * deterministic generator seeded with 'seed' (so reports are reproducible).
 * Returns 0 and sets *lo, *hi; -1 when a group is empty or 'iters' < 100. */
int stats_bootstrap_ratio(const double *a, size_t na, const double *b, size_t nb,
                          unsigned iters, uint64_t seed, double level, double *lo,
                          double *hi);

/* Like stats_bootstrap_ratio for median(b) - median(a). */
int stats_bootstrap_diff(const double *a, size_t na, const double *b, size_t nb,
                         unsigned iters, uint64_t seed, double level, double *lo,
                         double *hi);

#endif
