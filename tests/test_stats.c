/* Unit tests of the stats module against values computed independently
 * (textbook examples and direct evaluation of the formulas). */
#include "check.h"
#include "stats.h"

#include <math.h>
#include <stdint.h>

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

/* Student t quantiles against the printed table (two-tailed 0.05 column of
 * any t table, e.g. Fisher & Yates, Statistical Tables, Table III). */
static void test_t_dist(void) {
    static const double df[] = {1, 2, 4, 8, 10, 30};
    static const double t975[] = {12.706, 4.303, 2.776, 2.306, 2.228, 2.042};
    for (size_t i = 0; i < sizeof df / sizeof df[0]; i++) {
        CHECK_NEAR(stats_t_quantile(0.975, df[i]), t975[i], 1e-3);
        CHECK_NEAR(stats_t_cdf(t975[i], df[i]), 0.975, 2e-4);
        CHECK_NEAR(stats_t_quantile(0.025, df[i]), -t975[i], 1e-3);
    }
    CHECK_NEAR(stats_t_cdf(0, 3), 0.5, 1e-12);
    CHECK_NEAR(stats_t_cdf(1, 1), 0.75, 1e-9); /* Cauchy: 1/2 + atan(1)/pi */
    CHECK(isnan(stats_t_cdf(1, 0)));
    CHECK(isnan(stats_t_quantile(1, 5)));
}

/* Critical values of U, two-tailed, as printed in the standard table (e.g.
 * Siegel & Castellan, Nonparametric Statistics for the Behavioral Sciences,
 * 2nd ed., 1988, Table J; Zar, Biostatistical Analysis, Table B.11):
 * reject H0 when U <= the value. "-" (no value) is -1. */
static void test_mw_critical(void) {
    static const struct {
        int na, nb, c05, c01;
    } tab[] = {
        {3, 3, -1, -1},   {3, 5, 0, -1},    {3, 6, 1, -1},    {3, 8, 2, -1},
        {4, 4, 0, -1},    {4, 5, 1, -1},    {4, 6, 2, 0},     {4, 8, 4, 1},
        {5, 5, 2, 0},     {5, 6, 3, 1},     {5, 8, 6, 2},     {5, 10, 8, 4},
        {6, 6, 5, 2},     {7, 7, 8, 4},     {8, 8, 13, 7},    {9, 9, 17, 11},
        {10, 10, 23, 16}, {12, 12, 37, 27}, {15, 15, 64, 51}, {20, 20, 127, 105},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        int c05 = stats_mw_critical((size_t)tab[i].na, (size_t)tab[i].nb, 0.05);
        int c01 = stats_mw_critical((size_t)tab[i].na, (size_t)tab[i].nb, 0.01);
        CHECK_MSG(c05 == tab[i].c05 && c01 == tab[i].c01,
                  "n = %d, %d: critical U %d, %d; the table says %d, %d", tab[i].na,
                  tab[i].nb, c05, c01, tab[i].c05, tab[i].c01);
        /* symmetric in the two samples */
        CHECK_EQ_INT(stats_mw_critical((size_t)tab[i].nb, (size_t)tab[i].na, 0.05), c05);
    }
    /* P(U <= u) for 3 + 3: 1, 1, 2, 3, 3, 3, 3, 2, 1, 1 of 20 arrangements */
    CHECK_NEAR(stats_mw_cdf(3, 3, 0), 1.0 / 20, 1e-12);
    CHECK_NEAR(stats_mw_cdf(3, 3, 2), 4.0 / 20, 1e-12);
    CHECK_NEAR(stats_mw_cdf(3, 3, 9), 1, 1e-12);
    CHECK_NEAR(stats_mw_cdf(5, 5, 2), 4.0 / 252, 1e-12);
    CHECK(isnan(stats_mw_cdf(0, 3, 1)));
}

/* Hodges-Lehmann: the permeability data of Hollander & Wolfe, Nonparametric
 * Statistical Methods (1973), p. 69 (the example of R's ?wilcox.test:
 * W = 35, one-sided exact p = 0.1272, difference in location 0.305). With
 * 10 + 5 the critical U is 8 (table above), so the 95% interval is
 * [D(9), D(42)] of the 50 ordered differences. */
