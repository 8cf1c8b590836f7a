/* analysis: removal beside sampling. Where a measured variant removes what
 * a rule's pattern or a breakdown row samples (gc64: the collector hand-off;
 * compact: JSON and its allocations), the sampled cost and the measured
 * saving are shown side by side with their intervals; where the intervals do
 * not overlap the report says so, and the recommendation's action quotes the
 * measured figure. */

#include "an_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* What each variant removes: a rule (by id) or a breakdown category. */
static const struct {
    const char *variant, *rule, *category, *what;
} removal_map[] = {
    {"gc64", "handoff", NULL, "the nats.c collector hand-off (rule pattern)"},
    {"gc64", NULL, "thread hand-off / event loop", "thread hand-off (breakdown row)"},
    {"compact", NULL, "JSON serialization", "JSON serialization (breakdown row)"},
    {"compact", NULL, "memory allocation", "memory allocation (breakdown row)"},
};

static json_t *find_variant(ctx *c, const char *name) {
    json_t *vs = an_jget(c->a, "optimization.variants"), *v;
    size_t k;
    json_array_foreach(vs, k, v) {
        const char *n = an_jstr(v, "name");
        if (n != NULL && strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

/* The sampled figure: a rule's NATS - direct change, or a breakdown row's. */
static const stats_interval *sampled(ctx *c, size_t m, const recrule_result **rule) {
    *rule = NULL;
    for (size_t k = 0; removal_map[m].rule != NULL && k < c->nrules; k++)
        if (strcmp(c->rules[k].rule->id, removal_map[m].rule) == 0) {
            *rule = &c->rules[k];
            return c->rules[k].ok ? &c->rules[k].delta : NULL;
        }
    for (size_t k = 0; removal_map[m].category != NULL && k < c->attr.nrows; k++)
        if (strcmp(c->attr.rows[k].category, removal_map[m].category) == 0)
            return c->attr.rows[k].ok ? &c->attr.rows[k].delta : NULL;
    return NULL;
}

/* Quote the measured saving in the rule's action (an_avoidable wrote the
 * sampled figure there). */
static void requote_action(ctx *c, const recrule_result *r, const char *variant,
                           double s, double lo, double hi) {
    json_t *a;
    size_t k;
    char line[1024], b1[32], b2[32], b3[32], b4[32];
    json_array_foreach(c->actions, k, a) {
        const char *t = json_string_value(a);
        if (t == NULL || strncmp(t, r->rule->action, strlen(r->rule->action)) != 0)
            continue;
        snprintf(line, sizeof line,
                 "%s (measured by removing it, variant %s: %s us per event saved, "
                 "interval %s to %s; the profiles sample %s)",
                 r->rule->action, variant, an_fmt(s, b1, 32), an_fmt(lo, b2, 32),
                 an_fmt(hi, b3, 32), an_fmt(r->delta.est, b4, 32));
        json_array_set_new(c->actions, k, json_string(line));
    }
}

/* Append one sentence to 'text' (a blank before all but the first); once it
 * is full, later sentences are dropped. */
static void add_sentence(char *text, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_sentence(char *text, size_t size, size_t *used, const char *fmt, ...) {
    if (*used >= size)
        return;
    if (*used > 0)
        *used += (size_t)snprintf(text + *used, size - *used, " ");
    va_list ap;
    va_start(ap, fmt);
    int n = *used < size ? vsnprintf(text + *used, size - *used, fmt, ap) : 0;
    va_end(ap);
    *used += n > 0 ? (size_t)n : 0;
}

void an_removal(ctx *c) {
    json_t *rows = json_array();
    char text[2048] = "";
    size_t used = 0, flagged = 0;
    for (size_t m = 0; c->have_attr && m < sizeof removal_map / sizeof removal_map[0];
         m++) {
        json_t *v = find_variant(c, removal_map[m].variant);
        const recrule_result *rule;
        const stats_interval *iv = sampled(c, m, &rule);
        if (v == NULL || iv == NULL)
            continue;
        double s = an_jnum(v, "saving_us"), lo = an_jnum(v, "ci_lo_us"),
               hi = an_jnum(v, "ci_hi_us");
        if (isnan(s))
            continue;
        int known = isfinite(lo) && isfinite(hi) && isfinite(iv->lo) && isfinite(iv->hi);
        int apart = known && (iv->hi < lo || iv->lo > hi);
        /* overlapping, yet the sampled estimate outside the saving's interval */
        int outside = known && !apart && (iv->est < lo || iv->est > hi);
        char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
        flagged += apart || outside;
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "what",
                            removal_map[m].what, "variant", removal_map[m].variant,
                            "sampled_us", an_fsigned(iv->est), "sampled_lo_us",
                            an_fsigned(iv->lo), "sampled_hi_us", an_fsigned(iv->hi),
                            "saving_us", an_fsigned(s), "saving_lo_us", an_fsigned(lo),
                            "saving_hi_us", an_fsigned(hi), "agree",
                            !known    ? "unknown"
                            : apart   ? "no"
                            : outside ? "yes (estimate outside)"
                                      : "yes"));
        if (apart)
            add_sentence(text, sizeof text, &used,
                         "The profiles put %s at %s us per event (%s to %s), but removing "
                         "it (variant %s) measured %s (%s to %s): the intervals do not "
                         "overlap, so the measured saving is the figure to plan with.",
                         removal_map[m].what, an_fmt(iv->est, b1, 32),
                         an_fmt(iv->lo, b2, 32), an_fmt(iv->hi, b3, 32),
                         removal_map[m].variant, an_fmt(s, b4, 32), an_fmt(lo, b5, 32),
                         an_fmt(hi, b6, 32));
        if (outside)
            add_sentence(text, sizeof text, &used,
                         "The profiles put %s at %s us per event, outside the saving "
                         "measured by removing it (variant %s: %s to %s), though the two "
                         "intervals overlap.",
                         removal_map[m].what, an_fmt(iv->est, b1, 32),
                         removal_map[m].variant, an_fmt(lo, b5, 32), an_fmt(hi, b6, 32));
        if (rule != NULL && rule->fired)
            requote_action(c, rule, removal_map[m].variant, s, lo, hi);
    }
    if (json_array_size(rows) > 0 && flagged == 0)
        snprintf(text, sizeof text,
                 "Each sampled cost lies within reach of the measured saving of the "
                 "variant that removes it (their intervals overlap).");
    json_object_set_new(c->a, "removal",
                        json_pack("{s:o, s:s, s:b}", "rows", rows, "text", text, "have",
                                  json_array_size(rows) > 0));
}
