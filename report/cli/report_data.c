#define _XOPEN_SOURCE 700
#include "report_data.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "buf.h"
#include "cli.h"
#include "fileio.h"
#include "pprof.h"
#include "profile.h"
#include "symprof.h"
#include "jsonfile.h"
#include "publish.h"

#define TOP_N     50
#define MAX_ARCHS 16

/* Where run directory 'dir' goes inside data/: as given when relative and
 * without "..", else runs/<base name>. */
static void data_name(char *out, size_t size, const char *dir) {
    if (dir[0] != '/' && strstr(dir, "..") == NULL) {
        snprintf(out, size, "%s", dir);
    } else {
        const char *base = strrchr(dir, '/');
        snprintf(out, size, "runs/%s", base ? base + 1 : dir);
    }
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
}

static int copy_file(const char *from, const char *to, error *err) {
    uint8_t *data = NULL;
    size_t len = 0;
    if (file_read_all(&data, &len, from, err) != 0)
        return -1;
    int rc = file_write_atomic(to, data, len, err);
    free(data);
    return rc;
}

/* Write beside the copy 'dest' of raw profile 'from' (NAME.prof) its
 * symbolized NAME.pb.gz: copied when the run has one, else symbolized now,
 * against the binaries it names, so that data/ re-analyses without them. */
static int copy_symbolized(const char *from, const char *dest, error *err) {
    char src[4096], to[4096];
    size_t nf = strlen(from) - 5, nd = strlen(dest) - 5; /* without ".prof" */
    if (snprintf(src, sizeof src, "%.*s.pb.gz", (int)nf, from) >= (int)sizeof src ||
        snprintf(to, sizeof to, "%.*s.pb.gz", (int)nd, dest) >= (int)sizeof to)
        return error_set(err, ERR_INPUT, "%s: path too long", from);
    if (access(src, F_OK) == 0)
        return copy_file(src, to, err);
    symprof *sp = NULL;
    if (symprof_open(&sp, from, err) != 0)
        return -1;
    int rc = pprof_write(to, sp, err);
    symprof_free(sp);
    return rc;
}

/* Copy the run records and profiles of 'dir' into 'to', each raw profile
 * with its symbolized copy. */
static int copy_run(const char *dir, const char *to, error *err) {
    DIR *d = opendir(dir);
    if (d == NULL)
        return error_errno(err, ERR_INPUT, errno, "%s: cannot open run directory", dir);
    int rc = publish_mkdirs(to, err);
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, "run.json") != 0 && fnmatch("trial-*.json", n, 0) != 0 &&
            fnmatch("*.prof", n, 0) != 0)
            continue;
        char from[4096], dest[4096];
        if (snprintf(from, sizeof from, "%s/%s", dir, n) >= (int)sizeof from ||
            snprintf(dest, sizeof dest, "%s/%s", to, n) >= (int)sizeof dest)
            rc = error_set(err, ERR_INPUT, "%s/%s: path too long", dir, n);
        else
            rc = copy_file(from, dest, err);
        if (rc == 0 && fnmatch("*.prof", n, 0) == 0)
            rc = copy_symbolized(from, dest, err);
    }
    closedir(d);
    return rc;
}

/* One architecture's pooled profile. */
typedef struct arch_prof {
    char name[64];
    aggregate *agg;
    double cpu_s;
    size_t trials;
} arch_prof;

/* Add the profiles of one trial record to its architecture's aggregate. */
static int pool_trial(arch_prof *archs, size_t *narchs, const char *dir, json_t *rec,
                      error *err) {
    const char *arch = json_string_value(json_object_get(rec, "arch"));
    if (arch == NULL || !json_is_true(json_object_get(rec, "profiled")) ||
        json_is_string(json_object_get(rec, "aa_group"))) /* "A" or "B" */
        return 0;
    size_t a = 0;
    while (a < *narchs && strcmp(archs[a].name, arch) != 0)
        a++;
    if (a == *narchs) {
        if (*narchs == MAX_ARCHS)
            return 0;
        snprintf(archs[a].name, sizeof archs[a].name, "%s", arch);
        if (aggregate_new(&archs[a].agg, err) != 0)
            return -1;
        (*narchs)++;
    }
    archs[a].trials++;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rec, "processes"), i, p) {
        const char *file = json_string_value(json_object_get(p, "profile"));
        if (file == NULL)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, file);
        profile *prof = NULL;
        if (profile_load(&prof, path, err) != 0)
            return -1;
        int rc = aggregate_add(archs[a].agg, prof, path, err);
        profile_free(prof);
        if (rc != 0)
            return -1;
        json_t *m = json_object_get(json_object_get(p, "measured"), "cpu_s");
        archs[a].cpu_s += json_number_value(m ? m : json_object_get(p, "cpu_s"));
    }
    return 0;
}