static void test_hodges_lehmann(void) {
    double x[] = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
    double y[] = {1.15, 0.88, 0.90, 0.74, 1.21};
    stats_interval iv;
    CHECK_EQ_INT(stats_hl_shift(y, 5, x, 10, 0.95, &iv), 0); /* x - y */
    CHECK_EQ_INT(iv.method, STATS_HL_EXACT);
    CHECK_NEAR(iv.est, 0.305, 1e-9);
    CHECK_NEAR(iv.lo, -0.15, 1e-9);
    CHECK_NEAR(iv.hi, 0.76, 1e-9);
    CHECK_NEAR(iv.p, 2 * 0.1272, 1e-4);
    CHECK_NEAR(iv.coverage, 1 - 2 * stats_mw_cdf(5, 10, 8), 1e-12);
    CHECK(iv.coverage >= 0.95 && iv.coverage < 0.97);
    CHECK_EQ_INT(iv.short_of_level, 0);

    /* 3 + 3: no 95% interval exists; the range of the 9 differences, 90% */
    double a3[] = {10, 11, 12}, b3[] = {13, 15, 14};
    CHECK_EQ_INT(stats_hl_shift(a3, 3, b3, 3, 0.95, &iv), 0);
    CHECK_EQ_INT(iv.short_of_level, 1);
    CHECK_NEAR(iv.coverage, 0.9, 1e-12);
    CHECK_NEAR(iv.lo, 1, 0);
    CHECK_NEAR(iv.hi, 5, 0);
    CHECK_NEAR(iv.est, 3, 0);
    /* 4 + 4 reaches 95%: 1 - 2/70 */
    double a4[] = {10, 11, 12, 13}, b4[] = {14, 16, 15, 17.5};
    CHECK_EQ_INT(stats_hl_shift(a4, 4, b4, 4, 0.95, &iv), 0);
    CHECK_EQ_INT(iv.short_of_level, 0);
    CHECK_NEAR(iv.coverage, 1 - 2.0 / 70, 1e-12);
    CHECK_NEAR(iv.lo, 1, 0);
    CHECK_NEAR(iv.hi, 7.5, 0);
    /* 5 + 5: [D(3), D(23)], 1 - 8/252 = 96.8% */
    double a5[] = {1, 2, 3, 4, 5}, b5[] = {11, 12, 13, 14, 15};
    CHECK_EQ_INT(stats_hl_shift(a5, 5, b5, 5, 0.95, &iv), 0);
    CHECK_NEAR(iv.coverage, 1 - 8.0 / 252, 1e-12);
    CHECK_NEAR(iv.lo, 7, 0); /* differences 6,7,7,8,8,8,... */
    CHECK_NEAR(iv.hi, 13, 0);
    CHECK_NEAR(iv.est, 10, 0);

    /* ratio on logs: b = 1.2 a exactly -> 20%, and the interval holds it */
    double ra[] = {10, 10.1, 9.9, 10.05, 9.95}, rb[5];
    for (int i = 0; i < 5; i++)
        rb[i] = 1.2 * ra[(i + 2) % 5];
    CHECK_EQ_INT(stats_hl_ratio(ra, 5, rb, 5, 0.95, &iv), 0);
    CHECK_NEAR(iv.est, 0.2, 1e-12);
    CHECK(iv.lo < 0.2 && iv.hi > 0.2 && iv.lo > 0.15 && iv.hi < 0.25);
    double bad[] = {1, 0, 2};
    CHECK_EQ_INT(stats_hl_ratio(bad, 3, rb, 5, 0.95, &iv), -1);
    CHECK_EQ_INT(stats_hl_shift(a5, 0, b5, 5, 0.95, &iv), -1);
    CHECK_EQ_INT(stats_hl_shift(a5, 5, b5, 5, 1.0, &iv), -1);
}

