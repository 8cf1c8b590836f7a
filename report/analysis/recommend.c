/* analysis: the recommendation by the seed's rules and the conclusion
 * paragraph. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The recommendation by the seed's rules. */
void an_recommend(ctx *c) {
    char b1[32];
    const analysis_options *o = c->o;
    /* Recommendation by the seed's rules. */
    const char *priority, *decision;
    char summary[1024];
    if (strcmp(c->verdict, "PASS") == 0) {
        priority = "Priority 1: No Action Needed";
        decision = "Accept overhead";
        snprintf(summary, sizeof summary,
                 "The overhead is below the %g%% target with 95%% confidence.",
                 o->target_pct);
    } else if (strcmp(c->verdict, "INCONCLUSIVE") == 0) {
        priority = "Investigate further";
        decision = "Investigate further";
        snprintf(summary, sizeof summary,
                 "This run cannot tell whether the overhead is above or below the %g%% "
                 "target: "
                 "%s.",
                 o->target_pct, c->vtext);
    } else if (json_array_size(c->actions) > 0) {
        priority = "Priority 2: Optimize";
        decision = "Optimize in Sprint 11";
        snprintf(
            summary, sizeof summary,
            "The overhead is above the %g%% target and the NATS profile shows avoidable "
            "work; removing it is the first step.",
            o->target_pct);
    } else if (!isnan(c->inherent_share) && c->inherent_share >= 0.5) {
        priority = "Priority 1: No Action Needed";
        decision = "Accept overhead";
        snprintf(
            summary, sizeof summary,
            "The overhead is above the %g%% target, but most of it (%s%% of the added "
            "CPU) is the inherent cost of the bus (serialization, network I/O, thread "
            "hand-off, the "
            "broker, the client library), and the profile shows none of the avoidable "
            "patterns (double encoding, needless copies, a blocking round trip per "
            "event). "
            "It is the price of clean service separation, independent scaling, simpler "
            "testing and real-time event streaming; a %g%% target expressed per event "
            "cannot be met by any message bus against an in-process write, so restate "
            "the "
            "target in the terms that matter (CPU at the real chat rate).",
            o->target_pct, an_fmt(c->inherent_share * 100, b1, 32), o->target_pct);
    } else {
        priority = "Investigate further";
        decision = "Investigate further";
        snprintf(
            summary, sizeof summary,
            "The overhead is above the %g%% target and only %s%% of it is inherent bus "
            "cost (serialization, network I/O, thread hand-off, the broker, the client "
            "library); the rest is not explained by a known avoidable pattern. Look at "
            "the "
            "hotspots and the flame graph.",
            o->target_pct,
            isnan(c->inherent_share) ? "an unknown share"
                                     : an_fmt(c->inherent_share * 100, b1, 32));
    }
    json_t *brs = json_object_get(json_object_get(c->a, "breakdown"), "rows");
    size_t bi;
    json_t *brow;
    json_array_foreach(brs, bi, brow) {
        double d = an_jnum(brow, "delta");
        if (c->overhead_us > 0 && d > 0.05 * c->overhead_us) {
            char line[256];
            snprintf(line, sizeof line, "%s: %s us per event, %s%% of the overhead",
                     an_jstr(brow, "category"),
                     json_string_value(json_object_get(brow, "delta_us")),
                     json_string_value(json_object_get(brow, "share_pct")));
            json_array_append_new(c->reasons, json_string(line));
        }
    }
    if (json_array_size(c->actions) > 0) {
        char line[128];
        snprintf(line, sizeof line, "Target: reduce the overhead to <%g%%",
                 o->target_pct);
        json_array_append_new(c->actions, json_string(line));
    }
    json_object_set_new(
        c->a, "recommendation",
        json_pack("{s:s, s:s, s:s, s:o, s:b, s:o, s:o}", "priority", priority, "decision",
                  decision, "summary", summary, "reasons", c->reasons, "has_actions",
                  json_array_size(c->actions) > 0, "actions", c->actions,
                  "inherent_share",
                  isnan(c->inherent_share) ? json_null() : json_real(c->inherent_share)));
}

/* The conclusion paragraph. */
void an_conclusion(ctx *c) {
    char b1[32], b2[32], b3[32];
    json_t *hot = json_object_get(c->a, "hotspots");
    const char *summary = an_jstr(c->a, "recommendation.summary");
    const analysis_options *o = c->o;
    /* Conclusion. */
    {
        char text[1536];
        size_t n = (size_t)snprintf(
            text, sizeof text,
            "Routing a chat event through NATS (%s) costs %s us of CPU more than writing "
            "it "
            "to SQLite directly: %s us against %s us per stored event over every "
            "process, an "
            "overhead of %s%% (95%% CI %s%% to %s%%, %zu + %zu trials, storage '%s').",
            json_string_value(
                json_object_get(json_object_get(c->a, "config"), "nats_mode")),
            an_fmt(c->overhead_us, b1, 32), an_fmt(c->h.med_b, b2, 32),
            an_fmt(c->h.med_a, b3, 32),
            json_string_value(json_object_get(c->head, "overhead_pct")),
            json_string_value(json_object_get(c->head, "ci_lo_pct")),
            json_string_value(json_object_get(c->head, "ci_hi_pct")), c->gd->n, c->gn->n,
            c->storage);
        json_t *cr = json_object_get(c->a, "chat_rate");
        if (cr != NULL && n < sizeof text)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  " At %s events/s that is %s points of one core.",
                                  an_jstr(cr, "rate"), an_jstr(cr, "diff_pp"));
        if (json_array_size(hot) > 0 && n < sizeof text)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  " The largest single increase is %s (%s us per event).",
                                  an_jstr(json_array_get(hot, 0), "name"),
                                  an_jstr(json_array_get(hot, 0), "delta_us"));
        if (n < sizeof text)
            snprintf(text + n, sizeof text - n, " Against the %g%% target: %s. %s",
                     o->target_pct, c->verdict, summary);
        json_object_set_new(c->a, "conclusion", json_string(text));
    }
}
