/* analysis: the figure the team quoted (5.80% by default), tested against
 * the quantity it measured. Their test_nats_cpu_overhead took cpu_percent()
 * of the one test process that published 500 JSON events at about 100
 * events/s and hosted the DatabaseService, minus that process's idle CPU
 * over the second before, nats-server excluded, one run; its events went to
 * a subject the service did not subscribe to, so nothing was stored. The
 * replica arms (runner_config.replica) repeat that protocol, as written and,
 * when measured, as intended (stored); each trial's figure is read by
 * load.c (trial.replica_pp). The paragraph tests the quoted figure against
 * the as-written arm's interval, states the stored arm beside it and then
 * gives the quantity the requirement meant: NATS minus direct at the chat
 * rate, every process counted (the chat_rate section). */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chatproto.h"
#include "runrecord.h"
#include "stats.h"

/* One replica arm summarised: the mean of its trials' figures with a t
 * interval (the team's single reading is a mean over its window; with a
 * handful of trials the t interval is the one that reaches 95%), the median
 * and range beside it, and nats-server over the same windows. */
typedef struct replica_arm {
    size_t n;
    double mean, lo, hi, median, min, max, broker;
    int ok; /* an interval: at least 2 trials */
} replica_arm;

static void replica_summarise(const ctx *c, int mode, replica_arm *a) {
    double v[MAX_TRIALS], b[MAX_TRIALS];
    size_t nb = 0;
    memset(a, 0, sizeof *a);
    a->mean = a->lo = a->hi = a->median = a->min = a->max = a->broker = NAN;
    for (size_t i = 0; i < c->nxt; i++) {
        const trial *t = &c->xt[i];
        if (t->replica != mode || isnan(t->replica_pp))
            continue;
        if (!isnan(t->replica_broker_pp))
            b[nb++] = t->replica_broker_pp;
        v[a->n++] = t->replica_pp;
    }
    if (a->n == 0)
        return;
    a->median = stats_median(v, a->n);
    a->min = a->max = v[0];
    for (size_t i = 1; i < a->n; i++) {
        a->min = fmin(a->min, v[i]);
        a->max = fmax(a->max, v[i]);
    }
    a->mean = stats_mean(v, a->n);
    a->broker = nb ? stats_mean(b, nb) : NAN;
    stats_interval iv;
    if (stats_paired_t(v, a->n, CONFIDENCE, &iv) == 0) {
        a->ok = 1;
        a->lo = iv.lo;
        a->hi = iv.hi;
    }
}

/* Where 'ref' lies against arm 'a': "inside", "above", "below", or NULL
 * without an interval. */
const char *an_reference_place(double ref, double lo, double hi) {
    if (!(lo <= hi))
        return NULL;
    return ref < lo ? "below" : ref > hi ? "above" : "inside";
}

static json_t *arm_json(const replica_arm *a, double ref) {
    if (a->n == 0)
        return json_null();
    const char *place = a->ok ? an_reference_place(ref, a->lo, a->hi) : NULL;
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s?}", "trials",
                     (json_int_t)a->n, "mean_pp", jsonfile_num(a->mean), "ci_lo_pp",
                     jsonfile_num(a->lo), "ci_hi_pp", jsonfile_num(a->hi), "median_pp",
                     jsonfile_num(a->median), "min_pp", jsonfile_num(a->min), "max_pp",
                     jsonfile_num(a->max), "nats_server_pp", jsonfile_num(a->broker),
                     "method", "mean, 95% t interval", "reference_is", place);
}

/* "2.1% of one core (95% t interval 1.8 to 2.4, 5 trials; median 2.0)" */
static const char *arm_text(const replica_arm *a, char *buf, size_t size) {
    char b[5][32];
    if (!a->ok)
        snprintf(buf, size, "%s%% of one core (%zu trial, no interval)",
                 an_fmt(a->mean, b[0], 32), a->n);
    else
        snprintf(buf, size,
                 "%s%% of one core (95%% t interval %s to %s over %zu trials; median %s)",
                 an_fmt(a->mean, b[0], 32), an_fmt(a->lo, b[1], 32),
                 an_fmt(a->hi, b[2], 32), a->n, an_fmt(a->median, b[3], 32));
    return buf;
}

