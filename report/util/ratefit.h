/* ratefit: CPU against event rate, one model with two costs.
 *
 *   CPU seconds per second  u = idle + rate x (c_event + c_wake x wakeups/event)
 *
 * fitted by weighted least squares over trials at several offered rates, with
 * the wake-ups per event of each trial measured (the kernel's context switches
 * of every process), not assumed. The three coefficients come with t
 * intervals; the model is checked by leaving each rate out in turn, fitting on
 * the others and asking whether the left-out rate's mean utilisation lies in
 * the prediction interval for that many trials.
 *
 * Pure functions over caller-owned arrays; nothing to free. */
#ifndef OVERHEAD_RATEFIT_H
#define OVERHEAD_RATEFIT_H

#include <stddef.h>

#define RATEFIT_P        3  /* idle, c_event, c_wake */
#define RATEFIT_MAX_RATES 16

/* One trial: its achieved event rate (events per wall second), its CPU
 * utilisation (CPU seconds per wall second, every process) and its wake-ups
 * per event (context switches of every process / events). 'group' names the
 * offered rate it belongs to (trials at one offered rate share a group):
 * weights and the leave-one-out check work per group. */
typedef struct ratefit_point {
    double rate;
    double util;
    double wakes;
    int group;
} ratefit_point;

typedef struct ratefit_coef {
    double est, lo, hi, se;
} ratefit_coef;

typedef struct ratefit_model {
    ratefit_coef idle;    /* CPU s/s with no events */
    ratefit_coef c_event; /* CPU s per event, beyond its wake-ups */
    ratefit_coef c_wake;  /* CPU s per wake-up */
    double cov[RATEFIT_P][RATEFIT_P]; /* covariance of (idle, c_event, c_wake) */
    double sigma2;        /* residual variance of a weight-1 observation */
    double df;            /* n - p */
    double level;
    size_t n;
} ratefit_model;

/* Fit the model to points[0..n-1] with weights w[i] > 0 (NULL: ratefit_weights
 * is used, inverse variance per group). Returns 0, or -1 when fewer than
 * RATEFIT_P + 1 points are given, the design is singular (e.g. every trial at
 * one rate, or wake-ups proportional to nothing), a value is not finite, or
 * level is not in (0, 1). */
int ratefit_fit(const ratefit_point *pts, size_t n, const double *w, double level,
                ratefit_model *out);

/* Inverse-variance weights per group: each point's weight is 1 / the sample
 * variance of utilisation within its group (groups of one point, or of zero
 * variance, take the smallest variance of any group, scaled by its rate ratio
 * squared, so that they are neither ignored nor infinitely trusted).
 * w[0..n-1] is filled; returns 0, or -1 when n == 0. */
int ratefit_weights(const ratefit_point *pts, size_t n, double *w);

/* The model's utilisation at 'rate' with 'wakes' wake-ups per event, and the
 * interval of that mean (confidence, 'm' = 0) or of the mean of 'm' new
 * trials with weight 'weight' (prediction). */
double ratefit_predict(const ratefit_model *m, double rate, double wakes, size_t trials,
                       double weight, double *lo, double *hi);

/* Leave-one-group-out check: for each group g, fit on the other groups and
 * predict the mean utilisation of g's trials from their mean rate and wakes;
 * 'inside' says whether the observed mean lies in the prediction interval. */
typedef struct ratefit_loo {
    int group;
    size_t trials;
    double rate, wakes;  /* the group's mean rate and wake-ups per event */
    double observed;     /* mean utilisation */
    double predicted, lo, hi;
    double residual;     /* observed - predicted */
    int inside;          /* 1 inside the interval, 0 outside, -1 no fit */
} ratefit_loo;

/* Fills out[0..] for every group (at most RATEFIT_MAX_RATES), in order of
 * first appearance; *ngroups is their count. Returns the number of groups
 * whose observation lay inside, or -1 on bad input (n == 0, too many
 * groups). */
int ratefit_loo_check(const ratefit_point *pts, size_t n, const double *w, double level,
                      ratefit_loo *out, size_t *ngroups);

#endif
