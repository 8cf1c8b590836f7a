/* Unit tests of the profile module on synthetic profiles built here word by
 * word, in both word sizes and both byte orders, with exact expectations. */
#include "check.h"
#include "profile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

/* A growable byte buffer that a profile is written into. */
typedef struct buf {
    uint8_t data[32768];
    size_t len;
    unsigned ws;
    int be;
} buf;

static void put(buf *b, uint64_t v) {
    for (unsigned i = 0; i < b->ws; i++) {
        unsigned shift = b->be ? 8 * (b->ws - 1 - i) : 8 * i;
        b->data[b->len++] = (uint8_t)(v >> shift);
    }
}

static void put_words(buf *b, const uint64_t *w, size_t n) {
    for (size_t i = 0; i < n; i++)
        put(b, w[i]);
}

static void put_text(buf *b, const char *s) {
    memcpy(b->data + b->len, s, strlen(s));
    b->len += strlen(s);
}

static const char *maps_text = "00400000-00401000 r-xp 00000000 08:01 42 /bin/prog\n";

/* Header, three records (the third repeats the first stack), trailer, maps. */
static size_t build_basic(buf *b, unsigned ws, int be, size_t *records_end) {
    b->len = 0;
    b->ws = ws;
    b->be = be;
    const uint64_t words[] = {0,      3, 0, 4000,   0, 5, 2,      0x1000,
                              0x2000, 3, 1, 0x3000, 2, 2, 0x1000, 0x2000};
    put_words(b, words, sizeof words / sizeof words[0]);
    *records_end = b->len;
    const uint64_t trailer[] = {0, 1, 0};
    put_words(b, trailer, 3);
    size_t maps_at = b->len;
    put_text(b, maps_text);
    return maps_at;
}

static void test_formats(void) {
    unsigned sizes[] = {4, 8};
    for (int s = 0; s < 2; s++)
        for (int be = 0; be <= 1; be++) {
            buf b;
            size_t rec_end;
            build_basic(&b, sizes[s], be, &rec_end);
            profile *p = NULL;
            error err;
            error_clear(&err);
            CHECK_EQ_INT(profile_parse(&p, b.data, b.len, &err), 0);
            CHECK_MSG(p != NULL, "ws %u be %d: %s", sizes[s], be, err.text);
            if (p == NULL)
                continue;
            CHECK_EQ_INT(p->word_size, sizes[s]);
            CHECK_EQ_INT(p->big_endian, be);
            CHECK_EQ_INT(p->period_us, 4000);
            CHECK_EQ_INT(p->samples, 10);
            CHECK_EQ_INT(p->records, 3);
            CHECK_EQ_INT(p->nstacks, 2); /* the duplicate is merged */
            CHECK_EQ_INT(p->stacks[0].count, 7);
            CHECK_EQ_INT(p->stacks[0].depth, 2);
            CHECK_EQ_INT(p->pcs[p->stacks[0].first], 0x1000);     /* leaf exact */
            CHECK_EQ_INT(p->pcs[p->stacks[0].first + 1], 0x1fff); /* caller pc-1 */
            CHECK_EQ_INT(p->stacks[1].count, 3);
            CHECK_EQ_INT(p->pcs[p->stacks[1].first], 0x3000);
            CHECK_EQ_INT(p->npcs, 3);
            CHECK_EQ_INT(p->capped_stacks, 0);
            CHECK_EQ_STR(p->maps, maps_text);
            CHECK_EQ_INT(p->maps_len, strlen(maps_text));
            profile_free(p);
        }
}

static void test_zero_samples(void) {
    buf b = {.ws = 8};
    const uint64_t w[] = {0, 3, 0, 10000, 0, 0, 1, 0};
    put_words(&b, w, 8);
    profile *p = NULL;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(profile_parse(&p, b.data, b.len, &err), 0);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(p->samples, 0);
        CHECK_EQ_INT(p->nstacks, 0);
        CHECK_EQ_INT(p->period_us, 10000);
        CHECK_EQ_STR(p->maps, "");
    }
    profile_free(p);
    profile_free(NULL);
}

/* Parse and expect failure with exactly 'msg'. */
static void expect_error(const uint8_t *data, size_t len, const char *msg) {
    profile *p = (profile *)1;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(profile_parse(&p, data, len, &err), -1);
    CHECK(p == NULL);
    CHECK_EQ_INT(err.kind, ERR_INPUT);
    CHECK_EQ_STR(err.text, msg);
}