/* The test of 'ref' against arm 'a' in words. */
static const char *arm_test(const replica_arm *a, double ref, char *buf, size_t size) {
    const char *place = a->ok ? an_reference_place(ref, a->lo, a->hi) : NULL;
    if (place == NULL)
        snprintf(buf, size, "with one trial %g cannot be tested against it", ref);
    else if (strcmp(place, "inside") == 0)
        snprintf(buf, size, "%g lies inside that interval: it reproduces", ref);
    else
        snprintf(buf, size,
                 "%g lies %s that interval: it does not reproduce, this C stack costs "
                 "%s than the team's Python did",
                 ref, place, strcmp(place, "above") == 0 ? "less" : "more");
    return buf;
}

/* The requirement's own quantity: NATS minus direct at the chat rate. Its
 * figure, interval and verdict are stated in the decision block and the
 * Summary: referred to here, not repeated. */
static void meant_text(ctx *c, int replica, char *buf, size_t size) {
    json_t *cr = json_object_get(c->a, "chat_rate");
    if (cr == NULL)
        snprintf(buf, size,
                 "The quantity the requirement meant, NATS minus direct at the chat rate "
                 "with every process counted, was not measured in this run (no chat-rate "
                 "phase); the per-event overhead is a different quantity.");
    else
        snprintf(buf, size,
                 "%sThe quantity the requirement meant is NATS minus direct at the same "
                 "rate with every process counted, nats-server included: at %s events/s "
                 "the Summary's last row, with its verdict in the decision block (the "
                 "per-event overhead is a different quantity).",
                 replica ? "That is the NATS side's own utilisation. " : "",
                 an_jstr(cr, "rate"));
}

void an_reference(ctx *c) {
    const double ref = c->o->reference_pct;
    char text[3072], written[768], stored[640] = "", test[256], meant[768], b[32];
    replica_arm w, s;
    replica_summarise(c, RUNRECORD_REPLICA_WRITTEN, &w);
    replica_summarise(c, RUNRECORD_REPLICA_STORED, &s);
    meant_text(c, w.n > 0 || s.n > 0, meant, sizeof meant);
    const char *place = w.ok ? an_reference_place(ref, w.lo, w.hi) : NULL;
    if (w.n == 0) {
        snprintf(written, sizeof written,
                 "This run has no replica of that test (`overhead report --replica "
                 "written`), so %g is not tested against its own quantity here.",
                 ref);
    } else {
        char at[256];
        snprintf(written, sizeof written, "Measured the same way here: %s; %s.",
                 arm_text(&w, at, sizeof at), arm_test(&w, ref, test, sizeof test));
        if (!isnan(w.broker))
            snprintf(written + strlen(written), sizeof written - strlen(written),
                     " nats-server, which the team left out, used %s%% more.",
                     an_fmt(w.broker, b, sizeof b));
    }
    if (s.n > 0) {
        char at[256], st[256];
        snprintf(stored, sizeof stored,
                 " With the service on the bot's subject, so that every event is "
                 "stored (the test as intended), the same process uses %s; %s.",
                 arm_text(&s, at, sizeof at), arm_test(&s, ref, st, sizeof st));
    } else if (w.n > 0) {
        snprintf(stored, sizeof stored,
                 " The same test with every event stored (`--replica both`) was not "
                 "run here.");
    }
    snprintf(text, sizeof text,
             "**Reference figure.** The team quoted %g%%: `cpu_percent()` of the one "
             "test process that published 500 JSON events at about 100 events/s and "
             "hosted the DatabaseService, minus its idle CPU over the second before, "
             "nats-server excluded, from one run; its events went to `%s` while the "
             "service subscribed to `%s`, so none was stored. %s%s %s",
             ref, CHATPROTO_TEAM_SUBJECT, CHATPROTO_TEAM_STORE_SUBJECT, written, stored,
             meant);
    json_t *j = json_pack("{s:s, s:o, s:s, s:o, s:o}", "text", text, "reproduced",
                          place ? json_boolean(strcmp(place, "inside") == 0) : json_null(),
                          "quantity",
                          "the NATS process's own CPU in points of one core at about 100 "
                          "events/s, minus its idle CPU, nats-server excluded",
                          "as_written", arm_json(&w, ref), "as_intended", arm_json(&s, ref));
    json_object_set_new(c->a, "reference", j);
}
