#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "fileio.h"

/* Reader state: the buffer, its word format, and the tables being built. */
typedef struct reader {
    const uint8_t *buf;
    size_t len;
    unsigned ws;
    int be;
    profile *p;
    size_t cap_stacks, cap_pcs;
    uint32_t *table; /* open addressing: stack index + 1, 0 = empty */
    size_t table_cap;
} reader;

/* Read the word at byte 'off' (the caller checked the bounds). memcpy
 * because the buffer may be unaligned; swap when the file's byte order is
 * not this machine's. */
static uint64_t profile_word(const reader *r, size_t off) {
    int swap = r->be != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
    if (r->ws == 8) {
        uint64_t v;
        memcpy(&v, r->buf + off, 8);
        return swap ? __builtin_bswap64(v) : v;
    }
    uint32_t v;
    memcpy(&v, r->buf + off, 4);
    return swap ? __builtin_bswap32(v) : v;
}

/* Read 'n' bytes at 'off' as an unsigned integer of the given byte order. */
static uint64_t profile_raw(const uint8_t *b, unsigned n, int be) {
    uint64_t v = 0;
    if (be)
        for (unsigned i = 0; i < n; i++)
            v = (v << 8) | b[i];
    else
        for (unsigned i = n; i-- > 0;)
            v = (v << 8) | b[i];
    return v;
}

