/* analysis: the report's sections on the headline comparison: verdict,
 * headline figures and observer effect, chat rate, noise floor, reference
 * figure, architectures and storage sensitivity. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

#define RUNNER_ARCHS 8  /* distinct architectures compared at most */
#define MAX_STORAGES 16 /* distinct storage settings compared at most */
#define MIN_TRIALS   3  /* per side, for a verdict */
#define GOOD_TRIALS  5  /* per side, below which the intervals are suspect */

/* Estimate how many trials per side would make a CI of half-width 'half' at
 * 'n' trials exclude 'target' from 'point' (CI width ~ 1/sqrt(n)). */
static long trials_needed(double point, double half, double target, size_t n) {
    double gap = fabs(point - target);
    if (gap <= 0 || half <= 0)
        return -1;
    return (long)ceil((double)n * (half / gap) * (half / gap));
}

/* The verdict against the target, in words. */
void an_verdict(ctx *c) {
    const analysis_options *o = c->o;
    /* With fewer than MIN_TRIALS a side, a bootstrap over trials has almost
     * nothing to resample and the rank test cannot reach p < 0.1: no verdict. */
    size_t nmin = c->gd->n < c->gn->n ? c->gd->n : c->gn->n;
    c->verdict = nmin < MIN_TRIALS     ? "INCONCLUSIVE"
                 : c->h.lo > c->target ? "FAIL"
                 : c->h.hi < c->target ? "PASS"
                                       : "INCONCLUSIVE";
    if (nmin < GOOD_TRIALS)
        an_warn(
            c,
            "only %zu trials per architecture: bootstrap intervals from so few trials "
            "understate the uncertainty; %d or more are better",
            nmin, GOOD_TRIALS);
    char b1[32], b2[32];
    if (nmin < MIN_TRIALS)
        snprintf(
            c->vtext, sizeof c->vtext,
            "%zu trials per architecture are too few for a confidence interval to mean "
            "much (the estimate is %s%%); run at least %d, better %d",
            nmin, an_fmt(c->h.ratio * 100, b1, sizeof b1), MIN_TRIALS, GOOD_TRIALS);
    else if (strcmp(c->verdict, "FAIL") == 0)
        snprintf(c->vtext, sizeof c->vtext,
                 "the whole 95%% CI (%s%% to %s%%) lies above the %g%% target",
                 an_fmt(c->h.lo * 100, b1, sizeof b1),
                 an_fmt(c->h.hi * 100, b2, sizeof b2), o->target_pct);
    else if (strcmp(c->verdict, "PASS") == 0)
        snprintf(c->vtext, sizeof c->vtext,
                 "the whole 95%% CI (%s%% to %s%%) lies below the %g%% target",
                 an_fmt(c->h.lo * 100, b1, sizeof b1),
                 an_fmt(c->h.hi * 100, b2, sizeof b2), o->target_pct);
    else {
        long need = trials_needed(c->h.ratio, (c->h.hi - c->h.lo) / 2, c->target,
                                  c->gd->n < c->gn->n ? c->gd->n : c->gn->n);
        if (need > 0)
            snprintf(
                c->vtext, sizeof c->vtext,
                "the 95%% CI (%s%% to %s%%) straddles the %g%% target; about %ld trials "
                "per architecture would settle it",
                an_fmt(c->h.lo * 100, b1, sizeof b1),
                an_fmt(c->h.hi * 100, b2, sizeof b2), o->target_pct, need);
        else
            snprintf(
                c->vtext, sizeof c->vtext,
                "the 95%% CI (%s%% to %s%%) straddles the %g%% target and the estimate "
                "sits on it: no number of trials would settle it",
                an_fmt(c->h.lo * 100, b1, sizeof b1),
                an_fmt(c->h.hi * 100, b2, sizeof b2), o->target_pct);
    }
}