static void test_depth_cap(void) {
    buf b = {.ws = 8};
    const uint64_t h[] = {0, 3, 0, 4000, 0, 9, PROFILE_MAX_DEPTH};
    put_words(&b, h, 7);
    for (uint64_t i = 0; i < PROFILE_MAX_DEPTH; i++)
        put(&b, 0x10000 + 16 * i);
    const uint64_t t[] = {0, 1, 0};
    put_words(&b, t, 3);
    profile *p = NULL;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(profile_parse(&p, b.data, b.len, &err), 0);
    if (p) {
        CHECK_EQ_INT(p->capped_stacks, 1);
        CHECK_EQ_INT(p->capped_samples, 9);
        CHECK_EQ_INT(p->stacks[0].depth, PROFILE_MAX_DEPTH);
        CHECK_EQ_INT(p->pcs[PROFILE_MAX_DEPTH - 1], 0x10000 + 16 * 253 - 1);
    }
    profile_free(p);

    buf c = {.ws = 8};
    const uint64_t h2[] = {0, 3, 0, 4000, 0, 1, PROFILE_MAX_DEPTH + 1};
    put_words(&c, h2, 7);
    expect_error(c.data, c.len,
                 "record at byte 40 has depth 255 (the profiler writes at most 254)");
    buf d = {.ws = 4};
    const uint64_t h3[] = {0, 3, 0, 4000, 0, 1, 0};
    put_words(&d, h3, 7);
    expect_error(d.data, d.len, "record at byte 20 has depth 0");
}

/* Every proper prefix that cuts the binary part fails with ERR_INPUT; every
 * prefix that keeps the trailer parses (the maps text is simply shorter). */
static void test_truncation(void) {
    unsigned sizes[] = {4, 8};
    for (int s = 0; s < 2; s++) {
        buf b;
        size_t rec_end;
        size_t maps_at = build_basic(&b, sizes[s], s, &rec_end);
        for (size_t cut = 0; cut < b.len; cut++) {
            profile *p = NULL;
            error err;
            error_clear(&err);
            int rc = profile_parse(&p, b.data, cut, &err);
            if (cut < maps_at) {
                CHECK_MSG(rc == -1 && p == NULL, "ws %u cut %zu parsed", sizes[s], cut);
                CHECK_EQ_INT(err.kind, ERR_INPUT);
            } else {
                CHECK_MSG(rc == 0 && p != NULL, "ws %u cut %zu: %s", sizes[s], cut,
                          err.text);
                if (p) {
                    CHECK_EQ_INT(p->samples, 10);
                    CHECK_EQ_INT(p->maps_len, cut - maps_at);
                }
            }
            profile_free(p);
        }
    }
    /* Exact messages at a few offsets of the 64-bit little-endian file. */
    buf b;
    size_t rec_end;
    build_basic(&b, 8, 0, &rec_end);
    expect_error(b.data, 0, "empty file: not a gperftools CPU profile");
    expect_error(b.data, 7,
                 "truncated header: file has 7 bytes, a header needs 20 or 40");
    expect_error(b.data, 12,
                 "truncated header: file has 12 bytes, a header needs 20 or 40");
    expect_error(b.data, 39, "truncated header: file has 39 bytes, a header needs 40");
    expect_error(b.data, 40,
                 "no end-of-data marker: data ends at byte 40 after 0 records");
    expect_error(b.data, 44,
                 "truncated record at byte 40: 4 bytes left, count and depth need 16");
    expect_error(b.data, 70,
                 "truncated record at byte 40: 2 frames need 16 bytes, 14 left");
    expect_error(b.data, rec_end,
                 "no end-of-data marker: data ends at byte 128 after 3 records");
    expect_error(b.data, rec_end + 20, "truncated end-of-data marker at byte 128");
}

