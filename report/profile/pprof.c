#include "pprof.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fileio.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "symbols.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_vtype;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

#define COMMENT_PREFIX "overhead: "

/* ---- writing ---------------------------------------------------------- */

/* An open-addressing table of string indexes (the string table) and of
 * function keys, both growing by doubling. */
typedef struct enc {
    char **strs; /* borrowed, except the formatted comments (owned[]) */
    size_t nstrs, cap_strs;
    uint32_t *stab; /* slots: string index + 1 */
    size_t scap;
    pb_function *fns;
    size_t nfns, cap_fns;
    uint32_t *ftab; /* slots: function index + 1 */
    size_t fcap;
    char **owned;
    size_t nowned;
    int oom;
} enc;

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint64_t hash_fn(const pb_function *f) {
    uint64_t h = 0x9e3779b97f4a7c15ull;
    h = (h ^ (uint64_t)f->name) * 0xff51afd7ed558ccdull;
    h = (h ^ (uint64_t)f->system_name) * 0xff51afd7ed558ccdull;
    h = (h ^ (uint64_t)f->filename) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 29);
}

/* Rebuild table 'tab' of 'n' items at double the size, hashing with 'hash'. */
static int regrow(uint32_t **tab, size_t *cap, size_t n, const enc *e, int fns) {
    size_t c = *cap ? *cap * 2 : 1024;
    uint32_t *t = calloc(c, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t j = (fns ? hash_fn(&e->fns[i]) : hash_str(e->strs[i])) & (c - 1);
        while (t[j] != 0)
            j = (j + 1) & (c - 1);
        t[j] = (uint32_t)(i + 1);
    }
    free(*tab);
    *tab = t;
    *cap = c;
    return 0;
}

/* Index of string 's' in the string table (NULL is 0, ""). */
static int64_t enc_str(enc *e, const char *s) {
    if (s == NULL || *s == '\0')
        return 0;
    if ((e->nstrs + 1) * 2 > e->scap && regrow(&e->stab, &e->scap, e->nstrs, e, 0) != 0)
        goto oom;
    size_t j = hash_str(s) & (e->scap - 1);
    while (e->stab[j] != 0) {
        if (strcmp(e->strs[e->stab[j] - 1], s) == 0)
            return e->stab[j] - 1;
        j = (j + 1) & (e->scap - 1);
    }
    if (e->nstrs == e->cap_strs) {
        size_t c = e->cap_strs ? e->cap_strs * 2 : 256;
        char **v = realloc(e->strs, c * sizeof *v);
        if (v == NULL)
            goto oom;
        e->strs = v;
        e->cap_strs = c;
    }
    e->strs[e->nstrs] = (char *)s;
    e->stab[j] = (uint32_t)++e->nstrs;
    return (int64_t)e->nstrs - 1;
oom:
    e->oom = 1;
    return 0;
}

/* A string made here (a comment), owned by the encoder. */
static int64_t enc_owned(enc *e, char *s) {
    char **v = s ? realloc(e->owned, (e->nowned + 1) * sizeof *v) : NULL;
    if (v == NULL) {
        free(s);
        e->oom = 1;
        return 0;
    }
    e->owned = v;
    e->owned[e->nowned++] = s;
    return enc_str(e, s);
}

/* Id of the function of frame 'f' (name, file, named), created on first use. */
static uint64_t enc_fn(enc *e, const symprof_frame *f) {
    pb_function key = PERFTOOLS__PROFILES__FUNCTION__INIT;
    key.name = enc_str(e, f->function);
    key.system_name = f->named ? key.name : 0;
    key.filename = enc_str(e, f->file);
    if ((e->nfns + 1) * 2 > e->fcap && regrow(&e->ftab, &e->fcap, e->nfns, e, 1) != 0)
        goto oom;
    size_t j = hash_fn(&key) & (e->fcap - 1);
    while (e->ftab[j] != 0) {
        const pb_function *g = &e->fns[e->ftab[j] - 1];
        if (g->name == key.name && g->system_name == key.system_name &&
            g->filename == key.filename)
            return g->id;
        j = (j + 1) & (e->fcap - 1);
    }
    if (e->nfns == e->cap_fns) {
        size_t c = e->cap_fns ? e->cap_fns * 2 : 256;
        pb_function *v = realloc(e->fns, c * sizeof *v);
        if (v == NULL)
            goto oom;
        e->fns = v;
        e->cap_fns = c;
    }
    key.id = e->nfns + 1;
    e->fns[e->nfns] = key;
    e->ftab[j] = (uint32_t)++e->nfns;
    return key.id;
oom:
    e->oom = 1;
    return 0;
}

