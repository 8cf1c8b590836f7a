/* analysis: how far the figures can be trusted, from the run itself.
 *
 *   hardware   the host the figures hold for (CPU model, CPUs,
 *              virtualisation), for the report's first lines: the same
 *              source and plan give different overheads on different hosts;
 *   machine    how quiet the machine was over each trial (CPU of processes
 *              outside the trial, steal time; quiet.h), the worst seen, the
 *              trials above the thresholds;
 *   precision  variance components in the manner of Kalibera and Jones
 *              ("Rigorous benchmarking in reasonable time", ISMM 2013): of
 *              log CPU per event over the saturated rounds' unprofiled arms,
 *              a two-way analysis without replication (arm x round) splits
 *              the spread into between rounds (the machine drifting, shared
 *              by every arm of a round: pairing cancels it) and between
 *              trials within a round (the residual, which also holds the
 *              noise within a trial); the rounds the goals need (headline
 *              half-width <= AN_GOAL_HEADLINE_PTS points, every variant saving
 *              <= AN_GOAL_VARIANT_US us/event) from the paired SDs, and the
 *              time that takes at the run's own pace. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "stats.h"

#define QUIET_OUTSIDE_PCT 25.0 /* outside CPU above this (% of one core): flagged */
#define QUIET_STEAL_PCT   5.0  /* steal above this (% of one core): flagged */
#define QUIET_LIST_MAX    20   /* flagged trials listed */
#define PREC_MAX_ARMS     16


/* c->a "hardware". */
static void hardware(ctx *c) {
    json_t *host = an_jget(c->runj, "host");
    const char *model = an_jstr(host, "cpu_model");
    double cpus = an_jnum(host, "cpus");
    const char *virt = an_jstr(host, "virtualization");
    char text[512], b[32] = "?";
    if (isfinite(cpus))
        snprintf(b, sizeof b, "%.0f", cpus);
    snprintf(text, sizeof text, "%s, %s CPU%s, %s", model ? model : "unknown CPU", b,
             cpus == 1 ? "" : "s", virt ? virt : "virtualisation not recorded");
    json_object_set_new(c->a, "hardware",
                        json_pack("{s:o, s:o, s:o, s:s}", "cpu_model",
                                  model ? json_string(model) : json_null(), "cpus",
                                  isfinite(cpus) ? json_integer((json_int_t)cpus)
                                                 : json_null(),
                                  "virtualization",
                                  virt ? json_string(virt) : json_null(), "text", text));
}

static int flagged_trial(const trial *t) {
    return (isfinite(t->outside_pct) && t->outside_pct > QUIET_OUTSIDE_PCT) ||
           (isfinite(t->steal_pct) && t->steal_pct > QUIET_STEAL_PCT);
}

/* Is there a flagged trial in 'g' measured in t's run and round? */
static int round_flagged(const group *g, const trial *t) {
    for (size_t i = 0; i < g->n; i++) {
        const trial *u = g->t[i];
        if (u->round == t->round && t->round > 0 && strcmp(u->dir, t->dir) == 0 &&
            flagged_trial(u))
            return 1;
    }
    return 0;
}

/* The headline again without the rounds whose direct or NATS trial was
 * flagged, into m's "without_flagged": does a noisy machine move it? */
