/* ratemodel: CPU against event rate (the "rate_model" section and the "rate"
 * chart). Every trial of an architecture's baseline, at every offered rate
 * (the rate phases) and at saturation (its achieved rate), is a point
 * (rate, utilisation, wake-ups per event, the mean over its wake-ups of
 * max(0, ln(sleep before it / 1 ms))); util/ratefit.c fits
 *   u = rate x c_event + wake-ups/s x (c_wake + c_sleep x max(0, ln(sleep / 1 ms)))
 * per architecture, one point per rate, checks it by leaving each rate out
 * (and the two-term
 * model it replaced, u = idle + rate x (c_event + c_wake x wake-ups per
 * event), the same way, for comparison), and the section gives
 * the overhead (NATS minus direct, points of one core and us per event) at
 * every rate between the measured ones, where it crosses the target, and the
 * verdict at the rate a team names (analysis_options.team_rate). */
#include "an_internal.h"
#include "jsonfile.h"
#include "ratefit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RM_MAX_POINTS 1024
#define RM_GRID       41 /* curve points over the measured range, log spaced */

/* Wake-ups per event in trial 't': voluntary context switches of every
 * thread the record lists (the workloads read their own threads at the
 * window's edges, the runner nats-server's), over the stored events; NAN when
 * no process lists threads (older records). Over those wake-ups, the mean of
 * max(0, ln(the thread's interval between wake-ups / 1 ms)) in *excess (the
 * model's input) and of ln(that interval / 1 ms) in *log_sleep (shown), the
 * interval being the window over its wake-ups (nats-server's threads come
 * as one entry, so its interval is that of the process: shorter than each
 * thread's). Involuntary switches are left out: direct has none, and in the
 * NATS trials they track the voluntary ones (a quarter to a third of them at
 * every paced rate), so a term of their own was not identifiable (its 95%
 * interval spanned -142 to +35 us per switch on the published run). */
static double trial_wakes(const trial *t, double *excess, double *log_sleep) {
    json_t *procs = an_jget(t->rec, "processes"), *p, *th;
    size_t i, j;
    double v = 0, vl = 0, ve = 0;
    int seen = 0;
    json_array_foreach(procs, i, p) {
        json_array_foreach(json_object_get(p, "threads"), j, th) {
            double x = an_jnum(th, "voluntary");
            if (isfinite(x)) {
                v += x;
                seen = 1;
                if (x > 0 && t->window_s > 0) {
                    vl += x * log(t->window_s / x * 1e3);
                    ve += x * ratefit_excess(t->window_s / x);
                }
            }
        }
    }
    *log_sleep = v > 0 ? vl / v : 0;
    *excess = v > 0 ? ve / v : 0;
    return seen && t->stored > 0 ? v / (double)t->stored : NAN;
}

/* One architecture's points and fit. */
typedef struct rm_arch {
    const char *arch;
    ratefit_point pts[RM_MAX_POINTS];
    double lsleep[RM_MAX_POINTS]; /* per point: mean ln(sleep / 1 ms), shown */
    size_t n;
    double group_rate[RATEFIT_MAX_RATES]; /* offered rate per group; 0 saturated */
    double mean_rate[RATEFIT_MAX_RATES], mean_wakes[RATEFIT_MAX_RATES];
    double mean_excess[RATEFIT_MAX_RATES], mean_lsleep[RATEFIT_MAX_RATES];
    size_t ngroups;
    size_t no_wakes; /* trials left out: their records list no threads */
    ratefit_model m;
    int ok;
    ratefit_loo loo[RATEFIT_MAX_RATES];
    size_t nloo;
    int inside;
    int inside_two_term; /* the two-term model's check on the same points, -1 none */
    double rms, rms_two_term; /* their left-out misses, relative (ratefit_loo_rms) */
} rm_arch;

/* The baseline trials of 'arch' at every rate: unprofiled where there are
 * (the profiler's own cost is not the architecture's), never the A/A
 * control's or an optimization variant's. */
/* A baseline trial of 'arch' at the headline's storage, outside the A/A
 * control. */
