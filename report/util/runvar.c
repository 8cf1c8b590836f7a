/* runvar: the between-run component of a figure from k runs' estimates and
 * intervals (random effects, DerSimonian-Laird; see runvar.h). */
#include "runvar.h"

#include <math.h>
#include <stdlib.h>

#include "stats.h"

double runvar_se(double lo, double hi, double coverage) {
    if (!isfinite(lo) || !isfinite(hi) || !(hi > lo) || !(coverage > 0 && coverage < 1))
        return NAN;
    return (hi - lo) / (2 * stats_normal_quantile(0.5 + coverage / 2));
}

/* Regularized lower incomplete gamma P(a, x): its series for x < a + 1, else
 * 1 - Q(a, x) from Q's continued fraction (modified Lentz). */
static double gamma_p(double a, double x) {
    if (x <= 0)
        return 0;
    double lg = lgamma(a);
    if (x < a + 1) {
        double term = 1 / a, sum = term;
        for (int n = 1; n < 1000 && fabs(term) > fabs(sum) * 1e-15; n++) {
            term *= x / (a + n);
            sum += term;
        }
        return sum * exp(-x + a * log(x) - lg);
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 1000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return 1 - exp(-x + a * log(x) - lg) * h;
}

double runvar_chi2_sf(double x, double df) {
    if (!(df > 0) || !(x >= 0))
        return NAN;
    return 1 - gamma_p(df / 2, x / 2);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int runvar_fit(const runvar_run *runs, size_t k, double level, runvar_result *out) {
    double y[RUNVAR_MAX_RUNS], v[RUNVAR_MAX_RUNS], se[RUNVAR_MAX_RUNS];
    size_t n = 0;
    for (size_t i = 0; i < k && n < RUNVAR_MAX_RUNS; i++) {
        double s = runvar_se(runs[i].lo, runs[i].hi, runs[i].coverage);
        if (!isfinite(runs[i].est) || !(s > 0))
            continue;
        y[n] = runs[i].est;
        se[n] = s;
        v[n++] = s * s;
    }
    *out = (runvar_result){.k = n, .q = NAN, .q_p = NAN, .tau = NAN, .se_median = NAN,
                           .share = NAN, .mean = NAN, .lo = NAN, .hi = NAN, .level = level};
    if (n < 2)
        return -1;
    double sw = 0, sw2 = 0, swy = 0;
    for (size_t i = 0; i < n; i++) {
        sw += 1 / v[i];
        sw2 += 1 / (v[i] * v[i]);
        swy += y[i] / v[i];
    }
    double ybar = swy / sw, q = 0;
    for (size_t i = 0; i < n; i++)
        q += (y[i] - ybar) * (y[i] - ybar) / v[i];
    double df = (double)n - 1;
    double tau2 = fmax(0, (q - df) / (sw - sw2 / sw));
    double rw = 0, rwy = 0;
    for (size_t i = 0; i < n; i++) {
        rw += 1 / (v[i] + tau2);
        rwy += y[i] / (v[i] + tau2);
    }
    double mu = rwy / rw, hk = 0;
    for (size_t i = 0; i < n; i++)
        hk += (y[i] - mu) * (y[i] - mu) / (v[i] + tau2);
    double se_mu = sqrt(hk / df / rw), t = stats_t_quantile(0.5 + level / 2, df);
    qsort(se, n, sizeof se[0], cmp_double);
    double sem = n % 2 ? se[n / 2] : 0.5 * (se[n / 2 - 1] + se[n / 2]);
    out->q = q;
    out->q_p = runvar_chi2_sf(q, df);
    out->tau = sqrt(tau2);
    out->se_median = sem;
    out->share = tau2 / (tau2 + sem * sem);
    out->mean = mu;
    out->lo = mu - t * se_mu;
    out->hi = mu + t * se_mu;
    return 0;
}