static void without_flagged(ctx *c, json_t *m) {
    c->g1->n = c->g2->n = 0;
    for (int side = 0; side < 2; side++) {
        const group *g = side ? c->gn : c->gd, *other = side ? c->gd : c->gn;
        group *out = side ? c->g2 : c->g1;
        for (size_t i = 0; i < g->n; i++) {
            const trial *t = g->t[i];
            if (flagged_trial(t) || round_flagged(other, t))
                continue;
            out->t[out->n] = g->t[i];
            out->v[out->n++] = g->v[i];
        }
    }
    char text[512], b[3][32], cnt[48];
    size_t dd = c->gd->n - c->g1->n, dn = c->gn->n - c->g2->n;
    size_t dropped = dd > dn ? dd : dn;
    if (dropped == 0) {
        json_object_set_new(m, "without_flagged",
                            json_pack("{s:i, s:s}", "rounds_dropped", 0, "text",
                                      "No headline trial was flagged."));
        return;
    }
    compare r = an_compare(c, c->g1, c->g2);
    if (!r.ok) {
        snprintf(text, sizeof text,
                 "Without the flagged headline trials too few remain for an interval "
                 "(%zu direct, %zu NATS).",
                 c->g1->n, c->g2->n);
        json_object_set_new(m, "without_flagged",
                            json_pack("{s:I, s:s}", "rounds_dropped", (json_int_t)dropped,
                                      "text", text));
        return;
    }
    int inside = r.ratio >= c->h.lo && r.ratio <= c->h.hi;
    snprintf(text, sizeof text,
             "Without the rounds whose direct or NATS trial was flagged (%s fewer), "
             "the headline is %s%% (%s%% to %s%%, %zu + %zu trials): %s.",
             an_count(dropped, r.paired ? "paired round" : "trial a side",
                      r.paired ? "paired rounds" : "trials a side", cnt, sizeof cnt),
             an_fmt(r.ratio * 100, b[0], 32),
             an_fmt(r.lo * 100, b[1], 32), an_fmt(r.hi * 100, b[2], 32), c->g1->n,
             c->g2->n,
             inside ? "inside the headline's interval, so the flagged trials do not move it"
                    : "outside the headline's interval: the flagged trials move it, and "
                      "the figures rest on a machine that was not quiet");
    json_object_set_new(
        m, "without_flagged",
        json_pack("{s:I, s:o, s:o, s:o, s:b, s:s}", "rounds_dropped", (json_int_t)dropped,
                  "overhead_pct", jsonfile_num(r.ratio * 100), "ci_lo_pct",
                  jsonfile_num(r.lo * 100), "ci_hi_pct", jsonfile_num(r.hi * 100),
                  "inside_headline", inside, "text", text));
}

/* c->a "machine": the quietness of every trial analysed. */
static void machine(ctx *c) {
    double outside[MAX_TRIALS];
    size_t n = 0, nflag = 0;
    const trial *wo = NULL, *ws = NULL;
    json_t *flagged = json_array();
    for (size_t i = 0; i < c->nt; i++) {
        const trial *t = &c->t[i];
        if (!isfinite(t->outside_pct))
            continue;
        outside[n++] = t->outside_pct;
        if (wo == NULL || t->outside_pct > wo->outside_pct)
            wo = t;
        if (isfinite(t->steal_pct) && (ws == NULL || t->steal_pct > ws->steal_pct))
            ws = t;
        if (t->outside_pct > QUIET_OUTSIDE_PCT ||
            (isfinite(t->steal_pct) && t->steal_pct > QUIET_STEAL_PCT)) {
            if (nflag++ < QUIET_LIST_MAX)
                json_array_append_new(
                    flagged, json_pack("{s:i, s:s, s:o, s:o}", "trial", t->index, "tag",
                                       t->tag ? t->tag : t->arch, "outside_pct",
                                       an_fnum(t->outside_pct), "steal_pct",
                                       an_fnum(t->steal_pct)));
        }
    }
    if (n == 0) {
        json_decref(flagged);
        json_object_set_new(
            c->a, "machine",
            json_pack("{s:b, s:s}", "measured", 0, "text",
                      "The records do not say how quiet the machine was (runs before "
                      "the machine's CPU was recorded per trial)."));
        return;
    }
    double med = stats_median(outside, n);
    char text[1024], b[4][32];
    int k = snprintf(text, sizeof text,
                     "Over each trial, other processes used %s%% of one core at the median "
                     "and %s%% at worst (trial %d, %s); steal time was %s%% of one core at "
                     "worst. ",
                     an_fmt(med, b[0], 32), an_fmt(wo->outside_pct, b[1], 32), wo->index,
                     wo->tag ? wo->tag : wo->arch,
                     an_fmt(ws ? ws->steal_pct : NAN, b[2], 32));
    size_t at = k > 0 && (size_t)k < sizeof text ? (size_t)k : 0;
    if (nflag == 0)
        snprintf(text + at, sizeof text - at,
                 "No trial was above %g%% outside CPU or %g%% steal.", QUIET_OUTSIDE_PCT,
                 QUIET_STEAL_PCT);
    else
        snprintf(text + at, sizeof text - at,
                 "%zu of %zu trials %s above %g%% outside CPU or %g%% steal%s; %s kept "
                 "(the paired rounds cancel what a round shares).",
                 nflag, n, nflag == 1 ? "was" : "were", QUIET_OUTSIDE_PCT,
                 QUIET_STEAL_PCT, nflag > QUIET_LIST_MAX ? " (the first 20 are listed)" : "",
                 nflag == 1 ? "it was" : "they were");
    json_object_set_new(
        c->a, "machine",
        json_pack("{s:b, s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:s}", "measured",
                  1, "trials", (json_int_t)n, "median_outside_pct", an_fnum(med),
                  "worst_outside_pct", an_fnum(wo->outside_pct), "worst_steal_pct",
                  an_fnum(ws ? ws->steal_pct : NAN), "worst_outside_trial",
                  json_integer(wo->index), "flagged_count", (json_int_t)nflag,
                  "outside_threshold_pct", jsonfile_num(QUIET_OUTSIDE_PCT),
                  "steal_threshold_pct", jsonfile_num(QUIET_STEAL_PCT), "flagged",
                  flagged, "text", text));
    json_object_set_new(json_object_get(c->a, "machine"), "has_flagged",
                        json_boolean(nflag > 0));
    without_flagged(c, json_object_get(c->a, "machine"));
}

