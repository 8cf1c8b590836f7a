/* overhead repeat: is the report reproducible on this machine? Runs the
 * default plan N times (`overhead report`, each into its own scratch docs
 * folder under --out, so the published docs are left alone), or takes the
 * analyses given with --compare, and prints for each headline figure,
 * verdict, breakdown row and variant saving whether the runs agree within
 * their intervals: every two runs' intervals overlap (figures), or the
 * verdicts match or one of them is INCONCLUSIVE. Exit status 0 when
 * everything agrees, 1 when something does not or a report failed, 2 bad
 * usage. */
#include "commands.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "fileio.h"
#include "jsonfile.h"
#include "opts.h"
#include "runvar.h"

#define REPEAT_MAX  16
#define REPEAT_PATH 4096

static void repeat_usage(FILE *out) {
    fputs("usage: overhead repeat [options] N [-- REPORT OPTIONS...]\n"
          "       overhead repeat --compare ANALYSIS.json ANALYSIS.json...\n\n"
          "Run the default report plan N times (2..16) on this machine, each into its\n"
          "own folder OUT/repeat-<UTC time>/run-K (docs and runs; the published docs\n"
          "are not touched), then print, for the headline, each verdict (per event\n"
          "and at the chat rate), each breakdown row and each variant saving,\n"
          "whether the runs agree: every two runs' intervals overlap, or the\n"
          "verdicts match or one is INCONCLUSIVE. With --compare, compare existing\n"
          "analyses (CPU_OVERHEAD_ANALYSIS.json) instead of running anything.\n"
          "It then estimates how far the headline and each variant saving move\n"
          "between runs beyond their own intervals (random effects: Cochran's Q\n"
          "and its p-value, the between-run standard deviation tau, the runs'\n"
          "common level with a Hartung-Knapp interval).\n\n"
          "options:\n"
          "  --out DIR     where the repeated reports go (default runs)\n"
          "  --compare     the arguments are analysis JSON files to compare\n"
          "  --write FILE  where the run-to-run component goes (repeatability JSON,\n"
          "                overhead.repeatability/1; default OUT/repeat-<time>/\n"
          "                repeatability.json, none with --compare); `overhead\n"
          "                report` states it beside its headline when it is\n"
          "                DOCS/repeatability.json and the host matches\n"
          "  -h, --help    this text\n\n"
          "Exit status: 0 every figure agrees; 1 something disagrees or a report\n"
          "failed; 2 bad usage.\n",
          out);
}

/* One figure of one run: an estimate and its interval; NAN when absent. */
typedef struct figure {
    double est, lo, hi;
} figure;

/* A number that may be a JSON number or a formatted string ("+4.2"). */
static double repeat_num(json_t *v) {
    if (json_is_number(v))
        return json_number_value(v);
    const char *s = json_string_value(v);
    char *end;
    double d = s ? strtod(s, &end) : NAN;
    return s && end != s ? d : NAN;
}

/* Do all the intervals overlap pairwise (runs without the figure are
 * skipped)? *seen: how many runs have it. */
static int repeat_overlap(const figure *f, size_t n, size_t *seen) {
    int ok = 1;
    *seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(f[i].lo) || !isfinite(f[i].hi))
            continue;
        (*seen)++;
        for (size_t j = 0; j < i; j++)
            if (isfinite(f[j].lo) && isfinite(f[j].hi) &&
                (f[i].lo > f[j].hi || f[j].lo > f[i].hi))
                ok = 0;
    }
    return ok;
}

/* Print one figure's line: the runs side by side and the agreement. */
static int repeat_line(const char *what, const char *unit, const figure *f, size_t n) {
    size_t seen;
    int ok = repeat_overlap(f, n, &seen);
    printf("%-34s", what);
    for (size_t i = 0; i < n; i++) {
        if (isfinite(f[i].est))
            printf("  %7.3g (%.3g to %.3g)%s", f[i].est, f[i].lo, f[i].hi, unit);
        else
            printf("  %24s", "-");
    }
    printf("  %s\n", seen < 2 ? "n/a" : ok ? "agree" : "DISAGREE");
    return seen < 2 || ok;
}

