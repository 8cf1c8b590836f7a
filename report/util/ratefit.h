/* ratefit: CPU against event rate, fitted over trials at several offered
 * rates and checked by leaving each rate out.
 *
 * The model (RATEFIT_SLEEP), per architecture:
 *
 *   CPU seconds per second  u = rate x c_event
 *                             + wake-ups/s x (c_wake + c_sleep x ln(sleep / 1 ms))
 *
 * Every event costs c_event of work; every wake-up of a thread costs c_wake
 * when the thread slept 1 ms before it, and c_sleep more per e-fold of a
 * longer sleep (caches, TLB and the branch predictor go cold while others run
 * on the core, and a VM's idle exit costs more after a deep idle). There is
 * no idle term: a process with no events uses CPU only when a thread wakes
 * (timers, pings, the Go runtime), and those wake-ups are counted. The
 * inputs are measured per trial, not assumed: the achieved rate, the
 * wake-ups (voluntary context switches of every thread) per event, and the
 * wake-up weighted mean of ln(each thread's interval between wake-ups /
 * 1 ms).
 *
 * RATEFIT_TWO_TERM is the model this replaces, kept as the reference a
 * check must be able to refute: u = idle + rate x (c_event + c_wake x
 * wake-ups/event), one cost per wake-up whatever the sleep before it.
 *
 * Both are linear in their three coefficients: weighted least squares with
 * t intervals. Pure functions over caller-owned arrays; nothing to free. */
#ifndef OVERHEAD_RATEFIT_H
#define OVERHEAD_RATEFIT_H

#include <stddef.h>

#define RATEFIT_P         3 /* coefficients of either form */
#define RATEFIT_MAX_RATES 16

typedef enum ratefit_form {
    RATEFIT_SLEEP = 0, /* c_event, c_wake, c_sleep */
    RATEFIT_TWO_TERM,  /* idle, c_event, c_wake */
} ratefit_form;

/* One trial: its achieved event rate (events per wall second), its CPU
 * utilisation (CPU seconds per wall second, every process), its wake-ups per
 * event (context switches of every thread / events) and log_sleep, the mean
 * over its wake-ups of ln(the waking thread's interval between wake-ups in
 * ms) (0 when there are none). 'group' names the offered rate it belongs to
 * (trials at one offered rate share a group): weights and the leave-one-out
 * check work per group. */
typedef struct ratefit_point {
    double rate;
    double util;
    double wakes;
    double log_sleep;
    int group;
} ratefit_point;

typedef struct ratefit_coef {
    double est, lo, hi, se;
} ratefit_coef;

typedef struct ratefit_model {
    ratefit_form form;
    ratefit_coef coef[RATEFIT_P];     /* in the order of ratefit_coef_name */
    double cov[RATEFIT_P][RATEFIT_P]; /* their covariance */
    double sigma2; /* residual variance of a weight-1 observation */
    double df;     /* n - p */
    double level;
    size_t n;
} ratefit_model;

/* The name of coefficient k of 'form' ("c_event", "c_wake", "c_sleep";
 * "idle", "c_event", "c_wake"); its unit is CPU s per event, per wake-up,
 * per wake-up and e-fold of sleep, or CPU s per s for idle. */
const char *ratefit_coef_name(ratefit_form form, int k);

/* The design row of one observation: x[0..2] such that u = sum beta_k x_k. */
void ratefit_design(ratefit_form form, double rate, double wakes, double log_sleep,
                    double x[RATEFIT_P]);

/* Fit 'form' to points[0..n-1] with weights w[i] > 0 (NULL: ratefit_weights,
 * inverse variance per group). Returns 0, or -1 when fewer than RATEFIT_P + 1
 * points are given, the design is singular (e.g. every trial at one rate), a
 * value is not finite, or level is not in (0, 1). */
int ratefit_fit(ratefit_form form, const ratefit_point *pts, size_t n, const double *w,
                double level, ratefit_model *out);

/* Inverse-variance weights per group from the measured spread within each
 * group (see ratefit.c: smoothed across groups as a floor plus a part
 * proportional to the mean, never below the quietest group's spread).
 * w[0..n-1] is filled; returns 0, or -1 when n == 0. */
int ratefit_weights(const ratefit_point *pts, size_t n, double *w);

/* The model's utilisation at 'rate' with 'wakes' wake-ups per event and
 * 'log_sleep', and the interval of that mean (confidence, 'trials' = 0) or
 * of the mean of 'trials' new trials with weight 'weight' (prediction). */
double ratefit_predict(const ratefit_model *m, double rate, double wakes, double log_sleep,
                       size_t trials, double weight, double *lo, double *hi);

/* Leave-one-group-out check: for each group g, fit on the other groups and
 * predict the mean utilisation of g's trials from their mean rate, wakes and
 * log_sleep; 'inside' says whether the observed mean lies in the prediction
 * interval. */
typedef struct ratefit_loo {
    int group;
    size_t trials;
    double rate, wakes, log_sleep; /* the group's means */
    double observed;               /* mean utilisation */
    double predicted, lo, hi;
    double residual; /* observed - predicted */
    int inside;      /* 1 inside the interval, 0 outside, -1 no fit */
} ratefit_loo;

/* Fills out[0..] for every group (at most RATEFIT_MAX_RATES), in order of
 * first appearance; *ngroups is their count. The weights are computed once
 * over every group (NULL w) and kept for each fit: the spread of the left-out
 * group is measured, not predicted. Returns the number of groups whose
 * observation lay inside, or -1 on bad input (n == 0, too many groups). */
int ratefit_loo_check(ratefit_form form, const ratefit_point *pts, size_t n,
                      const double *w, double level, ratefit_loo *out, size_t *ngroups);

#endif
