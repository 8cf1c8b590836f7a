/* analysis: the recommendation and the conclusion, every sentence built
 * from fields of the analysis: the verdicts, the rules' evidence on stacks
 * (recrules, via c->rules), the significant breakdown rows, and, when
 * present, measured optimization variants (optimization.variants[]), which
 * are what "inherent" is judged against. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* 'buf' (holding the text 's') with its first letter upper case: it starts a
 * sentence. Returns 'buf'. */
static const char *an_capital(char *buf, const char *s) {
    (void)s;
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    return buf;
}

#define REASON_SHARE 0.05 /* of the overhead: a breakdown row worth a reason */

/* One rule's evidence as JSON, and its sentence. */
static json_t *rule_json(const recrule_result *r) {
    char b1[32], b2[32], b3[32], b4[32], b5[32], ev[768];
    char s1[32], s2[32];
    snprintf(ev, sizeof ev,
             "%s: %s us per event with NATS against %s us direct (change %s us, 95%% "
             "interval %s to %s), %s%% of the overhead; the rule fires from %s%%%s%s",
             r->rule->what, an_fmt(r->nats_us, b1, 32), an_fmt(r->direct_us, b2, 32),
             an_fmt(r->delta.est, b3, 32), r->ok ? an_fmt(r->delta.lo, b4, 32) : "n/a",
             r->ok ? an_fmt(r->delta.hi, b5, 32) : "n/a", an_fmt(r->share * 100, s1, 32),
             an_fmt(r->rule->min_share * 100, s2, 32),
             r->ncallers > 1 ? "; encoding reached from " : "",
             r->ncallers > 1 ? r->callers : "");
    return json_pack(
        "{s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:s, s:s}",
        "id", r->rule->id, "what", r->rule->what, "action", r->rule->action, "fired",
        r->fired, "fired_text", r->fired ? "yes" : "no", "nats_us", an_fnum(r->nats_us),
        "direct_us", an_fnum(r->direct_us), "delta_us", an_fsigned(r->delta.est),
        "ci_lo_us", r->ok ? an_fsigned(r->delta.lo) : json_string("n/a"), "ci_hi_us",
        r->ok ? an_fsigned(r->delta.hi) : json_string("n/a"), "share_pct",
        an_fnum(r->share * 100), "threshold_pct", an_fnum(r->rule->min_share * 100),
        "callers", (json_int_t)r->ncallers, "caller_names", r->callers, "evidence", ev);
}

/* The rules' evidence ("recommendation.rules"), and a reason and an action
 * for each rule that fires. Creates c->reasons and c->actions. */
void an_avoidable(ctx *c) {
    char line[1024], b1[32];
    c->reasons = json_array();
    c->actions = json_array();
    json_t *rules = json_array();
    for (size_t k = 0; c->have_attr && k < c->nrules; k++) {
        const recrule_result *r = &c->rules[k];
        json_t *j = rule_json(r);
        if (r->fired) {
            json_array_append_new(c->reasons, json_string(an_jstr(j, "evidence")));
            snprintf(line, sizeof line,
                     "%s (the profiles put the saving at up to %s us per event)",
                     r->rule->action, an_fmt(r->delta.est, b1, 32));
            json_array_append_new(c->actions, json_string(line));
        }
        json_array_append_new(rules, j);
    }
    if (c->have_attr)
        json_object_set_new(c->a, "rules", json_pack("{s:o}", "rows", rules));
    else
        json_decref(rules);
}

/* Measured optimization variants (the hook another stage fills:
 * optimization.variants[] with name, saving_us, ci_lo_us, ci_hi_us): how
 * many there are, how many save significantly, the best saving; their
 * reasons and actions are appended. */
