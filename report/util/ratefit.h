/* ratefit: CPU against event rate, fitted over trials at several offered
 * rates and checked by leaving each rate out.
 *
 * The model (RATEFIT_SLEEP), per architecture:
 *
 *   CPU seconds per second  u = rate x c_event
 *                             + wake-ups/s x (c_wake + c_sleep x max(0, ln(sleep / 1 ms)))
 *
 * Every event costs c_event of work; every wake-up of a thread costs c_wake
 * after a sleep of up to 1 ms, and c_sleep more per e-fold of sleep beyond
 * 1 ms (what ran on the core meanwhile leaves caches, TLB and the branch
 * predictor cold, and a VM's idle exit costs more after a deep idle). The
 * 1 ms knee is not fitted: a quiet-machine measurement found the cost of a
 * wake-up flat (13-16 us) for sleeps up to about 1 ms and rising with the
 * log of longer ones (about 143 us after 100 ms). There is no idle term: a
 * process with no events uses CPU only when a thread wakes (timers, pings,
 * the Go runtime), and those wake-ups are counted. The inputs are measured
 * per trial, not assumed: the achieved rate, the wake-ups (voluntary context
 * switches of every thread) per event, and the wake-up weighted mean of
 * max(0, ln(each thread's interval between wake-ups / 1 ms)).
 *
 * RATEFIT_TWO_TERM is the model this replaces, kept as the reference a
 * check must be able to refute: u = idle + rate x (c_event + c_wake x
 * wake-ups/event), one cost per wake-up whatever the sleep before it.
 *
 * Both are linear in their three coefficients. The unit of the fit is a
 * rate, not a trial: the trials at one offered rate run together, so they
 * share the machine's state of that moment, and the rates' means scatter
 * about any model more than the spread within a rate says (on the three
 * runs measured on 2026-12-03, 3% to 23% of the value beyond it). So each
 * rate's mean is one point, with the variance its trials' spread gives
 * (ratefit_weights) plus a share proportional to its square, estimated from
 * the rates' scatter about the fit (Paule-Mandel), with t intervals on the
 * rates' degrees of freedom. Pure functions over caller-owned arrays;
 * nothing to free. */
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
 * event (context switches of every thread / events) and sleep_excess, the
 * mean over its wake-ups of max(0, ln(the waking thread's interval between
 * wake-ups / 1 ms)) (0 when there are none). 'group' names the offered rate
 * it belongs to (trials at one offered rate share a group): the fit, the
 * weights and the leave-one-out check work per group. */
typedef struct ratefit_point {
    double rate;
    double util;
    double wakes;
    double sleep_excess;
    int group;
} ratefit_point;

typedef struct ratefit_coef {
    double est, lo, hi, se;
} ratefit_coef;

typedef struct ratefit_model {
    ratefit_form form;
    ratefit_coef coef[RATEFIT_P];     /* in the order of ratefit_coef_name */
    double cov[RATEFIT_P][RATEFIT_P]; /* their covariance */
    /* The variance of a rate's mean is 1 / (the sum of its trials' weights)
     * + tau2 x its square: tau2 is the relative variance the machine's state
     * while a rate ran adds to all its trials (0: the rates' means scatter
     * no more than their trials' spread says). */
    double tau2;
    double df;     /* groups - p */
    double level;
    size_t n;      /* trials */
    size_t groups; /* rates */
} ratefit_model;

/* The name of coefficient k of 'form' ("c_event", "c_wake", "c_sleep";
 * "idle", "c_event", "c_wake"); its unit is CPU s per event, per wake-up,
 * per wake-up and e-fold of sleep, or CPU s per s for idle. */
const char *ratefit_coef_name(ratefit_form form, int k);

/* The design row of one observation: x[0..2] such that u = sum beta_k x_k. */
void ratefit_design(ratefit_form form, double rate, double wakes, double sleep_excess,
                    double x[RATEFIT_P]);

/* A thread's share of sleep_excess: max(0, ln(sleep_s / 1 ms)); 0 for a
 * sleep that is not positive. */
double ratefit_excess(double sleep_s);

/* Fit 'form' to points[0..n-1] with weights w[i] > 0 (NULL: ratefit_weights,
 * inverse variance per group): each group's mean utilisation against the
 * mean of its trials' design rows, weighted by the sum of its trials'
 * weights. Returns 0, or -1 when fewer than RATEFIT_P + 1 groups are given,
 * the design is singular (e.g. two rates with the same wake-ups), a value is
 * not finite, or level is not in (0, 1). */
int ratefit_fit(ratefit_form form, const ratefit_point *pts, size_t n, const double *w,
                double level, ratefit_model *out);

/* Inverse-variance weights per group from the measured spread within each
 * group (see ratefit.c: smoothed across groups as a floor plus a part
 * proportional to the mean, never below the quietest group's spread).
 * w[0..n-1] is filled; returns 0, or -1 when n == 0. */
int ratefit_weights(const ratefit_point *pts, size_t n, double *w);

/* The model's utilisation at 'rate' with 'wakes' wake-ups per event and
 * 'sleep_excess', and the interval of that mean (confidence, 'trials' = 0)
 * or of the mean of 'trials' new trials with weight 'weight' at a new rate
 * (prediction: the rates' scatter included). */
double ratefit_predict(const ratefit_model *m, double rate, double wakes,
                       double sleep_excess, size_t trials, double weight, double *lo,
                       double *hi);

/* Leave-one-group-out check: for each group g, fit on the other groups and
 * predict the mean utilisation of g's trials from their mean design row;
 * 'inside' says whether the observed mean lies in the prediction interval. */
typedef struct ratefit_loo {
    int group;
    size_t trials;
    double rate, wakes, sleep_excess; /* the group's means */
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

/* How far the left-out predictions of loo[0..n-1] miss, in relative terms:
 * the root mean square of (observed - predicted) / observed over the groups
 * that had a fit; NAN when none had. A model whose intervals are wide
 * because it fits badly puts the left-out rates inside them as often as a
 * good one (its scale is estimated from its own misfit): this says which
 * one predicts. */
double ratefit_loo_rms(const ratefit_loo *loo, size_t n);

#endif
