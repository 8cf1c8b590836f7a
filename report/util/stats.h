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

/* Standard normal cumulative distribution function, and its quantile
 * (by bisection; 0 < p < 1, NAN otherwise). */
double stats_normal_cdf(double x);
double stats_normal_quantile(double p);

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

/* ---- intervals that are honest at small n --------------------------------
 *
 * Every interval below comes with the confidence it actually achieves. Rank
 * intervals are exact and distribution-free (continuous data), but with few
 * trials only a few levels are possible: 3 + 3 trials give at most 90%
 * (the range of the data), 4 + 4 give 97.1%. When the level asked for cannot
 * be reached, the widest interval is returned with short_of_level = 1 and its
 * real coverage. The t intervals assume normal (log) values; their coverage is
 * nominal. */

enum stats_method {
    STATS_HL_EXACT = 1, /* Hodges-Lehmann, interval from the exact Mann-Whitney null */
    STATS_HL_NORMAL,    /* Hodges-Lehmann, interval index from the normal approximation */
    STATS_WELCH,        /* Welch t interval (Satterthwaite df) */
    STATS_PAIRED_T,     /* one-sample t interval of paired differences */
    STATS_HL_SIGNED,    /* paired: Hodges-Lehmann (median of Walsh averages),
                           interval from the exact Wilcoxon signed-rank null */
    STATS_HL_SIGNED_NORMAL /* the same, interval index from the normal
                              approximation (more than STATS_WSR_EXACT_MAX pairs) */
};

/* Pairs up to which the signed-rank null distribution is computed exactly. */
#define STATS_WSR_EXACT_MAX 400

typedef struct stats_interval {
    double est;         /* point estimate */
    double lo, hi;      /* the interval */
    double half;        /* (hi - lo) / 2 */
    double level;       /* the confidence asked for */
    double coverage;    /* the confidence achieved (exact for rank methods) */
    double p;           /* two-sided p-value of "no difference" */
    double df;          /* degrees of freedom (t methods), else NAN */
    double sd_a, sd_b;  /* per-trial standard deviations (of logs for ratios) */
    int method;         /* enum stats_method */
    int short_of_level; /* 1 when coverage < level: too few trials */
    size_t na, nb;
} stats_interval;

/* Name of a method for reports: "Hodges-Lehmann, exact rank interval", ... */
const char *stats_method_name(int method);

/* Student t distribution: P(T <= t) with 'df' degrees of freedom (df > 0,
 * need not be an integer), and its quantile for 0 < p < 1. NAN otherwise. */
double stats_t_cdf(double t, double df);
double stats_t_quantile(double p, double df);

/* Exact null distribution of the Mann-Whitney U (no ties): P(U <= u) for
 * samples of na and nb (both 1..50). NAN when out of range. */
double stats_mw_cdf(size_t na, size_t nb, double u);

/* The two-sided critical value of U at level 'alpha' as printed in tables:
 * the largest c with P(U <= c) <= alpha / 2. -1 when no value qualifies (the
 * samples are too small to reach that level) or na, nb are out of range. */
int stats_mw_critical(size_t na, size_t nb, double alpha);

/* Hodges-Lehmann estimate of the shift b - a (median of the na * nb pairwise
 * differences b[j] - a[i]) with the distribution-free interval
 * [D(k), D(N+1-k)], k = critical value + 1, coverage 1 - 2 P(U <= k - 1)
 * (Hollander & Wolfe, ch. 4). Exact for na, nb <= 50, normal approximation
 * beyond. *out->p is the Mann-Whitney p-value. Returns 0, or -1 when a sample
 * is empty, level is not in (0, 1) or memory runs out. */
int stats_hl_shift(const double *a, size_t na, const double *b, size_t nb, double level,
                   stats_interval *out);

/* The same on log values, reported as a ratio: est, lo and hi are
 * b / a - 1 (so 0.2 means b is 20% above a). -1 also when a value is <= 0. */
