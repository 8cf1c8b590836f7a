/* analysis: the verdicts and the figures they rest on: the headline from
 * unprofiled trials and the profiler's own effect, CPU at the chat rate in
 * points of one core with its own verdict, the A/A noise floor from paired
 * adjacent trials, and trials whose sample counts their CPU cannot explain
 * (the quoted reference figure is reference.c's). */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

/* A planning figure: rounds (or trials per side) that more measurement
 * could plausibly add. Beyond this many times what was run, the estimate
 * sits too close to the target for more rounds to settle the verdict. */
#define NEED_PLAUSIBLE_FACTOR 10

/* PASS / FAIL / INCONCLUSIVE of interval r against 'target' (in r's units:
 * a ratio for ratios, points for shifts), in words in 'text' (with the
 * interval) and in 'why' (the reason alone, for a text that states the
 * interval elsewhere). 'unit' is "%" or " points"; 'scale' turns r's values
 * into those units. 'need' is the rounds that would settle it (<= 0:
 * unknown); it is stated only when it is a plausible plan. */
static const char *decide(const compare *r, double target, double scale, const char *unit,
                          long need, char *text, size_t size, char *why, size_t wsize) {
    char b1[32], b2[32], b3[32], note[256], tail[256], wtail[256];
    an_interval_note(r, note, sizeof note);
    const char *lo = an_fmt(r->lo * scale, b1, sizeof b1);
    const char *hi = an_fmt(r->hi * scale, b2, sizeof b2);
    const char *est = an_fmt(r->ratio * scale, b3, sizeof b3);
    if (!r->ok || r->iv.short_of_level) {
        snprintf(text, size, "no verdict: %s (the estimate is %s%s)", note, est, unit);
        snprintf(why, wsize, "no verdict: %s", note);
        return "INCONCLUSIVE";
    }
    if (r->lo > target || r->hi < target) {
        int fail = r->lo > target;
        snprintf(text, size,
                 "the whole 95%% interval (%s%s to %s%s; %s) lies %s the %g%s target", lo,
                 unit, hi, unit, note, fail ? "above" : "below", target * scale, unit);
        snprintf(why, wsize, "the whole 95%% interval lies %s the %g%s target",
                 fail ? "above" : "below", target * scale, unit);
        return fail ? "FAIL" : "PASS";
    }
    /* 'why' goes beside the estimate and its interval: it names neither */
    size_t have = r->paired ? r->npairs : (r->iv.na < r->iv.nb ? r->iv.na : r->iv.nb);
    const char *what = r->paired ? "paired rounds" : "trials per side";
    int plan = need > 0 && (size_t)need <= NEED_PLAUSIBLE_FACTOR * (have ? have : 1);
    if (plan) {
        snprintf(tail, sizeof tail, "about %ld %s would settle it if the estimate (%s%s) held",
                 need, what, est, unit);
        snprintf(wtail, sizeof wtail, "about %ld %s would settle it if the estimate held",
                 need, what);
    } else if (need > 0) {
        snprintf(tail, sizeof tail,
                 "the estimate (%s%s) lies so close to the target that more %s would "
                 "not settle it",
                 est, unit, what);
        snprintf(wtail, sizeof wtail,
                 "the estimate lies so close to the target that more %s would not settle "
                 "it",
                 what);
    } else {
        snprintf(tail, sizeof tail,
                 "the estimate sits on it: no number of trials would settle it");
        snprintf(wtail, sizeof wtail, "%s", tail);
    }
    snprintf(text, size, "the 95%% interval (%s%s to %s%s; %s) straddles the %g%s target; %s",
             lo, unit, hi, unit, note, target * scale, unit, tail);
    snprintf(why, wsize, "the 95%% interval straddles the %g%s target; %s", target * scale,
             unit, wtail);
    return "INCONCLUSIVE";
}

void an_verdict(ctx *c) {
    c->trials_to_decide = an_trials_to_decide(&c->h, c->target);
    c->verdict = decide(&c->h, c->target, 100, "%", c->trials_to_decide, c->vtext,
                        sizeof c->vtext, c->vwhy, sizeof c->vwhy);
    an_few_trials_warn(c, "headline", &c->h);
}