static size_t variants_judge(ctx *c, size_t *nsig, double *best, char *names,
                             size_t size) {
    json_t *vs = an_jget(c->a, "optimization.variants"), *v;
    size_t k, len = 0;
    char line[768], b1[32], b2[32], b3[32], b4[32];
    *nsig = 0;
    *best = 0;
    names[0] = '\0';
    json_array_foreach(vs, k, v) {
        const char *name = an_jstr(v, "name");
        double s = an_jnum(v, "saving_us"), lo = an_jnum(v, "ci_lo_us"),
               hi = an_jnum(v, "ci_hi_us");
        if (name == NULL || isnan(s))
            continue;
        if (len < size)
            len +=
                (size_t)snprintf(names + len, size - len, "%s%s", len ? ", " : "", name);
        if (!(lo > 0))
            continue;
        (*nsig)++;
        *best = fmax(*best, s);
        /* the coverage the interval achieves, when the hook gives it */
        char cov[48] = "";
        double cp = an_jnum(v, "ci_coverage_pct");
        if (isfinite(cp))
            snprintf(cov, sizeof cov, ", coverage %.1f%%", cp);
        snprintf(line, sizeof line,
                 "Measured variant %s saves %s us per event (interval %s to %s%s), %s%% "
                 "of the overhead",
                 name, an_fmt(s, b1, 32), an_fmt(lo, b2, 32), an_fmt(hi, b3, 32), cov,
                 an_fmt(c->overhead_us > 0 ? s / c->overhead_us * 100 : NAN, b4, 32));
        json_array_append_new(c->reasons, json_string(line));
        const char *what = an_jstr(v, "what");
        snprintf(line, sizeof line, "Adopt %s%s%s (measured saving %s us per event)",
                 name, what ? ": " : "", what ? what : "", an_fmt(s, b1, 32));
        json_array_append_new(c->actions, json_string(line));
    }
    return json_array_size(vs);
}

/* The breakdown rows that changed significantly and by a notable share, as
 * reasons. */
static void breakdown_reasons(ctx *c) {
    json_t *rows = an_jget(c->a, "breakdown.rows"), *row;
    size_t i;
    json_array_foreach(rows, i, row) {
        double d = an_jnum(row, "delta");
        if (!json_is_true(json_object_get(row, "significant")) || !(c->overhead_us > 0) ||
            d < REASON_SHARE * c->overhead_us)
            continue;
        char line[384];
        snprintf(line, sizeof line,
                 "%s: %s us per event (95%% interval %s to %s), %s%% of the overhead",
                 an_jstr(row, "category"), an_jstr(row, "delta_us"),
                 an_jstr(row, "ci_lo_us"), an_jstr(row, "ci_hi_us"),
                 an_jstr(row, "share_pct"));
        json_array_append_new(c->reasons, json_string(line));
    }
}

/* The recommendation's summary into 'out' (and the priority and decision);
 * 'brief' leaves out the verdicts' explanations (they are stated once, in
 * headline.verdict_text and chat_rate.verdict_text), for the decision block. */