static char *fmt(const char *f, const char *s, uint64_t v) {
    size_t n = strlen(COMMENT_PREFIX) + strlen(f) + (s ? strlen(s) : 0) + 32;
    char *out = malloc(n);
    if (out != NULL) {
        if (s != NULL)
            snprintf(out, n, COMMENT_PREFIX "%s %s", f, s);
        else
            snprintf(out, n, COMMENT_PREFIX "%s %" PRIu64, f, v);
    }
    return out;
}

/* Gzip 'in' into *out (no name, no time stamp: the bytes depend on 'in'). */
static int gzip_bytes(uint8_t **out, size_t *len, const uint8_t *in, size_t n) {
    z_stream z = {0};
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *o = malloc(cap);
    if (o == NULL) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    *len = z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        free(o);
        return -1;
    }
    *out = o;
    return 0;
}

int pprof_encode(uint8_t **out, size_t *len, const symprof *sp, error *err) {
    *out = NULL;
    *len = 0;
    int rc = -1;
    enc e = {0};
    pb_profile pr = PERFTOOLS__PROFILES__PROFILE__INIT;
    pb_vtype vt[3] = {PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
                      PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
                      PERFTOOLS__PROFILES__VALUE_TYPE__INIT};
    pb_vtype *vtp[2] = {&vt[0], &vt[1]};
    pb_sample *samples = NULL, **samplep = NULL;
    uint64_t *locids = NULL;
    int64_t *values = NULL;
    pb_location *locs = NULL, **locp = NULL;
    pb_line *lines = NULL, **linep = NULL;
    pb_mapping *maps = NULL, **mapp = NULL;
    pb_function **fnp = NULL;
    int64_t *comments = NULL;
    uint8_t *packed = NULL;
    size_t nmaps = 0;
    /* string_table[0] must be "": set apart, never hashed (enc_str maps
     * NULL and "" to it). */
    if ((e.strs = malloc(256 * sizeof *e.strs)) == NULL)
        goto nomem;
    e.cap_strs = 256;
    e.strs[e.nstrs++] = "";
    vt[0].type = enc_str(&e, "samples");
    vt[0].unit = enc_str(&e, "count");
    vt[1].type = enc_str(&e, "cpu");
    vt[1].unit = enc_str(&e, "nanoseconds");
    vt[2].type = vt[1].type;
    vt[2].unit = vt[1].unit;
    pr.n_sample_type = 2;
    pr.sample_type = vtp;
    pr.period_type = &vt[2];
    pr.period = (int64_t)sp->period_us * 1000;
    pr.default_sample_type = vt[1].type;

    samples = calloc(sp->nstacks + 1, sizeof *samples);
    samplep = calloc(sp->nstacks + 1, sizeof *samplep);
    locids = calloc(sp->nids + 1, sizeof *locids);
    values = calloc(2 * sp->nstacks + 1, sizeof *values);
    locs = calloc(sp->nlocs + 1, sizeof *locs);
    locp = calloc(sp->nlocs + 1, sizeof *locp);
    lines = calloc(sp->nframes + 1, sizeof *lines);
    linep = calloc(sp->nframes + 1, sizeof *linep);
    maps = calloc(sp->nlocs + 1, sizeof *maps);
    mapp = calloc(sp->nlocs + 1, sizeof *mapp);
    comments = calloc(3 + sp->nwarnings + sp->nunnamed, sizeof *comments);
    if (samples == NULL || samplep == NULL || locids == NULL || values == NULL ||
        locs == NULL || locp == NULL || lines == NULL || linep == NULL || maps == NULL ||
        mapp == NULL || comments == NULL)
        goto nomem;
    int64_t per = (int64_t)sp->period_us * 1000;
    for (size_t s = 0; s < sp->nstacks; s++) {
        const profile_stack *st = &sp->stacks[s];
        pb_sample *x = &samples[s];
        perftools__profiles__sample__init(x);
        x->n_location_id = st->depth;
        x->location_id = locids + st->first;
        for (uint32_t k = 0; k < st->depth; k++)
            locids[st->first + k] = (uint64_t)sp->ids[st->first + k] + 1;
        x->n_value = 2;
        x->value = values + 2 * s;
        x->value[0] = (int64_t)st->count;
        x->value[1] = (int64_t)st->count * per;
        samplep[s] = x;
    }
    pr.n_sample = sp->nstacks;
    pr.sample = samplep;
    for (size_t i = 0; i < sp->nlocs; i++) {
        const symprof_loc *l = &sp->locs[i];
        pb_location *x = &locs[i];
        perftools__profiles__location__init(x);
        x->id = i + 1;
        x->address = l->pc;
        const char *module = l->n ? sp->frames[l->first].module : "[unknown]";
        int64_t ms = enc_str(&e, module);
        size_t m = 0;
        while (m < nmaps && maps[m].filename != ms)
            m++;
        if (m == nmaps) {
            perftools__profiles__mapping__init(&maps[m]);
            maps[m].id = m + 1;
            maps[m].filename = ms;
            maps[m].has_functions = 1;
            maps[m].has_filenames = 1;
            maps[m].has_line_numbers = 1;
            maps[m].has_inline_frames = 1;
            mapp[m] = &maps[m];
            nmaps++;
        }
        x->mapping_id = maps[m].id;
        x->n_line = l->n;
        x->line = linep + l->first;
        for (uint32_t k = 0; k < l->n; k++) {
            const symprof_frame *f = &sp->frames[l->first + k];
            if (strcmp(f->module, module) != 0) {
                error_set(err, ERR_INPUT,
                          "address 0x%" PRIx64 ": inlined frame in %s, not in %s: "
                          "cannot encode",
                          l->pc, f->module, module);
                goto done;
            }
            pb_line *ln = &lines[l->first + k];
            perftools__profiles__line__init(ln);
            ln->function_id = enc_fn(&e, f);
            ln->line = f->line;
            linep[l->first + k] = ln;
        }
        locp[i] = x;
    }
    pr.n_location = sp->nlocs;
    pr.location = locp;
    pr.n_mapping = nmaps;
    pr.mapping = mapp;
    size_t nc = 0;
    comments[nc++] = enc_owned(&e, fmt("period_us", NULL, sp->period_us));
    comments[nc++] = enc_owned(&e, fmt("samples", NULL, sp->samples));
    comments[nc++] = enc_owned(&e, fmt("capped_samples", NULL, sp->capped_samples));
    for (size_t i = 0; i < sp->nwarnings; i++)
        comments[nc++] = enc_owned(&e, fmt("warning", sp->warnings[i], 0));
    for (size_t i = 0; i < sp->nunnamed; i++)
        comments[nc++] = enc_owned(&e, fmt("unnamed", sp->unnamed[i], 0));
    pr.n_comment = nc;
    pr.comment = comments;
    fnp = calloc(e.nfns + 1, sizeof *fnp);
    if (fnp == NULL || e.oom)
        goto nomem;
    for (size_t i = 0; i < e.nfns; i++)
        fnp[i] = &e.fns[i];
    pr.n_function = e.nfns;
    pr.function = fnp;
    pr.n_string_table = e.nstrs;
    pr.string_table = e.strs;
    size_t plen = perftools__profiles__profile__get_packed_size(&pr);
    packed = malloc(plen ? plen : 1);
    if (packed == NULL)
        goto nomem;
    perftools__profiles__profile__pack(&pr, packed);
    if (gzip_bytes(out, len, packed, plen) != 0)
        goto nomem;
    rc = 0;
    goto done;
nomem:
    error_set(err, ERR_NOMEM, "out of memory");
done:
    free(packed);
    free(samples);
    free(samplep);
    free(locids);
    free(values);
    free(locs);
    free(locp);
    free(lines);
    free(linep);
    free(maps);
    free(mapp);
    free(fnp);
    free(comments);
    free(e.strs);
    free(e.stab);
    free(e.fns);
    free(e.ftab);
    for (size_t i = 0; i < e.nowned; i++)
        free(e.owned[i]);
    free(e.owned);
    return rc;
}