/* "every one of the N trials stored all its events", or the loss accepted. */
static void lost_text(ctx *c, char *text, size_t size) {
    int64_t lost = 0, dropped = 0;
    for (size_t i = 0; i < c->nt; i++) {
        lost += c->t[i].lost;
        dropped += c->t[i].dropped;
    }
    if (lost == 0 && dropped == 0)
        snprintf(text, size,
                 "every one of the %zu trials here stored all its events (0 lost, 0 "
                 "dropped).",
                 c->nt);
    else
        snprintf(text, size,
                 "**loss was accepted for this run: %lld events were not stored and %lld "
                 "were dropped** (see the trials table).",
                 (long long)lost, (long long)dropped);
}

/* The profiler's own effect: profiled against unprofiled trials of each
 * architecture, each with its interval; "observer" and "observer_text". */
static void profiler_effect(ctx *c) {
    char text[1024], n1[256], n2[256], b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    group *ud = c->g1, *un = c->g2;
    an_select_trials(c, ud, "direct", c->storage, 0, 0, 0, 0);
    an_select_trials(c, un, c->nats_arch, c->storage, 0, 0, 0, 0);
    if (ud->n < 2 || un->n < 2 || c->pd->n < 2 || c->pn->n < 2) {
        snprintf(
            text, sizeof text,
            "**Profiler effect.** Not measured: this run has %zu + %zu unprofiled and "
            "%zu + %zu profiled trials; 2 a side of each are needed (`overhead run "
            "--unprofiled`).",
            ud->n, un->n, c->pd->n, c->pn->n);
        json_object_set_new(c->head, "observer_text", json_string(text));
        return;
    }
    compare ed = an_compare(c, ud, c->pd), en = an_compare(c, un, c->pn);
    snprintf(
        text, sizeof text,
        "**Profiler effect.** Profiled trials use %s%% %s CPU per event than "
        "unprofiled ones for direct (interval %s%% to %s%%; %s) and %s%% %s "
        "for NATS (%s%% to %s%%; %s). The headline and the verdict therefore rest on "
        "the %s trials; the profiled ones serve attribution (breakdown, hotspots, "
        "flame graph).",
        an_fmt(fabs(ed.ratio) * 100, b1, 32), ed.ratio < 0 ? "less" : "more",
        an_fmt(ed.lo * 100, b2, 32), an_fmt(ed.hi * 100, b3, 32),
        an_interval_note(&ed, n1, sizeof n1), an_fmt(fabs(en.ratio) * 100, b4, 32),
        en.ratio < 0 ? "less" : "more", an_fmt(en.lo * 100, b5, 32),
        an_fmt(en.hi * 100, b6, 32), an_interval_note(&en, n2, sizeof n2),
        c->headline_unprofiled ? "unprofiled" : "profiled");
    an_few_trials_warn(c, "profiler effect on direct", &ed);
    an_few_trials_warn(c, "profiler effect on NATS", &en);
    json_object_set_new(c->head, "observer_text", json_string(text));
    json_object_set_new(c->head, "observer",
                        json_pack("{s:o, s:o, s:o, s:o}", "direct", an_interval_json(&ed),
                                  "nats", an_interval_json(&en), "direct_effect",
                                  jsonfile_num(ed.ratio), "nats_effect",
                                  jsonfile_num(en.ratio)));
}