static void summarize(ctx *c, const size_t *counts, double fired_us, double best,
                      int brief, char *out, size_t size, const char **priority,
                      const char **decision) {
    const analysis_options *o = c->o;
    size_t fired = counts[0], nvar = counts[1], nsig = counts[2];
    char b1[32], b2[32], b3[32], b4[48], why[800];
    const char *vt = brief ? "" : c->vtext;
    /* the PASS and INCONCLUSIVE sentences end with ": why", the others carry " (why)" */
    snprintf(why, sizeof why, "%s%s", brief ? "" : ": ", vt);
    if (strcmp(c->verdict, "PASS") == 0) {
        *priority = "Priority 1: No Action Needed";
        *decision = "Accept overhead";
        snprintf(out, size, "The per-event overhead is below the %g%% target%s.",
                 o->target_pct, why);
    } else if (strcmp(c->verdict, "INCONCLUSIVE") == 0) {
        *priority = "Investigate further";
        *decision = "Run more trials";
        snprintf(out, size,
                 "This run cannot tell whether the per-event overhead is above or below "
                 "the %g%% target%s.",
                 o->target_pct, why);
    } else {
        snprintf(why, sizeof why, "%s%s%s", brief ? "" : " (", vt, brief ? "" : ")");
        if ((fired > 0 || nsig > 0) && brief) {
            /* the figures are the actions' own, just below it */
            *priority = "Priority 2: Optimize";
            *decision = "Optimize in Sprint 11";
            snprintf(out, size,
                     "The per-event overhead is above the %g%% target, and %s show "
                     "avoidable work: removing it is the first step.",
                     o->target_pct,
                     fired > 0 && nsig > 0 ? "the profiles and measured variants"
                     : nsig > 0            ? "measured variants"
                                           : "the profiles");
        } else if (fired > 0 || nsig > 0) {
            *priority = "Priority 2: Optimize";
            *decision = "Optimize in Sprint 11";
            snprintf(out, size,
                     "The per-event overhead is above the %g%% target%s. %s "
                     "in the profiles account%s for %s us per event (%s%% of the "
                     "overhead)%s%s%s; "
                     "removing avoidable work is the first step.",
                     o->target_pct, why,
                     an_capital(b4, an_count(fired, "pattern", "patterns", b4, 48)),
                     fired == 1 ? "s" : "", an_fmt(fired_us, b1, 32),
                     an_fmt(c->overhead_us > 0 ? fired_us / c->overhead_us * 100 : NAN,
                            b2, 32),
                     nsig ? " and measured variants save up to " : "",
                     nsig ? an_fmt(best, b3, 32) : "", nsig ? " us" : "");
        } else if (nvar > 0) {
            *priority = "Priority 1: No Action Needed";
            *decision = "Accept overhead";
            snprintf(
                out, size,
                "The per-event overhead is above the %g%% target%s, but no rule finds "
                "avoidable work in the profiles and none of the measured alternatives "
                "reduces it significantly: as measured, it is the cost of this bus.",
                o->target_pct, why);
        } else {
            *priority = "Investigate further";
            *decision = "Investigate further";
            snprintf(
                out, size,
                "The per-event overhead is above the %g%% target%s and no rule finds "
                "avoidable work in the profiles. Look at the hotspots and the flame "
                "graph, and measure alternatives.",
                o->target_pct, why);
        }
    }
    json_t *cr = json_object_get(c->a, "chat_rate");
    /* the decision block states the chat-rate verdict on its own line */
    if (cr != NULL && !brief) {
        size_t n = strlen(out);
        snprintf(
            out + n, size - n,
            " In the original target's own terms (points of one core at %s events/s) "
            "the verdict is %s%s%s.",
            an_jstr(cr, "rate"), an_jstr(cr, "verdict"), ": ",
            an_jstr(cr, "verdict_text"));
    }
}

#define TOP_ACTIONS 3

/* The family of a variant: its name up to the first digit or '-'
 * ("batch100-compact" and "batch10" are both "batch"), so that the decision
 * block lists one change of each kind, the one that saves most. */
static void variant_family(const char *name, char *out, size_t size) {
    size_t k = 0;
    while (name[k] && name[k] != '-' && !(name[k] >= '0' && name[k] <= '9') &&
           k + 1 < size)
        out[k] = name[k], k++;
    out[k] = '\0';
}

/* Which variant family removes the pattern a rule finds on the stacks. */
static const char *rule_family(const char *rule_id) {
    static const char *const map[][2] = {{"handoff", "gc"}, {"encode_twice", "compact"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], rule_id) == 0)
            return map[i][1];
    return NULL;
}

/* At most TOP_ACTIONS actions for the decision block, each a measured change
 * with its saving (interval, share of the one overhead), what it gives up,
 * and the profile pattern it removes merged into it: the significant
 * variants, best first, one per family; then fired rules that no listed
 * variant removes, while there is room. */
