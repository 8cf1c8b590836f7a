/* Unit tests of the stats module against values computed independently
 * (textbook examples and direct evaluation of the formulas). */
#include "check.h"
#include "stats.h"

#include <math.h>

#define CHECK_NEAR(a, b, tol)                                                            \
    CHECK_MSG(fabs((a) - (b)) <= (tol), "%s = %.9g, expected %.9g", #a, (double)(a),     \
              (double)(b))

static void test_median_mad(void) {
    double x[] = {100, 3, 1, 4, 2};
    CHECK_NEAR(stats_median(x, 5), 3, 0);
    CHECK_NEAR(stats_median(x, 4), 3.5, 0); /* {100,3,1,4} -> (3+4)/2 */
    CHECK(isnan(stats_median(x, 0)));
    CHECK_NEAR(stats_mad(x, 5), 1.4826, 1e-12);
    CHECK_NEAR(x[0], 100, 0); /* input untouched */
    int out[5];
    CHECK_EQ_INT(stats_mad_outliers(x, 5, 3.5, out), 1);
    CHECK_EQ_INT(out[0], 1);
    CHECK_EQ_INT(out[1] + out[2] + out[3] + out[4], 0);
    double same[] = {7, 7, 7};
    CHECK_EQ_INT(stats_mad_outliers(same, 3, 3.5, out), 0);
    double y[] = {2, 4, 4, 4, 5, 5, 7, 9};
    CHECK_NEAR(stats_mean(y, 8), 5, 1e-12);
    CHECK_NEAR(stats_stddev(y, 8), sqrt(32.0 / 7), 1e-12);
    double big[1000];
    for (int i = 0; i < 1000; i++)
        big[i] = 999 - i;
    CHECK_NEAR(stats_median(big, 1000), 499.5, 0);
}

static void test_wilson(void) {
    double lo, hi;
    stats_wilson(10, 100, STATS_Z95, &lo, &hi);
    CHECK_NEAR(lo, 0.05522914, 1e-6);
    CHECK_NEAR(hi, 0.17436566, 1e-6);
    stats_wilson(0, 50, STATS_Z95, &lo, &hi);
    CHECK_NEAR(lo, 0, 0);
    CHECK(hi > 0.05 && hi < 0.08); /* 0.0714 */
    stats_wilson(0, 0, STATS_Z95, &lo, &hi);
    CHECK_NEAR(lo, 0, 0);
    CHECK_NEAR(hi, 1, 0);
}

static void test_two_prop(void) {
    double p;
    double z = stats_two_prop_z(45, 100, 56, 100, &p);
    CHECK_NEAR(z, 1.55571271, 1e-6);
    CHECK_NEAR(p, 0.11977642, 1e-6);
    z = stats_two_prop_z(56, 100, 45, 100, &p);
    CHECK_NEAR(z, -1.55571271, 1e-6);
    z = stats_two_prop_z(0, 100, 0, 100, &p);
    CHECK_NEAR(z, 0, 0);
    CHECK_NEAR(p, 1, 0);
    stats_two_prop_z(1, 0, 1, 10, &p);
    CHECK_NEAR(p, 1, 0);
}

static void test_mann_whitney(void) {
    double u, p;
    double a3[] = {1, 2, 3}, b3[] = {4, 5, 6};
    CHECK_EQ_INT(stats_mann_whitney(a3, 3, b3, 3, &u, &p), 0);
    CHECK_NEAR(u, 9, 0);
    CHECK_NEAR(p, 0.1, 1e-12); /* 2 of C(6,3)=20 arrangements are as extreme */
    double a5[] = {1, 2, 3, 4, 5}, b5[] = {6, 7, 8, 9, 10};
    CHECK_EQ_INT(stats_mann_whitney(a5, 5, b5, 5, &u, &p), 0);
    CHECK_NEAR(p, 2.0 / 252, 1e-12);
    CHECK_EQ_INT(stats_mann_whitney(b5, 5, a5, 5, &u, &p), 0);
    CHECK_NEAR(u, 0, 0);
    CHECK_NEAR(p, 2.0 / 252, 1e-12);
    /* interleaved: no evidence of a difference */
    double ai[] = {1, 3, 5, 7}, bi[] = {2, 4, 6, 8};
    stats_mann_whitney(ai, 4, bi, 4, &u, &p);
    CHECK_NEAR(u, 10, 0);
    CHECK(p > 0.5);
    /* ties: normal approximation with tie and continuity correction */
    double at[] = {1, 2, 2, 3, 4}, bt[] = {2, 3, 5, 6, 7, 8};
    CHECK_EQ_INT(stats_mann_whitney(at, 5, bt, 6, &u, &p), 0);
    CHECK_NEAR(u, 25.5, 1e-12);
    CHECK_NEAR(p, 0.06476897, 1e-6);
    CHECK_EQ_INT(stats_mann_whitney(at, 0, bt, 6, &u, &p), -1);
}

static void test_bootstrap(void) {
    double lo, hi;
    double a[] = {10, 10, 10, 10}, b[] = {11, 11, 11};
    CHECK_EQ_INT(stats_bootstrap_ratio(a, 4, b, 3, 1000, 1, 0.95, &lo, &hi), 0);
    CHECK_NEAR(lo, 0.1, 1e-12);
    CHECK_NEAR(hi, 0.1, 1e-12);
    CHECK_EQ_INT(stats_bootstrap_diff(a, 4, b, 3, 1000, 1, 0.95, &lo, &hi), 0);
    CHECK_NEAR(lo, 1, 1e-12);
    CHECK_NEAR(hi, 1, 1e-12);
    double x[] = {9.1, 10.2, 9.8, 10.5, 9.9, 10.1, 10.0, 9.7};
    double y[] = {12.0, 11.1, 11.9, 12.4, 11.5, 11.8, 12.2, 11.6};
    double lo2, hi2;
    CHECK_EQ_INT(stats_bootstrap_ratio(x, 8, y, 8, 2000, 42, 0.95, &lo, &hi), 0);
    CHECK_EQ_INT(stats_bootstrap_ratio(x, 8, y, 8, 2000, 42, 0.95, &lo2, &hi2), 0);
    CHECK_NEAR(lo, lo2, 0); /* deterministic for a seed */
    CHECK_NEAR(hi, hi2, 0);
    double point = stats_median(y, 8) / stats_median(x, 8) - 1;
    CHECK_MSG(lo <= point && point <= hi, "%g not in [%g, %g]", point, lo, hi);
    CHECK(lo > 0.1 && hi < 0.3);
    CHECK_EQ_INT(stats_bootstrap_ratio(x, 0, y, 8, 2000, 42, 0.95, &lo, &hi), -1);
    CHECK_EQ_INT(stats_bootstrap_ratio(x, 8, y, 8, 10, 42, 0.95, &lo, &hi), -1);
}

int main(void) {
    test_median_mad();
    test_wilson();
    test_two_prop();
    test_mann_whitney();
    test_bootstrap();
    return check_status();
}
