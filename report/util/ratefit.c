/* ratefit: the CPU-against-rate model (see ratefit.h). */
#include "ratefit.h"
#include "stats.h"

#include <math.h>
#include <string.h>

const char *ratefit_coef_name(ratefit_form form, int k) {
    static const char *const names[2][RATEFIT_P] = {{"c_event", "c_wake", "c_sleep"},
                                                    {"idle", "c_event", "c_wake"}};
    return k >= 0 && k < RATEFIT_P && (form == RATEFIT_SLEEP || form == RATEFIT_TWO_TERM)
               ? names[form][k]
               : "?";
}

void ratefit_design(ratefit_form form, double rate, double wakes, double sleep_excess,
                    double x[RATEFIT_P]) {
    if (form == RATEFIT_TWO_TERM) {
        x[0] = 1;
        x[1] = rate;
        x[2] = rate * wakes;
        return;
    }
    x[0] = rate;
    x[1] = rate * wakes;
    x[2] = rate * wakes * sleep_excess;
}

double ratefit_excess(double sleep_s) {
    /* The knee: below 1 ms the measured cost of a wake-up is flat (ratefit.h). */
    return sleep_s > 1e-3 ? log(sleep_s / 1e-3) : 0;
}

static void design_row(ratefit_form form, const ratefit_point *p, double x[RATEFIT_P]) {
    ratefit_design(form, p->rate, p->wakes, p->sleep_excess, x);
}

/* Invert the symmetric positive 3x3 'a' into 'inv' by Gauss-Jordan with
 * partial pivoting. Columns are scaled by the diagonal first: rates span four
 * decades, so an unscaled pivot test would call a good design singular.
 * Returns -1 when a scaled pivot is below 1e-10 (the design is degenerate). */
static int invert3(double a[RATEFIT_P][RATEFIT_P], double inv[RATEFIT_P][RATEFIT_P]) {
    double s[RATEFIT_P], m[RATEFIT_P][2 * RATEFIT_P];
    for (int i = 0; i < RATEFIT_P; i++) {
        if (!(a[i][i] > 0) || !isfinite(a[i][i]))
            return -1;
        s[i] = 1 / sqrt(a[i][i]);
    }
    for (int i = 0; i < RATEFIT_P; i++)
        for (int j = 0; j < RATEFIT_P; j++) {
            m[i][j] = a[i][j] * s[i] * s[j];
            m[i][RATEFIT_P + j] = i == j;
        }
    for (int c = 0; c < RATEFIT_P; c++) {
        int piv = c;
        for (int r = c + 1; r < RATEFIT_P; r++)
            if (fabs(m[r][c]) > fabs(m[piv][c]))
                piv = r;
        if (fabs(m[piv][c]) < 1e-10)
            return -1;
        if (piv != c)
            for (int j = 0; j < 2 * RATEFIT_P; j++) {
                double t = m[c][j];
                m[c][j] = m[piv][j];
                m[piv][j] = t;
            }
        double d = m[c][c];
        for (int j = 0; j < 2 * RATEFIT_P; j++)
            m[c][j] /= d;
        for (int r = 0; r < RATEFIT_P; r++) {
            if (r == c)
                continue;
            double f = m[r][c];
            for (int j = 0; j < 2 * RATEFIT_P; j++)
                m[r][j] -= f * m[c][j];
        }
    }
    for (int i = 0; i < RATEFIT_P; i++)
        for (int j = 0; j < RATEFIT_P; j++)
            inv[i][j] = m[i][RATEFIT_P + j] * s[i] * s[j];
    return 0;
}

static void set_coef(ratefit_coef *c, double est, double var, double t) {
    c->est = est;
    c->se = var > 0 ? sqrt(var) : 0;
    c->lo = est - t * c->se;
    c->hi = est + t * c->se;
}

/* The groups of pts[0..n-1] in order of first appearance, at most
 * RATEFIT_MAX_RATES; returns their count, or -1 when there are more. */
static int group_list(const ratefit_point *pts, size_t n, int groups[RATEFIT_MAX_RATES]) {
    int ng = 0;
    for (size_t i = 0; i < n; i++) {
        int g = 0;
        while (g < ng && groups[g] != pts[i].group)
            g++;
        if (g == ng) {
            if (ng == RATEFIT_MAX_RATES)
                return -1;
            groups[ng++] = pts[i].group;
        }
    }
    return ng;
}

/* Group 'g' of pts collapsed to one point: the mean of its trials' design
 * rows in xbar, their mean utilisation in *ybar, the sum of their weights
 * in *wsum; returns its trial count, or -1 when a value is not finite or a
 * weight not positive. */