static int rm_eligible(const ctx *c, const trial *t, const char *arch) {
    return strcmp(t->arch, arch) == 0 && !t->aa_group && !t->outlier &&
           strcmp(t->variant, "baseline") == 0 &&
           (c->storage == NULL || t->storage == NULL || strcmp(t->storage, c->storage) == 0);
}

static void rm_collect(ctx *c, rm_arch *a, const char *arch) {
    memset(a, 0, sizeof *a);
    a->arch = arch;
    /* Per offered rate, unprofiled trials where that rate has any: a sweep
     * phase is unprofiled while the chat-rate phase may be profiled only. */
    double unprof_rates[RATEFIT_MAX_RATES];
    size_t nunprof = 0;
    for (size_t i = 0; i < c->nt; i++) {
        const trial *t = &c->t[i];
        if (!rm_eligible(c, t, arch) || t->profiled)
            continue;
        size_t k = 0;
        while (k < nunprof && unprof_rates[k] != t->rate)
            k++;
        if (k == nunprof && nunprof < RATEFIT_MAX_RATES)
            unprof_rates[nunprof++] = t->rate;
    }
    for (size_t i = 0; i < c->nt && a->n < RM_MAX_POINTS; i++) {
        const trial *t = &c->t[i];
        if (!rm_eligible(c, t, arch))
            continue;
        if (t->profiled) {
            size_t k = 0;
            while (k < nunprof && unprof_rates[k] != t->rate)
                k++;
            if (k < nunprof)
                continue;
        }
        double excess = 0, lsleep = 0, wakes = trial_wakes(t, &excess, &lsleep);
        if (!(t->window_s > 0) || !isfinite(t->util_pp) || t->stored <= 0)
            continue;
        if (!isfinite(wakes)) {
            a->no_wakes++;
            continue;
        }
        size_t g = 0;
        while (g < a->ngroups && a->group_rate[g] != t->rate)
            g++;
        if (g == a->ngroups) {
            if (g == RATEFIT_MAX_RATES)
                continue;
            a->group_rate[a->ngroups++] = t->rate;
        }
        a->lsleep[a->n] = lsleep;
        a->pts[a->n++] = (ratefit_point){(double)t->stored / t->window_s, t->util_pp / 100,
                                         wakes, excess, (int)g};
    }
    for (size_t g = 0; g < a->ngroups; g++) {
        size_t k = 0;
        for (size_t i = 0; i < a->n; i++)
            if (a->pts[i].group == (int)g) {
                a->mean_rate[g] += a->pts[i].rate;
                a->mean_wakes[g] += a->pts[i].wakes;
                a->mean_excess[g] += a->pts[i].sleep_excess;
                a->mean_lsleep[g] += a->lsleep[i];
                k++;
            }
        a->mean_rate[g] /= (double)k;
        a->mean_wakes[g] /= (double)k;
        a->mean_excess[g] /= (double)k;
        a->mean_lsleep[g] /= (double)k;
    }
    a->ok = a->ngroups >= RATEFIT_P + 1 &&
            ratefit_fit(RATEFIT_SLEEP, a->pts, a->n, NULL, CONFIDENCE, &a->m) == 0;
    a->inside_two_term = -1;
    a->rms = a->rms_two_term = NAN;
    if (a->ok) {
        int in = ratefit_loo_check(RATEFIT_SLEEP, a->pts, a->n, NULL, CONFIDENCE, a->loo,
                                   &a->nloo);
        a->inside = in < 0 ? 0 : in;
        a->rms = ratefit_loo_rms(a->loo, a->nloo);
        ratefit_loo two[RATEFIT_MAX_RATES];
        size_t ntwo;
        a->inside_two_term =
            ratefit_loo_check(RATEFIT_TWO_TERM, a->pts, a->n, NULL, CONFIDENCE, two, &ntwo);
        if (a->inside_two_term >= 0)
            a->rms_two_term = ratefit_loo_rms(two, ntwo);
    }
}

/* A measured input at 'rate' (v[g] per group: wake-ups per event or the
 * sleep's excess over 1 ms): the groups' means, interpolated linearly in log rate and held
 * constant beyond the ends. */