/* The unprofiled saturated arms of the headline's shared rounds: arm names
 * (tags) and, per round, log CPU per event; complete rounds only. */
typedef struct arms {
    const char *tag[PREC_MAX_ARMS];
    size_t na;
    const char *dir;
    int rounds; /* the largest round number */
    double *y;  /* y[(round - 1) * na + arm], NAN when missing */
    double *wall; /* wall seconds of every trial of a round, summed */
    double *d;    /* d[(round - 1) * na + arm]: trial.half_log_ratio, NAN when missing */
} arms;

static int arm_of(arms *a, const char *tag) {
    for (size_t i = 0; i < a->na; i++)
        if (strcmp(a->tag[i], tag) == 0)
            return (int)i;
    if (a->na == PREC_MAX_ARMS)
        return -1;
    a->tag[a->na] = tag;
    return (int)a->na++;
}

/* Fill 'a' from the main run's trials at the headline storage. */
static int arms_collect(ctx *c, arms *a) {
    memset(a, 0, sizeof *a);
    a->dir = c->gn->t[0]->dir;
    for (size_t i = 0; i < c->nt; i++) {
        const trial *t = &c->t[i];
        if (strcmp(t->dir, a->dir) != 0 || t->rate > 0 || t->aa_group)
            continue;
        if (t->round > a->rounds)
            a->rounds = t->round;
        if (!t->profiled && t->round > 0)
            arm_of(a, t->tag);
    }
    if (a->rounds < 3 || a->na < 2)
        return -1;
    a->y = malloc((size_t)a->rounds * a->na * sizeof *a->y);
    a->wall = calloc((size_t)a->rounds, sizeof *a->wall);
    a->d = malloc((size_t)a->rounds * a->na * sizeof *a->d);
    if (a->y == NULL || a->wall == NULL || a->d == NULL)
        return -1;
    for (size_t k = 0; k < (size_t)a->rounds * a->na; k++)
        a->y[k] = a->d[k] = NAN;
    for (size_t i = 0; i < c->nt; i++) {
        const trial *t = &c->t[i];
        if (strcmp(t->dir, a->dir) != 0 || t->rate > 0 || t->aa_group || t->round <= 0)
            continue;
        a->wall[t->round - 1] += t->wall_s;
        int k = t->profiled ? -1 : arm_of(a, t->tag);
        if (k >= 0 && t->per_event_us > 0) {
            a->y[(size_t)(t->round - 1) * a->na + (size_t)k] = log(t->per_event_us);
            a->d[(size_t)(t->round - 1) * a->na + (size_t)k] = t->half_log_ratio;
        }
    }
    return 0;
}

/* The noise within a trial, from the split halves of the complete rounds'
 * trials: per arm the variance of d = ln(second half's CPU per event / the
 * first's) over its trials; a trial's log mean is about the mean of its
 * halves' logs, so its variance from within is var(d) / 4 (independent
 * halves of equal noise), averaged over the arms. NAN unless every arm has
 * at least 3 split trials. *drift: the median d over every split trial
 * (second half against the first), *n: how many. */