/* Verdicts agree when they match or one is INCONCLUSIVE. */
static int repeat_verdicts(const char *what, const char *const *v, size_t n) {
    int ok = 1;
    size_t seen = 0;
    printf("%-34s", what);
    for (size_t i = 0; i < n; i++) {
        printf("  %24s", v[i] ? v[i] : "-");
        if (v[i] == NULL)
            continue;
        seen++;
        for (size_t j = 0; j < i; j++)
            if (v[j] != NULL && strcmp(v[i], v[j]) != 0 &&
                strcmp(v[i], "INCONCLUSIVE") != 0 && strcmp(v[j], "INCONCLUSIVE") != 0)
                ok = 0;
    }
    printf("  %s\n", seen < 2 ? "n/a" : ok ? "agree" : "DISAGREE");
    return seen < 2 || ok;
}

/* The member of array 'arr' whose 'key' is 'name', or NULL. */
static json_t *repeat_find(json_t *arr, const char *key, const char *name) {
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *k = json_string_value(json_object_get(e, key));
        if (k != NULL && strcmp(k, name) == 0)
            return e;
    }
    return NULL;
}

/* Compare the analyses a[0..n); returns 0 when everything agrees. */
static int repeat_compare(json_t *const *a, size_t n) {
    figure f[REPEAT_MAX];
    const char *v[REPEAT_MAX];
    int ok = 1;
    printf("%-34s", "figure");
    for (size_t i = 0; i < n; i++)
        printf("  %24s%zu", "run ", i + 1);
    printf("  agreement\n");
    for (size_t i = 0; i < n; i++) {
        json_t *hv = json_object_get(json_object_get(a[i], "headline"), "values");
        f[i] = (figure){repeat_num(json_object_get(hv, "overhead")) * 100,
                        repeat_num(json_object_get(hv, "ci_lo")) * 100,
                        repeat_num(json_object_get(hv, "ci_hi")) * 100};
        v[i] = json_string_value(json_object_get(json_object_get(a[i], "headline"), "verdict"));
    }
    ok &= repeat_line("headline overhead", "%", f, n);
    ok &= repeat_verdicts("verdict per event", v, n);
    for (size_t i = 0; i < n; i++) {
        json_t *cr = json_object_get(a[i], "chat_rate");
        json_t *iv = json_object_get(cr, "interval");
        f[i] = (figure){repeat_num(json_object_get(iv, "estimate")),
                        repeat_num(json_object_get(iv, "lo")),
                        repeat_num(json_object_get(iv, "hi"))};
        v[i] = json_string_value(json_object_get(cr, "verdict"));
    }
    ok &= repeat_line("chat rate (points of one core)", "", f, n);
    ok &= repeat_verdicts("verdict at chat rate", v, n);
    /* breakdown rows and variants, by the names in the first run that has them */
    const char *lists[][3] = {{"breakdown", "rows", "category"},
                              {"optimization", "variants", "name"}};
    for (size_t l = 0; l < 2; l++) {
        json_t *names = NULL;
        for (size_t i = 0; i < n && json_array_size(names) == 0; i++)
            names = json_object_get(json_object_get(a[i], lists[l][0]), lists[l][1]);
        size_t k;
        json_t *e;
        json_array_foreach(names, k, e) {
            const char *name = json_string_value(json_object_get(e, lists[l][2]));
            if (name == NULL)
                continue;
            for (size_t i = 0; i < n; i++) {
                json_t *r = repeat_find(
                    json_object_get(json_object_get(a[i], lists[l][0]), lists[l][1]),
                    lists[l][2], name);
                f[i] = (figure){repeat_num(json_object_get(r, l ? "saving_us" : "delta")),
                                repeat_num(json_object_get(r, "ci_lo_us")),
                                repeat_num(json_object_get(r, "ci_hi_us"))};
            }
            char what[64];
            snprintf(what, sizeof what, "%s %.24s", l ? "saving" : "breakdown", name);
            ok &= repeat_line(what, " us", f, n);
        }
    }
    printf("%s\n", ok ? "All figures agree within their intervals."
                      : "Some figures DISAGREE: their intervals do not overlap.");
    return ok ? 0 : 1;
}