static double rm_input_at(const rm_arch *a, const double *v, double rate) {
    size_t lo = SIZE_MAX, hi = SIZE_MAX;
    for (size_t g = 0; g < a->ngroups; g++) {
        if (a->mean_rate[g] <= rate && (lo == SIZE_MAX || a->mean_rate[g] > a->mean_rate[lo]))
            lo = g;
        if (a->mean_rate[g] >= rate && (hi == SIZE_MAX || a->mean_rate[g] < a->mean_rate[hi]))
            hi = g;
    }
    if (lo == SIZE_MAX)
        return v[hi];
    if (hi == SIZE_MAX || hi == lo)
        return v[lo];
    double f = log(rate / a->mean_rate[lo]) / log(a->mean_rate[hi] / a->mean_rate[lo]);
    return v[lo] + f * (v[hi] - v[lo]);
}

/* The model's utilisation of 'a' at 'rate', with the measured inputs there. */
static double rm_predict(const rm_arch *a, double rate, double *lo, double *hi) {
    return ratefit_predict(&a->m, rate, rm_input_at(a, a->mean_wakes, rate),
                           rm_input_at(a, a->mean_excess, rate), 0, 0, lo, hi);
}

/* The model's overhead at 'rate' in points of one core, NATS minus direct,
 * with its interval (the two fits are independent: variances add; t with the
 * smaller of their degrees of freedom). */
static double rm_overhead(const rm_arch *d, const rm_arch *n, double rate, double *lo,
                          double *hi) {
    double dl, dh, nl, nh;
    double ud = rm_predict(d, rate, &dl, &dh);
    double un = rm_predict(n, rate, &nl, &nh);
    double td = stats_t_quantile(1 - (1 - CONFIDENCE) / 2, d->m.df);
    double tn = stats_t_quantile(1 - (1 - CONFIDENCE) / 2, n->m.df);
    double sd = (dh - dl) / 2 / td, sn = (nh - nl) / 2 / tn;
    double df = d->m.df < n->m.df ? d->m.df : n->m.df;
    double half = stats_t_quantile(1 - (1 - CONFIDENCE) / 2, df) * sqrt(sd * sd + sn * sn);
    double est = (un - ud) * 100;
    *lo = est - half * 100;
    *hi = est + half * 100;
    return est;
}

static json_t *coef_json(const ratefit_coef *k, double scale) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "est", jsonfile_num(k->est * scale),
                     "lo", jsonfile_num(k->lo * scale), "hi", jsonfile_num(k->hi * scale),
                     "text", an_fnum(k->est * scale), "lo_text", an_fnum(k->lo * scale),
                     "hi_text", an_fnum(k->hi * scale));
}