static double within_trial(const arms *a, const int *full, double *drift, size_t *n) {
    size_t A = a->na, R = (size_t)a->rounds;
    double *all = malloc(R * A * sizeof *all), *one = malloc(R * sizeof *one), sum = 0;
    int ok = all != NULL && one != NULL;
    *n = 0;
    *drift = NAN;
    for (size_t k = 0; ok && k < A; k++) {
        size_t m = 0;
        for (size_t r = 0; r < R; r++)
            if (full[r] && isfinite(a->d[r * A + k]))
                one[m++] = all[(*n)++] = a->d[r * A + k];
        if (m < 3) {
            ok = 0;
            break;
        }
        double mean = 0, ss = 0;
        for (size_t i = 0; i < m; i++)
            mean += one[i] / (double)m;
        for (size_t i = 0; i < m; i++)
            ss += (one[i] - mean) * (one[i] - mean);
        sum += ss / (double)(m - 1) / 4;
    }
    if (ok)
        *drift = stats_median(all, *n);
    free(all);
    free(one);
    return ok && A > 0 ? sum / (double)A : NAN;
}

/* The components' text up to the between-trials part (its length): 'v_trials'
 * is the variance between trials within a round. */
static size_t components_lead(char *text, size_t size, size_t R, size_t A, double v_round,
                              double v_trials, double total) {
    char b[4][32];
    int n = snprintf(
        text, size,
        "Variance of log CPU per event over %zu complete rounds of %zu unprofiled arms "
        "(Kalibera and Jones): between rounds %s%% of the total (SD %s%%), between "
        "trials within a round %s%% (SD %s%%)",
        R, A, an_fmt(total > 0 ? v_round / total * 100 : NAN, b[0], 32),
        an_fmt(sqrt(v_round) * 100, b[1], 32),
        an_fmt(total > 0 ? v_trials / total * 100 : NAN, b[2], 32),
        an_fmt(sqrt(v_trials) * 100, b[3], 32));
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* The components' text and fields when the trials were split in halves:
 * the residual 'v_res' holds the noise within a trial 'v_trial' (at most all
 * of it); the rest of it is between trials of a round. */
static json_t *components_split(char *text, size_t size, size_t R, size_t A, double v_round,
                                double v_res, double v_trial, double drift, size_t nd) {
    double total = v_round + v_res;
    char b[5][32];
    json_t *out;
    double v_in = v_trial < v_res ? v_trial : v_res, v_btw = v_res - v_in;
    const char *dominant = v_round >= v_btw && v_round >= v_in ? "between rounds"
                           : v_btw >= v_in ? "between trials within a round"
                                           : "within a trial";
    size_t k = components_lead(text, size, R, A, v_round, v_btw, total);
    snprintf(
        text + k, size - k,
        ", within a trial %s%% (SD %s%%, from "
        "the two halves of each of %zu trials). The largest part is %s. %s Twice the "
        "events per trial would take the SD within a round from %s%% to about %s%%. "
        "In the median trial the second half of the events costs %s%% %s per event "
        "than the first.",
        an_fmt(total > 0 ? v_in / total * 100 : NAN, b[0], 32),
        an_fmt(sqrt(v_in) * 100, b[1], 32), nd, dominant,
        v_round >= v_btw && v_round >= v_in
            ? "The machine drifts between rounds more than trials differ: pairing "
              "within rounds removes the largest part."
        : v_btw >= v_in
            ? "Trials of one round differ by more than a trial's own noise: more "
              "rounds narrow the intervals; longer trials shrink only the part "
              "within a trial."
            : "A trial's own noise is the largest part: it falls with the events per "
              "trial, so longer trials narrow the intervals as much as more rounds.",
        an_fmt(sqrt(v_res) * 100, b[2], 32), an_fmt(sqrt(v_btw + v_in / 2) * 100, b[3], 32),
        an_fmt(fabs(expm1(drift)) * 100, b[4], 32), drift >= 0 ? "more" : "less");
    out = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "var_within_trial",
                    jsonfile_num(v_in), "var_between_trials", jsonfile_num(v_btw),
                    "within_trial_pct", an_fnum(total > 0 ? v_in / total * 100 : NAN),
                    "between_trials_pct",
                    an_fnum(total > 0 ? v_btw / total * 100 : NAN),
                    "sd_within_trial_pct", an_fnum(sqrt(v_in) * 100),
                    "half_drift_pct", an_fnum(expm1(drift) * 100), "half_trials",
                    (json_int_t)nd);
    json_object_set_new(out, "dominant", json_string(dominant));
    return out;
}

/* Two-way analysis without replication over the complete rounds: variance
 * of log CPU between rounds and residual (between trials within a round). */
