/* End to end: the report's numbers against the run records they came from.
 *
 *   test_report_e2e DOCS_REPORT_DIR
 *
 * Reads CPU_OVERHEAD_ANALYSIS.json, then every trial record of the runs it
 * lists, and recomputes the headline independently of the analysis module:
 * per-event CPU = (workload windows + nats-server) / stored events of the
 * saturated, unprofiled, baseline, non-control trials at the headline
 * storage (the report's plan puts unprofiled copies in every round), their
 * medians, and the overhead paired by round: the median of the Walsh
 * averages of the per-round log ratios (and of the differences, the one
 * denominator of the breakdown's residual). The interval's bounds and
 * coverage are recomputed too, independently of report/util/stats.c, as
 * exact rank order statistics: of the Walsh averages with the exact Wilcoxon
 * signed-rank null when the headline is paired, else of the pairwise log
 * ratios with the exact Mann-Whitney null (Gaussian binomial coefficients):
 * the bounds must be those, not merely contain the estimate. Also checks
 * that every trial stored every event and that the Markdown and HTML show
 * the same numbers. */
#include "check.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Hodges-Lehmann of paired values: the median of the Walsh averages. */
static double walsh_median(const double *x, size_t n) {
    static double w[512 * 513 / 2];
    if (n > 512)
        n = 512;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            w[k++] = (x[i] + x[j]) / 2;
    return median(w, k);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Counts of the exact Mann-Whitney U = 0..na*nb under the null: the
 * coefficients of the Gaussian binomial [na+nb choose na](q), built as
 * prod_{i=1..na} (1 - q^(nb+i)) / (1 - q^i), each division exact. The caller
 * frees. */
static double *mw_null(size_t na, size_t nb) {
    size_t top = na * nb;
    double *c = calloc(top + na + nb + 2, sizeof *c);
    if (c == NULL)
        return NULL;
    c[0] = 1;
    size_t deg = 0;
    for (size_t i = 1; i <= na; i++) {
        size_t m = nb + i;
        for (size_t u = deg + m; u >= m; u--) /* times (1 - q^m) */
            c[u] -= c[u - m];
        deg += m;
        for (size_t u = i; u <= deg; u++) /* divided by (1 - q^i) */
            c[u] += c[u - i];
        deg -= i;
    }
    return c;
}

/* Counts of the exact Wilcoxon signed-rank W+ = 0..n(n+1)/2 under the null:
 * the coefficients of prod_{i=1..n} (1 + q^i). The caller frees. */
static double *wsr_null(size_t n) {
    size_t top = n * (n + 1) / 2;
    double *c = calloc(top + 1, sizeof *c);
    if (c == NULL)
        return NULL;
    c[0] = 1;
    size_t deg = 0;
    for (size_t i = 1; i <= n; i++) {
        for (size_t u = deg + i; u >= i; u--)
            c[u] += c[u - i];
        deg += i;
    }
    return c;
}

/* The rank interval's index k (1-based) from null counts cnt[0..top] at 95%:
 * k = c + 1 for the largest c with P(stat <= c) <= 2.5%, else 1 (too few
 * for 95%: the widest interval). *coverage is 1 - 2 P(stat <= k - 1). */
static size_t rank_k(const double *cnt, size_t top, double *coverage) {
    double total = 0, below = 0;
    for (size_t u = 0; u <= top; u++)
        total += cnt[u];
    long c = -1;
    for (size_t u = 0; u <= top / 2; u++) {
        below += cnt[u];
        if (below / total > 0.025 * (1 + 1e-9))
            break;
        c = (long)u;
    }
    double tail = c < 0 ? cnt[0] / total : 0;
    for (long u = 0; u <= c; u++)
        tail += cnt[u] / total;
    *coverage = 1 - 2 * tail;
    return c < 0 ? 1 : (size_t)c + 1;
}

/* Check the headline's interval (values.ci_lo, ci_hi, coverage, overhead)
 * against the order statistics of 'w' (n sorted log values) at index k. */
static void check_bounds(json_t *v, const char *what, double *w, size_t n, size_t k,
                         double coverage) {
    qsort(w, n, sizeof *w, cmp);
    double est = expm1(n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2);
    double lo = expm1(w[k - 1]), hi = expm1(w[n - k]);
    double got = json_number_value(json_object_get(v, "overhead"));
    double got_lo = json_number_value(json_object_get(v, "ci_lo"));
    double got_hi = json_number_value(json_object_get(v, "ci_hi"));
    double got_cov = json_number_value(json_object_get(v, "coverage"));
    CHECK_MSG(fabs(got - est) < 1e-9, "%s: overhead %.12g vs recomputed %.12g", what, got,
              est);
    CHECK_MSG(fabs(got_lo - lo) < 1e-9 && fabs(got_hi - hi) < 1e-9,
              "%s: interval [%.12g, %.12g] vs order statistics %zu and %zu of %zu: "
              "[%.12g, %.12g]",
              what, got_lo, got_hi, k, n + 1 - k, n, lo, hi);
    CHECK_MSG(fabs(got_cov - coverage) < 1e-9, "%s: coverage %.12g vs exact %.12g", what,
              got_cov, coverage);
}

/* The headline's bounds from exact rank order statistics: for a paired
 * headline the Walsh averages of the np per-round log ratios x[] with the
 * signed-rank k; else the np pairwise log ratios x[] with the Mann-Whitney k
 * for nd + nn trials. */
static void check_rank_bounds(json_t *v, int paired, const double *x, size_t np,
                              size_t nd, size_t nn) {
    size_t m = paired ? np * (np + 1) / 2 : np;
    double *w = malloc((m ? m : 1) * sizeof *w);
    double *cnt = paired ? wsr_null(np) : mw_null(nd, nn), coverage;
    CHECK(w != NULL && cnt != NULL);
    if (w != NULL && cnt != NULL) {
        size_t x_ = 0;
        for (size_t i = 0; i < np; i++)
            if (paired)
                for (size_t j = i; j < np; j++)
                    w[x_++] = (x[i] + x[j]) / 2;
            else
                w[x_++] = x[i];
        size_t k = rank_k(cnt, paired ? m : nd * nn, &coverage);
        check_bounds(v,
                     paired ? "Hodges-Lehmann (signed-rank)"
                            : "Hodges-Lehmann (Mann-Whitney)",
                     w, m, k, coverage);
        printf("headline: %s Hodges-Lehmann, %zu values, k = %zu, coverage %.4f: bounds "
               "checked\n",
               paired ? "paired" : "unpaired", m, k, coverage);
    }
    free(w);
    free(cnt);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_report_e2e DOCS_REPORT_DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/CPU_OVERHEAD_ANALYSIS.json", argv[1]);
    json_error_t jerr;
    json_t *a = json_load_file(path, 0, &jerr);
    CHECK_MSG(a != NULL, "%s: %s", path, jerr.text);
    if (a == NULL)
        return check_status();
    const char *storage =
        json_string_value(json_object_get(json_object_get(a, "config"), "storage"));
    const char *nats =
        json_string_value(json_object_get(json_object_get(a, "config"), "nats_arch"));
    CHECK(storage != NULL && nats != NULL);
    double d[512], n[512];
    long rd[512], rn[512]; /* run index * 100000 + round */
    size_t nd = 0, nn = 0, trials = 0;
    size_t i;
    json_t *dir;
    json_array_foreach(json_object_get(json_object_get(a, "run"), "dirs"), i, dir) {
        DIR *dh = opendir(json_string_value(dir));
        CHECK(dh != NULL);
        struct dirent *e;
        while (dh != NULL && (e = readdir(dh)) != NULL) {
            size_t len = strlen(e->d_name);
            if (strncmp(e->d_name, "trial-", 6) != 0 || len < 6 ||
                strcmp(e->d_name + len - 5, ".json") != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", json_string_value(dir), e->d_name);
            json_t *r = json_load_file(path, 0, &jerr);
            CHECK_MSG(r != NULL, "%s: %s", path, jerr.text);
            if (r == NULL)
                continue;
            trials++;
            json_t *ev = json_object_get(r, "events");
            json_int_t req = json_integer_value(json_object_get(ev, "requested"));
            /* every event stored, except in the replica arm as the team wrote
             * it, which must store none */
            json_t *proto = json_object_get(json_object_get(r, "replica"), "protocol");
            int written = json_is_string(proto) &&
                          strcmp(json_string_value(proto), "as written") == 0;
            json_int_t x = written ? 0 : req;
            if (json_object_get(ev, "expected_stored") != NULL) /* older records: none */
                CHECK_EQ_INT(json_integer_value(json_object_get(ev, "expected_stored")), x);
            CHECK_EQ_INT(json_integer_value(json_object_get(ev, "published")), req);
            CHECK_EQ_INT(json_integer_value(json_object_get(ev, "stored")), x);
            CHECK_EQ_INT(json_integer_value(json_object_get(ev, "rows")), x);
            CHECK_EQ_INT(json_integer_value(json_object_get(ev, "dropped")), 0);
            CHECK(json_is_true(json_object_get(r, "ok")));
            /* the headline's trials: saturated, unprofiled, baseline, not A/A,
             * that storage */
            const char *arch = json_string_value(json_object_get(r, "arch"));
            const char *variant = json_string_value(
                json_object_get(json_object_get(r, "variant"), "name"));
            if (json_is_number(
                    json_object_get(json_object_get(r, "rate"), "requested")) ||
                json_is_true(json_object_get(r, "profiled")) ||
                (variant != NULL && strcmp(variant, "baseline") != 0) ||
                json_is_string(json_object_get(r, "aa_group")) ||
                strcmp(json_string_value(json_object_get(r, "storage")), storage) != 0) {
                json_decref(r);
                continue;
            }
            /* workload windows, summed from the processes themselves, and
             * nats-server over the same windows (read at their edges) */
            double cpu = 0, broker = 0;
            size_t k;
            json_t *p;
            json_array_foreach(json_object_get(r, "processes"), k, p) {
                json_t *m = json_object_get(p, "measured");
                const char *role = json_string_value(json_object_get(p, "role"));
                double v = json_is_object(m) ? json_number_value(json_object_get(m, "cpu_s"))
                                             : json_number_value(json_object_get(p, "cpu_s"));
                if (strcmp(role, "nats-server") == 0)
                    broker += v;
                else
                    cpu += v;
            }
            CHECK_MSG(strcmp(arch, "direct") == 0 || broker > 0,
                      "%s: no nats-server CPU accounted", path);
            cpu += broker;
            double us = cpu / (double)req * 1e6;
            long key = (long)i * 100000 + (long)json_integer_value(json_object_get(r, "round"));
            if (strcmp(arch, "direct") == 0 && nd < 512) {
                rd[nd] = key;
                d[nd++] = us;
            } else if (strcmp(arch, nats) == 0 && nn < 512) {
                rn[nn] = key;
                n[nn++] = us;
            }
            json_decref(r);
        }
        if (dh != NULL)
            closedir(dh);
    }
    CHECK(trials > 0);
    CHECK(nd >= 2 && nn >= 2);
    if (nd >= 2 && nn >= 2) {
        /* paired by round when the analysis paired them (at least 6 rounds):
         * per round the log ratio and the difference of its NATS and direct
         * trials, then the median of their Walsh averages; else unpaired:
         * the median over every NATS trial against every direct trial */
        static double lr[512 * 512], df[512 * 512];
        size_t np = 0;
        double ov, ov_us;
        int paired = json_is_true(json_object_get(
            json_object_get(json_object_get(a, "headline"), "interval"), "paired"));
        if (paired) {
            for (size_t i = 0; i < nd; i++)
                for (size_t j = 0; j < nn; j++)
                    if (rd[i] == rn[j]) {
                        lr[np] = log(n[j] / d[i]);
                        df[np++] = n[j] - d[i];
                        break;
                    }
            CHECK_MSG(np == nd && np == nn, "%zu pairs of %zu direct and %zu NATS trials",
                      np, nd, nn);
            ov = expm1(walsh_median(lr, np));
            ov_us = walsh_median(df, np);
        } else {
            for (size_t i = 0; i < nd; i++)
                for (size_t j = 0; j < nn; j++) {
                    lr[np] = log(n[j] / d[i]);
                    df[np++] = n[j] - d[i];
                }
            ov = expm1(median(lr, np));
            ov_us = median(df, np);
        }
        double md = median(d, nd), mn = median(n, nn);
        json_t *v = json_object_get(json_object_get(a, "headline"), "values");
        double got_d = json_number_value(json_object_get(v, "direct_us"));
        double got_n = json_number_value(json_object_get(v, "nats_us"));
        double got = json_number_value(json_object_get(v, "overhead"));
        CHECK_MSG(fabs(got_d - md) < 1e-6 * md, "direct %g vs recomputed %g", got_d, md);
        CHECK_MSG(fabs(got_n - mn) < 1e-6 * mn, "nats %g vs recomputed %g", got_n, mn);
        CHECK_MSG(fabs(got - ov) < 1e-9, "overhead %g vs recomputed %g", got, ov);
        double lo = json_number_value(json_object_get(v, "ci_lo"));
        double hi = json_number_value(json_object_get(v, "ci_hi"));
        CHECK_MSG(lo <= ov && ov <= hi, "overhead %g outside its CI [%g, %g]", ov, lo,
                  hi);
        /* the bounds themselves (lr holds the per-round or pairwise ratios) */
        const char *method = json_string_value(json_object_get(
            json_object_get(json_object_get(a, "headline"), "interval"), "method"));
        CHECK_MSG(method != NULL && strstr(method, "Hodges-Lehmann") != NULL &&
                      strstr(method, paired ? "signed-rank" : "exact") != NULL,
                  "headline interval method '%s' (paired %d) is not one this test "
                  "recomputes",
                  method ? method : "(none)", paired);
        check_rank_bounds(v, paired, lr, np, nd, nn);
        CHECK_EQ_INT(json_integer_value(
                         json_object_get(json_object_get(a, "headline"), "n_direct")),
                     nd);
        CHECK_EQ_INT(
            json_integer_value(json_object_get(json_object_get(a, "headline"), "n_nats")),
            nn);
        /* the published texts show the same figure */
        const char *pct = json_string_value(
            json_object_get(json_object_get(a, "headline"), "overhead_pct"));
        char want[64];
        snprintf(want, sizeof want, "**: %s%% more CPU per stored event with NATS", pct);
        snprintf(path, sizeof path, "%s/CPU_OVERHEAD_ANALYSIS.md", argv[1]);
        char *md_text = slurp(path);
        CHECK_MSG(md_text != NULL && strstr(md_text, want) != NULL, "'%s' not in %s",
                  want, path);
        snprintf(path, sizeof path, "%s/CPU_OVERHEAD_ANALYSIS.html", argv[1]);
        char *html = slurp(path);
        CHECK(html != NULL && strstr(html, "<svg") != NULL &&
              strstr(html, "<table>") != NULL);
        /* the breakdown's rows add up to its total, and the residual against
         * the measured overhead (medians of the headline trials) is shown */
        double sum = 0;
        json_t *row, *bd = json_object_get(a, "breakdown");
        json_array_foreach(json_object_get(bd, "rows"), i, row) {
            sum += json_number_value(json_object_get(row, "delta"));
        }
        double total =
            json_number_value(json_object_get(json_object_get(bd, "total"), "delta"));
        double residual = json_number_value(json_object_get(bd, "residual_us"));
        CHECK_MSG(fabs(sum - total) < 1e-6 * mn, "breakdown rows sum to %g, total %g us",
                  sum, total);
        CHECK_MSG(fabs(residual - (total - ov_us)) < 1e-6 * mn,
                  "residual %g, total %g, overhead %g us", residual, total, ov_us);
    }
    json_decref(a);
    return check_status();
}