void an_headline(ctx *c) {
    char lost[256], pbuf[32];
    lost_text(c, lost, sizeof lost);
    const compare *h = &c->h;
    c->head = json_object();
    json_object_set_new(c->head, "direct_us", an_fnum(h->med_a));
    json_object_set_new(c->head, "nats_us", an_fnum(h->med_b));
    json_object_set_new(c->head, "delta_us", an_fnum(h->med_b - h->med_a));
    json_object_set_new(c->head, "overhead_pct", an_fnum(h->ratio * 100));
    json_object_set_new(c->head, "ci_lo_pct", an_fnum(h->lo * 100));
    json_object_set_new(c->head, "ci_hi_pct", an_fnum(h->hi * 100));
    json_object_set_new(c->head, "half_width_pct", an_fnum((h->hi - h->lo) / 2 * 100));
    json_object_set_new(c->head, "nats_relative_pct", an_fnum((h->ratio + 1) * 100));
    json_object_set_new(c->head, "interval", an_interval_json(h));
    snprintf(pbuf, sizeof pbuf, isnan(h->p) ? "n/a" : "%.2g", h->p);
    json_object_set_new(c->head, "p_value", json_string(pbuf));
    json_object_set_new(c->head, "n_direct", json_integer((json_int_t)c->gd->n));
    json_object_set_new(c->head, "n_nats", json_integer((json_int_t)c->gn->n));
    json_object_set_new(c->head, "n_profiled_direct", json_integer((json_int_t)c->pd->n));
    json_object_set_new(c->head, "n_profiled_nats", json_integer((json_int_t)c->pn->n));
    json_object_set_new(c->head, "trials_source",
                        json_string(c->headline_unprofiled ? "unprofiled" : "profiled"));
    json_object_set_new(c->head, "cv_direct_pct", an_fnum(h->cv_a * 100));
    json_object_set_new(c->head, "cv_nats_pct", an_fnum(h->cv_b * 100));
    json_object_set_new(c->head, "verdict", json_string(c->verdict));
    json_object_set_new(c->head, "verdict_text", json_string(c->vtext));
    json_object_set_new(c->head, "verdict_why", json_string(c->vwhy));
    json_object_set_new(c->head, "trials_to_decide", json_integer(c->trials_to_decide));
    /* The precision goal (an_internal.h AN_GOAL_HEADLINE_PTS, the one appendix
     * C sizes): the half-width reached decides; the rounds it would need
     * only when it is not. On the log scale, g points of overhead are about
     * g / 100 / (1 + overhead). */
    double goal = AN_GOAL_HEADLINE_PTS / 100, half = (h->hi - h->lo) / 2;
    long forg = an_trials_for_half(h, expm1(goal / (1 + h->ratio)));
    json_object_set_new(c->head, "trials_for_goal", json_integer(forg));
    char prec[384], b1[32];
    const char *unit = h->paired ? "paired rounds" : "trials per side";
    size_t have = h->paired ? h->npairs : c->gd->n < c->gn->n ? c->gd->n : c->gn->n;
    if (h->ok && half <= goal)
        snprintf(prec, sizeof prec, "Its half-width is %s points with %zu %s: within the "
                 "%g-point goal.", an_fmt(half * 100, b1, 32), have, unit,
                 AN_GOAL_HEADLINE_PTS);
    else if (!h->ok || forg < 0)
        snprintf(prec, sizeof prec,
                 "The trials cannot tell how many more would narrow it.");
    else
        snprintf(prec, sizeof prec,
                 "Its half-width is %s points with %zu %s; with the spread seen here, "
                 "about %ld %s would bring it to the %g-point goal.",
                 an_fmt(half * 100, b1, 32), have, unit, forg, unit, AN_GOAL_HEADLINE_PTS);
    json_object_set_new(c->head, "precision_text", json_string(prec));
    json_object_set_new(c->head, "lost_text", json_string(lost));
    json_object_set_new(
        c->head, "values",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "direct_us",
                  jsonfile_num(h->med_a), "nats_us", jsonfile_num(h->med_b), "overhead",
                  jsonfile_num(h->ratio), "ci_lo", jsonfile_num(h->lo), "ci_hi",
                  jsonfile_num(h->hi), "p", jsonfile_num(h->p), "broker_us",
                  jsonfile_num(c->sn.broker_us), "target", jsonfile_num(c->target),
                  "coverage", jsonfile_num(h->ok ? h->iv.coverage : NAN)));
    profiler_effect(c);
    json_object_set_new(c->a, "headline", c->head);
}