int stats_hl_ratio(const double *a, size_t na, const double *b, size_t nb, double level,
                   stats_interval *out);

/* Welch t interval of mean(b) - mean(a); p from the t distribution.
 * -1 when a sample has fewer than 2 values. */
int stats_welch_diff(const double *a, size_t na, const double *b, size_t nb, double level,
                     stats_interval *out);

/* Welch on log values, reported as exp(mean log b - mean log a) - 1. */
int stats_welch_log_ratio(const double *a, size_t na, const double *b, size_t nb,
                          double level, stats_interval *out);

/* t interval of the mean of paired differences d[0..n-1] (na = nb = n).
 * -1 when n < 2. */
int stats_paired_t(const double *d, size_t n, double level, stats_interval *out);

/* ---- paired comparisons -------------------------------------------------
 *
 * Two arms measured once per round: d[i] is the round's difference b - a
 * (or log b - log a). A drifting machine moves both arms of a round
 * together, so the paired values cancel what the rounds share. */

/* Exact null distribution of the Wilcoxon signed-rank statistic W+ (sum of
 * the ranks of the positive differences, no ties or zeros) for n pairs:
 * P(W+ <= w). NAN when n is 0 or above STATS_WSR_EXACT_MAX. */
double stats_wsr_cdf(size_t n, double w);

/* Hodges-Lehmann estimate of the paired shift: the median of the n(n+1)/2
 * Walsh averages (d[i] + d[j]) / 2, i <= j, with the distribution-free
 * interval [A(k), A(M+1-k)], k = c + 1 where c is the largest value with
 * P(W+ <= c) <= (1 - level) / 2, coverage 1 - 2 P(W+ <= c) (Hollander &
 * Wolfe, ch. 3). Too few pairs for the level (n < 6 for 95%): the widest
 * interval (the range of the Walsh averages) with short_of_level = 1 and
 * its real coverage. p: the two-sided exact signed-rank p-value (zeros
 * dropped, ties given midranks; normal approximation above the exact limit).
 * na = nb = n; sd_a = sd_b = the SD of d. Returns 0, or -1 when n == 0,
 * level is not in (0, 1) or memory runs out. */
int stats_hl_paired(const double *d, size_t n, double level, stats_interval *out);

/* The same on per-round log ratios log(b[i] / a[i]), reported as a ratio
 * (est, lo, hi are b / a - 1). -1 also when a value is <= 0. */
int stats_hl_paired_ratio(const double *a, const double *b, size_t n, double level,
                          stats_interval *out);

/* Paired t interval on the log ratios, reported as a ratio. */
int stats_paired_t_ratio(const double *a, const double *b, size_t n, double level,
                         stats_interval *out);

/* Pairs (rounds) at which a paired interval with per-round SD 'sd' of the
 * paired values has an expected half-width <= 'half' (t quantile with the
 * new df). At least 2; -1 when an input is not finite and positive or more
 * than 1,000,000 would be needed. */
long stats_pairs_for_half(double sd, double half, double level);

/* The smallest equal number of trials per side for which an exact rank
 * interval can reach 'level' at all (4 for 95%, 5 for 99%). */
size_t stats_rank_min_n(double level);

/* Trials per side (equal) at which a Welch interval of b - a, with per-trial
 * standard deviations sd_a and sd_b, has an expected half-width <= 'half'.
 * At least 2. -1 when an input is not finite and positive or more than
 * 1,000,000 would be needed. */
long stats_trials_for_half(double sd_a, double sd_b, double half, double level);

/* Trials per side at which that interval would exclude 'target' if the
 * estimate stayed at 'est' (half-width < |est - target|). -1 when est ==
 * target (no number of trials decides) or as stats_trials_for_half. */
long stats_trials_to_decide(double sd_a, double sd_b, double est, double target,
                            double level);

#endif