static const aggregate *sort_agg;
static int cmp_fn(const void *pa, const void *pb) {
    const aggregate_fn *a = &sort_agg->fns[*(const size_t *)pa];
    const aggregate_fn *b = &sort_agg->fns[*(const size_t *)pb];
    if (a->flat != b->flat)
        return a->flat < b->flat ? 1 : -1;
    if (a->cum != b->cum)
        return a->cum < b->cum ? 1 : -1;
    return strcmp(a->name, b->name);
}

/* pprof -top columns: flat flat% sum% cum cum% in CPU seconds. */
static void write_top(buf *b, const arch_prof *ap) {
    const aggregate *a = ap->agg;
    double sps = aggregate_seconds_per_sample(a), total = (double)a->samples;
    buf_printf(b,
               "Architecture %s: %zu profiled trial(s) pooled, %llu samples, %.3f CPU "
               "seconds measured (%.1f samples per CPU-second)\n",
               ap->name, ap->trials, (unsigned long long)a->samples, ap->cpu_s,
               sps > 0 ? 1 / sps : 0);
    buf_printf(b, "Showing the top %d of %zu functions by flat time\n", TOP_N, a->nfns);
    buf_printf(b, "%10s %7s %7s %10s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%",
               "function (library)");
    size_t *order = malloc((a->nfns ? a->nfns : 1) * sizeof *order);
    if (order == NULL) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < a->nfns; i++)
        order[i] = i;
    sort_agg = a;
    qsort(order, a->nfns, sizeof *order, cmp_fn);
    double sum = 0;
    for (size_t i = 0; i < a->nfns && i < TOP_N; i++) {
        const aggregate_fn *f = &a->fns[order[i]];
        sum += (double)f->flat;
        buf_printf(b, "%9.3fs %6.2f%% %6.2f%% %9.3fs %6.2f%%  %s (%s)\n",
                   (double)f->flat * sps, total ? 100.0 * (double)f->flat / total : 0,
                   total ? 100.0 * sum / total : 0, (double)f->cum * sps,
                   total ? 100.0 * (double)f->cum / total : 0, f->name,
                   f->module ? f->module : "?");
    }
    free(order);
}

/* Folded stacks: root first, frames joined by ';', then the sample count. */
static void write_folded(buf *b, const aggregate *a) {
    for (size_t i = 0; i < a->nstacks; i++) {
        const aggregate_stack *s = &a->stacks[i];
        for (uint32_t d = s->depth; d-- > 0;)
            buf_printf(b, "%s%s", a->fns[a->frames[s->first + d]].name, d ? ";" : "");
        buf_printf(b, " %llu\n", (unsigned long long)s->count);
    }
}

/* speedscope's file format: one sampled profile, weights in CPU seconds. */
static char *speedscope(const arch_prof *ap) {
    const aggregate *a = ap->agg;
    double sps = aggregate_seconds_per_sample(a);
    json_t *frames = json_array(), *samples = json_array(), *weights = json_array();
    for (size_t i = 0; i < a->nfns; i++)
        json_array_append_new(frames, json_pack("{s:s, s:s?}", "name", a->fns[i].name,
                                                "file", a->fns[i].module));
    for (size_t i = 0; i < a->nstacks; i++) {
        const aggregate_stack *s = &a->stacks[i];
        json_t *st = json_array();
        for (uint32_t d = s->depth; d-- > 0;)
            json_array_append_new(st, json_integer(a->frames[s->first + d]));
        json_array_append_new(samples, st);
        json_array_append_new(weights, jsonfile_num((double)s->count * sps));
    }
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:{s:o}, s:[{s:s, s:s, s:s, s:i, s:o, s:o, s:o}]}", "$schema",
        "https://www.speedscope.app/file-format-schema.json", "exporter", "overhead",
        "name", ap->name, "shared", "frames", frames, "profiles", "type", "sampled",
        "name", ap->name, "unit", "seconds", "startValue", 0, "endValue",
        jsonfile_num((double)a->samples * sps), "samples", samples, "weights", weights);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static int write_buf(const char *dir, const char *name, buf *b, error *err) {
    char path[4096];
    if (b->failed)
        return error_set(err, ERR_NOMEM, "%s/%s: out of memory", dir, name);
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return error_set(err, ERR_INPUT, "%s: path too long", dir);
    return file_write_atomic(path, b->data ? b->data : "", b->len, err);
}

