#include "symprof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "pprof.h"
#include "symbols.h"

/* A distinct pc and its first-seen id, for sorting. */
typedef struct upc {
    uint64_t pc;
    uint32_t uid;
} upc;

static uint64_t symprof_mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

/* Sort v[0..n-1] by pc: LSD radix sort, 8 bits a pass, skipping the passes
 * where every key has the same byte (the high bytes of addresses mostly).
 * Uses 'tmp' (n items). Faster than qsort on the 10^5..10^6 pcs of a big
 * profile. */
static void sort_upc(upc *v, upc *tmp, size_t n) {
    upc *src = v, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((src[i].pc >> shift) & 0xff) + 1]++;
        if (n == 0 || count[((src[0].pc >> shift) & 0xff) + 1] == n)
            continue;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i].pc >> shift) & 0xff]++] = src[i];
        upc *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

/* Number the distinct pcs of 'p' in one hashing pass: ids[i] is the id of
 * p->pcs[i] (first-seen order); sorted[0..*nu-1] holds each distinct pc with
 * its id, by pc (so that symbols walks each module's table in order). */
static int number_pcs(const profile *p, uint32_t *ids, upc *sorted, size_t *nu) {
    size_t cap = 64;
    while (cap < 2 * p->npcs)
        cap *= 2;
    uint32_t *tab = calloc(cap, sizeof *tab);
    upc *tmp = malloc((p->npcs ? p->npcs : 1) * sizeof *tmp);
    if (tab == NULL || tmp == NULL) {
        free(tab);
        free(tmp);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < p->npcs; i++) {
        uint64_t pc = p->pcs[i];
        size_t j = symprof_mix(7, pc) & (cap - 1);
        while (tab[j] != 0 && sorted[tab[j] - 1].pc != pc)
            j = (j + 1) & (cap - 1);
        if (tab[j] == 0) {
            sorted[n] = (upc){pc, (uint32_t)n};
            tab[j] = (uint32_t)++n;
        }
        ids[i] = tab[j] - 1;
    }
    free(tab);
    sort_upc(sorted, tmp, n);
    free(tmp);
    *nu = n;
    return 0;
}

static void release_symbols(void *owner) {
    symbols_free(owner);
}

/* Copy the strings of the symbolizer's list into *out, the label prefix
 * ("LABEL: ") removed where present. */
static int copy_list(char ***out, size_t *n, const symbols *sy, int warnings,
                     const char *label) {
    size_t count = warnings ? symbols_warning_count(sy) : symbols_unnamed_count(sy);
    *out = calloc(count ? count : 1, sizeof **out);
    if (*out == NULL)
        return -1;
    size_t ll = strlen(label);
    for (size_t i = 0; i < count; i++) {
        const char *w = warnings ? symbols_warning(sy, i) : symbols_unnamed(sy, i);
        if (warnings && strncmp(w, label, ll) == 0 && strncmp(w + ll, ": ", 2) == 0)
            w += ll + 2;
        if (((*out)[i] = strdup(w)) == NULL)
            return -1;
        (*n)++;
    }
    return 0;
}