/* Welch and paired t against hand evaluation with the t table. */
static void test_t_intervals(void) {
    stats_interval iv;
    double a[] = {1, 2, 3, 4, 5}, b[] = {3, 4, 5, 6, 7};
    CHECK_EQ_INT(stats_welch_diff(a, 5, b, 5, 0.95, &iv), 0);
    CHECK_NEAR(iv.est, 2, 1e-12);
    CHECK_NEAR(iv.df, 8, 1e-9);       /* equal variances: 2n - 2 */
    CHECK_NEAR(iv.half, 2.306, 1e-3); /* t(0.975, 8) x se 1 */
    CHECK_NEAR(iv.p, 0.0805, 1e-4);   /* 2 P(T8 > 2) */
    CHECK_NEAR(iv.coverage, 0.95, 0);
    double c[] = {10, 12, 14}, d[] = {0, 1, 2, 3, 4, 5, 6};
    CHECK_EQ_INT(stats_welch_diff(c, 3, d, 7, 0.95, &iv), 0);
    /* va = 4/3, vb = (28/6)/7 = 2/3; df = 4 / ((16/9)/2 + (4/9)/6) = 4.154 */
    CHECK_NEAR(iv.df, 4.0 / (16.0 / 18 + 4.0 / 54), 1e-9);
    CHECK_NEAR(iv.est, -9, 1e-12);
    CHECK_EQ_INT(stats_welch_diff(c, 1, d, 7, 0.95, &iv), -1);
    double la[] = {10, 11, 12}, lb[] = {12, 13.2, 14.4};
    CHECK_EQ_INT(stats_welch_log_ratio(la, 3, lb, 3, 0.95, &iv), 0);
    CHECK_NEAR(iv.est, 0.2, 1e-12);
    CHECK(iv.lo < 0.2 && iv.hi > 0.2 && iv.half > 0.1 && iv.half < 0.5);
    double pd[] = {1, 2, 3, 4, 5};
    CHECK_EQ_INT(stats_paired_t(pd, 5, 0.95, &iv), 0);
    CHECK_NEAR(iv.est, 3, 1e-12);
    CHECK_NEAR(iv.half, 2.776 * sqrt(2.5 / 5), 2e-3);
    CHECK_EQ_INT(stats_paired_t(pd, 1, 0.95, &iv), -1);
}

static void test_trials_needed(void) {
    CHECK_EQ_INT(stats_rank_min_n(0.95), 4); /* 3 + 3: 90%; 4 + 4: 97.1% */
    CHECK_EQ_INT(stats_rank_min_n(0.90), 3);
    CHECK_EQ_INT(stats_rank_min_n(0.99), 5);
    long n = stats_trials_for_half(1, 1, 1, 0.95);
    CHECK_EQ_INT(n, 9);
    /* the contract: n is enough, n - 1 is not */
    for (double half = 0.05; half < 2; half *= 1.7) {
        long k = stats_trials_for_half(0.3, 0.5, half, 0.95);
        CHECK(k >= 2);
        double var = 0.09 + 0.25, q4 = 0.0081 + 0.0625;
        double hk = stats_t_quantile(0.975, var * var / (q4 / (double)(k - 1))) *
                    sqrt(var / (double)k);
        CHECK_MSG(hk <= half, "half %g: %ld trials give %g", half, k, hk);
        if (k > 2) {
            double hk1 = stats_t_quantile(0.975, var * var / (q4 / (double)(k - 2))) *
                         sqrt(var / (double)(k - 1));
            CHECK_MSG(hk1 > half, "half %g: %ld - 1 trials already give %g", half, k,
                      hk1);
        }
    }
    CHECK_EQ_INT(stats_trials_for_half(0, 0, 1, 0.95), 2);
    CHECK_EQ_INT(stats_trials_for_half(1, 1, 0, 0.95), -1);
    CHECK_EQ_INT(stats_trials_for_half(NAN, 1, 1, 0.95), -1);
    CHECK_EQ_INT(stats_trials_for_half(1, 1, 1e-6, 0.95), -1); /* > 1e6 trials */
    CHECK_EQ_INT(stats_trials_to_decide(1, 1, 3, 2, 0.95), n); /* gap 1: 9 give 0.999 */
    CHECK_EQ_INT(stats_trials_to_decide(1, 1, 1.5, 2, 0.95),
                 stats_trials_for_half(1, 1, 0.5, 0.95));
    CHECK_EQ_INT(stats_trials_to_decide(1, 1, 2, 2, 0.95), -1);
}

