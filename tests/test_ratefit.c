/* Unit tests of ratefit (the CPU-against-rate model) on synthetic trials
 * with known coefficients: the fit recovers them within its intervals, its
 * intervals cover the truth about as often as they claim, the leave-one-rate-
 * out check passes a true model and fails a wrong one. */
#include "check.h"
#include "ratefit.h"

#include <math.h>
#include <stdint.h>

static uint64_t rng_state;

static double uniform(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void) {
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/* The truth: 0.05% of a core idle, 10 us per event, 30 us per wake-up. */
#define IDLE   0.0005
#define CEVENT 10e-6
#define CWAKE  30e-6

static const double rates[] = {10, 100, 1000, 10000, 30000};
#define NRATES 5
#define PER    5

/* Wake-ups per event fall with the rate (a busy thread does not sleep). */
static double wakes_at(double rate) {
    return 0.5 + 3.5 / (1 + rate / 500);
}

/* Fill pts with PER trials per rate. 'curve' adds a term the model lacks. */
static size_t simulate(ratefit_point *pts, double curve) {
    size_t n = 0;
    for (int g = 0; g < NRATES; g++)
        for (int k = 0; k < PER; k++) {
            double r = rates[g] * (1 + 0.01 * normal());
            double w = wakes_at(rates[g]) * (1 + 0.05 * normal());
            double u = IDLE + r * (CEVENT + CWAKE * w) + curve * r * r;
            u += (0.02 * u + 0.0001) * normal();
            pts[n++] = (ratefit_point){r, u, w, g};
        }
    return n;
}

static int covers(const ratefit_coef *c, double truth) {
    return c->lo <= truth && truth <= c->hi;
}

/* One data set, 99% intervals (a 95% one misses 1 time in 20 by design). */
static void test_recovers_known_coefficients(void) {
    ratefit_point pts[NRATES * PER];
    rng_state = 0x9e3779b97f4a7c15u;
    size_t n = simulate(pts, 0);
    ratefit_model m;
    CHECK_EQ_INT(ratefit_fit(pts, n, NULL, 0.99, &m), 0);
    CHECK_MSG(covers(&m.idle, IDLE), "idle %g [%g, %g]", m.idle.est, m.idle.lo, m.idle.hi);
    CHECK_MSG(covers(&m.c_event, CEVENT), "c_event %g [%g, %g]", m.c_event.est,
              m.c_event.lo, m.c_event.hi);
    CHECK_MSG(covers(&m.c_wake, CWAKE), "c_wake %g [%g, %g]", m.c_wake.est, m.c_wake.lo,
              m.c_wake.hi);
    /* Not vacuous: the intervals are tight enough to tell the terms apart. */
    CHECK(m.c_event.hi < CWAKE && m.c_wake.lo > CEVENT);
    CHECK_EQ_INT((long long)m.n, NRATES * PER);
    CHECK(fabs(m.df - (NRATES * PER - 3)) < 1e-12);
    double lo, hi;
    double u = ratefit_predict(&m, 100, wakes_at(100), 0, 0, &lo, &hi);
    double truth = IDLE + 100 * (CEVENT + CWAKE * wakes_at(100));
    CHECK_MSG(lo <= truth && truth <= hi, "u(100) %g [%g, %g] truth %g", u, lo, hi, truth);
}

/* Over many replications each coefficient's 95% interval covers its truth
 * between 90% and 99% of the time (binomial sd at 400 runs: 1.1 points). */
static void test_coverage(void) {
    int cov[3] = {0, 0, 0}, runs = 400, fits = 0;
    ratefit_point pts[NRATES * PER];
    rng_state = 12345;
    for (int i = 0; i < runs; i++) {
        size_t n = simulate(pts, 0);
        ratefit_model m;
        if (ratefit_fit(pts, n, NULL, 0.95, &m) != 0)
            continue;
        fits++;
        cov[0] += covers(&m.idle, IDLE);
        cov[1] += covers(&m.c_event, CEVENT);
        cov[2] += covers(&m.c_wake, CWAKE);
    }
    CHECK_EQ_INT(fits, runs);
    for (int k = 0; k < 3; k++)
        CHECK_MSG(cov[k] >= 0.90 * runs && cov[k] <= 0.99 * runs, "coef %d covered %d/%d",
                  k, cov[k], runs);
}

/* Leave one rate out: the true model predicts at least 4 of 5 left-out
 * rates in most replications; a model missing a real term does not. */
static void test_leave_one_out(void) {
    ratefit_point pts[NRATES * PER];
    ratefit_loo loo[RATEFIT_MAX_RATES];
    size_t ng;
    int good = 0, bad = 0, runs = 100;
    rng_state = 777;
    for (int i = 0; i < runs; i++) {
        size_t n = simulate(pts, 0);
        int in = ratefit_loo_check(pts, n, NULL, 0.95, loo, &ng);
        CHECK_EQ_INT((long long)ng, NRATES);
        good += in >= 4;
        n = simulate(pts, 1e-10); /* +9% of a core at 30,000/s, none at 10/s */
        in = ratefit_loo_check(pts, n, NULL, 0.95, loo, &ng);
        bad += in >= 4;
    }
    CHECK_MSG(good >= 0.8 * runs, "true model passed %d/%d", good, runs);
    CHECK_MSG(bad <= 0.5 * runs, "wrong model passed %d/%d", bad, runs);
    /* The fields of one check. */
    rng_state = 99;
    size_t n = simulate(pts, 0);
    ratefit_loo_check(pts, n, NULL, 0.95, loo, &ng);
    CHECK_EQ_INT(loo[0].group, 0);
    CHECK_EQ_INT((long long)loo[0].trials, PER);
    CHECK(fabs(loo[2].rate - 1000) < 20);
    CHECK(fabs(loo[2].residual - (loo[2].observed - loo[2].predicted)) < 1e-15);
    CHECK(loo[2].lo < loo[2].predicted && loo[2].predicted < loo[2].hi);
}

static void test_bad_input(void) {
    ratefit_point pts[8];
    ratefit_model m;
    for (int i = 0; i < 8; i++)
        pts[i] = (ratefit_point){100, 0.01 + 0.001 * i, 2, 0};
    /* Every trial at one rate: c_event and c_wake cannot be told apart. */
    CHECK_EQ_INT(ratefit_fit(pts, 8, NULL, 0.95, &m), -1);
    CHECK_EQ_INT(ratefit_fit(pts, 3, NULL, 0.95, &m), -1);
    for (int i = 0; i < 8; i++)
        pts[i] = (ratefit_point){10.0 * (i + 1), 0.01 * (i + 1), 1 + 0.1 * (i % 3), i % 4};
    CHECK_EQ_INT(ratefit_fit(pts, 8, NULL, 0.95, &m), 0);
    CHECK_EQ_INT(ratefit_fit(pts, 8, NULL, 1.5, &m), -1);
    pts[3].util = NAN;
    CHECK_EQ_INT(ratefit_fit(pts, 8, NULL, 0.95, &m), -1);
    size_t ng = 99;
    ratefit_loo loo[RATEFIT_MAX_RATES];
    CHECK_EQ_INT(ratefit_loo_check(pts, 0, NULL, 0.95, loo, &ng), -1);
    CHECK_EQ_INT((long long)ng, 0);
}

int main(void) {
    test_recovers_known_coefficients();
    test_coverage();
    test_leave_one_out();
    test_bad_input();
    return check_status();
}
