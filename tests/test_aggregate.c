/* Unit tests of aggregate and categories with exact numbers: synthetic
 * profiles whose pcs are this test's own functions, symbolized from this
 * process's /proc/self/maps. */
#include "aggregate.h"
#include "categories.h"
#include "check.h"
#include "profile.h"
#include "stats.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) int fa(int x) {
    return x * 3 + 1;
}
__attribute__((noinline)) int fb(int x) {
    return fa(x) * 5 + 2;
}
__attribute__((noinline)) int fc(int x) {
    return fb(x) * 7 + 3;
}
__attribute__((noinline)) int fmain(int x) {
    return fc(x) * 11 + 4;
}

static uint8_t buf[1 << 19];
static size_t len;

static void put(uint64_t w) {
    memcpy(buf + len, &w, 8);
    len += 8;
}

#define LEAF(f)   ((uint64_t)(uintptr_t)&f + 1)
#define CALLER(f) ((uint64_t)(uintptr_t)&f + 2)

/* Build a 64-bit profile: the records given, then this process's maps. */
static profile *make_profile(const uint64_t *words, size_t n) {
    len = 0;
    put(0), put(3), put(0), put(4000), put(0);
    for (size_t i = 0; i < n; i++)
        put(words[i]);
    put(0), put(1), put(0);
    int fd = open("/proc/self/maps", O_RDONLY);
    ssize_t r;
    while ((r = read(fd, buf + len, sizeof buf - len)) > 0)
        len += (size_t)r;
    close(fd);
    profile *p = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(profile_parse(&p, buf, len, &err) == 0, "%s", err.text);
    return p;
}

static long fn_index(const aggregate *a, const char *name) {
    for (size_t i = 0; i < a->nfns; i++)
        if (strcmp(a->fns[i].name, name) == 0)
            return (long)i;
    return -1;
}

static uint64_t edge(const aggregate *a, const char *caller, const char *callee) {
    long c = fn_index(a, caller), e = fn_index(a, callee);
    for (size_t i = 0; i < a->nedges; i++)
        if ((long)a->edges[i].caller == c && (long)a->edges[i].callee == e)
            return a->edges[i].samples;
    return 0;
}

#define FLAT(a, n) (fn_index(a, n) < 0 ? -1 : (long long)(a)->fns[fn_index(a, n)].flat)
#define CUM(a, n)  (fn_index(a, n) < 0 ? -1 : (long long)(a)->fns[fn_index(a, n)].cum)

