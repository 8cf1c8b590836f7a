/* Unit tests of runvar (the between-run component of a figure) on synthetic
 * runs with a known within-run error and a known between-run spread: no
 * component when the runs differ only by their own noise (Q's p-value is
 * about uniform, tau mostly 0), a component recovered when there is one, the
 * random-effects interval covering the truth about as often as it claims,
 * the chi-square tail against known values, and bad input. */
#include "check.h"
#include "runvar.h"

#include <math.h>
#include <stdint.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static double uniform(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void) {
    return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/* k runs of a figure whose truth is 'mu': each run's estimate moves by a
 * run effect (sd tau) and its own noise (sd se), and reports a 95% interval
 * of +-1.96 se. */
static void simulate(runvar_run *r, size_t k, double mu, double tau, double se) {
    for (size_t i = 0; i < k; i++) {
        double e = mu + tau * normal() + se * normal();
        r[i] = (runvar_run){e, e - 1.959963984540054 * se, e + 1.959963984540054 * se,
                            0.95};
    }
}

static void test_chi2(void) {
    /* P(chi2_1 >= 3.841459) = 0.05, P(chi2_4 >= 9.487729) = 0.05,
     * P(chi2_2 >= x) = exp(-x/2). */
    CHECK(fabs(runvar_chi2_sf(3.841459, 1) - 0.05) < 1e-6);
    CHECK(fabs(runvar_chi2_sf(9.487729, 4) - 0.05) < 1e-6);
    CHECK(fabs(runvar_chi2_sf(1.3, 2) - exp(-0.65)) < 1e-12);
    CHECK(fabs(runvar_chi2_sf(40, 2) - exp(-20)) < 1e-15);
    CHECK(runvar_chi2_sf(0, 3) == 1);
    CHECK(isnan(runvar_chi2_sf(-1, 3)));
    CHECK(isnan(runvar_chi2_sf(1, 0)));
    CHECK(fabs(runvar_se(-1.959963984540054, 1.959963984540054, 0.95) - 1) < 1e-9);
}

/* Without a run component: Q's p-value below 0.05 in about 5% of
 * experiments, and tau small against se. */
static void test_no_component(void) {
    runvar_run r[4];
    runvar_result f;
    int reject = 0, n = 4000;
    double tau_sum = 0;
    for (int e = 0; e < n; e++) {
        simulate(r, 4, 0.6, 0, 0.02);
        CHECK(runvar_fit(r, 4, 0.95, &f) == 0);
        reject += f.q_p < 0.05;
        tau_sum += f.tau;
    }
    double rate = (double)reject / n;
    CHECK_MSG(rate > 0.035 && rate < 0.065, "Q rejects %.3f of null experiments", rate);
    CHECK_MSG(tau_sum / n < 0.5 * 0.02, "mean tau %.4f without a component", tau_sum / n);
}

/* With a run component three times the within-run error: found in most
 * experiments, tau near the truth on average, and the random-effects
 * interval covering the truth at about its level (Hartung-Knapp). */
static void test_component(void) {
    runvar_run r[6];
    runvar_result f;
    int found = 0, cover = 0, n = 4000;
    double tau_sum = 0;
    for (int e = 0; e < n; e++) {
        simulate(r, 6, 0.6, 0.06, 0.02);
        CHECK(runvar_fit(r, 6, 0.95, &f) == 0);
        found += f.q_p < 0.05;
        cover += f.lo <= 0.6 && 0.6 <= f.hi;
        tau_sum += f.tau;
    }
    CHECK_MSG(found > 0.9 * n, "component found in %d of %d", found, n);
    CHECK_MSG(fabs(tau_sum / n - 0.06) < 0.012, "mean tau %.4f for 0.06", tau_sum / n);
    CHECK_MSG(cover > 0.93 * n && cover < 0.97 * n, "coverage %d of %d", cover, n);
    CHECK(f.share > 0 && f.share < 1);
}

/* Exactly computable case: two runs with equal errors. */
static void test_two_runs(void) {
    const double h = 0.1959963984540054;
    runvar_run r[2] = {{0.0, -h, h, 0.95}, {1.0, 1 - h, 1 + h, 0.95}};
    runvar_result f;
    CHECK(runvar_fit(r, 2, 0.95, &f) == 0);
    /* se = 0.1 each: Q = 2 * 0.5^2 / 0.01 = 50; tau^2 = (50 - 1) / (200 - 100) */
    CHECK(fabs(f.q - 50) < 1e-6);
    CHECK(fabs(f.tau - sqrt(0.49)) < 1e-6);
    CHECK(fabs(f.mean - 0.5) < 1e-9);
    CHECK(f.lo < 0 && f.hi > 1);
    CHECK(f.q_p < 1e-10);
}

static void test_bad_input(void) {
    runvar_run r[3] = {{NAN, 0, 1, 0.95}, {0.5, 0.4, 0.6, 0.95}, {0.5, 0.6, 0.4, 0.95}};
    runvar_result f;
    CHECK(runvar_fit(r, 3, 0.95, &f) == -1);
    CHECK(f.k == 1);
    CHECK(runvar_fit(r, 0, 0.95, &f) == -1);
    CHECK(isnan(runvar_se(0, 1, 1.5)));
}

int main(void) {
    test_chi2();
    test_no_component();
    test_component();
    test_two_runs();
    test_bad_input();
    return check_status();
}