static json_t *top_actions(ctx *c) {
    json_t *out = json_array(), *vs = an_jget(c->a, "optimization.variants"), *v;
    json_t *pick[64];
    size_t np = 0, k;
    char fam[64], b[5][32], text[1024];
    json_array_foreach(vs, k, v) {
        if (!(an_jnum(v, "ci_lo_us") > 0) || an_jstr(v, "name") == NULL || np == 64)
            continue;
        pick[np++] = v;
    }
    /* best first */
    for (size_t i = 1; i < np; i++)
        for (size_t j = i;
             j > 0 && an_jnum(pick[j], "saving_us") > an_jnum(pick[j - 1], "saving_us");
             j--) {
            json_t *t = pick[j];
            pick[j] = pick[j - 1];
            pick[j - 1] = t;
        }
    int used_rule[RECRULES_MAX] = {0};
    char fams[TOP_ACTIONS][64];
    size_t nf = 0;
    for (size_t i = 0; i < np && json_array_size(out) < TOP_ACTIONS; i++) {
        const char *name = an_jstr(pick[i], "name");
        variant_family(name, fam, sizeof fam);
        int seen = 0;
        for (size_t f = 0; f < nf; f++)
            seen |= strcmp(fams[f], fam) == 0;
        if (seen)
            continue;
        snprintf(fams[nf++], sizeof fams[0], "%s", fam);
        double s = an_jnum(pick[i], "saving_us");
        double pct = an_jnum(pick[i], "saving_pct");
        if (!isfinite(pct) && c->overhead_us > 0)
            pct = s / c->overhead_us * 100;
        const char *what = an_jstr(pick[i], "what");
        int n = snprintf(text, sizeof text, "%s%s%s", name, what ? ": " : "",
                         what ? what : "");
        for (size_t r = 0; c->have_attr && r < c->nrules; r++) {
            const char *rf = rule_family(c->rules[r].rule->id);
            if (!c->rules[r].fired || rf == NULL || strcmp(rf, fam) != 0)
                continue;
            used_rule[r] = 1;
            if (n > 0 && (size_t)n < sizeof text)
                n += snprintf(text + n, sizeof text - (size_t)n,
                              "; it removes the pattern the profiles show as %s (%s us "
                              "per event there)",
                              c->rules[r].rule->what,
                              an_fmt(c->rules[r].delta.est, b[4], 32));
        }
        json_array_append_new(
            out, json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "text", text, "saving_us",
                           an_fnum(s), "ci_lo_us", an_fnum(an_jnum(pick[i], "ci_lo_us")),
                           "ci_hi_us", an_fnum(an_jnum(pick[i], "ci_hi_us")),
                           "saving_pct", an_fnum(pct), "gives_up",
                           an_jstr(pick[i], "gives_up") ? an_jstr(pick[i], "gives_up")
                                                        : "nothing measured"));
    }
    for (size_t r = 0;
         c->have_attr && r < c->nrules && json_array_size(out) < TOP_ACTIONS; r++) {
        const recrule_result *rr = &c->rules[r];
        if (!rr->fired || used_rule[r])
            continue;
        const char *rf = rule_family(rr->rule->id);
        int listed = 0;
        for (size_t f = 0; rf != NULL && f < nf; f++)
            listed |= strcmp(fams[f], rf) == 0;
        if (listed)
            continue;
        snprintf(text, sizeof text,
                 "%s (not measured as a variant: the profiles put it "
                 "at %s us per event)",
                 rr->rule->action, an_fmt(rr->delta.est, b[0], 32));
        json_array_append_new(
            out,
            json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "text", text, "saving_us",
                      an_fnum(rr->delta.est), "ci_lo_us",
                      rr->ok ? an_fnum(rr->delta.lo) : json_string("n/a"), "ci_hi_us",
                      rr->ok ? an_fnum(rr->delta.hi) : json_string("n/a"), "saving_pct",
                      an_fnum(rr->share * 100), "gives_up", "not measured"));
    }
    return out;
}