static void test_counts(void) {
    const uint64_t w[] = {
        3,        4, LEAF(fa), CALLER(fb),    CALLER(fa), CALLER(fmain), /* recursion */
        2,        2, LEAF(fb), CALLER(fmain), 4,          1,
        LEAF(fc), 1, 1,        LEAF(fc), /* duplicate record */
        1,        2, 0x10,     CALLER(fmain),
    };
    profile *p = make_profile(w, sizeof w / sizeof w[0]);
    aggregate *a = NULL;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(aggregate_new(&a, &err), 0);
    if (p == NULL || a == NULL)
        return;
    CHECK_EQ_INT(p->nstacks, 4);
    CHECK_MSG(aggregate_add(a, p, "synthetic", &err) == 0, "%s", err.text);
    CHECK_EQ_INT(a->samples, 11);
    CHECK_EQ_INT(FLAT(a, "fa"), 3);
    CHECK_EQ_INT(FLAT(a, "fb"), 2);
    CHECK_EQ_INT(FLAT(a, "fc"), 5);
    CHECK_EQ_INT(FLAT(a, "fmain"), 0);
    CHECK_EQ_INT(FLAT(a, "[unknown]"), 1);
    CHECK_EQ_INT(CUM(a, "fa"), 3); /* once per stack despite recursion */
    CHECK_EQ_INT(CUM(a, "fb"), 5);
    CHECK_EQ_INT(CUM(a, "fmain"), 6);
    CHECK_EQ_INT(a->nedges, 0); /* computed on demand */
    CHECK_EQ_INT(aggregate_edges(a, &err), 0);
    CHECK_EQ_INT(a->nedges, 5);
    CHECK_EQ_INT(edge(a, "fb", "fa"), 3);
    CHECK_EQ_INT(edge(a, "fa", "fb"), 3);
    CHECK_EQ_INT(edge(a, "fmain", "fa"), 3);
    CHECK_EQ_INT(edge(a, "fmain", "fb"), 2);
    CHECK_EQ_INT(edge(a, "fmain", "[unknown]"), 1);
    CHECK_EQ_INT(a->nstacks, 4);
    CHECK_EQ_INT(a->unnamed_samples, 1);
    CHECK(fabs(aggregate_seconds_per_sample(a) - 0.004) < 1e-12);
    aggregate_set_rate(a, 200);
    CHECK(fabs(aggregate_seconds_per_sample(a) - 0.005) < 1e-12);
    long fa_ix = fn_index(a, "fa");
    CHECK(fa_ix >= 0 && a->fns[fa_ix].named && a->fns[fa_ix].file != NULL &&
          strstr(a->fns[fa_ix].file, "test_aggregate.c") != NULL);
    uint64_t libflat = 0;
    for (size_t i = 0; i < a->nlibs; i++) {
        libflat += a->libs[i].flat;
        if (strcmp(a->libs[i].name, "[unknown]") == 0)
            CHECK_EQ_INT(a->libs[i].unnamed, 1);
        if (strcmp(a->libs[i].name, "test_aggregate") == 0) {
            CHECK_EQ_INT(a->libs[i].flat, 10);
            CHECK_EQ_INT(a->libs[i].cum, 11); /* fmain calls the unknown pc */
        }
    }
    CHECK_EQ_INT(libflat, 11);

    /* A second trial merges by name. */
    CHECK_EQ_INT(aggregate_add(a, p, "synthetic-2", &err), 0);
    CHECK_EQ_INT(a->nprofiles, 2);
    CHECK_EQ_INT(FLAT(a, "fc"), 10);
    CHECK_EQ_INT(CUM(a, "fmain"), 12);
    CHECK_EQ_INT(aggregate_edges(a, &err), 0);
    CHECK_EQ_INT(a->nedges, 5);
    CHECK_EQ_INT(edge(a, "fb", "fa"), 6);
    CHECK_EQ_INT(a->nstacks, 4);

    /* Categories from data: first match wins. */
    categories *c = NULL;
    const char *rules = "# test\nSQLite\t*\tfa\nJSON serialization\ttest_*\tf*\n";
    CHECK_EQ_INT(categories_parse(&c, rules, "t.tsv", &err), 0);
    CHECK_EQ_INT(categories_rules(c), 2);
    CHECK_EQ_INT(aggregate_categorize(a, c, &err), 0);
    CHECK_EQ_STR(a->fns[fa_ix].category, "SQLite");
    CHECK_EQ_STR(a->fns[fn_index(a, "fc")].category, "JSON serialization");
    CHECK_EQ_STR(a->fns[fn_index(a, "[unknown]")].category, "other");
    CHECK_EQ_STR(a->categories[0].name, "JSON serialization");
    CHECK_EQ_INT(a->categories[0].flat, 14); /* fb 4 + fc 10 (fa went to SQLite) */
    CHECK_EQ_INT(a->categories[4].flat, 6);  /* SQLite: fa */
    CHECK_EQ_INT(a->categories[7].flat, 0);  /* other */
    /* no symbol names [unknown] and no rule places it: unattributed, last */
    CHECK_EQ_INT(a->ncategories, categories_count + 1);
    CHECK_EQ_STR(a->categories[8].name, "unattributed");
    CHECK_EQ_INT(a->categories[8].flat, 2);
    CHECK_EQ_STR(a->fns[fn_index(a, "[unknown]")].charged, "unattributed");
    CHECK_EQ_STR(a->fns[fa_ix].charged, "SQLite");
    categories_free(c);
    aggregate_free(a);
    profile_free(p);
}