int pprof_write(const char *path, const symprof *sp, error *err) {
    uint8_t *data = NULL;
    size_t len = 0;
    if (pprof_encode(&data, &len, sp, err) != 0)
        return -1;
    int rc = file_write_atomic(path, data, len, err);
    free(data);
    return rc;
}

/* ---- reading ---------------------------------------------------------- */

/* Inflate gzip (or zlib) data 'in' into *out, at most PPROF_MAX_MESSAGE. */
static int gunzip_bytes(uint8_t **out, size_t *len, const uint8_t *in, size_t n,
                        const char *path, error *err) {
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return error_set(err, ERR_NOMEM, "%s: out of memory", path);
    size_t cap = n * 4 + 1024, used = 0;
    uint8_t *o = malloc(cap);
    int zr = Z_OK;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    while (o != NULL) {
        if (used == cap) {
            if (cap >= PPROF_MAX_MESSAGE) {
                free(o);
                inflateEnd(&z);
                return error_set(err, ERR_INPUT, "%s: inflates to more than %zu MiB",
                                 path, PPROF_MAX_MESSAGE >> 20);
            }
            cap = cap * 2 > PPROF_MAX_MESSAGE ? PPROF_MAX_MESSAGE : cap * 2;
            uint8_t *v = realloc(o, cap);
            if (v == NULL) {
                free(o);
                o = NULL;
                break;
            }
            o = v;
        }
        z.next_out = o + used;
        z.avail_out = (uInt)(cap - used);
        zr = inflate(&z, Z_NO_FLUSH);
        used = cap - z.avail_out;
        if (zr == Z_STREAM_END || (zr != Z_OK && zr != Z_BUF_ERROR))
            break;
        if (zr == Z_BUF_ERROR && z.avail_in == 0)
            break;
    }
    inflateEnd(&z);
    if (o == NULL)
        return error_set(err, ERR_NOMEM, "%s: out of memory", path);
    if (zr != Z_STREAM_END) {
        free(o);
        return error_set(err, ERR_INPUT, "%s: not a complete gzip stream (%s)", path,
                         z.msg ? z.msg : "truncated");
    }
    *out = o;
    *len = used;
    return 0;
}