void an_recommend(ctx *c) {
    const char *priority, *decision;
    char summary[2048], brief[1024], names[512], opt[768], b1[32];
    size_t fired = 0, nsig;
    double fired_us = 0, best;
    for (size_t k = 0; c->have_attr && k < c->nrules; k++)
        if (c->rules[k].fired) {
            fired++;
            fired_us += c->rules[k].delta.est;
        }
    size_t nvar = variants_judge(c, &nsig, &best, names, sizeof names);
    if (nvar == 0)
        snprintf(opt, sizeof opt,
                 "No optimization variants were measured in this run, so whether the "
                 "remaining overhead is inherent to the bus is not established here.");
    else {
        char n1[48], n2[48];
        snprintf(opt, sizeof opt, "%s measured (%s); %s CPU significantly%s%s%s.",
                 an_count(nvar, "optimization variant was", "optimization variants were",
                          n1, sizeof n1),
                 names,
                 nsig == 0   ? "none saves"
                 : nsig == 1 ? "one saves"
                             : an_count(nsig, "", "save", n2, sizeof n2),
                 nsig ? ", the best " : "", nsig ? an_fmt(best, b1, 32) : "",
                 nsig ? " us per event" : "");
    }
    /* The Recommendations section's opening: it refers to the decision and
     * the variants table instead of restating their figures. */
    char lead[1024], nr[48], nf[48];
    size_t nrules = c->have_attr ? c->nrules : 0;
    int n = snprintf(lead, sizeof lead, "%s",
                     nvar == 0 ? opt
                               : "The decision's actions are the measured changes that "
                                 "save most, one of each kind; every variant measured is "
                                 "ranked below by its saving, with what it gives up.");
    if (nrules > 0 && n > 0 && (size_t)n < sizeof lead)
        snprintf(lead + n, sizeof lead - (size_t)n,
                 " Of the %s applied to the profiles' stacks, %s.",
                 an_count(nrules, "rule", "rules", nr, sizeof nr),
                 fired == 0   ? "none fires"
                 : fired == 1 ? "one fires"
                              : an_count(fired, "fires", "fire", nf, sizeof nf));
    size_t counts[3] = {fired, nvar, nsig};
    summarize(c, counts, fired_us, best, 0, summary, sizeof summary, &priority,
              &decision);
    summarize(c, counts, fired_us, best, 1, brief, sizeof brief, &priority, &decision);
    breakdown_reasons(c);
    json_t *top = top_actions(c);
    json_object_set_new(
        c->a, "recommendation",
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:b, s:O, s:o, s:s, s:I, s:I}",
                  "priority", priority, "decision", decision, "summary", summary,
                  "summary_short", brief, "lead", lead, "reasons", c->reasons, "has_actions",
                  json_array_size(c->actions) > 0, "actions", c->actions, "top_actions",
                  top, "optimization_text", opt, "rules_fired", (json_int_t)fired,
                  "variants_significant", (json_int_t)nsig));
}

/* The breakdown row that adds most CPU per event (NULL when none adds). */
static json_t *largest_row(ctx *c) {
    json_t *rows = an_jget(c->a, "breakdown.rows"), *row, *best = NULL;
    size_t i;
    json_array_foreach(rows, i, row) {
        double d = an_jnum(row, "delta");
        if (d > 0 && json_is_true(json_object_get(row, "significant")) &&
            (best == NULL || d > an_jnum(best, "delta")))
            best = row;
    }
    return best;
}

/* The conclusion: what was found and what to do, in words that point to
 * the sections holding the figures (each figure is stated once, in the
 * decision block, the Summary or its own section). */
void an_conclusion(ctx *c) {
    char text[2048];
    json_t *hot = json_object_get(c->a, "hotspots"), *big = largest_row(c);
    const char *decision = an_jstr(c->a, "recommendation.decision");
    size_t n = (size_t)snprintf(
        text, sizeof text,
        "Routing a chat event through NATS (%s) costs %s CPU per stored event than "
        "writing it to SQLite directly; the overhead, its interval and both verdicts are "
        "in the decision block and the Summary.",
        an_jstr(c->a, "config.nats_mode"), c->overhead_us >= 0 ? "more" : "less");
    if (big != NULL && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              " The largest part of the difference is %s (NATS Overhead "
                              "Breakdown)",
                              an_jstr(big, "category"));
    if (json_array_size(hot) > 0 && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "%s largest single increase is %s (Top 3 Hotspots)",
                              big != NULL ? ", and the" : " The",
                              an_jstr(json_array_get(hot, 0), "name"));
    if ((big != NULL || json_array_size(hot) > 0) && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n, ".");
    const char *next;
    if (decision != NULL && strcmp(decision, "Optimize in Sprint 11") == 0)
        next = "Part of it is avoidable: the measured changes ranked in Recommendations "
               "save CPU, each at the cost it states, so the decision is to optimize "
               "before accepting what remains.";
    else if (strcmp(c->verdict, "PASS") == 0)
        next = "It is within the target, so it is accepted as the price of the "
               "decoupling the bus brings.";
    else if (decision != NULL && strcmp(decision, "Accept overhead") == 0)
        next = "Nothing measured here removes a significant part of it, so it is accepted "
               "as the cost of this bus.";
    else if (decision != NULL && strcmp(decision, "Run more trials") == 0)
        next = "This run cannot decide against the target: more rounds come before any "
               "change.";
    else
        next = "No rule finds avoidable work and no alternative was measured: measure "
               "alternatives before deciding.";
    if (n < sizeof text)
        snprintf(text + n, sizeof text - n, " %s", next);
    json_object_set_new(c->a, "conclusion", json_string(text));
}