static long group_mean(ratefit_form form, const ratefit_point *pts, size_t n,
                       const double *w, int g, double xbar[RATEFIT_P], double *ybar,
                       double *wsum) {
    double x[RATEFIT_P];
    long k = 0;
    *ybar = *wsum = 0;
    for (int r = 0; r < RATEFIT_P; r++)
        xbar[r] = 0;
    for (size_t i = 0; i < n; i++) {
        if (pts[i].group != g)
            continue;
        if (!isfinite(pts[i].rate) || !isfinite(pts[i].util) || !isfinite(pts[i].wakes) ||
            !isfinite(pts[i].sleep_excess) || !(w[i] > 0) || !isfinite(w[i]))
            return -1;
        design_row(form, &pts[i], x);
        for (int r = 0; r < RATEFIT_P; r++)
            xbar[r] += x[r];
        *ybar += pts[i].util;
        *wsum += w[i];
        k++;
    }
    for (int r = 0; r < RATEFIT_P; r++)
        xbar[r] /= (double)k;
    *ybar /= (double)k;
    return k;
}

/* Weighted least squares over 'ng' group means gx/gy whose variances are
 * se2[g] + tau2 x gy[g]^2: beta, the inverse of X'WX in 'inv' (the
 * coefficients' covariance), and the weighted sum of squared residuals in
 * *q. Returns -1 when the design is singular. */
static int wls_groups(size_t ng, double gx[][RATEFIT_P], const double *gy,
                      const double *se2, double tau2, double beta[RATEFIT_P],
                      double inv[RATEFIT_P][RATEFIT_P], double *q) {
    double a[RATEFIT_P][RATEFIT_P] = {{0}}, b[RATEFIT_P] = {0};
    for (size_t g = 0; g < ng; g++) {
        double w = 1 / (se2[g] + tau2 * gy[g] * gy[g]);
        for (int r = 0; r < RATEFIT_P; r++) {
            b[r] += w * gx[g][r] * gy[g];
            for (int c = 0; c < RATEFIT_P; c++)
                a[r][c] += w * gx[g][r] * gx[g][c];
        }
    }
    if (invert3(a, inv) != 0)
        return -1;
    for (int r = 0; r < RATEFIT_P; r++) {
        beta[r] = 0;
        for (int c = 0; c < RATEFIT_P; c++)
            beta[r] += inv[r][c] * b[c];
    }
    *q = 0;
    for (size_t g = 0; g < ng; g++) {
        double fit = beta[0] * gx[g][0] + beta[1] * gx[g][1] + beta[2] * gx[g][2];
        *q += (gy[g] - fit) * (gy[g] - fit) / (se2[g] + tau2 * gy[g] * gy[g]);
    }
    return 0;
}

/* The fit over the groups other than 'skip' (skip < 0: all), one point per
 * group (ratefit.h says why). A group's mean has the variance its trials'
 * weights give (1 / their sum) plus tau2 x its square: the machine's state
 * while a rate ran scales its CPU by a factor of relative variance tau2,
 * shared by its trials. tau2 is the Paule-Mandel estimate: 0 when the means
 * scatter no more than their trials' spread says, else the value that makes
 * the weighted residual sum of squares equal its degrees of freedom. */