/* The headline of analysis 'a' on the log scale (ln(1 + overhead)), with its
 * interval and coverage. */
static runvar_run repeat_headline_log(json_t *a) {
    json_t *hv = json_object_get(json_object_get(a, "headline"), "values");
    double o = repeat_num(json_object_get(hv, "overhead")),
           lo = repeat_num(json_object_get(hv, "ci_lo")),
           hi = repeat_num(json_object_get(hv, "ci_hi")),
           cov = repeat_num(json_object_get(hv, "coverage"));
    return (runvar_run){log1p(o), log1p(lo), log1p(hi), isfinite(cov) ? cov : 0.95};
}

/* One figure's run-to-run fit as JSON; 'scale' turns it into the unit the
 * report prints: "log" (ln(1 + overhead), shown in points at the mean) or
 * "us". Prints one line. */
static json_t *repeat_runvar_line(const char *what, const runvar_run *r, size_t n,
                                  int logscale) {
    runvar_result f;
    if (runvar_fit(r, n, 0.95, &f) != 0)
        return NULL;
    double m = logscale ? expm1(f.mean) : f.mean;
    /* tau in the printed unit: points of overhead at the mean for the log scale */
    double tau_u = logscale ? 100 * (1 + m) * f.tau : f.tau;
    double se_u = logscale ? 100 * (1 + m) * f.se_median : f.se_median;
    printf("%-34s  tau %.3g%s (a run's own se %.3g), between-run share %.0f%%, "
           "Q %.3g on %zu df, p %.2g; runs' level %.3g%s (%.3g to %.3g)\n",
           what, tau_u, logscale ? " points" : " us", se_u, 100 * f.share, f.q, f.k - 1,
           f.q_p, logscale ? 100 * m : m, logscale ? "%" : " us",
           logscale ? 100 * expm1(f.lo) : f.lo, logscale ? 100 * expm1(f.hi) : f.hi);
    return json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "scale",
                     logscale ? "log1p" : "us", "runs", (json_int_t)f.k, "q",
                     jsonfile_num(f.q), "q_p", jsonfile_num(f.q_p), "tau",
                     jsonfile_num(f.tau), "se_median", jsonfile_num(f.se_median), "share",
                     jsonfile_num(f.share), "mean", jsonfile_num(f.mean), "lo",
                     jsonfile_num(f.lo), "hi", jsonfile_num(f.hi), "level", jsonfile_num(f.level));
}

/* The run-to-run component of the headline and of each variant saving over
 * the analyses a[0..n) (made from paths[0..n)): printed, and written to
 * 'write' (overhead.repeatability/1) unless it is NULL. */