static json_t *arch_json(const rm_arch *a) {
    json_t *loo = json_array();
    for (size_t g = 0; g < a->nloo; g++) {
        const ratefit_loo *l = &a->loo[g];
        char rate[32], rate_text[64], b[32];
        if (a->group_rate[l->group] > 0)
            snprintf(rate, sizeof rate, "%g", a->group_rate[l->group]);
        else
            snprintf(rate, sizeof rate, "saturated");
        snprintf(rate_text, sizeof rate_text, "%s%s", an_fmt(l->rate, b, sizeof b),
                 a->group_rate[l->group] > 0 ? "" : " (saturated)");
        json_t *row = json_pack(
            "{s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "offered", rate,
            "rate", jsonfile_num(l->rate), "trials", (json_int_t)l->trials, "wakes",
            jsonfile_num(l->wakes), "sleep_ms", jsonfile_num(exp(a->mean_lsleep[l->group])),
            "observed_pp", jsonfile_num(l->observed * 100), "predicted_pp",
            jsonfile_num(l->predicted * 100), "lo_pp", jsonfile_num(l->lo * 100), "hi_pp",
            jsonfile_num(l->hi * 100), "residual_pp", jsonfile_num(l->residual * 100),
            "inside", l->inside == 1);
        json_object_set_new(row, "rate_text", json_string(rate_text));
        json_object_set_new(row, "wakes_text", an_fnum(l->wakes));
        json_object_set_new(row, "sleep_text", an_fnum(exp(a->mean_lsleep[l->group])));
        json_object_set_new(row, "observed_text", an_fnum(l->observed * 100));
        json_object_set_new(row, "predicted_text", an_fnum(l->predicted * 100));
        json_object_set_new(row, "lo_text", an_fnum(l->lo * 100));
        json_object_set_new(row, "hi_text", an_fnum(l->hi * 100));
        json_object_set_new(row, "residual_text", an_fsigned(l->residual * 100));
        json_array_append_new(loo, row);
    }
    json_t *o = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:I}", "arch", a->arch,
                          "trials", (json_int_t)a->n, "rates", (json_int_t)a->ngroups,
                          "c_event_us", coef_json(&a->m.coef[0], 1e6), "c_wake_us",
                          coef_json(&a->m.coef[1], 1e6), "c_sleep_us",
                          coef_json(&a->m.coef[2], 1e6), "loo", loo, "loo_inside",
                          (json_int_t)a->inside, "loo_total", (json_int_t)a->nloo);
    /* How far the rates' means scatter about the fit beyond their trials'
     * spread: the relative standard deviation of a rate's shared factor. */
    json_object_set_new(o, "scatter_pct", jsonfile_num(sqrt(a->m.tau2) * 100));
    json_object_set_new(o, "scatter_text", an_fnum(sqrt(a->m.tau2) * 100));
    json_object_set_new(o, "loo_inside_two_term",
                        a->inside_two_term >= 0 ? json_integer(a->inside_two_term)
                                                : json_null());
    json_object_set_new(o, "loo_rms_pct", jsonfile_num(a->rms * 100));
    json_object_set_new(o, "loo_rms_pct_two_term", jsonfile_num(a->rms_two_term * 100));
    json_object_set_new(o, "loo_rms_text", an_fnum(a->rms * 100));
    char two[96];
    if (a->inside_two_term >= 0) {
        char b[32];
        snprintf(two, sizeof two, "%d of %zu, %s%% off", a->inside_two_term, a->nloo,
                 an_fmt(a->rms_two_term * 100, b, sizeof b));
    } else
        snprintf(two, sizeof two, "no fit");
    json_object_set_new(o, "two_term_text", json_string(two));
    return o;
}

/* The rate where the overhead estimate (or an interval end, 'which' 0, -1,
 * +1) first reaches 'target' points, by bisection between grid points where
 * it changes side; NAN when it never does in [lo, hi]. */
static double rm_crossing(const rm_arch *d, const rm_arch *n, double rlo, double rhi,
                          double target, int which) {
    double prev_r = rlo, l, h, prev = rm_overhead(d, n, rlo, &l, &h);
    prev = which < 0 ? l : which > 0 ? h : prev;
    for (int i = 1; i < RM_GRID; i++) {
        double r = rlo * pow(rhi / rlo, (double)i / (RM_GRID - 1));
        double v = rm_overhead(d, n, r, &l, &h);
        v = which < 0 ? l : which > 0 ? h : v;
        if ((prev - target) * (v - target) <= 0 && prev != v) {
            double a = prev_r, b = r;
            for (int k = 0; k < 40; k++) {
                double m = sqrt(a * b), x = rm_overhead(d, n, m, &l, &h);
                x = which < 0 ? l : which > 0 ? h : x;
                if ((prev - target) * (x - target) <= 0)
                    b = m;
                else
                    a = m;
            }
            return sqrt(a * b);
        }
        prev = v;
        prev_r = r;
    }
    return NAN;
}

/* The measured overhead per offered rate both sides have, in points of one
 * core: each side's trials at that rate compared by rank (Hodges-Lehmann
 * shift). Saturated groups are left out: each side saturates at its own rate. */