static int fit_some(ratefit_form form, const ratefit_point *pts, size_t n, const double *w,
                    int skip, double level, ratefit_model *out) {
    double gx[RATEFIT_MAX_RATES][RATEFIT_P], gy[RATEFIT_MAX_RATES], se2[RATEFIT_MAX_RATES];
    int groups[RATEFIT_MAX_RATES];
    size_t used = 0, trials = 0;
    memset(out, 0, sizeof *out);
    out->form = form;
    if (!(level > 0 && level < 1))
        return -1;
    int ng = group_list(pts, n, groups);
    if (ng < 0)
        return -1;
    for (int g = 0; g < ng; g++) {
        if (groups[g] == skip && skip >= 0)
            continue;
        double wsum;
        long k = group_mean(form, pts, n, w, groups[g], gx[used], &gy[used], &wsum);
        if (k < 0)
            return -1;
        se2[used] = 1 / wsum;
        trials += (size_t)k;
        used++;
    }
    if (used < RATEFIT_P + 1)
        return -1;
    double inv[RATEFIT_P][RATEFIT_P], beta[RATEFIT_P], q, df = (double)(used - RATEFIT_P);
    double tau2 = 0;
    if (wls_groups(used, gx, gy, se2, 0, beta, inv, &q) != 0)
        return -1;
    if (q > df) {
        /* q falls as tau2 grows: bracket, then bisect. */
        double lo = 0, hi = 1;
        for (int i = 0; i < 60; i++) {
            if (wls_groups(used, gx, gy, se2, hi, beta, inv, &q) != 0)
                return -1;
            if (q <= df)
                break;
            lo = hi;
            hi *= 4;
        }
        for (int i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
            double mid = (lo + hi) / 2;
            if (wls_groups(used, gx, gy, se2, mid, beta, inv, &q) != 0)
                return -1;
            if (q > df)
                lo = mid;
            else
                hi = mid;
        }
        tau2 = hi;
        if (wls_groups(used, gx, gy, se2, tau2, beta, inv, &q) != 0)
            return -1;
    }
    out->n = trials;
    out->groups = used;
    out->df = df;
    out->tau2 = tau2;
    out->level = level;
    for (int r = 0; r < RATEFIT_P; r++)
        for (int c = 0; c < RATEFIT_P; c++)
            out->cov[r][c] = inv[r][c];
    double t = stats_t_quantile(1 - (1 - level) / 2, out->df);
    for (int k = 0; k < RATEFIT_P; k++)
        set_coef(&out->coef[k], beta[k], out->cov[k][k], t);
    return 0;
}

int ratefit_weights(const ratefit_point *pts, size_t n, double *w) {
    if (n == 0)
        return -1;
    /* Per group: mean and standard deviation of utilisation. Five trials give
     * a spread known to a factor of two; weighting each point by its own
     * group's raw variance would trust the luckiest groups and make the
     * intervals too short. So the spread is smoothed across groups as a floor
     * plus a proportional part, sd = a + b x mean (a, b >= 0), fitted by least
     * squares over the groups: a CPU reading has a fixed noise floor (timer
     * resolution, the odd wake-up) and a share of noise that grows with it. */
    double gm[RATEFIT_MAX_RATES], gs[RATEFIT_MAX_RATES];
    int seen[RATEFIT_MAX_RATES] = {0};
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < ng && seen[g] != pts[i].group)
            g++;
        if (g < ng)
            continue;
        if (ng == RATEFIT_MAX_RATES)
            return -1;
        double s = 0, ss = 0;
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (pts[j].group == pts[i].group) {
                s += pts[j].util;
                ss += pts[j].util * pts[j].util;
                k++;
            }
        double var = k > 1 ? (ss - s * s / (double)k) / (double)(k - 1) : NAN;
        seen[ng] = pts[i].group;
        gm[ng] = s / (double)k;
        gs[ng] = var > 0 ? sqrt(var) : NAN;
        ng++;
    }
    /* Relative least squares (each group's misfit over its mean): the floor is
     * set by the quiet groups and the proportional part by the busy ones;
     * plain least squares let the busiest groups set both, and the floor it
     * gave over-trusted the quiet groups (simulated coverage of c_event's 95%
     * interval: 88%; tests/test_ratefit.c). */
    double sv = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, smin = NAN;
    size_t m = 0;
    for (size_t g = 0; g < ng; g++)
        if (isfinite(gs[g]) && gm[g] > 0) {
            double v = 1 / (gm[g] * gm[g]);
            sv += v;
            sx += v * gm[g];
            sy += v * gs[g];
            sxx += v * gm[g] * gm[g];
            sxy += v * gm[g] * gs[g];
            smin = gs[g] < smin || !isfinite(smin) ? gs[g] : smin;
            m++;
        }
    double a = NAN, b = 0;
    if (m >= 2 && sv * sxx - sx * sx > 0) {
        b = (sv * sxy - sx * sy) / (sv * sxx - sx * sx);
        b = b < 0 ? 0 : b;
        a = (sy - b * sx) / sv;
    } else if (m >= 1) {
        a = sy / sv;
    }
    /* The floor is never below the quietest group's own spread: the fitted
     * intercept is set by the busy groups' noise, and a floor estimated too
     * low over-trusts the quiet groups (simulated coverage of the idle term's
     * 95% interval: 90% without this bound, 95% with it; tests/test_ratefit.c). */
    if (isfinite(a) && a < smin)
        a = smin;
    /* Each point is weighted by its group's mean, never by its own value:
     * weights that follow the noise would pull the fit towards low values. */
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < ng && seen[g] != pts[i].group)
            g++;
        double sd = isfinite(a) && g < ng ? a + b * gm[g] : NAN;
        w[i] = sd > 0 ? 1 / (sd * sd) : 1; /* no spread anywhere: ordinary LS */
    }
    return 0;
}