/* The per-architecture files of the main run 'dir'. */
static int write_profiles(const char *data, const char *dir, const char *nats_arch,
                          error *err) {
    arch_prof archs[MAX_ARCHS] = {0}; /* pool_trial adds onto trials and cpu_s */
    size_t narchs = 0;
    char sub[4096];
    if (snprintf(sub, sizeof sub, "%s/profiles", data) >= (int)sizeof sub)
        return error_set(err, ERR_INPUT, "%s: path too long", data);
    int rc = publish_mkdirs(sub, err);
    if (rc != 0)
        return -1;
    DIR *d = opendir(dir);
    if (d == NULL)
        return error_errno(err, ERR_INPUT, errno, "%s: cannot open run directory", dir);
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (fnmatch("trial-*.json", e->d_name, 0) != 0)
            continue;
        char path[4096];
        json_t *rec = NULL;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (jsonfile_load(&rec, path, 0, err) != 0)
            rc = -1;
        else
            rc = pool_trial(archs, &narchs, dir, rec, err);
        json_decref(rec);
    }
    closedir(d);
    for (size_t i = 0; rc == 0 && i < narchs; i++) {
        arch_prof *ap = &archs[i];
        if (ap->cpu_s > 0 && ap->agg->samples > 0)
            aggregate_set_rate(ap->agg, (double)ap->agg->samples / ap->cpu_s);
        char name[128], folded[128], ssname[128];
        if (snprintf(name, sizeof name, "profiles/%s.txt", ap->name) >=
                (int)sizeof name ||
            snprintf(folded, sizeof folded, "profiles/%s.folded", ap->name) >=
                (int)sizeof folded ||
            snprintf(ssname, sizeof ssname, "profiles/%s.speedscope.json", ap->name) >=
                (int)sizeof ssname) {
            rc = error_set(err, ERR_INPUT, "%s: architecture name too long", ap->name);
            break;
        }
        buf b = BUF_INIT;
        write_top(&b, ap);
        rc = write_buf(data, name, &b, err);
        if (rc == 0 && strcmp(ap->name, "direct") == 0)
            rc = write_buf(data, "direct_profile.txt", &b, err);
        if (rc == 0 && nats_arch != NULL && strcmp(ap->name, nats_arch) == 0)
            rc = write_buf(data, "nats_profile.txt", &b, err);
        b.len = 0;
        write_folded(&b, ap->agg);
        if (rc == 0)
            rc = write_buf(data, folded, &b, err);
        buf_free(&b);
        char *ss = rc == 0 ? speedscope(ap) : NULL;
        if (rc == 0 && ss == NULL)
            rc = error_set(err, ERR_NOMEM, "%s/%s: out of memory", data, ssname);
        buf sb = {ss, ss ? strlen(ss) : 0, 0, 0};
        if (rc == 0)
            rc = write_buf(data, ssname, &sb, err);
        free(ss);
    }
    for (size_t i = 0; i < narchs; i++)
        aggregate_free(archs[i].agg);
    return rc;
}