/* The headline figures and the observer effect. */
void an_headline(ctx *c) {
    char b1[32], b2[32], b3[32];
    /* Headline. */
    int64_t lost_total = 0, dropped_total = 0;
    for (size_t i = 0; i < c->nt; i++) {
        lost_total += c->t[i].lost;
        dropped_total += c->t[i].dropped;
    }
    char lost_text[256];
    if (lost_total == 0 && dropped_total == 0)
        snprintf(
            lost_text, sizeof lost_text,
            "every one of the %zu trials here stored all its events (0 lost, 0 dropped).",
            c->nt);
    else
        snprintf(
            lost_text, sizeof lost_text,
            "**loss was accepted for this run: %lld events were not stored and %lld were "
            "dropped** (see the trials table).",
            (long long)lost_total, (long long)dropped_total);
    c->head = json_object();
    json_object_set_new(c->head, "direct_us", an_fnum(c->h.med_a));
    json_object_set_new(c->head, "nats_us", an_fnum(c->h.med_b));
    json_object_set_new(c->head, "delta_us", an_fnum(c->h.med_b - c->h.med_a));
    json_object_set_new(c->head, "overhead_pct", an_fnum(c->h.ratio * 100));
    json_object_set_new(c->head, "ci_lo_pct", an_fnum(c->h.lo * 100));
    json_object_set_new(c->head, "ci_hi_pct", an_fnum(c->h.hi * 100));
    json_object_set_new(c->head, "nats_relative_pct", an_fnum((c->h.ratio + 1) * 100));
    char pbuf[32];
    snprintf(pbuf, sizeof pbuf, "%.2g", c->h.p);
    json_object_set_new(c->head, "p_value", json_string(pbuf));
    json_object_set_new(c->head, "n_direct", json_integer((json_int_t)c->gd->n));
    json_object_set_new(c->head, "n_nats", json_integer((json_int_t)c->gn->n));
    json_object_set_new(c->head, "cv_direct_pct", an_fnum(c->h.cv_a * 100));
    json_object_set_new(c->head, "cv_nats_pct", an_fnum(c->h.cv_b * 100));
    json_object_set_new(c->head, "verdict", json_string(c->verdict));
    json_object_set_new(c->head, "verdict_text", json_string(c->vtext));
    json_object_set_new(c->head, "lost_text", json_string(lost_text));
    json_object_set_new(c->head, "values",
                        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "direct_us",
                                  c->h.med_a, "nats_us", c->h.med_b, "overhead",
                                  c->h.ratio, "ci_lo", c->h.lo, "ci_hi", c->h.hi, "p",
                                  c->h.p, "broker_us", c->sn.broker_us, "target",
                                  c->target));

    /* Observer effect: unprofiled trials against profiled ones. */
    char obs[768] = "";
    an_select_trials(c, c->g1, "direct", c->storage, 0, 0, 0, 0);
    an_select_trials(c, c->g2, c->nats_arch, c->storage, 0, 0, 0, 0);
    if (c->g1->n >= 1 && c->g2->n >= 1 && c->have_profiles) {
        double ed =
            stats_median(c->gd->v, c->gd->n) / stats_median(c->g1->v, c->g1->n) - 1;
        double en =
            stats_median(c->gn->v, c->gn->n) / stats_median(c->g2->v, c->g2->n) - 1;
        compare u = an_compare(c, c->g1, c->g2);
        json_t *sd_s = an_fsigned(ed * 100), *sn_s = an_fsigned(en * 100);
        snprintf(
            obs, sizeof obs,
            "**Observer effect.** Profiled trials' median CPU per event differs by %s%% "
            "for direct and %s%% for NATS from unprofiled ones (%zu and %zu of them; "
            "compare with the noise floor). Without the profiler the overhead is "
            "%s%%%s%s%s%s%s.",
            json_string_value(sd_s), json_string_value(sn_s), c->g1->n, c->g2->n,
            an_fmt(u.ratio * 100, b1, sizeof b1), u.ok ? " (95% CI " : "",
            u.ok ? an_fmt(u.lo * 100, b2, sizeof b2) : "", u.ok ? "% to " : "",
            u.ok ? an_fmt(u.hi * 100, b3, sizeof b3) : "", u.ok ? "%)" : "");
        json_decref(sd_s);
        json_decref(sn_s);
        json_object_set_new(c->head, "observer",
                            json_pack("{s:f, s:f, s:f}", "direct_effect", ed,
                                      "nats_effect", en, "unprofiled_overhead", u.ratio));
    } else {
        snprintf(obs, sizeof obs,
                 "**Observer effect.** Not measured: this run has no unprofiled trials "
                 "(`overhead run --unprofiled`).");
    }
    json_object_set_new(c->head, "observer_text", json_string(obs));
    json_object_set_new(c->a, "headline", c->head);
}

