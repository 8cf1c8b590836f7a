#include "dwarfidx.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* One address range of an inlined call. */
typedef struct range {
    uint64_t lo, hi;
    uint32_t node;  /* index into cu_table.nodes */
    uint32_t depth; /* nesting depth of the node: sorts outer before inner */
} range;

/* A node's ranges in DFS order, for "does this node cover addr". */
typedef struct node_ranges {
    size_t first, n;
} node_ranges;

typedef struct cu_table {
    Dwarf_Off off; /* the CU DIE's offset: the key */
    dwarfidx_inline *nodes;
    node_ranges *nr;
    uint32_t *parent; /* node index of the enclosing inline, UINT32_MAX for none */
    size_t nnodes, cap_nodes;
    range *dfs;    /* ranges by node, in walk order */
    range *sorted; /* the same, by (lo, depth) */
    size_t nranges, cap_ranges;
} cu_table;

struct dwarfidx {
    cu_table **tabs; /* open addressing on the CU offset */
    size_t ntabs, cap;
};

dwarfidx *dwarfidx_new(void) {
    return calloc(1, sizeof(dwarfidx));
}

/* A name attribute of a DIE, following DW_AT_abstract_origin and
 * DW_AT_specification. */
static const char *dwarfidx_name(Dwarf_Die *die, unsigned int at) {
    Dwarf_Attribute attr;
    if (dwarf_attr_integrate(die, at, &attr) == NULL)
        return NULL;
    return dwarf_formstring(&attr);
}

/* Add an inlined_subroutine DIE as a node under 'parent' with its ranges. */
static int dwarfidx_add(cu_table *t, Dwarf_Die *die, uint32_t parent, uint32_t depth,
                        Dwarf_Files *files, size_t nfiles) {
    if (t->nnodes == t->cap_nodes) {
        size_t cap = t->cap_nodes ? 2 * t->cap_nodes : 64;
        dwarfidx_inline *nodes = realloc(t->nodes, cap * sizeof *nodes);
        if (nodes != NULL)
            t->nodes = nodes;
        node_ranges *nr = realloc(t->nr, cap * sizeof *nr);
        if (nr != NULL)
            t->nr = nr;
        uint32_t *parents = realloc(t->parent, cap * sizeof *parents);
        if (parents != NULL)
            t->parent = parents;
        if (nodes == NULL || nr == NULL || parents == NULL)
            return -1;
        t->cap_nodes = cap;
    }
    uint32_t id = (uint32_t)t->nnodes++;
    dwarfidx_inline *nd = &t->nodes[id];
    *nd = (dwarfidx_inline){.name = dwarfidx_name(die, DW_AT_name)};
    if ((nd->linkage = dwarfidx_name(die, DW_AT_linkage_name)) == NULL)
        nd->linkage = dwarfidx_name(die, DW_AT_MIPS_linkage_name);
    Dwarf_Attribute attr;
    Dwarf_Word cf = 0, cl = 0;
    if (dwarf_attr(die, DW_AT_call_file, &attr) != NULL &&
        dwarf_formudata(&attr, &cf) == 0 && files != NULL && cf < nfiles)
        nd->call_file = dwarf_filesrc(files, cf, NULL, NULL);
    if (dwarf_attr(die, DW_AT_call_line, &attr) != NULL &&
        dwarf_formudata(&attr, &cl) == 0)
        nd->call_line = (int)cl;
    t->parent[id] = parent;
    t->nr[id] = (node_ranges){.first = t->nranges};
    Dwarf_Addr base, lo, hi;
    for (ptrdiff_t off = 0; (off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0;) {
        if (lo >= hi) /* empty (GCC writes some): covers nothing, would hide others */
            continue;
        if (buf_reserve_items((void **)&t->dfs, &t->cap_ranges, t->nranges,
                              sizeof *t->dfs, 64))
            return -1;
        t->dfs[t->nranges++] = (range){lo, hi, id, depth};
    }
    t->nr[id].n = t->nranges - t->nr[id].first;
    return (int)id;
}

/* Walk the children of 'die': inlined calls become nodes under 'parent';
 * a subprogram starts a new tree. Returns -1 when out of memory. */
static int dwarfidx_walk(cu_table *t, Dwarf_Die *die, uint32_t parent, uint32_t depth,
                         Dwarf_Files *files, size_t nfiles) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0)
        return 0;
    do {
        int tag = dwarf_tag(&child);
        uint32_t p = parent, d = depth;
        if (tag == DW_TAG_inlined_subroutine) {
            int id = dwarfidx_add(t, &child, parent, depth, files, nfiles);
            if (id < 0)
                return -1;
            p = (uint32_t)id;
            d = depth + 1;
        } else if (tag == DW_TAG_subprogram) {
            p = UINT32_MAX;
            d = 0;
        }
        if (dwarf_haschildren(&child) &&
            dwarfidx_walk(t, &child, p, d, files, nfiles) != 0)
            return -1;
    } while (dwarf_siblingof(&child, &child) == 0);
    return 0;
}