/* data/README.md: the files and the command that re-creates the analysis. */
static void write_readme(buf *b, const char *const *dirs, size_t ndirs, const char *opts,
                         json_t *analysis) {
    const char *gen = json_string_value(json_object_get(analysis, "generated"));
    struct tm tmv = {0};
    long long epoch = 0;
    if (gen != NULL && strptime(gen, "%Y-%m-%dT%H:%M:%SZ", &tmv) != NULL)
        epoch = (long long)timegm(&tmv);
    buf_puts(b, "# Data behind CPU_OVERHEAD_ANALYSIS\n\n"
                "- `profiles/ARCH.txt`: the top 50 functions of each architecture's "
                "profiled trials in the main run, pooled, in pprof's columns (flat and "
                "cumulative CPU seconds and shares); `direct_profile.txt` and "
                "`nats_profile.txt` are those of direct and of the headline NATS "
                "architecture.\n"
                "- `profiles/ARCH.folded`: the same pooled stacks, folded (root first, "
                "one stack per line with its sample count), for flamegraph.pl and "
                "similar tools.\n"
                "- `profiles/ARCH.speedscope.json`: the same for "
                "https://www.speedscope.app.\n"
                "- The run directories below: every trial's run record "
                "(`trial-*.json`, `overhead.run/1`), the run's `run.json`, the raw "
                "gperftools profiles (`*.prof`) the analysis pooled and each one "
                "symbolized (`*.pb.gz`: pprof's profile.proto, gzipped, with function "
                "names, source files, lines and inlined frames; `go tool pprof`, "
                "speedscope and Grafana Pyroscope open them).\n\n"
                "Re-create `../CPU_OVERHEAD_ANALYSIS.json` byte for byte from this "
                "folder, on any machine and build path: `overhead analyze` reads each "
                "trial's `*.pb.gz` instead of its `*.prof`, so it needs neither the "
                "binaries nor the libraries the profiles were taken from:"
                "\n\n```\ncd data\n");
    buf_printf(b, "SOURCE_DATE_EPOCH=%lld overhead analyze %s", epoch, opts);
    for (size_t i = 0; i < ndirs; i++) {
        char rel[1024], q[2048] = "";
        data_name(rel, sizeof rel, dirs[i]);
        cli_shell_quote(q, sizeof q, rel);
        buf_printf(b, " %s", q);
    }
    buf_puts(b, "\n```\n");
    for (size_t i = 0; i < ndirs; i++)
        if (dirs[i][0] == '/' || strstr(dirs[i], "..") != NULL) {
            buf_puts(b, "\nThe runs were analysed from outside the report's folder "
                        "(e.g. `");
            buf_puts(b, dirs[i]);
            buf_puts(b, "`), so `run.dir` and `run.dirs` name the copies here "
                        "instead; every other field is re-created as published.\n");
            break;
        }
}

/* Remove the tree at 'path' (nftw callback). */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int report_data_write(const char *outdir, const char *const *dirs, size_t ndirs,
                      const char *analyze_opts, const char *repeatability,
                      json_t *analysis, error *err) {
    char data[4096], fresh[4096], old[4096];
    if (snprintf(data, sizeof data, "%s/data", outdir) >= (int)sizeof data ||
        snprintf(fresh, sizeof fresh, "%s/.data.new.%ld", outdir, (long)getpid()) >=
            (int)sizeof fresh ||
        snprintf(old, sizeof old, "%s/.data.old.%ld", outdir, (long)getpid()) >=
            (int)sizeof old)
        return error_set(err, ERR_INPUT, "%s: path too long", outdir);
    nftw(fresh, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    int rc = publish_mkdirs(fresh, err);
    for (size_t i = 0; rc == 0 && i < ndirs; i++) {
        char rel[1024], to[4096];
        data_name(rel, sizeof rel, dirs[i]);
        if (snprintf(to, sizeof to, "%s/%s", fresh, rel) >= (int)sizeof to)
            rc = error_set(err, ERR_INPUT, "%s: path too long", rel);
        else
            rc = copy_run(dirs[i], to, err);
    }
    const char *nats_arch = json_string_value(
        json_object_get(json_object_get(analysis, "config"), "nats_arch"));
    if (rc == 0 && ndirs > 0)
        rc = write_profiles(fresh, dirs[0], nats_arch, err);
    if (rc == 0 && repeatability != NULL) {
        char to[4096];
        snprintf(to, sizeof to, "%.4000s/repeatability.json", fresh);
        rc = copy_file(repeatability, to, err);
    }
    buf b = BUF_INIT;
    write_readme(&b, dirs, ndirs, analyze_opts, analysis);
    if (rc == 0)
        rc = write_buf(fresh, "README.md", &b, err);
    buf_free(&b);
    if (rc == 0) {
        /* Swap the folders: a reader sees the old data or the new, never a mix. */
        int had_old = rename(data, old) == 0;
        if (rename(fresh, data) != 0) {
            rc =
                error_errno(err, ERR_SYSTEM, errno, "%s: cannot rename into place", data);
            if (had_old)
                rename(old, data);
        } else if (had_old) {
            nftw(old, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        }
    }
    if (rc != 0)
        nftw(fresh, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