int ratefit_fit(ratefit_form form, const ratefit_point *pts, size_t n, const double *w,
                double level, ratefit_model *out) {
    double wbuf[1024];
    if (n == 0 || (w == NULL && n > sizeof wbuf / sizeof wbuf[0]))
        return memset(out, 0, sizeof *out), -1;
    if (w == NULL) {
        ratefit_weights(pts, n, wbuf);
        w = wbuf;
    }
    return fit_some(form, pts, n, w, -1, level, out);
}

/* The prediction at design row x (see ratefit_predict). */
static double predict_x(const ratefit_model *m, const double x[RATEFIT_P], size_t trials,
                        double weight, double *lo, double *hi) {
    double mean = 0, var = 0;
    for (int r = 0; r < RATEFIT_P; r++) {
        mean += m->coef[r].est * x[r];
        for (int c = 0; c < RATEFIT_P; c++)
            var += x[r] * m->cov[r][c] * x[c];
    }
    if (trials > 0 && weight > 0)
        var += 1 / ((double)trials * weight) + m->tau2 * mean * mean;
    double t = m->df > 0 ? stats_t_quantile(1 - (1 - m->level) / 2, m->df) : NAN;
    double half = t * sqrt(var > 0 ? var : 0);
    if (lo != NULL)
        *lo = mean - half;
    if (hi != NULL)
        *hi = mean + half;
    return mean;
}

double ratefit_predict(const ratefit_model *m, double rate, double wakes,
                       double sleep_excess, size_t trials, double weight, double *lo,
                       double *hi) {
    double x[RATEFIT_P];
    ratefit_design(m->form, rate, wakes, sleep_excess, x);
    return predict_x(m, x, trials, weight, lo, hi);
}

int ratefit_loo_check(ratefit_form form, const ratefit_point *pts, size_t n,
                      const double *w, double level, ratefit_loo *out, size_t *ngroups) {
    double wbuf[1024];
    *ngroups = 0;
    if (n == 0 || (w == NULL && n > sizeof wbuf / sizeof wbuf[0]))
        return -1;
    if (w == NULL) {
        ratefit_weights(pts, n, wbuf);
        w = wbuf;
    }
    int groups[RATEFIT_MAX_RATES];
    int nga = group_list(pts, n, groups);
    if (nga < 0)
        return -1;
    size_t ng = (size_t)nga;
    int inside = 0;
    for (size_t g = 0; g < ng; g++) {
        ratefit_loo *o = &out[g];
        memset(o, 0, sizeof *o);
        o->group = groups[g];
        double sw = 0;
        for (size_t i = 0; i < n; i++)
            if (pts[i].group == groups[g]) {
                o->rate += pts[i].rate;
                o->wakes += pts[i].wakes;
                o->sleep_excess += pts[i].sleep_excess;
                o->observed += pts[i].util;
                sw += w[i];
                o->trials++;
            }
        o->rate /= (double)o->trials;
        o->wakes /= (double)o->trials;
        o->sleep_excess /= (double)o->trials;
        o->observed /= (double)o->trials;
        ratefit_model m;
        if (fit_some(form, pts, n, w, groups[g], level, &m) != 0) {
            o->predicted = o->lo = o->hi = o->residual = NAN;
            o->inside = -1;
            continue;
        }
        /* The group's mean utilisation is predicted by the mean of its
         * trials' design rows (the model is linear in them; the product of
         * the means would not be). */
        double xbar[RATEFIT_P], ybar, wsum;
        if (group_mean(form, pts, n, w, groups[g], xbar, &ybar, &wsum) < 0) {
            o->predicted = o->lo = o->hi = o->residual = NAN;
            o->inside = -1;
            continue;
        }
        o->predicted = predict_x(&m, xbar, o->trials, sw / (double)o->trials, &o->lo, &o->hi);
        o->residual = o->observed - o->predicted;
        o->inside = o->observed >= o->lo && o->observed <= o->hi;
        inside += o->inside;
    }
    *ngroups = ng;
    return inside;
}

double ratefit_loo_rms(const ratefit_loo *loo, size_t n) {
    double ss = 0;
    size_t k = 0;
    for (size_t g = 0; g < n; g++)
        if (loo[g].inside >= 0 && loo[g].observed != 0 && isfinite(loo[g].residual)) {
            double e = loo[g].residual / loo[g].observed;
            ss += e * e;
            k++;
        }
    return k > 0 ? sqrt(ss / (double)k) : NAN;
}