static json_t *components(const arms *a, double *sec_per_round) {
    size_t R = 0, A = a->na;
    double *rowm = calloc((size_t)a->rounds, sizeof *rowm), *colm = calloc(A, sizeof *colm);
    int *full = calloc((size_t)a->rounds, sizeof *full);
    double grand = 0, walls[4096];
    size_t nw = 0;
    json_t *out = NULL;
    if (rowm == NULL || colm == NULL || full == NULL)
        goto done;
    for (int r = 0; r < a->rounds; r++) {
        full[r] = 1;
        for (size_t k = 0; k < A; k++)
            full[r] &= isfinite(a->y[(size_t)r * A + k]);
        if (!full[r])
            continue;
        R++;
        if (nw < 4096)
            walls[nw++] = a->wall[r];
        for (size_t k = 0; k < A; k++) {
            rowm[r] += a->y[(size_t)r * A + k] / (double)A;
            colm[k] += a->y[(size_t)r * A + k];
        }
    }
    if (R < 3)
        goto done;
    for (size_t k = 0; k < A; k++) {
        colm[k] /= (double)R;
        grand += colm[k] / (double)A;
    }
    double ss_round = 0, ss_res = 0;
    for (int r = 0; r < a->rounds; r++) {
        if (!full[r])
            continue;
        ss_round += (double)A * (rowm[r] - grand) * (rowm[r] - grand);
        for (size_t k = 0; k < A; k++) {
            double e = a->y[(size_t)r * A + k] - rowm[r] - colm[k] + grand;
            ss_res += e * e;
        }
    }
    double ms_round = ss_round / (double)(R - 1);
    double ms_res = ss_res / (double)((R - 1) * (A - 1));
    double v_round = (ms_round - ms_res) / (double)A;
    if (v_round < 0)
        v_round = 0;
    double v_res = ms_res, total = v_round + v_res;
    *sec_per_round = stats_median(walls, nw);
    double drift = NAN;
    size_t nd = 0;
    double v_trial = within_trial(a, full, &drift, &nd);
    char text[1600];
    if (isfinite(v_trial)) {
        out = components_split(text, sizeof text, R, A, v_round, v_res, v_trial, drift, nd);
    } else {
        const char *dominant =
            v_round > v_res ? "between rounds" : "between trials within a round";
        size_t k = components_lead(text, sizeof text, R, A, v_round, v_res, total);
        snprintf(
            text + k, sizeof text - k,
            ". The larger part is %s. %s Noise within "
            "a trial is not separated here: it is part of the within-round part.",
            dominant,
            v_round > v_res
                ? "The machine drifts between rounds more than trials differ within one: "
                  "pairing within rounds removes the larger part, and more rounds (not "
                  "longer trials) narrow what is left."
                : "Trials differ within a round more than rounds drift: pairing helps less, "
                  "and more rounds or longer trials (if the noise is within the trial) "
                  "narrow the intervals.");
        out = json_pack("{s:s}", "dominant", dominant);
    }
    json_t *base = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "rounds",
                    (json_int_t)R, "arms", (json_int_t)A, "var_between_rounds",
                    jsonfile_num(v_round), "var_within_round", jsonfile_num(v_res),
                    "between_rounds_pct",
                    an_fnum(total > 0 ? v_round / total * 100 : NAN), "within_round_pct",
                    an_fnum(total > 0 ? v_res / total * 100 : NAN), "sd_between_rounds_pct",
                    an_fnum(sqrt(v_round) * 100), "sd_within_round_pct",
                    an_fnum(sqrt(v_res) * 100), "text", text);
    if (base != NULL && out != NULL)
        json_object_update(base, out);
    json_decref(out);
    out = base;
done:
    free(rowm);
    free(colm);
    free(full);
    return out;
}