static int repeat_runvar(json_t *const *a, size_t n, char (*paths)[REPEAT_PATH],
                         const char *write) {
    runvar_run r[REPEAT_MAX];
    printf("\nBetween runs, beyond each run's own interval (random effects):\n");
    for (size_t i = 0; i < n; i++)
        r[i] = repeat_headline_log(a[i]);
    json_t *head = repeat_runvar_line("headline overhead", r, n, 1);
    json_t *variants = json_array();
    json_t *names = json_object_get(json_object_get(a[0], "optimization"), "variants");
    size_t k;
    json_t *e;
    json_array_foreach(names, k, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        if (name == NULL)
            continue;
        for (size_t i = 0; i < n; i++) {
            json_t *v = repeat_find(
                json_object_get(json_object_get(a[i], "optimization"), "variants"), "name",
                name);
            double cov = repeat_num(json_object_get(v, "ci_coverage_pct")) / 100;
            r[i] = (runvar_run){repeat_num(json_object_get(v, "saving_us")),
                                repeat_num(json_object_get(v, "ci_lo_us")),
                                repeat_num(json_object_get(v, "ci_hi_us")),
                                isfinite(cov) ? cov : 0.95};
        }
        char what[64];
        snprintf(what, sizeof what, "saving %.27s", name);
        json_t *fit = repeat_runvar_line(what, r, n, 0);
        if (fit != NULL) {
            json_object_set_new(fit, "name", json_string(name));
            json_array_append_new(variants, fit);
        }
    }
    if (head == NULL) {
        printf("(the headline has no usable interval in fewer than two runs)\n");
        json_decref(variants);
        return 0;
    }
    json_t *runs = json_array();
    int same_host = 1;
    const char *host0 = json_string_value(
        json_object_get(json_object_get(a[0], "hardware"), "text"));
    for (size_t i = 0; i < n; i++) {
        json_t *hw = json_object_get(a[i], "hardware");
        const char *host = json_string_value(json_object_get(hw, "text"));
        if (host == NULL || host0 == NULL || strcmp(host, host0) != 0)
            same_host = 0;
        json_t *hv = json_object_get(json_object_get(a[i], "headline"), "values");
        json_array_append_new(
            runs, json_pack("{s:s, s:O, s:O, s:o, s:o, s:o, s:o}", "analysis", paths[i],
                            "run", json_object_get(json_object_get(a[i], "run"), "id")
                                       ? json_object_get(json_object_get(a[i], "run"), "id")
                                       : json_null(),
                            "generated",
                            json_object_get(a[i], "generated")
                                ? json_object_get(a[i], "generated")
                                : json_null(),
                            "overhead", jsonfile_num(repeat_num(json_object_get(hv, "overhead"))),
                            "ci_lo", jsonfile_num(repeat_num(json_object_get(hv, "ci_lo"))),
                            "ci_hi", jsonfile_num(repeat_num(json_object_get(hv, "ci_hi"))),
                            "coverage",
                            jsonfile_num(repeat_num(json_object_get(hv, "coverage")))));
    }
    if (!same_host)
        printf("The runs come from different hosts: the component mixes hosts.\n");
    if (write == NULL) {
        json_decref(head);
        json_decref(variants);
        json_decref(runs);
        return 0;
    }
    json_t *hw = json_object_get(a[0], "hardware");
    json_t *doc = json_pack("{s:s, s:O, s:b, s:o, s:o, s:o}", "schema",
                            "overhead.repeatability/1", "hardware",
                            hw ? hw : json_null(), "same_host", same_host, "runs", runs,
                            "headline", head, "variants", variants);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    error err;
    error_clear(&err);
    int rc = 0;
    if (text == NULL)
        rc = cli_failf("repeat", ERR_NOMEM, "out of memory");
    else if (file_write_atomic(write, text, strlen(text), &err) != 0)
        rc = cli_fail("repeat", &err);
    else
        printf("Run-to-run component written to %s\n", write);
    free(text);
    return rc;
}