/* At chat rate: CPU utilisation in points of one core. */
void an_chat_rate(ctx *c) {
    const analysis_options *o = c->o;
    /* At chat rate: CPU utilisation in points of one core. */
    an_select_trials(c, c->g1, "direct", NULL, ANY, 0, 1, 1);
    an_select_trials(c, c->g2, c->nats_arch, NULL, ANY, 0, 1, 1);
    if (c->g1->n >= 2 && c->g2->n >= 2) {
        double lo, hi;
        double md = stats_median(c->g1->v, c->g1->n),
               mn = stats_median(c->g2->v, c->g2->n);
        int ok =
            stats_bootstrap_diff(c->g1->v, c->g1->n, c->g2->v, c->g2->n,
                                 o->bootstrap_iters, o->seed, CONFIDENCE, &lo, &hi) == 0;
        char rate[32];
        snprintf(rate, sizeof rate, "%g", c->g2->t[0]->rate);
        json_object_set_new(
            c->a, "chat_rate",
            json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:{s:f, s:f, s:f, s:f}}",
                      "rate", rate, "direct_pp", an_fnum(md), "nats_pp", an_fnum(mn),
                      "diff_pp", an_fsigned(mn - md), "ci_lo_pp",
                      ok ? an_fsigned(lo) : json_string("n/a"), "ci_hi_pp",
                      ok ? an_fsigned(hi) : json_string("n/a"), "n_direct", (int)c->g1->n,
                      "n_nats", (int)c->g2->n, "values", "direct_pp", md, "nats_pp", mn,
                      "ci_lo", ok ? lo : NAN, "ci_hi", ok ? hi : NAN));
    }
}

/* The noise floor, from the A/A control. */
void an_noise_floor(ctx *c) {
    char b1[32], b2[32], b3[32], pbuf[32];
    /* Noise floor from the A/A control. */
    an_select_trials(c, c->g1, "direct", c->storage, ANY, 1, 0, 0);
    an_select_trials(c, c->g2, "direct", c->storage, ANY, 2, 0, 0);
    if (c->g1->n >= 2 && c->g2->n >= 2) {
        compare aa = an_compare(c, c->g1, c->g2);
        char text[512];
        double floor = fmax(fabs(aa.lo), fabs(aa.hi)) * 100;
        snprintf(text, sizeof text,
                 "Direct against direct (A/A, %zu + %zu trials) differ by %s%% (95%% CI "
                 "%s%% to "
                 "%s%%): differences smaller than about %s%% cannot be told from noise "
                 "in this "
                 "run.",
                 c->g1->n, c->g2->n, an_fmt(aa.ratio * 100, b1, sizeof b1),
                 an_fmt(aa.lo * 100, b2, sizeof b2), an_fmt(aa.hi * 100, b3, sizeof b3),
                 an_fmt(floor, pbuf, sizeof pbuf));
        json_object_set_new(c->a, "noise_floor",
                            json_pack("{s:s, s:f, s:f, s:f, s:f}", "text", text,
                                      "difference", aa.ratio, "ci_lo", aa.lo, "ci_hi",
                                      aa.hi, "detectable_pct", floor));
    }
}

