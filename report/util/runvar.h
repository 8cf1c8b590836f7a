/* runvar: how much a figure moves from one run to the next on one host,
 * beyond what each run's own interval allows.
 *
 * Each run of the report gives an estimate with an interval computed from
 * that run's rounds; the interval covers the noise between rounds, not what
 * a whole run shares (the host's state over minutes: placement, frequency,
 * neighbours). Given k runs of the same plan, the between-run component is
 * estimated as in a random-effects meta-analysis (DerSimonian and Laird,
 * 1986): with each run's standard error s_i from its interval and weights
 * w_i = 1/s_i^2, Cochran's Q = sum w_i (y_i - ybar_w)^2 tests "no component"
 * (chi-square with k-1 degrees of freedom) and
 *
 *     tau^2 = max(0, (Q - (k-1)) / (sum w - sum w^2 / sum w)).
 *
 * The runs' common level is the random-effects mean (weights 1/(s_i^2 +
 * tau^2)) with a Hartung-Knapp t interval on k-1 degrees of freedom. A
 * single run's interval that also covers the run-to-run part has the
 * half-width z * sqrt(s^2 + tau^2).
 *
 * Work on the scale where the intervals are symmetric (the report uses log
 * ratios for the overhead). Pure functions; nothing to free. */
#ifndef OVERHEAD_RUNVAR_H
#define OVERHEAD_RUNVAR_H

#include <stddef.h>

#define RUNVAR_MAX_RUNS 64

/* One run's figure: the estimate and the interval [lo, hi] at the given
 * two-sided coverage (0.95 for 95%). */
typedef struct runvar_run {
    double est, lo, hi, coverage;
} runvar_run;

typedef struct runvar_result {
    size_t k;         /* runs used */
    double q;         /* Cochran's Q */
    double q_p;       /* P(chi2_{k-1} >= Q): small when the runs disagree */
    double tau;       /* between-run standard deviation (>= 0) */
    double se_median; /* the median of the runs' own standard errors */
    double share;     /* tau^2 / (tau^2 + se_median^2): the between-run
                         part of a single run's variance */
    double mean;      /* random-effects mean */
    double lo, hi;    /* its Hartung-Knapp interval at 'level' */
    double level;
} runvar_result;

/* Fit runs[0..k) (k >= 2, each with a finite estimate and lo < est-ish < hi
 * and 0 < coverage < 1). Returns 0, or -1 when fewer than two runs are
 * usable (out->k says how many were). Runs without a finite interval are
 * skipped. */
int runvar_fit(const runvar_run *runs, size_t k, double level, runvar_result *out);

/* The standard error a two-sided interval of width hi - lo at 'coverage'
 * implies under normality; NAN when undefined. */
double runvar_se(double lo, double hi, double coverage);

/* Upper tail of the chi-square distribution with 'df' degrees of freedom:
 * P(X >= x). NAN for df <= 0 or x < 0. */
double runvar_chi2_sf(double x, double df);

#endif
