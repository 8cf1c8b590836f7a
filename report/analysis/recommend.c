/* analysis: the recommendation by the seed's rules and the conclusion
 * paragraph. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <fnmatch.h>
#include <string.h>

#define AVOIDABLE_SHARE     0.05 /* of the overhead: less is not worth an action */
#define DOUBLE_ENCODE_SHARE 0.25 /* json_dumps: once per event is inherent */
#define REASON_SHARE        0.05 /* of the overhead: a category worth a reason */
#define INHERENT_MAJORITY   0.5  /* inherent share from which to accept the cost */

/* Patterns of avoidable work and what to do about them. */
typedef struct avoidable {
    const char *glob, *what, *action;
    int cum; /* 0: judge by flat samples; 1: by cumulative (time under the
                function); 2: cumulative, and once per event is inherent */
} avoidable;

static const avoidable avoidables[] = {
    {"natsConnection_Flush*", "a flush round trip per event (synchronous blocking)",
     "Stop flushing after every publish: let nats.c's flusher batch writes and flush "
     "once "
     "per batch or at shutdown",
     1},
    {"natsConnection_Request*",
     "a request/reply round trip per event (synchronous blocking)",
     "Publish fire-and-forget instead of request/reply for chat events", 1},
    {"sqlite3_prepare*", "the INSERT statement prepared again for every event",
     "Prepare the INSERT once in the DatabaseService and reuse it", 1},
    {"json_dumps*", "JSON encoded more than once per event (double encoding)",
     "Encode each event once and publish that buffer", 2},
    {"__mem*cpy*", "needless copies of event payloads",
     "Avoid copying payloads: publish from the encoded buffer and decode in place", 0},
};

/* Samples of the functions of 'a' that match av->glob. */
static uint64_t pattern_samples(const aggregate *a, const avoidable *av) {
    uint64_t n = 0;
    for (size_t i = 0; i < a->nfns; i++)
        if (fnmatch(av->glob, a->fns[i].name, 0) == 0)
            n += av->cum ? a->fns[i].cum : a->fns[i].flat;
    return n;
}

/* Avoidable work visible in the NATS profile: a reason and an action for each
 * pattern that adds a notable share of the overhead. Creates c->reasons and
 * c->actions (empty without profiles). */
void an_avoidable(ctx *c) {
    char b1[32], b2[32];
    c->reasons = json_array();
    c->actions = json_array();
    if (!c->have_profiles)
        return;
    for (size_t k = 0; k < sizeof avoidables / sizeof avoidables[0]; k++) {
        const avoidable *av = &avoidables[k];
        uint64_t nsamp = pattern_samples(c->sn.agg, av);
        double d =
            an_us_of(&c->sn, nsamp) - an_us_of(&c->sd, pattern_samples(c->sd.agg, av));
        /* json_dumps is inherent once per event: only a share well above the
         * decode side's suggests encoding twice. */
        double threshold = av->cum == 2 ? DOUBLE_ENCODE_SHARE : AVOIDABLE_SHARE;
        if (d > threshold * c->overhead_us && !aggregate_few(nsamp, c->sn.agg->samples)) {
            char line[512];
            snprintf(line, sizeof line, "%s: %s us per event (%s%% of the overhead)",
                     av->what, an_fmt(d, b1, sizeof b1),
                     an_fmt(d / c->overhead_us * 100, b2, sizeof b2));
            json_array_append_new(c->reasons, json_string(line));
            snprintf(line, sizeof line, "%s (expected saving up to %s us per event)",
                     av->action, an_fmt(d, b1, sizeof b1));
            json_array_append_new(c->actions, json_string(line));
        }
    }
}

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
    } else if (!isnan(c->inherent_share) && c->inherent_share >= INHERENT_MAJORITY) {
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
            o->target_pct, an_fmt(c->inherent_share * 100, b1, sizeof b1), o->target_pct);
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
                                     : an_fmt(c->inherent_share * 100, b1, sizeof b1));
    }
    json_t *brs = json_object_get(json_object_get(c->a, "breakdown"), "rows");
    size_t bi;
    json_t *brow;
    json_array_foreach(brs, bi, brow) {
        double d = an_jnum(brow, "delta");
        if (c->overhead_us > 0 && d > REASON_SHARE * c->overhead_us) {
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
            an_fmt(c->overhead_us, b1, sizeof b1), an_fmt(c->h.med_b, b2, sizeof b2),
            an_fmt(c->h.med_a, b3, sizeof b3),
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