/* Hash of a stack's frames (a 64-bit multiply-xorshift mix). */
static uint64_t profile_hash(const uint64_t *pcs, uint32_t depth) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ depth;
    for (uint32_t i = 0; i < depth; i++) {
        h ^= pcs[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

/* Grow the hash table to twice its size and re-insert every stack. */
static int profile_rehash(reader *r) {
    size_t cap = r->table_cap ? r->table_cap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t s = 0; s < r->p->nstacks; s++) {
        const profile_stack *st = &r->p->stacks[s];
        size_t i = profile_hash(r->p->pcs + st->first, st->depth) & (cap - 1);
        while (t[i] != 0)
            i = (i + 1) & (cap - 1);
        t[i] = (uint32_t)(s + 1);
    }
    free(r->table);
    r->table = t;
    r->table_cap = cap;
    return 0;
}

/* Add 'count' samples of the stack pcs[0..depth-1], merging with an equal
 * stack already seen. Returns -1 when out of memory. */
static int profile_add(reader *r, const uint64_t *pcs, uint32_t depth, uint64_t count) {
    profile *p = r->p;
    if ((p->nstacks + 1) * 2 > r->table_cap && profile_rehash(r) != 0)
        return -1;
    uint64_t h = profile_hash(pcs, depth);
    size_t i = h & (r->table_cap - 1);
    while (r->table[i] != 0) {
        profile_stack *st = &p->stacks[r->table[i] - 1];
        if (st->depth == depth &&
            memcmp(p->pcs + st->first, pcs, depth * sizeof *pcs) == 0) {
            st->count += count;
            return 0;
        }
        i = (i + 1) & (r->table_cap - 1);
    }
    if (p->nstacks == r->cap_stacks) {
        size_t cap = r->cap_stacks ? r->cap_stacks * 2 : 256;
        profile_stack *s = realloc(p->stacks, cap * sizeof *s);
        if (s == NULL)
            return -1;
        p->stacks = s;
        r->cap_stacks = cap;
    }
    if (p->npcs + depth > r->cap_pcs) {
        size_t cap = r->cap_pcs ? r->cap_pcs * 2 : 4096;
        while (cap < p->npcs + depth)
            cap *= 2;
        uint64_t *n = realloc(p->pcs, cap * sizeof *n);
        if (n == NULL)
            return -1;
        p->pcs = n;
        r->cap_pcs = cap;
    }
    memcpy(p->pcs + p->npcs, pcs, depth * sizeof *pcs);
    p->stacks[p->nstacks] =
        (profile_stack){.count = count, .depth = depth, .first = p->npcs};
    p->npcs += depth;
    r->table[i] = (uint32_t)(++p->nstacks);
    if (depth == PROFILE_MAX_DEPTH)
        p->capped_stacks++;
    return 0;
}

/* Detect word size and byte order from the header's first two words, which
 * are 0 and 3 in every profile. */
static int profile_detect(reader *r, error *err) {
    const uint8_t *b = r->buf;
    size_t len = r->len;
    if (len == 0)
        return error_set(err, ERR_INPUT, "empty file: not a gperftools CPU profile");
    size_t n0 = len < 4 ? len : 4;
    for (size_t i = 0; i < n0; i++)
        if (b[i] != 0)
            return error_set(err, ERR_INPUT,
                             "bad header word 0 at byte 0: 0x%llx (expected 0): "
                             "not a gperftools CPU profile",
                             (unsigned long long)profile_raw(b, (unsigned)n0, 0));
    if (len < 8)
        return error_set(err, ERR_INPUT,
                         "truncated header: file has %zu bytes, a header needs 20 or 40",
                         len);
    uint64_t w1le = profile_raw(b + 4, 4, 0), w1be = profile_raw(b + 4, 4, 1);
    if (w1le == 3 || w1be == 3) {
        r->ws = 4;
        r->be = w1be == 3;
        return 0;
    }
    if (w1le != 0)
        return error_set(err, ERR_INPUT, "bad header word 1 at byte 4: %llu (expected 3)",
                         (unsigned long long)w1le);
    if (len < 16)
        return error_set(err, ERR_INPUT,
                         "truncated header: file has %zu bytes, a header needs 20 or 40",
                         len);
    uint64_t le = profile_raw(b + 8, 8, 0), be = profile_raw(b + 8, 8, 1);
    if (le != 3 && be != 3)
        return error_set(err, ERR_INPUT, "bad header word 1 at byte 8: %llu (expected 3)",
                         (unsigned long long)le);
    r->ws = 8;
    r->be = be == 3;
    return 0;
}

/* Parse the header, the records and the trailer; keep the maps text. */
static int profile_read(reader *r, error *err) {
    profile *p = r->p;
    unsigned ws = r->ws;
    size_t len = r->len;
    if (len < 5 * (size_t)ws)
        return error_set(err, ERR_INPUT,
                         "truncated header: file has %zu bytes, a header needs %u", len,
                         5 * ws);
    uint64_t version = profile_word(r, 2 * ws);
    if (version != 0)
        return error_set(
            err, ERR_INPUT,
            "bad header word 2 (format version) at byte %u: %llu (expected 0)", 2 * ws,
            (unsigned long long)version);
    p->period_us = profile_word(r, 3 * ws);
    if (p->period_us == 0)
        return error_set(err, ERR_INPUT, "bad sampling period at byte %u: 0 microseconds",
                         3 * ws);
    uint64_t pad = profile_word(r, 4 * ws);
    if (pad != 0)
        return error_set(err, ERR_INPUT,
                         "bad header word 4 at byte %u: %llu (expected 0)", 4 * ws,
                         (unsigned long long)pad);
    uint64_t frames[PROFILE_MAX_DEPTH];
    size_t off = 5 * (size_t)ws;
    for (;;) {
        if (off == len)
            return error_set(
                err, ERR_INPUT,
                "no end-of-data marker: data ends at byte %zu after %zu records", off,
                p->records);
        if (len - off < 2 * (size_t)ws)
            return error_set(err, ERR_INPUT,
                             "truncated record at byte %zu: %zu bytes left, count and "
                             "depth need %u",
                             off, len - off, 2 * ws);
        uint64_t count = profile_word(r, off), depth = profile_word(r, off + ws);
        if (count == 0) {
            if (depth != 1 || len - off < 3 * (size_t)ws ||
                profile_word(r, off + 2 * ws) != 0) {
                if (depth == 1 && len - off < 3 * (size_t)ws)
                    return error_set(err, ERR_INPUT,
                                     "truncated end-of-data marker at byte %zu", off);
                return error_set(err, ERR_INPUT,
                                 "bad end-of-data marker at byte %zu (expected 0, 1, 0)",
                                 off);
            }
            off += 3 * (size_t)ws;
            break;
        }
        if (depth == 0)
            return error_set(err, ERR_INPUT, "record at byte %zu has depth 0", off);
        if (depth > PROFILE_MAX_DEPTH)
            return error_set(err, ERR_INPUT,
                             "record at byte %zu has depth %llu (the profiler writes at "
                             "most %d)",
                             off, (unsigned long long)depth, PROFILE_MAX_DEPTH);
        size_t need = (size_t)depth * ws, left = len - off - 2 * (size_t)ws;
        if (left < need)
            return error_set(err, ERR_INPUT,
                             "truncated record at byte %zu: %llu frames need %zu bytes, "
                             "%zu left",
                             off, (unsigned long long)depth, need, left);
        size_t at = off + 2 * (size_t)ws;
        for (uint64_t i = 0; i < depth; i++, at += ws) {
            uint64_t pc = profile_word(r, at);
            frames[i] = (i > 0 && pc > 0) ? pc - 1 : pc;
        }
        if (p->samples + count < p->samples)
            return error_set(err, ERR_INPUT, "sample count overflows at byte %zu", off);
        p->samples += count;
        if (depth == PROFILE_MAX_DEPTH)
            p->capped_samples += count;
        if (profile_add(r, frames, (uint32_t)depth, count) != 0)
            return error_set(err, ERR_NOMEM, "out of memory at byte %zu", off);
        p->records++;
        off = at;
    }
    size_t mlen = len - off;
    if (memchr(r->buf + off, '\0', mlen) != NULL)
        return error_set(err, ERR_INPUT,
                         "memory map text at byte %zu contains a NUL byte: not text",
                         off);
    p->maps = malloc(mlen + 1);
    if (p->maps == NULL)
        return error_set(err, ERR_NOMEM, "out of memory");
    memcpy(p->maps, r->buf + off, mlen);
    p->maps[mlen] = '\0';
    p->maps_len = mlen;
    return 0;
}

int profile_parse(profile **out, const uint8_t *buf, size_t len, error *err) {
    *out = NULL;
    int rc = -1;
    reader r = {.buf = buf, .len = len};
    r.p = calloc(1, sizeof *r.p);
    if (r.p == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (profile_detect(&r, err) != 0)
        goto done;
    r.p->word_size = r.ws;
    r.p->big_endian = r.be;
    if (profile_read(&r, err) != 0)
        goto done;
    *out = r.p;
    r.p = NULL;
    rc = 0;
done:
    free(r.table);
    profile_free(r.p);
    return rc;
}

/* Check the header in the first 'len' bytes of a file (up to 40): the word
 * format, version and period, so that a file that is not a profile is
 * refused before the rest of it is read. */
static int profile_check_head(const uint8_t *head, size_t len, error *err) {
    reader r = {.buf = head, .len = len};
    if (profile_detect(&r, err) != 0)
        return -1;
    if (len < 5 * (size_t)r.ws)
        return 0; /* a short file: the parser says what is missing */
    if (profile_word(&r, 2 * r.ws) != 0 || profile_word(&r, 3 * r.ws) == 0) {
        /* Let the parser word the message, on the header alone. */
        profile tmp = {0};
        r.p = &tmp;
        return profile_read(&r, err);
    }
    return 0;
}

int profile_load(profile **out, const char *path, error *err) {
    *out = NULL;
    uint8_t *buf = NULL, head[40];
    size_t len = 0;
    error e;
    error_clear(&e);
    int rc = file_read_head(head, sizeof head, &len, path, err);
    if (rc == 0 && profile_check_head(head, len, &e) != 0) {
        rc = error_set(err, e.kind, "%s: %s", path, e.text);
        return rc;
    }
    if (rc == 0)
        rc = file_read_max(&buf, &len, path, PROFILE_MAX_FILE, err);
    if (rc == 0) {
        rc = profile_parse(out, buf, len, &e);
        if (rc != 0)
            error_set(err, e.kind, "%s: %s", path, e.text);
    }
    free(buf);
    return rc;
}

void profile_free(profile *p) {
    if (p == NULL)
        return;
    free(p->stacks);
    free(p->pcs);
    free(p->maps);
    free(p);
}