typedef struct idx {
    uint64_t id;
    size_t i;
} idx;

static int cmp_idx(const void *a, const void *b) {
    uint64_t x = ((const idx *)a)->id, y = ((const idx *)b)->id;
    return x < y ? -1 : x > y;
}

/* Sort ids[0..n-1]; -1 when an id repeats or is 0. */
static int idx_sort(idx *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_idx);
    for (size_t i = 0; i < n; i++)
        if (v[i].id == 0 || (i > 0 && v[i].id == v[i - 1].id))
            return -1;
    return 0;
}

/* Index of item 'id' in v[0..n-1] (sorted), or -1. */
static long idx_find(const idx *v, size_t n, uint64_t id) {
    if (id >= 1 && id <= n && v[id - 1].id == id)
        return (long)v[id - 1].i; /* ids 1..n, the usual case */
    idx key = {id, 0};
    const idx *r = bsearch(&key, v, n, sizeof *v, cmp_idx);
    return r ? (long)r->i : -1;
}

static void release_pb(void *owner) {
    perftools__profiles__profile__free_unpacked(owner, NULL);
}

/* String 'k' of the table, or NULL when out of range or empty. */
static const char *pb_str(const pb_profile *pr, int64_t k) {
    if (k <= 0 || (uint64_t)k >= pr->n_string_table)
        return NULL;
    return pr->string_table[k];
}