int symprof_symbolize(symprof **out, const profile *p, const char *label, error *err) {
    *out = NULL;
    int rc = -1;
    upc *su = NULL;
    uint64_t *sp_pcs = NULL;
    symbols_frame *sorted = NULL, **byuid = NULL;
    symbols *sy = NULL;
    symprof *sp = calloc(1, sizeof *sp);
    size_t n1 = p->npcs ? p->npcs : 1, nu = 0, cap_frames = 0;
    if (sp == NULL)
        goto nomem;
    sp->raw = 1;
    sp->period_us = p->period_us;
    sp->samples = p->samples;
    sp->capped_samples = p->capped_samples;
    sp->ids = malloc(n1 * sizeof *sp->ids);
    su = malloc(n1 * sizeof *su);
    sp->stacks = malloc((p->nstacks ? p->nstacks : 1) * sizeof *sp->stacks);
    if (sp->ids == NULL || su == NULL || sp->stacks == NULL ||
        number_pcs(p, sp->ids, su, &nu) != 0)
        goto nomem;
    sp->nids = p->npcs;
    if (p->nstacks > 0) /* an empty profile has no stacks array to copy */
        memcpy(sp->stacks, p->stacks, p->nstacks * sizeof *sp->stacks);
    sp->nstacks = p->nstacks;
    if (symbols_new(&sy, p->maps, p->maps_len, label, err) != 0)
        goto done;
    sp->owner = sy;
    sp->release = release_symbols;
    size_t u1 = nu ? nu : 1;
    sp_pcs = malloc(u1 * sizeof *sp_pcs);
    sorted = calloc(u1, sizeof *sorted);
    byuid = calloc(u1, sizeof *byuid);
    sp->locs = calloc(u1, sizeof *sp->locs);
    if (sp_pcs == NULL || sorted == NULL || byuid == NULL || sp->locs == NULL)
        goto nomem;
    for (size_t k = 0; k < nu; k++)
        sp_pcs[k] = su[k].pc;
    if (symbols_resolve(sy, sp_pcs, nu, sorted, err) != 0)
        goto done;
    for (size_t k = 0; k < nu; k++)
        byuid[su[k].uid] = &sorted[k];
    for (size_t i = 0; i < nu; i++) {
        symprof_loc *l = &sp->locs[i];
        l->first = (uint32_t)sp->nframes;
        l->profiler = byuid[i]->profiler;
        for (const symbols_frame *fr = byuid[i]; fr != NULL; fr = fr->inlined_into) {
            if (buf_reserve_items((void **)&sp->frames, &cap_frames, sp->nframes,
                                  sizeof *sp->frames, 64) != 0)
                goto nomem;
            sp->frames[sp->nframes++] =
                (symprof_frame){fr->function, fr->module, fr->file, fr->line, fr->named};
        }
        l->n = (uint32_t)(sp->nframes - l->first);
    }
    for (size_t k = 0; k < nu; k++)
        sp->locs[su[k].uid].pc = su[k].pc;
    sp->nlocs = nu;
    if (copy_list(&sp->warnings, &sp->nwarnings, sy, 1, label) != 0 ||
        copy_list(&sp->unnamed, &sp->nunnamed, sy, 0, label) != 0)
        goto nomem;
    *out = sp;
    sp = NULL;
    rc = 0;
    goto done;
nomem:
    error_set(err, ERR_NOMEM, "%s: out of memory", label);
done:
    free(su);
    free(sp_pcs);
    free(sorted);
    free(byuid);
    symprof_free(sp);
    return rc;
}

int symprof_load(symprof **out, const char *path, error *err) {
    *out = NULL;
    size_t n = strlen(path);
    buf b = BUF_INIT;
    if (n > 5 && strcmp(path + n - 5, ".prof") == 0) {
        buf_printf(&b, "%.*s.pb.gz", (int)(n - 5), path);
        if (b.data != NULL && access(b.data, F_OK) == 0) {
            int rc = pprof_read(out, b.data, err);
            buf_free(&b);
            return rc;
        }
    }
    buf_free(&b);
    return symprof_open(out, path, err);
}

int symprof_open(symprof **out, const char *path, error *err) {
    *out = NULL;
    size_t n = strlen(path);
    if (n > 6 && strcmp(path + n - 6, ".pb.gz") == 0)
        return pprof_read(out, path, err);
    profile *p = NULL;
    if (profile_load(&p, path, err) != 0)
        return -1;
    int rc = symprof_symbolize(out, p, path, err);
    profile_free(p);
    return rc;
}

void symprof_free(symprof *sp) {
    if (sp == NULL)
        return;
    if (sp->release != NULL)
        sp->release(sp->owner);
    for (size_t i = 0; i < sp->nwarnings; i++)
        free(sp->warnings[i]);
    free(sp->warnings);
    for (size_t i = 0; i < sp->nunnamed; i++)
        free(sp->unnamed[i]);
    free(sp->unnamed);
    free(sp->locs);
    free(sp->frames);
    free(sp->stacks);
    free(sp->ids);
    free(sp);
}