/* splitmix64 and Box-Muller: deterministic normal deviates for simulations. */
static uint64_t sim_state;
static double sim_uniform(void) {
    uint64_t z = (sim_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double sim_normal(void) {
    return sqrt(-2 * log(sim_uniform())) * cos(2 * M_PI * sim_uniform());
}

/* Coverage by simulation: 1,000 synthetic experiments of n + n trials whose
 * true ratio is 1.20, CPU log-normal with 3% spread (like trials here). The
 * 95% interval must hold the truth about 95% of the time (>= 93%); 3 + 3
 * can only reach 90% and says so. */
static void test_coverage(void) {
    sim_state = 20251201;
    const double truth = 0.20;
    int hl5 = 0, welch5 = 0, hl3 = 0, short3 = 0, mw5 = 0;
    const int runs = 1000;
    for (int r = 0; r < runs; r++) {
        double a[5], b[5];
        for (int i = 0; i < 5; i++) {
            a[i] = 20 * exp(0.03 * sim_normal());
            b[i] = 20 * (1 + truth) * exp(0.03 * sim_normal());
        }
        stats_interval iv;
        if (stats_hl_ratio(a, 5, b, 5, 0.95, &iv) == 0) {
            hl5 += iv.lo <= truth && truth <= iv.hi;
            mw5 += iv.p < 0.05;
        }
        if (stats_welch_log_ratio(a, 5, b, 5, 0.95, &iv) == 0)
            welch5 += iv.lo <= truth && truth <= iv.hi;
        if (stats_hl_ratio(a, 3, b, 3, 0.95, &iv) == 0) {
            hl3 += iv.lo <= truth && truth <= iv.hi;
            short3 += iv.short_of_level && fabs(iv.coverage - 0.9) < 1e-12;
        }
    }
    printf("coverage of 1000 experiments: HL 5+5 %d, Welch 5+5 %d, HL 3+3 %d\n", hl5,
           welch5, hl3);
    CHECK_MSG(hl5 >= 930, "Hodges-Lehmann 5+5 covered %d of %d", hl5, runs);
    CHECK_MSG(welch5 >= 930, "Welch 5+5 covered %d of %d", welch5, runs);
    CHECK_MSG(hl3 >= 870 && hl3 <= 930, "HL 3+3 (90%%) covered %d of %d", hl3, runs);
    CHECK_EQ_INT(short3, runs);
    CHECK_EQ_INT(mw5, runs); /* a 20% effect with 3% noise: always detected */
}

/* The signed-rank null against counts by hand (subsets of 1..n with sum <= w
 * over 2^n) and the paired Hodges-Lehmann interval on a small example. */
static void test_signed_rank(void) {
    CHECK_NEAR(stats_wsr_cdf(5, 3), 5.0 / 32, 1e-12);  /* {}, 1, 2, 3, 1+2 */
    CHECK_NEAR(stats_wsr_cdf(10, 8), 25.0 / 1024, 1e-12); /* the table's 5% value */
    CHECK_NEAR(stats_wsr_cdf(10, 55), 1, 1e-12);
    CHECK(isnan(stats_wsr_cdf(0, 1)));
    /* brute force for n = 12 at every w */
    for (int w = 0; w <= 78; w += 7) {
        int count = 0;
        for (int s = 0; s < 1 << 12; s++) {
            int sum = 0;
            for (int r = 0; r < 12; r++)
                sum += (s >> r & 1) * (r + 1);
            count += sum <= w;
        }
        CHECK_NEAR(stats_wsr_cdf(12, w), count / 4096.0, 1e-12);
    }
    stats_interval iv;
    const double d[] = {1, 2, 3, 4, 5, 6};
    CHECK_EQ_INT(stats_hl_paired(d, 6, 0.95, &iv), 0);
    CHECK_NEAR(iv.est, 3.5, 1e-12);
    CHECK_NEAR(iv.lo, 1, 1e-12); /* n = 6: c = 0, the range, 96.9% */
    CHECK_NEAR(iv.hi, 6, 1e-12);
    CHECK_NEAR(iv.coverage, 1 - 2.0 / 64, 1e-12);
    CHECK_EQ_INT(iv.short_of_level, 0);
    CHECK_NEAR(iv.p, 2.0 / 64, 1e-12); /* all positive */
    CHECK_EQ_INT(stats_hl_paired(d, 5, 0.95, &iv), 0);
    CHECK_EQ_INT(iv.short_of_level, 1); /* 5 pairs reach 93.75% at most */
    CHECK_NEAR(iv.coverage, 1 - 2.0 / 32, 1e-12);
    /* n = 10: k = 9, the 9th smallest and 9th largest of 55 Walsh averages */
    const double e[] = {-3.1, 1.3, 4.7, 2.2, 8.9, -1.05, 5.41, 7.77, 0.523, 6.19};
    CHECK_EQ_INT(stats_hl_paired(e, 10, 0.95, &iv), 0);
    double w[55];
    int k = 0;
    for (int i = 0; i < 10; i++)
        for (int j = i; j < 10; j++)
            w[k++] = (e[i] + e[j]) / 2;
    int below_lo = 0, above_hi = 0, at_most_est = 0;
    for (int i = 0; i < 55; i++) {
        below_lo += w[i] < iv.lo;
        above_hi += w[i] > iv.hi;
        at_most_est += w[i] <= iv.est;
    }
    CHECK_EQ_INT(below_lo, 8);
    CHECK_EQ_INT(above_hi, 8);
    CHECK_EQ_INT(at_most_est, 28); /* the median of 55 */
    CHECK_NEAR(iv.coverage, 1 - 2 * 25.0 / 1024, 1e-12);
    /* ratios: a constant 2x gives exactly +100% */
    const double a[] = {10, 11, 9, 12, 10, 13}, b[] = {20, 22, 18, 24, 20, 26};
    CHECK_EQ_INT(stats_hl_paired_ratio(a, b, 6, 0.95, &iv), 0);
    CHECK_NEAR(iv.est, 1, 1e-12);
    CHECK_NEAR(iv.lo, 1, 1e-12);
    CHECK_EQ_INT(stats_paired_t_ratio(a, b, 6, 0.95, &iv), 0);
    CHECK_NEAR(iv.est, 1, 1e-12);
    CHECK(stats_pairs_for_half(0.07, 0.023, 0.95) > 30);
    CHECK(stats_pairs_for_half(0.07, 0.023, 0.95) < 45);
}

/* Synthetic paired rounds: the machine drifts (a random walk and a slow wave
 * move every arm of a round together, by far more than the trial noise),
 * and NATS costs a known 2.2x direct (overhead +120%). Over 1,000
 * experiments of 12 rounds the paired Hodges-Lehmann interval must cover
 * the truth at its stated coverage (95.7% for 12 pairs; binomial slack
 * 3 SD), the paired t interval too, and the paired interval must be
 * narrower than the unpaired Hodges-Lehmann one in nearly every
 * experiment. */
static void test_paired_simulation(void) {
    sim_state = 20261203;
    const double truth = 1.2;
    const int runs = 1000, n = 12;
    int cov_hl = 0, cov_t = 0, cov_un = 0, narrower = 0;
    double stated = NAN;
    for (int r = 0; r < runs; r++) {
        double a[12], b[12], walk = 0;
        for (int i = 0; i < n; i++) {
            walk += 0.05 * sim_normal();
            double drift = exp(walk + 0.1 * sin(i * 0.7 + r));
            a[i] = 15 * drift * exp(0.03 * sim_normal());
            b[i] = 15 * (1 + truth) * drift * exp(0.03 * sim_normal());
        }
        stats_interval p, t, u;
        CHECK_EQ_INT(stats_hl_paired_ratio(a, b, n, 0.95, &p), 0);
        CHECK_EQ_INT(stats_paired_t_ratio(a, b, n, 0.95, &t), 0);
        CHECK_EQ_INT(stats_hl_ratio(a, n, b, n, 0.95, &u), 0);
        stated = p.coverage;
        cov_hl += p.lo <= truth && truth <= p.hi;
        cov_t += t.lo <= truth && truth <= t.hi;
        cov_un += u.lo <= truth && truth <= u.hi;
        narrower += p.hi - p.lo < u.hi - u.lo;
    }
    double slack = 3 * sqrt(stated * (1 - stated) / runs);
    printf("paired rounds with drift, 1000 experiments of 12 rounds: paired HL covered "
           "%d (stated %.1f%%), paired t %d, unpaired HL %d; paired narrower in %d\n",
           cov_hl, stated * 100, cov_t, cov_un, narrower);
    CHECK_MSG(fabs((double)cov_hl / runs - stated) <= slack,
              "paired HL covered %d of %d, stated %.3f", cov_hl, runs, stated);
    CHECK_MSG(fabs((double)cov_t / runs - 0.95) <= 3 * sqrt(0.95 * 0.05 / runs),
              "paired t covered %d of %d", cov_t, runs);
    CHECK_MSG(narrower >= 950, "paired interval narrower in only %d of %d", narrower,
              runs);
}

int main(void) {
    test_median_mad();
    test_wilson();
    test_two_prop();
    test_mann_whitney();
    test_bootstrap();
    test_t_dist();
    test_mw_critical();
    test_hodges_lehmann();
    test_t_intervals();
    test_trials_needed();
    test_coverage();
    test_signed_rank();
    test_paired_simulation();
    return check_status();
}
