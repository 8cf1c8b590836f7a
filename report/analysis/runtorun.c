/* analysis: how far the headline moves from one run to the next on this
 * host, beside the headline ("run_to_run").
 *
 * A run's interval covers what differs between its rounds; what a whole run
 * shares (the host's state over minutes) it cannot see. `overhead repeat`
 * measures that part from several runs of the default plan (runvar.h:
 * random effects, tau the between-run standard deviation of ln(1 +
 * overhead)) and writes it as overhead.repeatability/1. Given that file
 * (analysis_options.repeatability), this section states tau in points at
 * this run's estimate, Cochran's Q test of "no run component", and this
 * run's interval widened to z * sqrt(se^2 + tau^2) on the log scale, where
 * se is this run's own standard error from its interval; and says whether the
 * per-event verdict holds with it. The file is applied only when it was
 * measured on the host this run names (hardware text equal), else the
 * section says so. Without the file the section says the component is not
 * measured and how to measure it. */
#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonfile.h"
#include "runvar.h"
#include "stats.h"

/* The runs' headline figures ("89.1%, 94.9%") in 'buf'. */
static void runs_list(json_t *runs, char *buf, size_t size) {
    size_t i, n = 0;
    json_t *r;
    buf[0] = '\0';
    json_array_foreach(runs, i, r) {
        char b[32];
        double o = an_jnum(r, "overhead");
        if (!isfinite(o))
            continue;
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s%%", n ? ", " : "",
                              an_fmt(o * 100, b, sizeof b));
        if (n >= size)
            break;
    }
}

/* The date (YYYY-MM-DD) of the runs' first and last: from the run's id
 * (YYYYMMDDTHHMMSSZ, when it was measured), else from "generated". */
static void runs_dates(json_t *runs, char *first, char *last, size_t size) {
    size_t i;
    json_t *r;
    first[0] = last[0] = '\0';
    json_array_foreach(runs, i, r) {
        const char *id = an_jstr(r, "run"), *g = an_jstr(r, "generated");
        char d[16];
        if (id != NULL && strlen(id) >= 8 && strspn(id, "0123456789") >= 8)
            snprintf(d, sizeof d, "%.4s-%.2s-%.2s", id, id + 4, id + 6);
        else if (g != NULL)
            snprintf(d, sizeof d, "%.10s", g);
        else
            continue;
        if (first[0] == '\0')
            snprintf(first, size, "%s", d);
        snprintf(last, size, "%s", d);
    }
}