static void test_categories_errors(void) {
    categories *c = (categories *)1;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(categories_parse(&c, "SQLite\t*\n", "x.tsv", &err), -1);
    CHECK(c == NULL);
    CHECK_EQ_STR(err.text, "x.tsv:1: expected 3 tab-separated fields: category, library "
                           "pattern, function pattern");
    error_clear(&err);
    CHECK_EQ_INT(categories_parse(&c, "#\nFoo\t*\t*\n", "x.tsv", &err), -1);
    CHECK_EQ_STR(err.text, "x.tsv:2: unknown category 'Foo'");
    CHECK_EQ_STR(categories_match(NULL, "libc.so.6", "malloc"), "other");
    error_clear(&err);
    CHECK_EQ_INT(categories_load(&c, OVERHEAD_CATEGORIES_FILE, &err), 0);
    CHECK_EQ_STR(categories_match(c, "libjansson.so.4", "json_dumps"),
                 "JSON serialization");
    CHECK_EQ_STR(categories_match(c, "libnats.so.3.6", "natsConn_publish"),
                 "NATS client");
    CHECK_EQ_STR(categories_match(c, "libc.so.6", "malloc"), "memory allocation");
    CHECK_EQ_STR(categories_match(c, "libc.so.6", "__lll_lock_wait"),
                 "thread hand-off / event loop");
    CHECK_EQ_STR(categories_match(c, "nats-server", "x"), "broker process");
    /* SQLite's own file I/O and locking syscalls are storage cost */
    CHECK_EQ_STR(categories_match(c, "libc.so.6", "__libc_pwrite"), "SQLite");
    CHECK_EQ_STR(categories_match(c, "libc.so.6", "__fcntl64_nocancel_adjusted"), "SQLite");
    CHECK_EQ_STR(categories_match(c, "libc.so.6", "fdatasync"), "SQLite");
    CHECK_EQ_STR(categories_match(c, "libc.so.6", "__libc_send"), "network I/O syscalls");
    categories_free(c);
    categories_free(NULL);
}

static void test_diff(void) {
    const uint64_t wb[] = {3, 1, LEAF(fa), 8, 1, LEAF(fb)};
    const uint64_t wn[] = {30, 1, LEAF(fa), 10, 1, LEAF(fc)};
    profile *pb = make_profile(wb, 6);
    aggregate *b = NULL, *n = NULL;
    aggregate_new(&b, NULL);
    aggregate_add(b, pb, "base", NULL);
    profile *pn = make_profile(wn, 6);
    aggregate_new(&n, NULL);
    aggregate_add(n, pn, "new", NULL);
    aggregate_diff_row *rows = NULL;
    size_t nrows = 0;
    CHECK_EQ_INT(aggregate_diff(&rows, &nrows, b, n, 10, 20, NULL), 0);
    CHECK_EQ_INT(nrows, 3);
    if (nrows == 3) {
        /* fa: 3/11 -> 30/40; per unit 0.012/10 -> 0.12/20 */
        CHECK_EQ_STR(rows[0].name, "fa");
        CHECK_EQ_INT(rows[0].base, 3);
        CHECK_EQ_INT(rows[0].new, 30);
        CHECK(fabs(rows[0].delta_s - (0.12 - 0.012)) < 1e-12);
        CHECK(fabs(rows[0].delta_unit - (0.12 / 20 - 0.012 / 10)) < 1e-12);
        double p, z = stats_two_prop_z(3, 11, 30, 40, &p);
        CHECK(fabs(rows[0].z - z) < 1e-12 && fabs(rows[0].p - p) < 1e-12);
        CHECK_EQ_STR(rows[1].name, "fb"); /* 8 -> 0: -0.032 s / 10 = -0.0032 */
        CHECK(fabs(rows[1].delta_unit + 0.0032) < 1e-12);
        CHECK_EQ_STR(rows[2].name, "fc"); /* 0 -> 10: +0.04 s / 20 = +0.002 */
        CHECK(fabs(rows[2].delta_unit - 0.002) < 1e-12);
    }
    free(rows);
    CHECK(aggregate_few(5, 100));
    CHECK(!aggregate_few(100, 1000));
    CHECK(aggregate_few(0, 0));
    aggregate_free(b);
    aggregate_free(n);
    aggregate_free(NULL);
    profile_free(pb);
    profile_free(pn);
}

int main(void) {
    CHECK(fmain(1) > 0);
    test_counts();
    test_categories_errors();
    test_diff();
    return check_status();
}