static int dwarfidx_cmp_range(const void *a, const void *b) {
    const range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->depth < y->depth ? -1 : x->depth > y->depth;
}

static void dwarfidx_table_free(cu_table *t) {
    if (t == NULL)
        return;
    free(t->nodes);
    free(t->nr);
    free(t->parent);
    free(t->dfs);
    free(t->sorted);
    free(t);
}

/* Build the table of one CU: every inlined call, then the outer links. */
static cu_table *dwarfidx_build(Dwarf_Die *cu) {
    cu_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->off = dwarf_dieoffset(cu);
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
        files = NULL;
    if (dwarfidx_walk(t, cu, UINT32_MAX, 0, files, nfiles) != 0)
        goto fail;
    for (size_t i = 0; i < t->nnodes; i++)
        t->nodes[i].outer = t->parent[i] == UINT32_MAX ? NULL : &t->nodes[t->parent[i]];
    t->sorted = malloc((t->nranges ? t->nranges : 1) * sizeof *t->sorted);
    if (t->sorted == NULL)
        goto fail;
    if (t->nranges > 0) {
        memcpy(t->sorted, t->dfs, t->nranges * sizeof *t->sorted);
        qsort(t->sorted, t->nranges, sizeof *t->sorted, dwarfidx_cmp_range);
    }
    return t;
fail:
    dwarfidx_table_free(t);
    return NULL;
}

/* The table of 'cu', built on first use; NULL when out of memory. */
static cu_table *dwarfidx_table(dwarfidx *x, Dwarf_Die *cu) {
    Dwarf_Off off = dwarf_dieoffset(cu);
    if ((x->ntabs + 1) * 2 > x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        cu_table **v = calloc(cap, sizeof *v);
        if (v == NULL)
            return NULL;
        for (size_t i = 0; i < x->cap; i++)
            if (x->tabs[i] != NULL) {
                size_t j = (size_t)(x->tabs[i]->off * 0x9e3779b97f4a7c15ull) & (cap - 1);
                while (v[j] != NULL)
                    j = (j + 1) & (cap - 1);
                v[j] = x->tabs[i];
            }
        free(x->tabs);
        x->tabs = v;
        x->cap = cap;
    }
    size_t j = (size_t)(off * 0x9e3779b97f4a7c15ull) & (x->cap - 1);
    while (x->tabs[j] != NULL) {
        if (x->tabs[j]->off == off)
            return x->tabs[j];
        j = (j + 1) & (x->cap - 1);
    }
    if ((x->tabs[j] = dwarfidx_build(cu)) != NULL)
        x->ntabs++;
    return x->tabs[j];
}

/* Does node 'id' cover addr (any of its ranges)? */
static int dwarfidx_covers(const cu_table *t, uint32_t id, uint64_t addr) {
    const node_ranges *r = &t->nr[id];
    for (size_t i = 0; i < r->n; i++)
        if (addr >= t->dfs[r->first + i].lo && addr < t->dfs[r->first + i].hi)
            return 1;
    return 0;
}

int dwarfidx_lookup(dwarfidx *x, Dwarf_Die *cu, uint64_t addr, dwarfidx_inline **out) {
    *out = NULL;
    cu_table *t = dwarfidx_table(x, cu);
    if (t == NULL)
        return -1;
    /* The last range starting at or before addr; an inlined call covering
     * addr starts there or is one of its node's outer calls (ranges of DIEs
     * nest), so walk outwards from it. */
    size_t lo = 0, hi = t->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->sorted[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    for (uint32_t id = t->sorted[lo - 1].node; id != UINT32_MAX; id = t->parent[id])
        if (dwarfidx_covers(t, id, addr)) {
            *out = &t->nodes[id];
            return 0;
        }
    return 0;
}

void dwarfidx_free(dwarfidx *x) {
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->cap; i++)
        dwarfidx_table_free(x->tabs[i]);
    free(x->tabs);
    free(x);
}