static json_t *rm_points(ctx *c, const rm_arch *d, const rm_arch *n) {
    json_t *points = json_array();
    for (size_t g = 0; g < n->ngroups; g++) {
        if (n->group_rate[g] <= 0)
            continue;
        size_t h = 0;
        while (h < d->ngroups && d->group_rate[h] != n->group_rate[g])
            h++;
        if (h == d->ngroups)
            continue;
        c->g1->n = c->g2->n = 0;
        for (size_t i = 0; i < d->n; i++)
            if (d->pts[i].group == (int)h)
                c->g1->v[c->g1->n++] = d->pts[i].util * 100;
        for (size_t i = 0; i < n->n; i++)
            if (n->pts[i].group == (int)g)
                c->g2->v[c->g2->n++] = n->pts[i].util * 100;
        stats_interval iv;
        int ok = stats_hl_shift(c->g1->v, c->g1->n, c->g2->v, c->g2->n, CONFIDENCE, &iv) == 0;
        double r = sqrt(d->mean_rate[h] * n->mean_rate[g]);
        json_array_append_new(
            points, json_pack("{s:o, s:o, s:o, s:o, s:o}", "rate", jsonfile_num(r), "pp",
                              jsonfile_num(ok ? iv.est : NAN), "lo_pp",
                              jsonfile_num(ok ? iv.lo : NAN), "hi_pp",
                              jsonfile_num(ok ? iv.hi : NAN), "coverage_pct",
                              jsonfile_num(ok ? iv.coverage * 100 : NAN)));
    }
    return points;
}

/* The verdict at one rate from the model. */
static const char *rm_verdict(double lo, double hi, double target) {
    return hi < target ? "PASS" : lo > target ? "FAIL" : "INCONCLUSIVE";
}

/* The saturated rate's left-out check in words (" ..." or ""): predicted
 * from the paced rates alone, with the wake-ups per event it has against
 * theirs (an extrapolation when it has fewer than any of them). */
static void rm_saturated_text(const rm_arch *d, const rm_arch *n, const char *nats,
                              char *out, size_t size) {
    const rm_arch *a[2] = {d, n};
    const char *name[2] = {"direct", nats};
    char part[2][320], b[7][32];
    int have = 0, below = 1;
    out[0] = '\0';
    for (int i = 0; i < 2; i++) {
        double wlo = INFINITY, whi = 0;
        const ratefit_loo *sat = NULL;
        part[i][0] = '\0';
        for (size_t g = 0; g < a[i]->nloo; g++) {
            const ratefit_loo *l = &a[i]->loo[g];
            if (a[i]->group_rate[l->group] > 0) {
                wlo = fmin(wlo, l->wakes);
                whi = fmax(whi, l->wakes);
            } else if (l->inside >= 0) {
                sat = l;
            }
        }
        if (sat == NULL || !isfinite(wlo))
            continue;
        below &= sat->wakes < wlo;
        snprintf(part[i], sizeof part[i],
                 "%s %s (%s to %s) against %s measured, at %s wake-ups per event where the "
                 "paced rates have %s to %s",
                 name[i], an_fmt(sat->predicted * 100, b[0], 32),
                 an_fmt(sat->lo * 100, b[1], 32), an_fmt(sat->hi * 100, b[2], 32),
                 an_fmt(sat->observed * 100, b[3], 32), an_fmt(sat->wakes, b[4], 32),
                 an_fmt(wlo, b[5], 32), an_fmt(whi, b[6], 32));
        have++;
    }
    if (have == 0)
        return;
    snprintf(out, size,
             " Left out, the saturated rate is predicted from the paced rates alone "
             "(points of one core): %s%s%s.%s",
             part[0], part[0][0] && part[1][0] ? "; " : "", part[1],
             below ? " That is an extrapolation to fewer wake-ups per event than any "
                     "paced rate has."
                   : "");
}

/* The leave-one-rate-out check into 'sec': "fit_holds" (what the model may
 * be used for; also returned), "fit_text" (the Summary's sentence) and
 * "fit_detail_text" (appendix D's). */