/* The reference figure the team quoted: reproduced or not, and why. */
void an_reference(ctx *c) {
    const analysis_options *o = c->o;
    /* Reference figure the team quoted. */
    {
        char text[1024];
        double ref = o->reference_pct / 100;
        int inside = ref >= c->h.lo && ref <= c->h.hi;
        json_t *cr = json_object_get(c->a, "chat_rate");
        char extra[320] = "";
        if (cr != NULL)
            snprintf(
                extra, sizeof extra,
                " The quantity it tried to measure, CPU at a chat rate, is %s points of "
                "one core here at %s events/s.",
                an_jstr(cr, "diff_pp"), an_jstr(cr, "rate"));
        snprintf(
            text, sizeof text,
            "**Reference figure.** The team quoted %g%% overhead. %s It came from "
            "`cpu_percent()` of one process after 500 events at about 100 events/s minus "
            "idle, from one run, without checking that the events reached the database "
            "(they did not: wrong subject); this report measures CPU per stored event "
            "over "
            "every process, over repeated interleaved trials.%s",
            o->reference_pct,
            inside ? "This run's 95% CI contains it: reproduced, but by a different "
                     "measure."
                   : "This run's 95% CI does not contain it: not reproduced.",
            extra);
        json_object_set_new(c->a, "reference",
                            json_pack("{s:s, s:b}", "text", text, "reproduced", inside));
    }
}

/* Every NATS architecture measured (saturated, at the headline storage)
 * against direct: per-event CPU, overhead with its CI, and where the extra
 * CPU goes, the broker (every nats-server node) against the clients (the
 * publisher and the services). Only when more than one was measured. */
void an_architectures(ctx *c) {
    const char *archs[RUNNER_ARCHS];
    size_t na = 0;
    for (size_t i = 0; i < c->nt && na < RUNNER_ARCHS; i++) {
        const trial *t = &c->t[i];
        if (!an_is_nats_arch(t->arch) && strcmp(t->arch, "jetstream") != 0)
            continue;
        if (t->rate > 0 || t->aa_group || strcmp(t->storage, c->storage) != 0)
            continue;
        size_t k = 0;
        while (k < na && strcmp(archs[k], t->arch) != 0)
            k++;
        if (k == na)
            archs[na++] = t->arch;
    }
    if (na < 2)
        return;
    json_t *rows = json_array();
    for (size_t k = 0; k < na; k++) {
        an_select_best(c, c->g2, archs[k], c->storage, 0);
        if (c->g2->n < 2)
            continue;
        compare r = an_compare(c, c->gd, c->g2);
        double b = an_broker_median_us(c->g2), extra = r.med_b - r.med_a;
        const trial *t0 = c->g2->t[0];
        double nodes = an_jnum(t0->rec, "cluster.nodes"),
               services = an_jnum(t0->rec, "cluster.services");
        char shape[96];
        if (strcmp(archs[k], "jetstream") == 0)
            snprintf(shape, sizeof shape, "JetStream, %g node(s), %g service(s)",
                     nodes > 0 ? nodes : 1, services > 0 ? services : 1);
        else if (nodes > 1 || services > 1)
            snprintf(shape, sizeof shape, "%g node(s), %g service(s) in a queue group",
                     nodes > 0 ? nodes : 1, services > 0 ? services : 1);
        else
            snprintf(shape, sizeof shape, "%s",
                     strcmp(archs[k], "nats") == 0
                         ? "bot and service in one process"
                         : "bot and service processes, one server");
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "arch",
                      archs[k], "shape", shape, "us", an_fnum(r.med_b), "delta_us",
                      an_fsigned(extra), "overhead_pct", an_fnum(r.ratio * 100),
                      "ci_lo_pct", r.ok ? an_fnum(r.lo * 100) : json_string("n/a"),
                      "ci_hi_pct", r.ok ? an_fnum(r.hi * 100) : json_string("n/a"),
                      "broker_us", an_fnum(b), "broker_share_pct",
                      extra > 0 && !isnan(b) ? an_fnum(b / extra * 100)
                                             : json_string("n/a"),
                      "client_share_pct",
                      extra > 0 && !isnan(b) ? an_fnum((extra - b) / extra * 100)
                                             : json_string("n/a"),
                      "n", (json_int_t)c->g2->n));
    }
    if (json_array_size(rows) < 2) {
        json_decref(rows);
        return;
    }
    json_object_set_new(
        c->a, "architectures",
        json_pack(
            "{s:o, s:s}", "rows", rows, "text",
            "Each NATS architecture against the same direct trials (the headline's; "
            "architectures measured in another run, such as the cluster phase, were not "
            "interleaved with them, so drift between runs adds to their uncertainty). "
            "The broker share is nats-server's CPU (every node of a cluster) as a part "
            "of the extra CPU, the client share the rest (publisher and services)."));
}

