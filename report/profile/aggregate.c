#include "aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "stats.h"
#include "symbols.h"
#include "symprof.h"

/* Frames of one symbolized stack at most: the profiler's depth cap, each
 * frame possibly expanded by inlined calls. Deeper stacks are cut. */
#define AGGREGATE_MAX_DEPTH (PROFILE_MAX_DEPTH * 8)

/* An open-addressing index: slots hold element index + 1 (0 = empty); the
 * elements' hashes live in a parallel array so the index can be rebuilt. */
typedef struct itab {
    uint32_t *slots;
    size_t cap;
} itab;

typedef struct aggregate_internal {
    char **strs;
    uint64_t *str_hash;
    size_t nstrs, cap_strs;
    itab str_tab;
    uint64_t *fn_hash, *fn_stamp;
    uint32_t *fn_lib;
    size_t cap_fns;
    itab fn_tab;
    uint64_t *lib_hash, *lib_stamp;
    size_t cap_libs;
    itab lib_tab;
    uint64_t *file_hash;
    size_t cap_files;
    itab file_tab;
    uint64_t *edge_hash, *edge_stamp;
    size_t cap_edges;
    itab edge_tab;
    uint64_t *stack_hash;
    size_t cap_stacks, nframes, cap_frames;
    itab stack_tab;
    size_t cap_stripped;
    uint64_t serial;
} aggregate_internal;

/* Mix 'v' into hash 'h' (for pointer, id and pc keys). */
static uint64_t aggregate_mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

/* Make room for one more element in 'cap'-sized array '*arr' of 'size'-byte
 * items holding 'n'. Returns -1 when out of memory. */
static int aggregate_reserve(void **arr, size_t *cap, size_t n, size_t size) {
    return buf_reserve_items(arr, cap, n, size, 64);
}

/* Grow an index holding 'n' elements (hashes[0..n-1]) so that 'want'
 * elements fit at load <= 1/2. */