int an_run_to_run(ctx *c) {
    json_t *sec = json_object();
    const char *path = c->o->repeatability;
    const char *host = an_jstr(c->a, "hardware.text");
    json_object_set_new(sec, "measured", json_false());
    if (path == NULL) {
        json_object_set_new(
            sec, "text",
            json_string("How far the headline moves from one run to the next on this host "
                        "is not measured here: its interval covers this run's rounds, not "
                        "what a whole run shares (the host's state over minutes). make "
                        "repeat measures it from repeated default reports, and the next "
                        "report states it."));
        json_object_set_new(c->a, "run_to_run", sec);
        return 0;
    }
    json_t *doc = NULL;
    if (jsonfile_load(&doc, path, 0, c->err) != 0) {
        json_decref(sec);
        return -1;
    }
    const char *schema = an_jstr(doc, "schema");
    double tau = an_jnum(doc, "headline.tau");
    json_t *runs = an_jget(doc, "runs");
    if (schema == NULL || strcmp(schema, "overhead.repeatability/1") != 0 ||
        !json_is_array(runs) || !(tau >= 0) ||
        strcmp(an_jstr(doc, "headline.scale") ? an_jstr(doc, "headline.scale") : "",
               "log1p") != 0) {
        error_set(c->err, ERR_INPUT,
                  "%s: not a repeatability file (overhead.repeatability/1 with "
                  "headline.tau on the log1p scale), as `overhead repeat` writes",
                  path);
        json_decref(doc);
        json_decref(sec);
        return -1;
    }
    const char *fhost = an_jstr(doc, "hardware.text");
    int same_host = json_is_true(json_object_get(doc, "same_host"));
    size_t k = json_array_size(runs);
    char list[256], d0[16], d1[16], text[1400], kb[32];
    runs_list(runs, list, sizeof list);
    runs_dates(runs, d0, d1, sizeof d0);
    char when[40];
    if (strcmp(d0, d1) == 0)
        snprintf(when, sizeof when, "on %s", d0);
    else
        snprintf(when, sizeof when, "from %s to %s", d0, d1);
    json_object_set_new(sec, "runs", json_integer((json_int_t)k));
    json_object_set_new(sec, "runs_overhead_pct_text", json_string(list));
    json_object_set_new(sec, "hardware", fhost ? json_string(fhost) : json_null());
    int applies = same_host && fhost != NULL && host != NULL && strcmp(fhost, host) == 0;
    json_object_set_new(sec, "host_matches", json_boolean(applies));
    if (!applies) {
        snprintf(text, sizeof text,
                 "A run-to-run measurement exists (%s, %s %s) but %s, so it is not "
                 "applied to this run on %s: make repeat measures it here.",
                 an_count(k, "run", "runs", kb, sizeof kb), when,
                 fhost ? fhost : "an unnamed host",
                 same_host ? "on another host" : "its runs come from different hosts",
                 host ? host : "an unnamed host");
        json_object_set_new(sec, "text", json_string(text));
        json_object_set_new(c->a, "run_to_run", sec);
        json_decref(doc);
        return 0;
    }
    const compare *h = &c->h;
    double cov = h->ok ? h->iv.coverage : NAN;
    double y = log1p(h->ratio);
    double se = h->ok ? runvar_se(log1p(h->lo), log1p(h->hi), cov) : NAN;
    double z = stats_normal_quantile(0.975);
    double wide = sqrt(se * se + tau * tau);
    double lo = expm1(y - z * wide), hi = expm1(y + z * wide);
    double tau_pts = 100 * (1 + h->ratio) * tau, se_pts = 100 * (1 + h->ratio) * se;
    double share = tau * tau / (tau * tau + se * se);
    double q_p = an_jnum(doc, "headline.q_p");
    double mean = expm1(an_jnum(doc, "headline.mean")),
           mlo = expm1(an_jnum(doc, "headline.lo")),
           mhi = expm1(an_jnum(doc, "headline.hi"));
    const char *verdict = lo > c->target ? "FAIL" : hi < c->target ? "PASS" : "INCONCLUSIVE";
    json_object_set_new(sec, "measured", json_true());
    json_object_set_new(sec, "tau_pts", jsonfile_num(tau_pts));
    json_object_set_new(sec, "se_pts", jsonfile_num(se_pts));
    json_object_set_new(sec, "share", jsonfile_num(share));
    json_object_set_new(sec, "q_p", jsonfile_num(q_p));
    json_object_set_new(sec, "lo_pct", jsonfile_num(lo * 100));
    json_object_set_new(sec, "hi_pct", jsonfile_num(hi * 100));
    json_object_set_new(sec, "level_pct", jsonfile_num(mean * 100));
    json_object_set_new(sec, "level_lo_pct", jsonfile_num(mlo * 100));
    json_object_set_new(sec, "level_hi_pct", jsonfile_num(mhi * 100));
    json_object_set_new(sec, "verdict", json_string(verdict));
    char t1[32], t2[32], t3[32], iv[80];
    snprintf(iv, sizeof iv, "%s%% to %s%%", an_fmt(lo * 100, t1, sizeof t1),
             an_fmt(hi * 100, t2, sizeof t2));
    json_object_set_new(sec, "interval_text", json_string(iv));
    json_object_set_new(sec, "tau_text", json_string(an_fmt(tau_pts, t3, sizeof t3)));
    char b[8][32], vclause[64];
    if (c->verdict != NULL && strcmp(verdict, c->verdict) == 0)
        snprintf(vclause, sizeof vclause, "holds (%s)", verdict);
    else
        snprintf(vclause, sizeof vclause, "would be %s", verdict);
    snprintf(text, sizeof text,
             "Run to run on this host (%s of the default report %s: %s; overhead repeat): "
             "the headline moves by a standard deviation of %s points beyond what each "
             "run's own interval allows (Cochran's Q: p = %.2g); against this run's own "
             "standard error of %s points, that is %.0f%% of one run's variance. Allowing for it, this run's 95%% "
             "interval is %s%% to %s%% (half-width %s points%s; more rounds in one run do "
             "not narrow this part, more runs do), and the per-event verdict %s. The runs' common "
             "level: %s%% (%s%% to %s%%, Hartung-Knapp).",
             an_count(k, "run", "runs", kb, sizeof kb), when, list,
             an_fmt(tau_pts, b[0], 32), q_p, an_fmt(se_pts, b[2], 32), 100 * share,
             an_fmt(lo * 100, b[3], 32),
             an_fmt(hi * 100, b[4], 32), an_fmt((hi - lo) * 50, b[1], 32),
             (hi - lo) * 50 > 5 ? ", wider than the headline's 5-point goal" : "",
             vclause, an_fmt(mean * 100, b[5], 32),
             an_fmt(mlo * 100, b[6], 32), an_fmt(mhi * 100, b[7], 32));
    json_object_set_new(sec, "text", json_string(text));
    json_object_set_new(c->a, "run_to_run", sec);
    json_decref(doc);
    return 0;
}