/* Run `overhead report` with 'rest' into 'dir'; returns its exit status. */
static int repeat_run(const char *dir, int nrest, char **rest) {
    char docs[REPEAT_PATH], runs[REPEAT_PATH];
    snprintf(docs, sizeof docs, "%.4000s/docs", dir);
    snprintf(runs, sizeof runs, "%.4000s/runs", dir);
    char **argv = calloc((size_t)nrest + 10, sizeof *argv);
    if (argv == NULL)
        return 1;
    int k = 0;
    argv[k++] = "overhead";
    argv[k++] = "report";
    argv[k++] = "--docs";
    argv[k++] = docs;
    argv[k++] = "--runs";
    argv[k++] = runs;
    argv[k++] = "--sprint";
    argv[k++] = "repeat";
    for (int i = 0; i < nrest; i++)
        argv[k++] = rest[i];
    pid_t pid = fork();
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    free(argv);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int cmd_repeat(int argc, char **argv) {
    const char *out = "runs", *write = NULL;
    int compare = 0, rc = 0;
    error err;
    error_clear(&err);
    const opt_spec specs[] = {
        OPT_STRING("out", 0, &out),
        OPT_FLAG("compare", 0, &compare, 1),
        OPT_STRING("write", 0, &write),
        OPT_HELP,
        OPT_END,
    };
    opts_args args = {0};
    int parsed = opts_parse(specs, argc, argv, &args, &err);
    if (parsed == OPTS_HELP) {
        repeat_usage(stdout);
        opts_args_free(&args);
        return 0;
    }
    if (parsed != OPTS_OK) {
        opts_args_free(&args);
        return cli_fail("repeat", &err);
    }
    json_t *a[REPEAT_MAX] = {0};
    size_t n = 0;
    char dirs[REPEAT_MAX][REPEAT_PATH], base[REPEAT_PATH] = "", wpath[REPEAT_PATH];
    if (compare) {
        if (args.n < 2 || args.n > REPEAT_MAX) {
            rc = cli_failf("repeat", ERR_INPUT, "--compare takes 2..%d analyses",
                           REPEAT_MAX);
            goto done;
        }
        for (int i = 0; i < args.n; i++)
            snprintf(dirs[n++], REPEAT_PATH, "%s", args.v[i]);
    } else {
        char *end;
        long runs = args.n > 0 ? strtol(args.v[0], &end, 10) : 0;
        if (args.n == 0 || *end != '\0' || runs < 2 || runs > REPEAT_MAX) {
            rc = cli_failf("repeat", ERR_INPUT,
                           "N must be 2..%d (see 'overhead repeat --help')", REPEAT_MAX);
            goto done;
        }
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(base, sizeof base, "%s/repeat-%s", out, stamp);
        if ((mkdir(out, 0755) != 0 && errno != EEXIST) || mkdir(base, 0755) != 0) {
            rc = cli_failf("repeat", ERR_INPUT, "cannot create %s: %s", base,
                           strerror(errno));
            goto done;
        }
        for (long i = 0; i < runs; i++) {
            char dir[REPEAT_PATH];
            snprintf(dir, sizeof dir, "%.4000s/run-%ld", base, i + 1);
            mkdir(dir, 0755);
            fprintf(stderr, "overhead repeat: run %ld/%ld into %s\n", i + 1, runs, dir);
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            int st = repeat_run(dir, args.n - 1, args.v + 1);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            fprintf(stderr, "overhead repeat: run %ld took %.0f s (exit %d)\n", i + 1,
                    (double)(t1.tv_sec - t0.tv_sec), st);
            if (st != 0) {
                rc = cli_failf("repeat", ERR_CHECK, "run %ld: overhead report exited %d",
                               i + 1, st);
                goto done;
            }
            snprintf(dirs[n++], REPEAT_PATH,
                     "%.4000s/docs/sprints/active/repeat/CPU_OVERHEAD_ANALYSIS.json", dir);
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_error_t jerr;
        a[i] = json_load_file(dirs[i], 0, &jerr);
        if (a[i] == NULL) {
            rc = cli_failf("repeat", ERR_INPUT, "%s: %s", dirs[i], jerr.text);
            goto done;
        }
        printf("run %zu: %s\n", i + 1, dirs[i]);
    }
    rc = repeat_compare(a, n);
    if (write == NULL && !compare) {
        snprintf(wpath, sizeof wpath, "%.4000s/repeatability.json", base);
        write = wpath;
    }
    int wrc = repeat_runvar(a, n, dirs, write);
    if (wrc != 0)
        rc = wrc;
done:
    for (size_t i = 0; i < n; i++)
        json_decref(a[i]);
    opts_args_free(&args);
    return rc;
}