static int itab_reserve_for(itab *t, size_t n, size_t want, const uint64_t *hashes) {
    if (want * 2 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 256;
    while (want * 2 > cap)
        cap *= 2;
    uint32_t *s = calloc(cap, sizeof *s);
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t j = hashes[i] & (cap - 1);
        while (s[j] != 0)
            j = (j + 1) & (cap - 1);
        s[j] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
    return 0;
}

/* Grow an index holding 'n' elements to take one more. */
static int itab_reserve(itab *t, size_t n, const uint64_t *hashes) {
    return itab_reserve_for(t, n, n + 1, hashes);
}

/* Intern a string (NULL stays NULL). Returns NULL and sets *oom on failure. */
static const char *aggregate_intern(aggregate *a, const char *str, int *oom) {
    if (str == NULL)
        return NULL;
    aggregate_internal *in = a->in;
    uint64_t h = 1469598103934665603ull;
    for (const char *p = str; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    if (itab_reserve(&in->str_tab, in->nstrs, in->str_hash) != 0)
        goto oom;
    size_t j = h & (in->str_tab.cap - 1);
    while (in->str_tab.slots[j] != 0) {
        uint32_t k = in->str_tab.slots[j] - 1;
        if (in->str_hash[k] == h && strcmp(in->strs[k], str) == 0)
            return in->strs[k];
        j = (j + 1) & (in->str_tab.cap - 1);
    }
    size_t cap = in->cap_strs;
    if (aggregate_reserve((void **)&in->strs, &cap, in->nstrs, sizeof *in->strs) != 0 ||
        aggregate_reserve((void **)&in->str_hash, &in->cap_strs, in->nstrs,
                          sizeof *in->str_hash) != 0)
        goto oom;
    char *copy = strdup(str);
    if (copy == NULL)
        goto oom;
    in->strs[in->nstrs] = copy;
    in->str_hash[in->nstrs] = h;
    in->str_tab.slots[j] = (uint32_t)++in->nstrs;
    return copy;
oom:
    *oom = 1;
    return NULL;
}

/* A direct-mapped cache of aggregate_intern by pointer, for one
 * aggregate_add: the symbolizer's strings are unique per symbolizer, so the
 * same pointer is the same string, and long C++ names are hashed once. */
#define INTERN_CACHE 4096
typedef struct intern_cache {
    const char *key[INTERN_CACHE], *val[INTERN_CACHE];
} intern_cache;

static const char *aggregate_intern_cached(aggregate *a, intern_cache *c, const char *str,
                                           int *oom) {
    if (str == NULL)
        return NULL;
    size_t j = (size_t)(aggregate_mix(0, (uint64_t)(uintptr_t)str) & (INTERN_CACHE - 1));
    if (c->key[j] != str) {
        const char *v = aggregate_intern(a, str, oom);
        if (v == NULL)
            return NULL;
        c->key[j] = str;
        c->val[j] = v;
    }
    return c->val[j];
}

/* Index of the library 'name' (interned), created with zero counts. */
static long aggregate_lib(aggregate *a, const char *name) {
    aggregate_internal *in = a->in;
    uint64_t h = aggregate_mix(0, (uint64_t)(uintptr_t)name);
    if (itab_reserve(&in->lib_tab, a->nlibs, in->lib_hash) != 0)
        return -1;
    size_t j = h & (in->lib_tab.cap - 1);
    while (in->lib_tab.slots[j] != 0) {
        uint32_t k = in->lib_tab.slots[j] - 1;
        if (a->libs[k].name == name)
            return k;
        j = (j + 1) & (in->lib_tab.cap - 1);
    }
    size_t c1 = in->cap_libs, c2 = in->cap_libs;
    if (aggregate_reserve((void **)&a->libs, &c1, a->nlibs, sizeof *a->libs) != 0 ||
        aggregate_reserve((void **)&in->lib_stamp, &c2, a->nlibs,
                          sizeof *in->lib_stamp) ||
        aggregate_reserve((void **)&in->lib_hash, &in->cap_libs, a->nlibs,
                          sizeof *in->lib_hash) != 0)
        return -1;
    a->libs[a->nlibs] = (aggregate_count){.name = name};
    in->lib_stamp[a->nlibs] = 0;
    in->lib_hash[a->nlibs] = h;
    in->lib_tab.slots[j] = (uint32_t)++a->nlibs;
    return (long)a->nlibs - 1;
}

/* Index of the source file 'name' (interned). */
static long aggregate_file(aggregate *a, const char *name) {
    aggregate_internal *in = a->in;
    uint64_t h = aggregate_mix(1, (uint64_t)(uintptr_t)name);
    if (itab_reserve(&in->file_tab, a->nfiles, in->file_hash) != 0)
        return -1;
    size_t j = h & (in->file_tab.cap - 1);
    while (in->file_tab.slots[j] != 0) {
        uint32_t k = in->file_tab.slots[j] - 1;
        if (a->files[k].name == name)
            return k;
        j = (j + 1) & (in->file_tab.cap - 1);
    }
    size_t c1 = in->cap_files;
    if (aggregate_reserve((void **)&a->files, &c1, a->nfiles, sizeof *a->files) != 0 ||
        aggregate_reserve((void **)&in->file_hash, &in->cap_files, a->nfiles,
                          sizeof *in->file_hash) != 0)
        return -1;
    a->files[a->nfiles] = (aggregate_count){.name = name};
    in->file_hash[a->nfiles] = h;
    in->file_tab.slots[j] = (uint32_t)++a->nfiles;
    return (long)a->nfiles - 1;
}

/* Index of the function (name, module), both interned; created on first use
 * with the frame's details. Returns -1 when out of memory. */
static long aggregate_fn_get(aggregate *a, const symprof_frame *f, const char *name,
                             const char *module, const char *file) {
    aggregate_internal *in = a->in;
    uint64_t h = aggregate_mix(aggregate_mix(2, (uint64_t)(uintptr_t)name),
                               (uint64_t)(uintptr_t)module);
    if (itab_reserve(&in->fn_tab, a->nfns, in->fn_hash) != 0)
        return -1;
    size_t j = h & (in->fn_tab.cap - 1);
    while (in->fn_tab.slots[j] != 0) {
        uint32_t k = in->fn_tab.slots[j] - 1;
        if (a->fns[k].name == name && a->fns[k].module == module) {
            if (a->fns[k].file == NULL && file != NULL) {
                a->fns[k].file = file;
                a->fns[k].line = f->line;
            }
            return k;
        }
        j = (j + 1) & (in->fn_tab.cap - 1);
    }
    long lib = aggregate_lib(a, module);
    if (lib < 0)
        return -1;
    size_t c1 = in->cap_fns, c2 = in->cap_fns, c3 = in->cap_fns;
    if (aggregate_reserve((void **)&a->fns, &c1, a->nfns, sizeof *a->fns) != 0 ||
        aggregate_reserve((void **)&in->fn_stamp, &c2, a->nfns, sizeof *in->fn_stamp) ||
        aggregate_reserve((void **)&in->fn_lib, &c3, a->nfns, sizeof *in->fn_lib) ||
        aggregate_reserve((void **)&in->fn_hash, &in->cap_fns, a->nfns,
                          sizeof *in->fn_hash) != 0)
        return -1;
    a->fns[a->nfns] = (aggregate_fn){.name = name,
                                     .module = module,
                                     .file = file,
                                     .line = file ? f->line : 0,
                                     .named = f->named};
    in->fn_stamp[a->nfns] = 0;
    in->fn_lib[a->nfns] = (uint32_t)lib;
    in->fn_hash[a->nfns] = h;
    in->fn_tab.slots[j] = (uint32_t)++a->nfns;
    return (long)a->nfns - 1;
}

/* Count an edge caller->callee once per stack (stamp = stack serial). */
static int aggregate_edge_add(aggregate *a, uint32_t caller, uint32_t callee,
                              uint64_t count) {
    aggregate_internal *in = a->in;
    uint64_t h = aggregate_mix(aggregate_mix(3, caller), callee);
    if (itab_reserve(&in->edge_tab, a->nedges, in->edge_hash) != 0)
        return -1;
    size_t j = h & (in->edge_tab.cap - 1);
    while (in->edge_tab.slots[j] != 0) {
        uint32_t k = in->edge_tab.slots[j] - 1;
        if (a->edges[k].caller == caller && a->edges[k].callee == callee) {
            if (in->edge_stamp[k] != in->serial) {
                in->edge_stamp[k] = in->serial;
                a->edges[k].samples += count;
            }
            return 0;
        }
        j = (j + 1) & (in->edge_tab.cap - 1);
    }
    size_t c1 = in->cap_edges, c2 = in->cap_edges;
    if (aggregate_reserve((void **)&a->edges, &c1, a->nedges, sizeof *a->edges) != 0 ||
        aggregate_reserve((void **)&in->edge_stamp, &c2, a->nedges,
                          sizeof *in->edge_stamp) ||
        aggregate_reserve((void **)&in->edge_hash, &in->cap_edges, a->nedges,
                          sizeof *in->edge_hash) != 0)
        return -1;
    a->edges[a->nedges] = (aggregate_edge){caller, callee, count};
    in->edge_stamp[a->nedges] = in->serial;
    in->edge_hash[a->nedges] = h;
    in->edge_tab.slots[j] = (uint32_t)++a->nedges;
    return 0;
}

/* Merge a symbolized stack (function indexes, leaf first) into a->stacks. */
static int aggregate_stack_add(aggregate *a, const uint32_t *ids, uint32_t depth,
                               uint64_t count) {
    aggregate_internal *in = a->in;
    uint64_t h = depth;
    for (uint32_t i = 0; i < depth; i++)
        h = aggregate_mix(h, ids[i]);
    if (itab_reserve(&in->stack_tab, a->nstacks, in->stack_hash) != 0)
        return -1;
    size_t j = h & (in->stack_tab.cap - 1);
    while (in->stack_tab.slots[j] != 0) {
        aggregate_stack *s = &a->stacks[in->stack_tab.slots[j] - 1];
        if (in->stack_hash[in->stack_tab.slots[j] - 1] == h && s->depth == depth &&
            memcmp(a->frames + s->first, ids, depth * sizeof *ids) == 0) {
            s->count += count;
            return 0;
        }
        j = (j + 1) & (in->stack_tab.cap - 1);
    }
    size_t c1 = in->cap_stacks;
    if (aggregate_reserve((void **)&a->stacks, &c1, a->nstacks, sizeof *a->stacks) != 0 ||
        aggregate_reserve((void **)&in->stack_hash, &in->cap_stacks, a->nstacks,
                          sizeof *in->stack_hash) != 0)
        return -1;
    while (in->nframes + depth > in->cap_frames) {
        size_t c = in->cap_frames ? in->cap_frames * 2 : 4096;
        uint32_t *f = realloc(a->frames, c * sizeof *f);
        if (f == NULL)
            return -1;
        a->frames = f;
        in->cap_frames = c;
    }
    memcpy(a->frames + in->nframes, ids, depth * sizeof *ids);
    a->stacks[a->nstacks] = (aggregate_stack){count, depth, in->nframes};
    in->nframes += depth;
    in->stack_hash[a->nstacks] = h;
    in->stack_tab.slots[j] = (uint32_t)++a->nstacks;
    return 0;
}

/* Count a stripped profiler frame under its name. */
static int aggregate_strip(aggregate *a, const char *name, uint64_t count) {
    a->stripped_frames += count;
    for (size_t i = 0; i < a->nstripped; i++)
        if (a->stripped[i].name == name) {
            a->stripped[i].flat += count;
            return 0;
        }
    if (aggregate_reserve((void **)&a->stripped, &a->in->cap_stripped, a->nstripped,
                          sizeof *a->stripped) != 0)
        return -1;
    a->stripped[a->nstripped++] = (aggregate_count){.name = name, .flat = count};
    return 0;
}

int aggregate_new(aggregate **out, error *err) {
    *out = NULL;
    aggregate *a = calloc(1, sizeof *a);
    if (a == NULL || (a->in = calloc(1, sizeof *a->in)) == NULL) {
        free(a);
        return error_set(err, ERR_NOMEM, "out of memory");
    }
    *out = a;
    return 0;
}

/* Add one profile stack, already mapped to function ids (profiler frames
 * removed): flat, cum, libraries, edges, merged stacks. */
static int aggregate_count_stack(aggregate *a, const uint32_t *ids, uint32_t depth,
                                 uint64_t count, const char *leaf_file) {
    aggregate_internal *in = a->in;
    in->serial++;
    aggregate_fn *leaf = &a->fns[ids[0]];
    leaf->flat += count;
    aggregate_count *lib = &a->libs[in->fn_lib[ids[0]]];
    lib->flat += count;
    if (!leaf->named) {
        lib->unnamed += count;
        a->unnamed_samples += count;
    }
    if (leaf_file != NULL) {
        long f = aggregate_file(a, leaf_file);
        if (f < 0)
            return -1;
        a->files[f].flat += count;
    }
    for (uint32_t i = 0; i < depth; i++) {
        uint32_t id = ids[i];
        if (in->fn_stamp[id] != in->serial) {
            in->fn_stamp[id] = in->serial;
            a->fns[id].cum += count;
        }
        uint32_t l = in->fn_lib[id];
        if (in->lib_stamp[l] != in->serial) {
            in->lib_stamp[l] = in->serial;
            a->libs[l].cum += count;
        }
    }
    return aggregate_stack_add(a, ids, depth, count);
}

/* Reserve room for 'stacks' more merged stacks and 'frames' more frames. */
static int aggregate_presize(aggregate *a, size_t stacks, size_t frames) {
    aggregate_internal *in = a->in;
    size_t want = a->nstacks + stacks;
    if (want > in->cap_stacks) {
        aggregate_stack *s = realloc(a->stacks, want * sizeof *s);
        if (s == NULL)
            return -1;
        a->stacks = s;
        uint64_t *h = realloc(in->stack_hash, want * sizeof *h);
        if (h == NULL)
            return -1;
        in->stack_hash = h;
        in->cap_stacks = want;
    }
    if (in->nframes + frames > in->cap_frames) {
        uint32_t *f = realloc(a->frames, (in->nframes + frames) * sizeof *f);
        if (f == NULL)
            return -1;
        a->frames = f;
        in->cap_frames = in->nframes + frames;
    }
    return itab_reserve_for(&in->stack_tab, a->nstacks, want + 1, in->stack_hash);
}

/* Note binary 'path' among a->unnamed (once). */
static int aggregate_note_unnamed(aggregate *a, const char *path) {
    for (size_t i = 0; i < a->nunnamed; i++)
        if (strcmp(a->unnamed[i], path) == 0)
            return 0;
    char **u = realloc(a->unnamed, (a->nunnamed + 1) * sizeof *u);
    if (u == NULL)
        return -1;
    a->unnamed = u;
    if ((u[a->nunnamed] = strdup(path)) == NULL)
        return -1;
    a->nunnamed++;
    return 0;
}

int aggregate_add_symprof(aggregate *a, const symprof *sp, const char *label,
                          error *err) {
    int rc = -1, oom = 0;
    uint32_t *cstart = NULL, *clen = NULL, *chain = NULL;
    size_t nchain = 0, cap_chain = 0, nu = sp->nlocs;
    const char **ufile = NULL, **uname = NULL;
    intern_cache *icache = NULL;
    if (aggregate_presize(a, sp->nstacks, sp->nids) != 0)
        goto nomem;
    size_t u1 = nu ? nu : 1;
    cstart = calloc(u1, sizeof *cstart);
    clen = calloc(u1, sizeof *clen);
    ufile = calloc(u1, sizeof *ufile);
    uname = calloc(u1, sizeof *uname);
    icache = calloc(1, sizeof *icache);
    if (cstart == NULL || clen == NULL || ufile == NULL || uname == NULL || icache == NULL)
        goto nomem;
    /* Each distinct pc becomes a chain of function ids, innermost first:
     * the functions DWARF says were inlined there, then the symbol's. */
    for (size_t i = 0; i < nu; i++) {
        const symprof_loc *l = &sp->locs[i];
        cstart[i] = (uint32_t)nchain;
        for (uint32_t k = 0; k < l->n; k++) {
            const symprof_frame *fr = &sp->frames[l->first + k];
            const char *name = aggregate_intern_cached(a, icache, fr->function, &oom);
            const char *module = aggregate_intern_cached(a, icache, fr->module, &oom);
            const char *file = aggregate_intern_cached(a, icache, fr->file, &oom);
            if (oom)
                goto nomem;
            if (k == 0) {
                uname[i] = name;
                ufile[i] = file;
            }
            long id = aggregate_fn_get(a, fr, name, module, file);
            if (id < 0 || aggregate_reserve((void **)&chain, &cap_chain, nchain,
                                            sizeof *chain) != 0)
                goto nomem;
            chain[nchain++] = (uint32_t)id;
        }
        clen[i] = (uint32_t)(nchain - cstart[i]);
    }
    for (size_t w = 0; w < sp->nwarnings; w++) {
        char **ws = realloc(a->warnings, (a->nwarnings + 1) * sizeof *ws);
        if (ws == NULL)
            goto nomem;
        a->warnings = ws;
        size_t len = strlen(label) + strlen(sp->warnings[w]) + 3;
        if ((ws[a->nwarnings] = malloc(len)) == NULL)
            goto nomem;
        snprintf(ws[a->nwarnings], len, "%s: %s", label, sp->warnings[w]);
        a->nwarnings++;
    }
    for (size_t w = 0; w < sp->nunnamed; w++)
        if (aggregate_note_unnamed(a, sp->unnamed[w]) != 0)
            goto nomem;
    uint32_t ids[AGGREGATE_MAX_DEPTH]; /* 8 KiB */
    for (size_t s = 0; s < sp->nstacks; s++) {
        const profile_stack *st = &sp->stacks[s];
        const uint32_t *uid = sp->ids + st->first;
        uint32_t depth = 0, kept = 0;
        const char *leaf_file = NULL;
        for (int all = 0; all <= 1 && depth == 0; all++) {
            /* First without the profiler's frames; if nothing else is left,
             * keep them: there is nothing to strip them in favour of. */
            for (uint32_t k = 0; k < st->depth; k++) {
                if (!all && sp->locs[uid[k]].profiler)
                    continue;
                if (depth == 0)
                    leaf_file = ufile[uid[k]];
                kept++;
                for (uint32_t c = 0; c < clen[uid[k]] && depth < AGGREGATE_MAX_DEPTH; c++)
                    ids[depth++] = chain[cstart[uid[k]] + c];
            }
        }
        if (kept < st->depth) {
            for (uint32_t k = 0; k < st->depth; k++)
                if (sp->locs[uid[k]].profiler &&
                    aggregate_strip(a, uname[uid[k]], st->count) != 0)
                    goto nomem;
        }
        if (aggregate_count_stack(a, ids, depth, st->count, leaf_file) != 0)
            goto nomem;
    }
    a->samples += sp->samples;
    a->header_seconds += (double)sp->samples * (double)sp->period_us / 1e6;
    a->capped_samples += sp->capped_samples;
    a->nprofiles++;
    rc = 0;
    goto done;
nomem:
    error_set(err, ERR_NOMEM, "%s: out of memory", label);
done:
    free(cstart);
    free(clen);
    free(chain);
    free(ufile);
    free(uname);
    free(icache);
    return rc;
}

int aggregate_add(aggregate *a, const profile *p, const char *label, error *err) {
    symprof *sp = NULL;
    if (symprof_symbolize(&sp, p, label, err) != 0)
        return -1;
    int rc = aggregate_add_symprof(a, sp, label, err);
    symprof_free(sp);
    return rc;
}

int aggregate_edges(aggregate *a, error *err) {
    aggregate_internal *in = a->in;
    a->nedges = 0;
    if (in->edge_tab.slots != NULL)
        memset(in->edge_tab.slots, 0, in->edge_tab.cap * sizeof *in->edge_tab.slots);
    /* At most one edge per frame: size the arrays once, not by doubling. */
    size_t ew = in->nframes + 1;
    if (ew > in->cap_edges) {
        aggregate_edge *e = realloc(a->edges, ew * sizeof *e);
        if (e != NULL)
            a->edges = e;
        uint64_t *st = e ? realloc(in->edge_stamp, ew * sizeof *st) : NULL;
        if (st != NULL)
            in->edge_stamp = st;
        uint64_t *h = st ? realloc(in->edge_hash, ew * sizeof *h) : NULL;
        if (h == NULL)
            return error_set(err, ERR_NOMEM, "out of memory");
        in->edge_hash = h;
        in->cap_edges = ew;
    }
    if (itab_reserve_for(&in->edge_tab, 0, ew, in->edge_hash) != 0)
        return error_set(err, ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < a->nstacks; s++) {
        const aggregate_stack *st = &a->stacks[s];
        const uint32_t *ids = a->frames + st->first;
        in->serial++;
        for (uint32_t i = 0; i + 1 < st->depth; i++)
            if (aggregate_edge_add(a, ids[i + 1], ids[i], st->count) != 0)
                return error_set(err, ERR_NOMEM, "out of memory");
    }
    return 0;
}

void aggregate_set_rate(aggregate *a, double rate_hz) {
    a->rate_hz = rate_hz > 0 ? rate_hz : 0;
}

double aggregate_seconds_per_sample(const aggregate *a) {
    if (a->rate_hz > 0)
        return 1.0 / a->rate_hz;
    return a->samples > 0 ? a->header_seconds / (double)a->samples : 0;
}

/* A frame's own category, without looking at its callers: its rule's (not
 * a "(caller)" rule's), else "other" when a symbol names it, else
 * "unattributed". */
static const char *aggregate_frame_category(const aggregate_fn *f) {
    const char *other = categories_match(NULL, "", "");
    if (f->category != NULL && !f->caller_cost && strcmp(f->category, other) != 0)
        return f->category;
    return f->named ? other : categories_unattributed;
}

const char *aggregate_stack_category(const aggregate *a, const aggregate_stack *st) {
    const aggregate_fn *leaf = &a->fns[a->frames[st->first]];
    if (!leaf->caller_cost || !leaf->named)
        return aggregate_frame_category(leaf);
    /* libc's memmove is the cost of whoever called it: jansson's memmove is
     * JSON. The walk skips only other "(caller)" functions (memmove inside
     * vfprintf) and stops at the first frame that is not one, so it never
     * goes past the application's own frames to a category further up. */
    for (uint32_t d = 1; d < st->depth; d++) {
        const aggregate_fn *up = &a->fns[a->frames[st->first + d]];
        if (!up->caller_cost)
            return aggregate_frame_category(up);
    }
    return categories_match(NULL, "", "");
}

/* Index of category 'name' in a->categories. */
static size_t aggregate_category_index(const aggregate *a, const char *name) {
    for (size_t k = 0; k + 1 < a->ncategories; k++)
        if (strcmp(a->categories[k].name, name) == 0)
            return k;
    return a->ncategories - 1; /* unattributed */
}

int aggregate_categorize(aggregate *a, const categories *c, error *err) {
    size_t nc = categories_count + 1;
    free(a->categories);
    a->ncategories = 0;
    a->categories = calloc(nc, sizeof *a->categories);
    /* flat samples per function and category, for 'charged' */
    uint64_t *per = calloc(a->nfns * nc + 1, sizeof *per);
    if (a->categories == NULL || per == NULL) {
        free(per);
        return error_set(err, ERR_NOMEM, "out of memory");
    }
    a->ncategories = nc;
    for (size_t k = 0; k < categories_count; k++)
        a->categories[k].name = categories_names[k];
    a->categories[nc - 1].name = categories_unattributed;
    for (size_t i = 0; i < a->nfns; i++)
        a->fns[i].category = categories_lookup(c, a->fns[i].module, a->fns[i].name,
                                               &a->fns[i].caller_cost);
    for (size_t i = 0; i < a->nstacks; i++) {
        const aggregate_stack *st = &a->stacks[i];
        size_t k = aggregate_category_index(a, aggregate_stack_category(a, st));
        a->categories[k].flat += st->count;
        per[(size_t)a->frames[st->first] * nc + k] += st->count;
    }
    for (size_t i = 0; i < a->nfns; i++) {
        const uint64_t *v = per + i * nc;
        size_t best = 0;
        for (size_t k = 1; k < nc; k++)
            if (v[k] > v[best])
                best = k;
        a->fns[i].charged =
            v[best] > 0 ? a->categories[best].name : aggregate_frame_category(&a->fns[i]);
    }
    free(per);
    return 0;
}

void aggregate_free(aggregate *a) {
    if (a == NULL)
        return;
    aggregate_internal *in = a->in;
    if (in != NULL) {
        for (size_t i = 0; i < in->nstrs; i++)
            free(in->strs[i]);
        free(in->strs);
        free(in->str_hash);
        free(in->str_tab.slots);
        free(in->fn_hash);
        free(in->fn_stamp);
        free(in->fn_lib);
        free(in->fn_tab.slots);
        free(in->lib_hash);
        free(in->lib_stamp);
        free(in->lib_tab.slots);
        free(in->file_hash);
        free(in->file_tab.slots);
        free(in->edge_hash);
        free(in->edge_stamp);
        free(in->edge_tab.slots);
        free(in->stack_hash);
        free(in->stack_tab.slots);
        free(in);
    }
    for (size_t i = 0; i < a->nwarnings; i++)
        free(a->warnings[i]);
    free(a->warnings);
    for (size_t i = 0; i < a->nunnamed; i++)
        free(a->unnamed[i]);
    free(a->unnamed);
    free(a->fns);
    free(a->libs);
    free(a->files);
    free(a->edges);
    free(a->stacks);
    free(a->frames);
    free(a->stripped);
    free(a->categories);
    free(a);
}
