/* analysis: the differential flame graph, an inverted call tree of both
 * architectures' pooled profiles. */

#include "an_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define FLAME_DEPTH 48    /* frames of a stack kept in the tree, from the leaf */
#define FLAME_MIN   0.002 /* frames below this share of the root are pruned */

/* Free the tree under 'n' (not 'n' itself). */
void an_flame_free(fnode *n) {
    for (size_t i = 0; i < n->nkids; i++)
        an_flame_free(&n->kids[i]);
    free(n->kids);
    free(n->name);
}

/* The child of 'n' named 'name', added when there is none; NULL when out
 * of memory. */
static fnode *fnode_child(fnode *n, const char *name) {
    for (size_t i = 0; i < n->nkids; i++)
        if (strcmp(n->kids[i].name, name) == 0)
            return &n->kids[i];
    if (buf_reserve_items((void **)&n->kids, &n->cap, n->nkids, sizeof *n->kids, 4) != 0)
        return NULL;
    fnode *k = &n->kids[n->nkids];
    *k = (fnode){.name = strdup(name)};
    if (k->name == NULL)
        return NULL;
    n->nkids++;
    return k;
}

/* Add every stack of a side to the tree leaf first (an inverted flame
 * graph): the two architectures have different callers (main vs nats.c's
 * delivery thread) but share the functions where CPU is spent, so their
 * paths match from the leaf until the callers diverge. */
static int flame_add(fnode *root, const side *s, int is_new) {
    const aggregate *a = s->agg;
    for (size_t i = 0; i < a->nstacks; i++) {
        const aggregate_stack *st = &a->stacks[i];
        double v = an_us_of(s, st->count);
        fnode *n = root;
        if (is_new)
            n->new += v;
        else
            n->base += v;
        uint32_t depth = st->depth < FLAME_DEPTH ? st->depth : FLAME_DEPTH;
        for (uint32_t d = 0; d < depth; d++) {
            uint32_t fi = a->frames[st->first + d];
            n = fnode_child(n, a->fns[fi].name);
            if (n == NULL)
                return -1;
            if (is_new)
                n->new += v;
            else
                n->base += v;
        }
    }
    return 0;
}

static int cmp_fnode(const void *pa, const void *pb) {
    const fnode *a = pa, *b = pb;
    double va = fmax(a->new, a->base), vb = fmax(b->new, b->base);
    return (va < vb) - (va > vb);
}

/* The tree under 'n' as JSON, children widest first, those narrower than
 * 'min' left out. */
static json_t *flame_json(fnode *n, double min) {
    json_t *kids = json_array();
    if (n->nkids > 1)
        qsort(n->kids, n->nkids, sizeof *n->kids, cmp_fnode);
    for (size_t i = 0; i < n->nkids; i++)
        if (fmax(n->kids[i].new, n->kids[i].base) >= min)
            json_array_append_new(kids, flame_json(&n->kids[i], min));
    return json_pack("{s:s, s:o, s:o, s:o}", "name", n->name, "new", jsonfile_num(n->new),
                     "base", jsonfile_num(n->base), "children", kids);
}

/* The differential flame graph chart into c->charts: both sides' stacks in
 * one tree, the broker as one more frame of NATS. Widths are NATS CPU per
 * event. ERR_NOMEM when out of memory. */
int an_flame(ctx *c) {
    c->froot.name = strdup("all");
    if (c->froot.name == NULL || flame_add(&c->froot, &c->sd, 0) != 0 ||
        flame_add(&c->froot, &c->sn, 1) != 0)
        return error_set(c->err, ERR_NOMEM, "%s: out of memory", c->rundir);
    if (c->sn.broker_us > 0) {
        fnode *b = fnode_child(&c->froot, "nats-server (broker process)");
        if (b == NULL)
            return error_set(c->err, ERR_NOMEM, "%s: out of memory", c->rundir);
        b->new += c->sn.broker_us;
        c->froot.new += c->sn.broker_us;
    }
    json_object_set_new(
        c->charts, "flame",
        json_pack(
            "{s:s, s:b, s:s, s:o}", "unit", "us/event", "inverted", 1, "caption",
            "Inverted differential flame graph: the bottom row holds the functions "
            "where CPU is spent (as in a flat profile), each row above their "
            "callers; widths are the NATS architecture's CPU per event, colour the "
            "frame's change against direct (red grew, blue shrank, grey unchanged). "
            "On the HTML page, click or tap a frame to zoom and see its numbers; "
            "search highlights functions; the negated view takes the widths from "
            "direct, showing what shrank or disappeared.",
            "root", flame_json(&c->froot, FLAME_MIN * c->froot.new)));
    return 0;
}