void an_chat_rate(ctx *c) {
    const analysis_options *o = c->o;
    an_select_trials(c, c->g1, "direct", NULL, ANY, 0, 1, 1);
    an_select_trials(c, c->g2, c->nats_arch, NULL, ANY, 0, 1, 1);
    if (c->g1->n < 1 || c->g2->n < 1)
        return;
    compare r = an_compare_diff(c, c->g1, c->g2);
    double target_pp = o->target_pct; /* the P1 target: points of one core */
    char vtext[768], vwhy[512], rate[32], implied[256] = "";
    long need = an_trials_to_decide(&r, target_pp);
    const char *verdict = decide(&r, target_pp, 1, " points", need, vtext, sizeof vtext,
                                 vwhy, sizeof vwhy);
    an_few_trials_warn(c, "chat rate", &r);
    double hz = c->g2->t[0]->rate;
    snprintf(rate, sizeof rate, "%g", hz);
    /* what the saturated per-event difference alone would cost at this rate */
    double implied_pp = c->overhead_us * hz / 1e4;
    char b1[32], b2[32];
    snprintf(implied, sizeof implied,
             "At saturation the bus adds %s us per event, which at %s events/s would be "
             "only %s points; the rest of the chat-rate difference is what waking up for "
             "each event costs.",
             an_fmt(c->overhead_us, b1, 32), rate, an_fmt(implied_pp, b2, 32));
    json_object_set_new(
        c->a, "chat_rate",
        json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:s, s:s, s:I, s:o, s:s,"
                  " s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:s}",
                  "rate", rate, "direct_pp", an_fnum(r.med_a), "nats_pp",
                  an_fnum(r.med_b), "diff_pp", an_fsigned(r.ratio), "ci_lo_pp",
                  r.ok ? an_fsigned(r.lo) : json_string("n/a"), "ci_hi_pp",
                  r.ok ? an_fsigned(r.hi) : json_string("n/a"), "interval",
                  an_interval_json(&r), "n_direct", (int)c->g1->n, "n_nats",
                  (int)c->g2->n, "verdict", verdict, "verdict_text", vtext,
                  "trials_to_decide", (json_int_t)need, "implied_pp", an_fnum(implied_pp),
                  "implied_text", implied, "values", "direct_pp", jsonfile_num(r.med_a),
                  "nats_pp", jsonfile_num(r.med_b), "diff", jsonfile_num(r.ratio),
                  "ci_lo", jsonfile_num(r.ok ? r.lo : NAN), "ci_hi",
                  jsonfile_num(r.ok ? r.hi : NAN), "target_pp", jsonfile_num(target_pp),
                  "verdict_why", vwhy));
}

/* Pair the A/A control's trials in run order (A1 with B1, ...: the runner
 * alternates sides, so each pair ran next to each other) and return the
 * log ratios B/A in d; the number of pairs. */
static size_t aa_pairs(const group *ga, const group *gb, double *d) {
    size_t n = ga->n < gb->n ? ga->n : gb->n;
    for (size_t i = 0; i < n; i++)
        d[i] = log(gb->v[i] / ga->v[i]);
    return n;
}