static int rm_check(json_t *sec, const rm_arch *d, const rm_arch *n, const char *nats) {
    char fit[3072], dr[32], nr[32];
    an_fmt(d->rms * 100, dr, sizeof dr);
    an_fmt(n->rms * 100, nr, sizeof nr);
    int holds = d->inside * 5 >= (int)d->nloo * 4 && n->inside * 5 >= (int)n->nloo * 4;
    char ds[32], ns[32], sat[1024];
    an_fmt(sqrt(d->m.tau2) * 100, ds, sizeof ds);
    an_fmt(sqrt(n->m.tau2) * 100, ns, sizeof ns);
    rm_saturated_text(d, n, nats, sat, sizeof sat);
    /* The Summary's sentence, and the detail for appendix D. */
    if (holds)
        snprintf(fit, sizeof fit,
                 "Left out one at a time, %d of %zu rates for direct and %d of %zu for %s "
                 "fall inside the model's 95%% prediction intervals, which hold how far "
                 "the rates' means scatter about the model beyond their trials' spread "
                 "(%s%% and %s%%); its predictions of them miss by %s%% and %s%% (root "
                 "mean square, relative).",
                 d->inside, d->nloo, n->inside, n->nloo, nats, ds, ns, dr, nr);
    else
        snprintf(fit, sizeof fit,
                 "Left out one at a time, only %d of %zu rates for direct and %d of %zu for "
                 "%s fall inside the model's 95%% prediction intervals, missed by %s%% "
                 "and %s%% (root mean square, relative): the model does not describe CPU "
                 "against rate on this host in this run, so the curve and the crossing are "
                 "indicative; the measured points are the figures to use.",
                 d->inside, d->nloo, n->inside, n->nloo, nats, dr, nr);
    /* The two-term model's check is in appendix D's table (two_term_text). */
    json_object_set_new(sec, "fit_detail_text", json_string(sat[0] == ' ' ? sat + 1 : sat));
    json_object_set_new(sec, "fit_holds", json_boolean(holds));
    json_object_set_new(sec, "fit_text", json_string(fit));
    return holds;
}

/* The mean offered rates of 'a' that were paced (not saturated): their
 * lowest in *lo and highest in *hi (INFINITY and 0 when none). */
static void rm_paced_range(const rm_arch *a, double *lo, double *hi) {
    *lo = INFINITY;
    *hi = 0;
    for (size_t g = 0; g < a->ngroups; g++)
        if (a->group_rate[g] > 0) {
            *lo = fmin(*lo, a->mean_rate[g]);
            *hi = fmax(*hi, a->mean_rate[g]);
        }
}

