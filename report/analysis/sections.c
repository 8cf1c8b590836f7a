/* analysis: the comparisons beside the headline: every NATS architecture
 * against direct, and the storage sweep. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

#define RUNNER_ARCHS 8  /* distinct architectures compared at most */
#define MAX_STORAGES 16 /* distinct storage settings compared at most */

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
        /* direct trials of the same kind (unprofiled or profiled) */
        an_select_trials(c, c->g1, "direct", c->storage, c->g2->t[0]->profiled, 0, 0, 0);
        compare r = an_compare(c, c->g1->n >= 2 ? c->g1 : c->gd, c->g2);
        char what[128];
        snprintf(what, sizeof what, "architecture %s", archs[k]);
        an_few_trials_warn(c, what, &r);
        double b = an_broker_median_us(c->g2), extra = r.med_b - r.med_a;
        const trial *t0 = c->g2->t[0];
        double nodes = an_jnum(t0->rec, "cluster.nodes"),
               services = an_jnum(t0->rec, "cluster.services");
        char shape[96];
        if (strcmp(archs[k], "jetstream") == 0)
            snprintf(shape, sizeof shape, "JetStream, %g %s, %g %s", nodes > 0 ? nodes : 1,
                     nodes > 1 ? "nodes" : "node", services > 0 ? services : 1,
                     services > 1 ? "services" : "service");
        else if (nodes > 1 || services > 1)
            snprintf(shape, sizeof shape, "%g %s, %g %s in a queue group",
                     nodes > 0 ? nodes : 1, nodes > 1 ? "nodes" : "node",
                     services > 0 ? services : 1, services > 1 ? "services" : "service");
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
        json_object_set_new(json_array_get(rows, json_array_size(rows) - 1), "interval",
                            an_interval_json(&r));
        /* the headline's own row: its figures are stated in the Summary */
        json_object_set_new(json_array_get(rows, json_array_size(rows) - 1),
                            "is_headline",
                            json_boolean(strcmp(archs[k], c->nats_arch) == 0));
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
    /* Only storages measured with both architectures can be compared: one
     * with a single side would stand for both ends of the sweep. */
    size_t both = 0;
    char one_side[256] = "";
    for (size_t k = 0; k < nst; k++) {
        an_select_best(c, c->g1, "direct", storages[k], 0);
        an_select_best(c, c->g2, c->nats_arch, storages[k], 0);
        if (c->g1->n >= 1 && c->g2->n >= 1)
            storages[both++] = storages[k];
        else
            snprintf(one_side + strlen(one_side), sizeof one_side - strlen(one_side),
                     "%s'%s'", one_side[0] ? ", " : "", storages[k]);
    }
    nst = both;
    if (nst < 2) {
        /* present, without a table, saying why: never a silent gap */
        char text[768], more[320] = "";
        if (one_side[0])
            snprintf(more, sizeof more, " (%s measured with only one of them)", one_side);
        if (nst == 1)
            snprintf(text, sizeof text,
                     "Only one storage setting, '%s', was measured with both "
                     "architectures%s, so the overhead cannot be compared across storage "
                     "settings (`overhead report --sweep STORAGE` adds one).",
                     storages[0], more);
        else
            snprintf(text, sizeof text,
                     "No storage setting was measured with both architectures at "
                     "saturation%s, so there is nothing to compare.",
                     more);
        json_object_set_new(
            c->a, "sensitivity",
            json_pack("{s:[], s:s, s:b}", "rows", "text", text, "no_sweep", 1));
        return;
    }
    if (nst >= 2) {
        json_t *rows = json_array(), *groups = json_array();
        double min_delta = INFINITY, max_delta = -INFINITY;
        double lo_ov = NAN, hi_ov = NAN, lo_direct = NAN, hi_direct = NAN;
        const char *lo_st = "", *hi_st = "";
        for (size_t k = 0; k < nst; k++) {
            an_select_best(c, c->g1, "direct", storages[k], 0);
            an_select_best(c, c->g2, c->nats_arch, storages[k], 0);
            if (c->g1->n < 1 || c->g2->n < 1)
                continue;
            compare s = an_compare(c, c->g1, c->g2);
            double delta = s.med_b - s.med_a;
            char what[128];
            snprintf(what, sizeof what, "storage %s", storages[k]);
            an_few_trials_warn(c, what, &s);
            min_delta = fmin(min_delta, delta);
            max_delta = fmax(max_delta, delta);
            if (isnan(lo_ov) || s.ratio < lo_ov) {
                lo_ov = s.ratio;
                lo_st = storages[k];
                lo_direct = s.med_a;
            }
            if (isnan(hi_ov) || s.ratio > hi_ov) {
                hi_ov = s.ratio;
                hi_st = storages[k];
                hi_direct = s.med_a;
            }
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
            json_t *row = json_array_get(rows, json_array_size(rows) - 1);
            json_object_set_new(row, "n", json_string(nbuf));
            json_object_set_new(row, "interval", an_interval_json(&s));
            char note[64];
            snprintf(note, sizeof note, "%+.0f%%", s.ratio * 100);
            json_array_append_new(
                groups, json_pack("{s:s, s:s, s:[{s:s, s:o}, {s:s, s:o}]}", "label",
                                  storages[k], "note", note, "bars", "label", "direct",
                                  "value", jsonfile_num(s.med_a), "label", "NATS",
                                  "value", jsonfile_num(s.med_b)));
        }
        /* Only what the rows show: where the relative overhead is largest and
         * smallest, and whether that follows the direct path's own cost. */
        /* The headline's storage is the Summary's figure: named, not repeated. */
        char text[768], b3[32], b4[32], b5[32], b6[32], hi_p[48], lo_p[48];
        snprintf(hi_p, sizeof hi_p, "%s%%", an_fmt(hi_ov * 100, b3, sizeof b3));
        snprintf(lo_p, sizeof lo_p, "%s%%", an_fmt(lo_ov * 100, b5, sizeof b5));
        if (c->storage != NULL && strcmp(hi_st, c->storage) == 0)
            snprintf(hi_p, sizeof hi_p, "the headline");
        if (c->storage != NULL && strcmp(lo_st, c->storage) == 0)
            snprintf(lo_p, sizeof lo_p, "the headline");
        snprintf(
            text, sizeof text,
            "Across storage settings the bus adds between %s and %s us per event. The "
            "relative overhead is largest for '%s' (%s, direct %s us per event) and "
            "smallest for '%s' (%s, direct %s us)%s",
            an_fmt(min_delta, b1, sizeof b1), an_fmt(max_delta, b2, sizeof b2), hi_st,
            hi_p, an_fmt(hi_direct, b4, sizeof b4), lo_st, lo_p,
            an_fmt(lo_direct, b6, sizeof b6),
            hi_direct < lo_direct
                ? ": the more the storage itself costs, the smaller the bus's share."
                : ".");
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