/* The rounds each goal needs from the paired SDs, and the time it takes. */
static json_t *sizing(ctx *c, double sec_per_round, size_t have) {
    const compare *h = &c->h;
    double half_pts = h->ok ? (h->hi - h->lo) / 2 * 100 : NAN;
    long need_h = h->ok ? an_trials_for_half(h, AN_GOAL_HEADLINE_PTS / 100 / (1 + h->ratio))
                        : -1;
    double worst_half = NAN;
    long need_v = 0;
    const char *worst = NULL;
    json_t *rows = json_object_get(json_object_get(c->a, "optimization"), "variants"), *r;
    size_t i;
    json_array_foreach(rows, i, r) {
        double hw = an_jnum(r, "ci_half_us");
        if (isfinite(hw) && (!isfinite(worst_half) || hw > worst_half)) {
            worst_half = hw;
            worst = an_jstr(r, "name");
        }
        /* the per-round SD of the saving, from its paired t interval */
        json_t *alt = an_jget(r, "interval.alternative");
        double lo = alt ? atof(an_jstr(alt, "lo") ? an_jstr(alt, "lo") : "nan") : NAN;
        double hi = alt ? atof(an_jstr(alt, "hi") ? an_jstr(alt, "hi") : "nan") : NAN;
        size_t np = (size_t)an_jnum(r, "pairs");
        if (np >= 2 && isfinite(lo) && isfinite(hi)) {
            double sd = (hi - lo) / 2 / stats_t_quantile(1 - (1 - CONFIDENCE) / 2,
                                                         (double)(np - 1)) *
                        sqrt((double)np);
            long n = stats_pairs_for_half(sd, AN_GOAL_VARIANT_US, CONFIDENCE);
            if (n < 0 || n > need_v)
                need_v = n < 0 ? -1 : n;
        }
    }
    long need = need_h < 0 || need_v < 0 ? -1 : need_h > need_v ? need_h : need_v;
    int met = isfinite(half_pts) && half_pts <= AN_GOAL_HEADLINE_PTS &&
              (!isfinite(worst_half) || worst_half <= AN_GOAL_VARIANT_US);
    char text[1200], b[6][32], widest[200] = "no variants were measured";
    if (worst != NULL)
        snprintf(widest, sizeof widest,
                 "the widest variant interval is +/-%s us/event (%s)",
                 an_fmt(worst_half, b[1], 32), worst);
    snprintf(text, sizeof text,
             "Goal: headline half-width <= %g points and every variant saving <= %g "
             "us/event. Here: +/-%s points after %zu %s; %s. %s",
             AN_GOAL_HEADLINE_PTS, AN_GOAL_VARIANT_US, an_fmt(half_pts, b[0], 32), have,
             c->h.paired ? "paired rounds" : "trials a side", widest,
             met ? "Both goals are met." : "");
    if (!met && need > 0) {
        size_t n = strlen(text);
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "From the %s SDs, about %ld %s would meet both (headline "
                              "%ld, variants %ld)",
                              c->h.paired ? "paired" : "per-trial", need,
                              c->h.paired ? "rounds" : "trials a side", need_h, need_v);
        if (isfinite(sec_per_round) && n < sizeof text)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  ", about %s s of saturated rounds at this run's %s s "
                                  "per round",
                                  an_fmt((double)need * sec_per_round, b[2], 32),
                                  an_fmt(sec_per_round, b[3], 32));
        if (n < sizeof text)
            snprintf(text + n, sizeof text - n, ".");
    }
    return json_pack("{s:b, s:o, s:o, s:s?, s:I, s:I, s:I, s:o, s:o, s:s}", "goal_met",
                     met, "headline_half_pts", jsonfile_num(half_pts),
                     "widest_variant_half_us", jsonfile_num(worst_half), "widest_variant",
                     worst, "rounds_needed_headline", (json_int_t)need_h,
                     "rounds_needed_variants", (json_int_t)need_v, "rounds_needed",
                     (json_int_t)need, "seconds_per_round", jsonfile_num(sec_per_round),
                     "seconds_needed",
                     jsonfile_num(need > 0 ? (double)need * sec_per_round : NAN), "text",
                     text);
}

/* c->a "precision". */
static void precision(ctx *c) {
    arms a;
    double spr = NAN;
    json_t *comp = NULL;
    if (arms_collect(c, &a) == 0)
        comp = components(&a, &spr);
    json_t *p = json_object();
    json_object_set_new(p, "components",
                        comp ? comp
                             : json_pack("{s:s}", "text",
                                         "No variance components: fewer than 3 complete "
                                         "rounds of at least 2 unprofiled arms."));
    size_t have = c->h.paired ? c->h.npairs : (c->gd->n < c->gn->n ? c->gd->n : c->gn->n);
    json_object_set_new(p, "sizing", sizing(c, spr, have));
    json_object_set_new(c->a, "precision", p);
    free(a.y);
    free(a.wall);
    free(a.d);
}

void an_precision(ctx *c) {
    hardware(c);
    machine(c);
    precision(c);
}