/* Take a "overhead: KEY VALUE" comment into 'sp'. */
static int read_comment(symprof *sp, const char *c, int *have_samples) {
    size_t pl = strlen(COMMENT_PREFIX);
    if (c == NULL || strncmp(c, COMMENT_PREFIX, pl) != 0)
        return 0;
    c += pl;
    char ***list = NULL;
    size_t *n = NULL;
    if (strncmp(c, "period_us ", 10) == 0)
        sp->period_us = strtoull(c + 10, NULL, 10);
    else if (strncmp(c, "samples ", 8) == 0) {
        sp->samples = strtoull(c + 8, NULL, 10);
        *have_samples = 1;
    } else if (strncmp(c, "capped_samples ", 15) == 0)
        sp->capped_samples = strtoull(c + 15, NULL, 10);
    else if (strncmp(c, "warning ", 8) == 0) {
        list = &sp->warnings;
        n = &sp->nwarnings;
        c += 8;
    } else if (strncmp(c, "unnamed ", 8) == 0) {
        list = &sp->unnamed;
        n = &sp->nunnamed;
        c += 8;
    }
    if (list == NULL)
        return 0;
    char **v = realloc(*list, (*n + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    *list = v;
    if ((v[*n] = strdup(c)) == NULL)
        return -1;
    (*n)++;
    return 0;
}

/* Fill 'sp' from the unpacked message 'pr' (kept by 'sp' for its strings). */
static int from_message(symprof *sp, const pb_profile *pr, const char *path, error *err) {
    int rc = -1;
    idx *li = calloc(pr->n_location + 1, sizeof *li);
    idx *fi = calloc(pr->n_function + 1, sizeof *fi);
    idx *mi = calloc(pr->n_mapping + 1, sizeof *mi);
    size_t nframes = 0, nids = 0;
    if (li == NULL || fi == NULL || mi == NULL)
        goto nomem;
    for (size_t i = 0; i < pr->n_location; i++) {
        li[i] = (idx){pr->location[i]->id, i};
        nframes += pr->location[i]->n_line ? pr->location[i]->n_line : 1;
    }
    for (size_t i = 0; i < pr->n_function; i++)
        fi[i] = (idx){pr->function[i]->id, i};
    for (size_t i = 0; i < pr->n_mapping; i++)
        mi[i] = (idx){pr->mapping[i]->id, i};
    if (idx_sort(li, pr->n_location) != 0 || idx_sort(fi, pr->n_function) != 0 ||
        idx_sort(mi, pr->n_mapping) != 0) {
        error_set(err, ERR_INPUT,
                  "%s: a location, function or mapping id is 0 or repeats", path);
        goto done;
    }
    for (size_t s = 0; s < pr->n_sample; s++)
        nids += pr->sample[s]->n_location_id;
    sp->locs = calloc(pr->n_location + 1, sizeof *sp->locs);
    sp->frames = calloc(nframes + 1, sizeof *sp->frames);
    sp->stacks = calloc(pr->n_sample + 1, sizeof *sp->stacks);
    sp->ids = calloc(nids + 1, sizeof *sp->ids);
    if (sp->locs == NULL || sp->frames == NULL || sp->stacks == NULL || sp->ids == NULL)
        goto nomem;
    for (size_t i = 0; i < pr->n_location; i++) {
        const pb_location *l = pr->location[i];
        long m = l->mapping_id ? idx_find(mi, pr->n_mapping, l->mapping_id) : -1;
        const char *module = m >= 0 ? pb_str(pr, pr->mapping[m]->filename) : NULL;
        if (module == NULL)
            module = "[unknown]";
        symprof_loc *x = &sp->locs[i];
        x->pc = l->address;
        x->first = (uint32_t)sp->nframes;
        for (size_t k = 0; k < l->n_line; k++) {
            long f = idx_find(fi, pr->n_function, l->line[k]->function_id);
            if (f < 0) {
                error_set(err, ERR_INPUT,
                          "%s: location %" PRIu64 " names function %" PRIu64
                          ", which is not in the profile",
                          path, l->id, l->line[k]->function_id);
                goto done;
            }
            const pb_function *fn = pr->function[f];
            const char *name = pb_str(pr, fn->name);
            sp->frames[sp->nframes++] =
                (symprof_frame){.function = name ? name : "[unknown]",
                                .module = module,
                                .file = pb_str(pr, fn->filename),
                                .line = (int)l->line[k]->line,
                                .named = name != NULL && fn->system_name == fn->name};
        }
        if (l->n_line == 0)
            sp->frames[sp->nframes++] =
                (symprof_frame){.function = "[unknown]", .module = module};
        x->n = (uint32_t)(sp->nframes - x->first);
        const symprof_frame *outer = &sp->frames[x->first + x->n - 1];
        x->profiler = outer->named && symbols_is_profiler(outer->module, outer->function);
    }
    sp->nlocs = pr->n_location;
    uint64_t total = 0;
    for (size_t s = 0; s < pr->n_sample; s++) {
        const pb_sample *x = pr->sample[s];
        if (x->n_location_id == 0 || x->n_value == 0 || x->value[0] < 0) {
            error_set(err, ERR_INPUT, "%s: sample %zu has no location or no count", path,
                      s + 1);
            goto done;
        }
        profile_stack *st = &sp->stacks[s];
        st->count = (uint64_t)x->value[0];
        st->first = sp->nids;
        st->depth = (uint32_t)(x->n_location_id > PROFILE_MAX_DEPTH ? PROFILE_MAX_DEPTH
                                                                    : x->n_location_id);
        for (uint32_t k = 0; k < st->depth; k++) {
            long l = idx_find(li, pr->n_location, x->location_id[k]);
            if (l < 0) {
                error_set(err, ERR_INPUT,
                          "%s: sample %zu names location %" PRIu64 ", which is not in "
                          "the profile",
                          path, s + 1, x->location_id[k]);
                goto done;
            }
            sp->ids[sp->nids++] = (uint32_t)l;
        }
        total += st->count;
    }
    sp->nstacks = pr->n_sample;
    /* Another tool's profile: the period from the header (nanoseconds). */
    sp->period_us = pr->period > 0 ? (uint64_t)pr->period / 1000 : 0;
    sp->samples = total;
    int have_samples = 0;
    for (size_t i = 0; i < pr->n_comment; i++)
        if (read_comment(sp, pb_str(pr, pr->comment[i]), &have_samples) != 0)
            goto nomem;
    if (have_samples && sp->samples != total) {
        error_set(err, ERR_INPUT,
                  "%s: its samples add up to %" PRIu64 ", its header says %" PRIu64, path,
                  total, sp->samples);
        goto done;
    }
    rc = 0;
    goto done;
nomem:
    error_set(err, ERR_NOMEM, "%s: out of memory", path);
done:
    free(li);
    free(fi);
    free(mi);
    return rc;
}

int pprof_read(symprof **out, const char *path, error *err) {
    *out = NULL;
    uint8_t *gz = NULL, *raw = NULL;
    size_t gzlen = 0, rawlen = 0;
    symprof *sp = NULL;
    int rc = -1;
    if (file_read_max(&gz, &gzlen, path, PPROF_MAX_FILE, err) != 0)
        return -1;
    if (gunzip_bytes(&raw, &rawlen, gz, gzlen, path, err) != 0)
        goto done;
    pb_profile *pr = perftools__profiles__profile__unpack(NULL, rawlen, raw);
    if (pr == NULL) {
        error_set(err, ERR_INPUT, "%s: not a pprof profile (profile.proto)", path);
        goto done;
    }
    if ((sp = calloc(1, sizeof *sp)) == NULL) {
        perftools__profiles__profile__free_unpacked(pr, NULL);
        error_set(err, ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    sp->owner = pr;
    sp->release = release_pb;
    if (from_message(sp, pr, path, err) != 0)
        goto done;
    *out = sp;
    sp = NULL;
    rc = 0;
done:
    symprof_free(sp);
    free(gz);
    free(raw);
    return rc;
}