/* Per-event CPU and overhead for each storage setting measured. */
void an_sensitivity(ctx *c) {
    char b1[32], b2[32];
    /* Storage sensitivity. */
    const char *storages[MAX_STORAGES];
    size_t nst = 0;
    for (size_t i = 0; i < c->nt; i++) {
        size_t k = 0;
        while (k < nst && strcmp(storages[k], c->t[i].storage) != 0)
            k++;
        if (k == nst && nst < MAX_STORAGES && c->t[i].rate == 0 && !c->t[i].aa_group)
            storages[nst++] = c->t[i].storage;
    }
    if (nst >= 2) {
        json_t *rows = json_array(), *groups = json_array();
        double min_delta = INFINITY, max_delta = -INFINITY;
        for (size_t k = 0; k < nst; k++) {
            an_select_best(c, c->g1, "direct", storages[k], 0);
            an_select_best(c, c->g2, c->nats_arch, storages[k], 0);
            if (c->g1->n < 1 || c->g2->n < 1)
                continue;
            compare s = an_compare(c, c->g1, c->g2);
            double delta = s.med_b - s.med_a;
            min_delta = fmin(min_delta, delta);
            max_delta = fmax(max_delta, delta);
            json_array_append_new(
                rows,
                json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "storage",
                          storages[k], "direct_us", an_fnum(s.med_a), "nats_us",
                          an_fnum(s.med_b), "delta_us", an_fsigned(delta), "overhead_pct",
                          an_fnum(s.ratio * 100), "ci_lo_pct",
                          s.ok ? an_fnum(s.lo * 100) : json_string("n/a"), "ci_hi_pct",
                          s.ok ? an_fnum(s.hi * 100) : json_string("n/a"), "n", ""));
            char nbuf[32];
            snprintf(nbuf, sizeof nbuf, "%zu + %zu", c->g1->n, c->g2->n);
            json_object_set_new(json_array_get(rows, json_array_size(rows) - 1), "n",
                                json_string(nbuf));
            char note[64];
            snprintf(note, sizeof note, "%+.0f%%", s.ratio * 100);
            json_array_append_new(
                groups, json_pack("{s:s, s:s, s:[{s:s, s:f}, {s:s, s:f}]}", "label",
                                  storages[k], "note", note, "bars", "label", "direct",
                                  "value", s.med_a, "label", "NATS", "value", s.med_b));
        }
        char text[512];
        snprintf(
            text, sizeof text,
            "Across storage settings the bus adds between %s and %s us per event; the "
            "relative overhead shrinks as the storage itself costs more (fsync), so it "
            "is "
            "largest for the cheapest storage.",
            an_fmt(min_delta, b1, sizeof b1), an_fmt(max_delta, b2, sizeof b2));
        json_object_set_new(c->a, "sensitivity",
                            json_pack("{s:o, s:s}", "rows", rows, "text", text));
        json_object_set_new(
            an_charts(c), "sensitivity",
            json_pack("{s:s, s:s, s:o}", "unit", "us/event", "caption",
                      "Median CPU per stored event (all processes) for each "
                      "storage setting; the label under each pair is the "
                      "overhead.",
                      "groups", groups));
    }
}