void an_noise_floor(ctx *c) {
    char text[1024], b1[32], b2[32], b3[32], b4[32], b5[32], events[160] = "";
    an_select_trials(c, c->g1, "direct", c->storage, ANY, 1, 0, 0);
    an_select_trials(c, c->g2, "direct", c->storage, ANY, 2, 0, 0);
    static double d[MAX_TRIALS];
    size_t np = aa_pairs(c->g1, c->g2, d);
    stats_interval pt;
    if (np < 2 || stats_paired_t(d, np, CONFIDENCE, &pt) != 0) {
        /* present without figures, saying why: never a silent gap */
        if (c->g1->n + c->g2->n > 0) {
            an_warn(c,
                    "A/A control: %zu %s of trials; 2 are needed for a noise floor", np,
                    np == 1 ? "pair" : "pairs");
            snprintf(text, sizeof text,
                     "Not measured: the A/A control (direct against direct) has %zu "
                     "pair(s) of adjacent trials and 2 are needed, so the smallest "
                     "overhead that can be told from noise is unknown.",
                     np);
        } else {
            snprintf(text, sizeof text,
                     "Not measured: these runs have no A/A control (direct against "
                     "direct, `overhead run --aa`), so the smallest overhead that can be "
                     "told from noise is unknown.");
        }
        json_object_set_new(c->a, "noise_floor",
                            json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:I, s:n}", "text",
                                      text, "difference", "ci_lo", "ci_hi",
                                      "detectable_pct", "trial_sd_pct", "pairs",
                                      (json_int_t)np, "events_per_trial"));
        return;
    }
    /* One trial's noise is the pairs' spread over sqrt(2); at the headline's
     * trials per side, a Welch interval of that noise is what can be told
     * from zero: the smallest detectable overhead. */
    double sd_trial = pt.sd_a / sqrt(2.0);
    double na = (double)c->gd->n, nb = (double)c->gn->n;
    double half = stats_t_quantile(1 - (1 - CONFIDENCE) / 2, na + nb - 2) * sd_trial *
                  sqrt(1 / na + 1 / nb);
    double detectable = expm1(half) * 100;
    int64_t aa_events = c->g1->t[0]->requested, head_events = c->gn->t[0]->requested;
    if (aa_events != head_events)
        snprintf(events, sizeof events,
                 " These A/A trials had %lld events each against the headline's %lld: "
                 "their noise is not quite the headline's.",
                 (long long)aa_events, (long long)head_events);
    snprintf(
        text, sizeof text,
        "Direct against direct (A/A, %zu pairs of adjacent trials) differ by %s%% "
        "(95%% interval %s%% to %s%%, paired t); one trial's noise is %s%% (standard "
        "deviation), so with the headline's %zu + %zu trials an overhead smaller "
        "than about %s%% cannot be told from noise.%s",
        np, an_fmt(expm1(pt.est) * 100, b1, 32), an_fmt(expm1(pt.lo) * 100, b2, 32),
        an_fmt(expm1(pt.hi) * 100, b3, 32), an_fmt(sd_trial * 100, b4, 32), c->gd->n,
        c->gn->n, an_fmt(detectable, b5, 32), events);
    /* the one figure the main body needs; the rest is the appendix's */
    char summary[256];
    snprintf(summary, sizeof summary,
             "With these trials an overhead smaller than about %s%% cannot be told from "
             "noise (A/A control, %zu pairs of adjacent trials).",
             an_fmt(detectable, b5, 32), np);
    json_object_set_new(
        c->a, "noise_floor",
        json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:I}", "text", text, "summary",
                  summary, "difference",
                  jsonfile_num(expm1(pt.est)), "ci_lo", jsonfile_num(expm1(pt.lo)),
                  "ci_hi", jsonfile_num(expm1(pt.hi)), "detectable_pct",
                  jsonfile_num(detectable), "trial_sd_pct", jsonfile_num(sd_trial * 100),
                  "pairs", (json_int_t)np, "events_per_trial", (json_int_t)aa_events));
}

/* The samples a process's profile may hold: its whole CPU at the kernel
 * tick (or the requested rate when lower), with attrib's slack. */
void an_sample_check(ctx *c) {
    for (size_t i = 0; i < c->nt; i++) {
        trial *t = &c->t[i];
        double cap = an_sample_cap_hz(t->rec);
        json_t *p;
        size_t k;
        json_array_foreach(json_object_get(t->rec, "processes"), k, p) {
            /* the profile covers the whole process, start-up included */
            double samples = an_jnum(p, "samples"), cpu = an_jnum(p, "cpu_s");
            if (isnan(samples) || isnan(cpu) || !attrib_samples_exceed(samples, cpu, cap))
                continue;
            t->samples_exceed = 1;
            an_warn(
                c,
                "trial %d (%s): the %s process reports %.0f samples for %.3f s of CPU, "
                "more than %.0f Hz allows: its samples overstate its CPU (the timer "
                "charges whole ticks to short bursts), so read its shares with care",
                t->index, t->tag, an_jstr(p, "role") ? an_jstr(p, "role") : "?", samples,
                cpu, cap);
        }
    }
}