static void test_garbage(void) {
    const uint8_t text[] = "hello, world\n";
    expect_error(text, sizeof text - 1,
                 "bad header word 0 at byte 0: 0x6c6c6568 (expected 0): not a gperftools "
                 "CPU profile");
    buf b = {.ws = 4};
    const uint64_t w[] = {0, 7, 0, 4000, 0};
    put_words(&b, w, 5);
    expect_error(b.data, b.len, "bad header word 1 at byte 4: 7 (expected 3)");
    buf c = {.ws = 8};
    const uint64_t v[] = {0, 3, 2, 4000, 0};
    put_words(&c, v, 5);
    expect_error(c.data, c.len,
                 "bad header word 2 (format version) at byte 16: 2 (expected 0)");
    buf d = {.ws = 8};
    const uint64_t z[] = {0, 3, 0, 0, 0};
    put_words(&d, z, 5);
    expect_error(d.data, d.len, "bad sampling period at byte 24: 0 microseconds");
    buf e = {.ws = 8, .be = 1};
    const uint64_t t[] = {0, 3, 0, 4000, 0, 0, 2, 0};
    put_words(&e, t, 8);
    expect_error(e.data, e.len, "bad end-of-data marker at byte 40 (expected 0, 1, 0)");
    buf f = {.ws = 8};
    const uint64_t u[] = {0, 3, 0, 4000, 0, 0, 1, 0};
    put_words(&f, u, 8);
    f.data[f.len++] = 'a';
    f.data[f.len++] = 0;
    expect_error(f.data, f.len,
                 "memory map text at byte 64 contains a NUL byte: not text");
    buf g = {.ws = 8};
    const uint64_t o[] = {0, 3, 0, 4000, 0, UINT64_MAX, 1, 5, 2, 1, 5, 0, 1, 0};
    put_words(&g, o, 14);
    expect_error(g.data, g.len, "sample count overflows at byte 64");
    /* Pseudo-random garbage after a valid header never crashes. */
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 2000; round++) {
        buf r = {.ws = 8};
        const uint64_t hdr[] = {0, 3, 0, 4000, 0};
        put_words(&r, hdr, 5);
        size_t n = (size_t)(x % 200);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r.data[r.len++] = (uint8_t)(x % 3 == 0 ? x >> 8 : (x >> 8) % 3);
        }
        profile *p = NULL;
        if (profile_parse(&p, r.data, r.len, NULL) == 0)
            CHECK(p != NULL);
        profile_free(p);
    }
}

static void test_load(void) {
    profile *p = NULL;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(profile_load(&p, "/nonexistent/x.prof", &err), -1);
    CHECK(p == NULL);
    CHECK_EQ_INT(err.kind, ERR_INPUT);
    CHECK(strstr(err.text, "/nonexistent/x.prof") != NULL);

    char path[] = "/tmp/test-profile-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    buf b;
    size_t rec_end;
    build_basic(&b, 8, 0, &rec_end);
    CHECK_EQ_INT(write(fd, b.data, rec_end), (long long)rec_end);
    close(fd);
    error_clear(&err);
    CHECK_EQ_INT(profile_load(&p, path, &err), -1);
    char want[256];
    snprintf(want, sizeof want,
             "%s: no end-of-data marker: data ends at byte 128 after 3 records", path);
    CHECK_EQ_STR(err.text, want);
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK_EQ_INT(write(fd, b.data, b.len), (long long)b.len);
    close(fd);
    error_clear(&err);
    CHECK_EQ_INT(profile_load(&p, path, &err), 0);
    if (p)
        CHECK_EQ_INT(p->samples, 10);
    profile_free(p);
    unlink(path);
}

/* Many distinct stacks force the hash table to grow; merging stays exact. */
static void test_many_stacks(void) {
    static buf b;
    b.ws = 8;
    b.len = 0;
    const uint64_t h[] = {0, 3, 0, 4000, 0};
    put_words(&b, h, 5);
    for (uint64_t i = 0; i < 300; i++) {
        const uint64_t r[] = {i + 1, 2, 0x1000 + i, 0x5000 + (i % 7)};
        put_words(&b, r, 4);
    }
    for (uint64_t i = 0; i < 300; i += 3) {
        const uint64_t r[] = {1, 2, 0x1000 + i, 0x5000 + (i % 7)};
        put_words(&b, r, 4);
    }
    const uint64_t t[] = {0, 1, 0};
    put_words(&b, t, 3);
    profile *p = NULL;
    CHECK_EQ_INT(profile_parse(&p, b.data, b.len, NULL), 0);
    if (p) {
        CHECK_EQ_INT(p->nstacks, 300);
        CHECK_EQ_INT(p->records, 400);
        CHECK_EQ_INT(p->samples, 300 * 301 / 2 + 100);
        CHECK_EQ_INT(p->stacks[3].count, 5);
        CHECK_EQ_INT(p->stacks[4].count, 5);
    }
    profile_free(p);
}

int main(void) {
    test_formats();
    test_zero_samples();
    test_depth_cap();
    test_truncation();
    test_garbage();
    test_load();
    test_many_stacks();
    return check_status();
}