void an_rate_model(ctx *c) {
    static rm_arch d, n;
    double target = c->o->target_pct;
    json_t *sec = json_object();
    json_object_set_new(c->a, "rate_model", sec);
    rm_collect(c, &d, "direct");
    rm_collect(c, &n, c->nats_arch);
    if (!d.ok || !n.ok) {
        char why[512];
        if (d.no_wakes + n.no_wakes > 0 && d.n + n.n == 0)
            snprintf(why, sizeof why,
                     "No rate model: the trial records list no threads, so the wake-ups "
                     "per event the model needs were not measured (records written before "
                     "the workloads read their threads' context switches).");
        else
            snprintf(why, sizeof why,
                 "No rate model: it needs trials at four or more rates for each "
                 "architecture, with the threads' wake-ups recorded; this run has %zu "
                 "rate%s for direct and %zu for %s (a report's rate sweep adds six, "
                 "in about 90 s: see overhead report --rate-sweep).",
                 d.ngroups, d.ngroups == 1 ? "" : "s", n.ngroups, c->nats_arch);
        json_object_set_new(sec, "available", json_false());
        json_object_set_new(sec, "why", json_string(why));
        return;
    }
    json_object_set_new(sec, "available", json_true());
    int holds = rm_check(sec, &d, &n, c->nats_arch);
    json_object_set_new(sec, "archs", json_pack("[o, o]", arch_json(&d), arch_json(&n)));
    /* The range the curve covers: the offered rates both sides were measured
     * at. Saturated trials join the fit, but each side saturates at its own
     * rate, so no overhead "at a rate" compares them. */
    double rlo, rhi, dlo, dhi;
    rm_paced_range(&d, &dlo, &dhi);
    rm_paced_range(&n, &rlo, &rhi);
    rlo = fmax(rlo, dlo);
    rhi = fmin(rhi, dhi);
    json_t *curve = json_array();
    for (int i = 0; i < RM_GRID; i++) {
        double r = rlo * pow(rhi / rlo, (double)i / (RM_GRID - 1)), lo, hi;
        double est = rm_overhead(&d, &n, r, &lo, &hi);
        json_array_append_new(curve,
                              json_pack("{s:o, s:o, s:o, s:o, s:o}", "rate", jsonfile_num(r),
                                        "pp", jsonfile_num(est), "lo_pp", jsonfile_num(lo),
                                        "hi_pp", jsonfile_num(hi), "us_per_event",
                                        jsonfile_num(est / 100 / r * 1e6)));
    }
    json_object_set_new(sec, "curve", curve);
    json_t *points = rm_points(c, &d, &n);
    json_object_set_new(sec, "points", points);
    double cross = rm_crossing(&d, &n, rlo, rhi, target, 0);
    double cross_pass = rm_crossing(&d, &n, rlo, rhi, target, +1);
    double cross_fail = rm_crossing(&d, &n, rlo, rhi, target, -1);
    char text[1024], b1[32], b2[32], b3[32];
    if (isfinite(cross)) {
        char pass[160], fail[160];
        if (isfinite(cross_pass))
            snprintf(pass, sizeof pass, "below %s events/s it meets the target",
                     an_fmt(cross_pass, b2, 32));
        else
            snprintf(pass, sizeof pass, "at no rate measured does it surely meet the target");
        if (isfinite(cross_fail))
            snprintf(fail, sizeof fail, "above %s events/s it misses it",
                     an_fmt(cross_fail, b3, 32));
        else
            snprintf(fail, sizeof fail, "at no rate measured does it surely miss it");
        snprintf(text, sizeof text,
                 "By the model the bus reaches the %g-point target at about %s events/s; "
                 "with 95%% confidence, %s, and %s.",
                 target, an_fmt(cross, b1, 32), pass, fail);
    } else {
        double lo, hi, at = rm_overhead(&d, &n, rhi, &lo, &hi);
        snprintf(text, sizeof text,
                 "The bus's overhead stays %s the %g-point target at every rate measured "
                 "(%s to %s events/s).",
                 at < target ? "below" : "above", target, an_fmt(rlo, b1, 32),
                 an_fmt(rhi, b2, 32));
    }
    json_object_set_new(sec, "crossing",
                        json_pack("{s:o, s:o, s:o, s:s}", "rate", jsonfile_num(cross),
                                  "pass_below", jsonfile_num(cross_pass), "fail_above",
                                  jsonfile_num(cross_fail), "text", text));
    json_object_set_new(sec, "range", json_pack("{s:o, s:o}", "lo", jsonfile_num(rlo), "hi",
                                                jsonfile_num(rhi)));
    double team = c->o->team_rate;
    if (team > 0) {
        double lo, hi, est = rm_overhead(&d, &n, team, &lo, &hi);
        int inside = team >= rlo && team <= rhi;
        const char *v = rm_verdict(lo, hi, target);
        char b4[32];
        snprintf(text, sizeof text,
                 "At %g events/s the bus adds %s points of one core (95%% interval %s to "
                 "%s), %s us per event: %s against the %g-point target.%s%s",
                 team, an_fmt(est, b1, 32), an_fmt(lo, b2, 32), an_fmt(hi, b3, 32),
                 an_fmt(est / 100 / team * 1e6, b4, 32), v, target,
                 inside ? ""
                        : " That rate lies outside the measured range: the figure is an "
                          "extrapolation of the model.",
                 holds ? ""
                       : " The model failed its leave-one-out check in this run, so this "
                         "verdict is indicative only.");
        json_object_set_new(sec, "team",
                            json_pack("{s:o, s:o, s:o, s:o, s:s, s:b, s:b, s:s}", "rate",
                                      jsonfile_num(team), "pp", jsonfile_num(est), "lo_pp",
                                      jsonfile_num(lo), "hi_pp", jsonfile_num(hi), "verdict",
                                      v, "inside_range", inside, "model_holds", holds,
                                      "text", text));
    }
    json_object_set_new(an_charts(c), "rate",
                    json_pack("{s:O, s:O, s:o, s:o, s:o, s:s}", "curve", curve, "points",
                              points, "target_pp", jsonfile_num(target), "team_rate",
                              jsonfile_num(team > 0 ? team : NAN), "crossing",
                              jsonfile_num(cross), "caption",
                              "Overhead (NATS minus direct) in points of one core against "
                              "the event rate: measured points with their intervals, the "
                              "model's curve and 95% band, the target line."));
}
