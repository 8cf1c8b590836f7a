/* overhead top | json | folded | speedscope | diff | pprof: read gperftools CPU
 * profiles (or symbolized ones, *.pb.gz), symbolize them offline and print them the way pprof users expect
 * (top), as data (json, schema overhead.profile/1), for flame graphs (folded,
 * speedscope), or compare two sets of them (diff). Several profiles are merged
 * (trials of one arm). */
#include "commands.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "categories.h"
#include "cli.h"
#include "fileio.h"
#include "jsonfile.h"
#include "opts.h"
#include "pprof.h"
#include "profile.h"
#include "symprof.h"
#include "stats.h"


/* Options shared by the subcommands. */
typedef struct opts {
    const char *cmd;
    const char *output;             /* -o FILE, NULL for stdout */
    const char *categories;         /* rules file */
    double rate;                    /* --rate HZ: measured samples per CPU-second */
    int cum, lib;                   /* top --cum, --lib */
    long nodecount;                 /* top --nodecount N, 0 = all */
    double base_events, new_events; /* diff */
} opts;

/* Load and merge the profiles named in paths[0..n-1]. Warnings go to stderr
 * (this is the CLI: printing is its job). Returns the exit status. */
static int cmd_profile_load(aggregate **out, char **paths, int n, const opts *o) {
    *out = NULL;
    error err;
    error_clear(&err);
    aggregate *a = NULL;
    categories *c = NULL;
    int rc = aggregate_new(&a, &err);
    for (int i = 0; rc == 0 && i < n; i++) {
        symprof *p = NULL;
        rc = symprof_open(&p, paths[i], &err);
        if (rc == 0)
            rc = aggregate_add_symprof(a, p, paths[i], &err);
        symprof_free(p);
    }
    if (rc == 0 && o->categories != NULL)
        rc = categories_load(&c, o->categories, &err);
    if (rc == 0)
        rc = aggregate_categorize(a, c, &err);
    categories_free(c);
    if (rc != 0) {
        aggregate_free(a);
        return cli_fail(o->cmd, &err);
    }
    for (size_t i = 0; i < a->nwarnings; i++)
        cli_warn(o->cmd, a->warnings[i]);
    if (o->rate > 0)
        aggregate_set_rate(a, o->rate);
    *out = a;
    return 0;
}

/* Write the text in 'buf' to -o FILE (atomically) or stdout. */
static int cmd_profile_emit(const opts *o, const char *buf, size_t len) {
    if (o->output == NULL) {
        fwrite(buf, 1, len, stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    error err;
    error_clear(&err);
    if (file_write_atomic(o->output, buf, len, &err) != 0) {
        cli_fail(o->cmd, &err);
        return 1;
    }
    return 0;
}

/* qsort comparators over row indexes into cmd_sort_counts: by flat, then
 * cum, then name (so equal rows print in a stable order); or by cum first. */
static const aggregate_count *cmd_sort_counts;
static int cmd_cmp_count(const void *x, const void *y) {
    const aggregate_count *a = &cmd_sort_counts[*(const size_t *)x];
    const aggregate_count *b = &cmd_sort_counts[*(const size_t *)y];
    if (a->flat != b->flat)
        return a->flat > b->flat ? -1 : 1;
    if (a->cum != b->cum)
        return a->cum > b->cum ? -1 : 1;
    return strcmp(a->name, b->name);
}
static int cmd_cmp_cum(const void *x, const void *y) {
    const aggregate_count *a = &cmd_sort_counts[*(const size_t *)x];
    const aggregate_count *b = &cmd_sort_counts[*(const size_t *)y];
    if (a->cum != b->cum)
        return a->cum > b->cum ? -1 : 1;
    return cmd_cmp_count(x, y);
}

/* Rows for top/json: functions or libraries as name/flat/cum. */
static aggregate_count *cmd_rows(const aggregate *a, int lib, size_t *n) {
    *n = lib ? a->nlibs : a->nfns;
    aggregate_count *r = calloc(*n ? *n : 1, sizeof *r);
    if (r == NULL)
        return NULL;
    for (size_t i = 0; i < *n; i++)
        r[i] = lib ? a->libs[i]
                   : (aggregate_count){a->fns[i].name, a->fns[i].flat, a->fns[i].cum, 0};
    return r;
}

/* Row indexes in print order; NULL when out of memory. Caller frees. */
static size_t *cmd_order(const aggregate_count *rows, size_t n, int by_cum) {
    size_t *ix = malloc((n ? n : 1) * sizeof *ix);
    if (ix == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    cmd_sort_counts = rows;
    qsort(ix, n, sizeof *ix, by_cum ? cmd_cmp_cum : cmd_cmp_count);
    return ix;
}

/* overhead top: header lines, then pprof's -top columns. */
static int cmd_top_run(const aggregate *a, const opts *o) {
    char *buf = NULL;
    size_t len = 0, n = 0;
    FILE *f = open_memstream(&buf, &len);
    aggregate_count *rows = cmd_rows(a, o->lib, &n);
    size_t *ix = rows ? cmd_order(rows, n, o->cum) : NULL;
    if (f == NULL || ix == NULL) {
        cli_failf(o->cmd, ERR_NOMEM, "out of memory");
        if (f)
            fclose(f);
        free(buf);
        free(rows);
        return 1;
    }
    double spp = aggregate_seconds_per_sample(a), total = (double)a->samples;
    fprintf(f, "Total: %llu samples\n", (unsigned long long)a->samples);
    fprintf(f, "# %.3f s CPU (%s), %zu profile(s); unnamed: %.1f%% of samples",
            total * spp, a->rate_hz > 0 ? "measured rate" : "header period", a->nprofiles,
            total > 0 ? 100.0 * (double)a->unnamed_samples / total : 0.0);
    if (a->stripped_frames > 0)
        fprintf(f, "; profiler frames stripped: %llu",
                (unsigned long long)a->stripped_frames);
    if (a->capped_samples > 0)
        fprintf(f, "; %llu samples on stacks cut at depth 254",
                (unsigned long long)a->capped_samples);
    fprintf(f, "\n");
    if (a->samples == 0)
        fprintf(f, "# the profile has no samples\n");
    uint64_t sum = 0;
    size_t shown =
        o->nodecount > 0 && (size_t)o->nodecount < n ? (size_t)o->nodecount : n;
    for (size_t k = 0; k < shown; k++) {
        const aggregate_count *r = &rows[ix[k]];
        sum += r->flat;
        fprintf(f, "%8llu %5.1f%% %5.1f%% %8llu %5.1f%% %s\n",
                (unsigned long long)r->flat, 100.0 * (double)r->flat / total,
                100.0 * (double)sum / total, (unsigned long long)r->cum,
                100.0 * (double)r->cum / total, r->name);
    }
    fclose(f);
    int rc = cmd_profile_emit(o, buf, len);
    free(buf);
    free(rows);
    free(ix);
    return rc;
}

/* A JSON array of name/flat/cum rows with shares and Wilson intervals. */
static json_t *cmd_json_counts(const aggregate_count *rows, size_t n, const aggregate *a,
                               int with_unnamed) {
    size_t *ix = cmd_order(rows, n, 0);
    json_t *arr = json_array();
    for (size_t k = 0; ix != NULL && k < n; k++) {
        const aggregate_count *r = &rows[ix[k]];
        double lo, hi;
        stats_wilson((double)r->flat, (double)a->samples, STATS_Z95, &lo, &hi);
        json_t *o = json_pack(
            "{s:s, s:I, s:I, s:o, s:[o,o], s:b}", "name", r->name, "flat",
            (json_int_t)r->flat, "cum", (json_int_t)r->cum, "flat_share",
            jsonfile_num(a->samples ? (double)r->flat / (double)a->samples : 0.0),
            "flat_ci95", jsonfile_num(lo), jsonfile_num(hi), "few_samples",
            aggregate_few(r->flat, a->samples));
        if (with_unnamed && o != NULL) {
            json_object_set_new(o, "unnamed", json_integer((json_int_t)r->unnamed));
            json_object_set_new(
                o, "unnamed_share",
                jsonfile_num(r->flat ? (double)r->unnamed / (double)r->flat : 0));
        }
        json_array_append_new(arr, o);
    }
    free(ix);
    return arr;
}

/* overhead json: the overhead.profile/1 document. */
static int cmd_json_run(aggregate *a, const opts *o, char **paths, int n) {
    error err;
    error_clear(&err);
    if (aggregate_edges(a, &err) != 0) {
        cli_fail(o->cmd, &err);
        return 1;
    }
    double spp = aggregate_seconds_per_sample(a);
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("overhead.profile/1"));
    json_t *pr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(pr, json_string(paths[i]));
    json_object_set_new(root, "profiles", pr);
    json_object_set_new(root, "samples", json_integer((json_int_t)a->samples));
    json_object_set_new(root, "seconds", jsonfile_num((double)a->samples * spp));
    json_object_set_new(root, "seconds_source",
                        json_string(a->rate_hz > 0 ? "measured rate" : "header period"));
    json_object_set_new(root, "seconds_per_sample", jsonfile_num(spp));
    json_object_set_new(root, "unnamed_samples",
                        json_integer((json_int_t)a->unnamed_samples));
    json_object_set_new(
        root, "unnamed_share",
        jsonfile_num(a->samples ? (double)a->unnamed_samples / (double)a->samples : 0.0));
    json_object_set_new(root, "capped_samples",
                        json_integer((json_int_t)a->capped_samples));
    json_t *fns = json_array();
    size_t nr = 0;
    aggregate_count *rows = cmd_rows(a, 0, &nr);
    size_t *ix = rows ? cmd_order(rows, nr, 0) : NULL;
    for (size_t k = 0; ix != NULL && k < nr; k++) {
        const aggregate_fn *f = &a->fns[ix[k]];
        double lo, hi;
        stats_wilson((double)f->flat, (double)a->samples, STATS_Z95, &lo, &hi);
        json_t *j = json_pack(
            "{s:s, s:s, s:b, s:s, s:I, s:I, s:o, s:o, s:[o,o], s:o, s:b}", "name",
            f->name, "library", f->module, "named", f->named, "category",
            f->category ? f->category : "other", "flat", (json_int_t)f->flat, "cum",
            (json_int_t)f->cum, "flat_seconds", jsonfile_num((double)f->flat * spp),
            "flat_share",
            jsonfile_num(a->samples ? (double)f->flat / (double)a->samples : 0.0),
            "flat_ci95", jsonfile_num(lo), jsonfile_num(hi), "cum_share",
            jsonfile_num(a->samples ? (double)f->cum / (double)a->samples : 0.0),
            "few_samples", aggregate_few(f->flat, a->samples));
        if (j != NULL && f->file != NULL) {
            json_object_set_new(j, "file", json_string(f->file));
            json_object_set_new(j, "line", json_integer(f->line));
        }
        json_array_append_new(fns, j);
    }
    free(rows);
    free(ix);
    json_object_set_new(root, "functions", fns);
    json_object_set_new(root, "libraries", cmd_json_counts(a->libs, a->nlibs, a, 1));
    json_object_set_new(root, "files", cmd_json_counts(a->files, a->nfiles, a, 0));
    json_object_set_new(root, "categories",
                        cmd_json_counts(a->categories, a->ncategories, a, 0));
    json_t *edges = json_array();
    for (size_t i = 0; i < a->nedges; i++)
        json_array_append_new(edges, json_pack("{s:I, s:I, s:I}", "caller",
                                               (json_int_t)a->edges[i].caller, "callee",
                                               (json_int_t)a->edges[i].callee, "samples",
                                               (json_int_t)a->edges[i].samples));
    json_object_set_new(root, "edges", edges);
    json_t *st = json_array();
    for (size_t i = 0; i < a->nstripped; i++)
        json_array_append_new(st, json_pack("{s:s, s:I}", "name", a->stripped[i].name,
                                            "frames", (json_int_t)a->stripped[i].flat));
    json_object_set_new(root, "stripped_profiler_frames", st);
    json_t *w = json_array();
    for (size_t i = 0; i < a->nwarnings; i++)
        json_array_append_new(w, json_string(a->warnings[i]));
    json_object_set_new(root, "warnings", w);
    /* Edges refer to functions by index in this array, so emit fns in
     * aggregate order under "function_names" too. */
    json_t *names = json_array();
    for (size_t i = 0; i < a->nfns; i++)
        json_array_append_new(names, json_string(a->fns[i].name));
    json_object_set_new(root, "edge_function_names", names);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == NULL) {
        cli_failf(o->cmd, ERR_NOMEM, "out of memory");
        return 1;
    }
    size_t len = strlen(text);
    char *withnl = malloc(len + 2);
    int rc = 1;
    if (withnl != NULL) {
        memcpy(withnl, text, len);
        withnl[len] = '\n';
        rc = cmd_profile_emit(o, withnl, len + 1);
    }
    free(withnl);
    free(text);
    return rc;
}

/* overhead folded: one line per merged stack, root first, ';'-separated
 * (a ';' inside a name becomes ':'), then the sample count. */
static int cmd_folded_run(const aggregate *a, const opts *o) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return 1;
    for (size_t i = 0; i < a->nstacks; i++) {
        const aggregate_stack *s = &a->stacks[i];
        for (uint32_t k = s->depth; k-- > 0;) {
            const char *name = a->fns[a->frames[s->first + k]].name;
            for (const char *c = name; *c; c++)
                fputc(*c == ';' ? ':' : *c, f);
            fputc(k ? ';' : ' ', f);
        }
        fprintf(f, "%llu\n", (unsigned long long)s->count);
    }
    fclose(f);
    int rc = cmd_profile_emit(o, buf, len);
    free(buf);
    return rc;
}

/* overhead speedscope: one sampled profile, weights in CPU seconds. */
static int cmd_speedscope_run(const aggregate *a, const opts *o, const char *name) {
    double spp = aggregate_seconds_per_sample(a);
    json_t *frames = json_array();
    for (size_t i = 0; i < a->nfns; i++) {
        json_t *fr = json_pack("{s:s}", "name", a->fns[i].name);
        if (fr != NULL && a->fns[i].file != NULL) {
            json_object_set_new(fr, "file", json_string(a->fns[i].file));
            json_object_set_new(fr, "line", json_integer(a->fns[i].line));
        }
        json_array_append_new(frames, fr);
    }
    json_t *samples = json_array(), *weights = json_array();
    for (size_t i = 0; i < a->nstacks; i++) {
        const aggregate_stack *s = &a->stacks[i];
        json_t *st = json_array();
        for (uint32_t k = s->depth; k-- > 0;)
            json_array_append_new(st, json_integer(a->frames[s->first + k]));
        json_array_append_new(samples, st);
        json_array_append_new(weights, jsonfile_num((double)s->count * spp));
    }
    json_t *root = json_pack(
        "{s:s, s:{s:o}, s:[{s:s, s:s, s:s, s:o, s:o, s:o, s:o}], s:s, s:i, s:s}",
        "$schema", "https://www.speedscope.app/file-format-schema.json", "shared",
        "frames", frames, "profiles", "type", "sampled", "name", name, "unit", "seconds",
        "startValue", jsonfile_num(0.0), "endValue",
        jsonfile_num((double)a->samples * spp), "samples", samples, "weights", weights,
        "name", name, "activeProfileIndex", 0, "exporter", "overhead");
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (text == NULL) {
        cli_failf(o->cmd, ERR_NOMEM, "out of memory");
        return 1;
    }
    int rc = cmd_profile_emit(o, text, strlen(text));
    free(text);
    return rc;
}

/* overhead diff: totals, then one row per function by decreasing |delta|. */
static int cmd_diff_run(const aggregate *b, const aggregate *w, const opts *o) {
    aggregate_diff_row *rows = NULL;
    size_t n = 0;
    error err;
    error_clear(&err);
    if (aggregate_diff(&rows, &n, b, w, o->base_events, o->new_events, &err) != 0) {
        cli_fail(o->cmd, &err);
        return 1;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        free(rows);
        return 1;
    }
    int per = o->base_events > 0 && o->new_events > 0;
    double bs = (double)b->samples * aggregate_seconds_per_sample(b);
    double ns = (double)w->samples * aggregate_seconds_per_sample(w);
    fprintf(f, "Base: %llu samples, %.3f s; new: %llu samples, %.3f s",
            (unsigned long long)b->samples, bs, (unsigned long long)w->samples, ns);
    if (per)
        fprintf(f, "; per event: %.3f us -> %.3f us (%+.3f us)",
                1e6 * bs / o->base_events, 1e6 * ns / o->new_events,
                1e6 * (ns / o->new_events - bs / o->base_events));
    fprintf(f, "\n%8s %8s %7s %7s %10s %s%8s %8s  %s\n", "base", "new", "base%", "new%",
            "delta_s", per ? "  delta_us/ev " : "", "z", "p", "name (library)");
    for (size_t i = 0; i < n; i++) {
        const aggregate_diff_row *r = &rows[i];
        fprintf(f, "%8llu %8llu %6.2f%% %6.2f%% %+10.4f ", (unsigned long long)r->base,
                (unsigned long long)r->new,
                b->samples ? 100.0 * (double)r->base / (double)b->samples : 0.0,
                w->samples ? 100.0 * (double)r->new / (double)w->samples : 0.0,
                r->delta_s);
        if (per)
            fprintf(f, "%+12.4f ", 1e6 * r->delta_unit);
        fprintf(f, "%8.2f %8.2g  %s (%s)\n", r->z, r->p, r->name, r->module);
    }
    fclose(f);
    int rc = cmd_profile_emit(o, buf, len);
    free(buf);
    free(rows);
    return rc;
}

/* The --help text of one of these subcommands. */
static void cmd_profile_usage(FILE *out, const char *cmd) {
    if (strcmp(cmd, "pprof") == 0)
        fprintf(out,
                "usage: overhead pprof -o OUT.pb.gz PROFILE\n\n"
                "Symbolize one gperftools profile now, against the binaries its memory\n"
                "map names, and write it as pprof's profile.proto, gzipped: function\n"
                "names, source files and lines, inlined frames. `go tool pprof`,\n"
                "speedscope and Grafana Pyroscope read it; so do `overhead top/json/\n"
                "folded/speedscope/diff`, and `overhead analyze` takes a trial's\n"
                "NAME.pb.gz instead of its NAME.prof when both are there (no binary\n"
                "needed). The symbolizer's warnings and the binaries it could not read\n"
                "travel in the file's comments.\n\n"
                "  -o FILE   where to write (required)\n");
    else if (strcmp(cmd, "diff") == 0)
        fprintf(
            out,
            "usage: overhead diff [options] BASE NEW\n"
            "       overhead diff [options] BASE... -- NEW...\n\n"
            "Compare flat CPU per function between two sets of gperftools profiles\n"
            "(each side's profiles are merged), with a two-proportion z-test per row.\n\n"
            "  --base-events N, --new-events N  work done per side: adds us/event\n"
            "  --rate HZ         measured samples per CPU-second (else header period)\n"
            "  -o FILE           write to FILE instead of stdout\n");
    else
        fprintf(
            out,
            "usage: overhead %s [options] PROFILE...\n\n"
            "%s\n\n"
            "  --rate HZ          measured samples per CPU-second (else header period)\n"
            "  --categories FILE  category rules (default %s)\n"
            "  -o FILE            write to FILE instead of stdout\n"
            "%s",
            cmd,
            strcmp(cmd, "top") == 0
                ? "Print the functions by flat samples, in pprof's -top columns:\n"
                  "flat flat% sum% cum cum% name. Several profiles are merged."
            : strcmp(cmd, "json") == 0
                ? "Print the merged profiles as JSON (schema overhead.profile/1)."
            : strcmp(cmd, "folded") == 0
                ? "Print folded stacks (root;...;leaf count) for FlameGraph."
                : "Print the merged profiles in speedscope's JSON format.",
            cli_data_file("categories.tsv"),
            strcmp(cmd, "top") == 0 ? "  --cum              sort by cumulative samples\n"
                                      "  --nodecount N      show at most N rows\n"
                                      "  --lib              one row per library\n"
                                    : "");
}

/* overhead pprof: one profile -> OUT.pb.gz. */
static int cmd_pprof_run(const opts *o, char **files, int nfiles) {
    if (nfiles != 1 || o->output == NULL)
        return cli_failf(o->cmd, ERR_INPUT, "need -o OUT.pb.gz and one PROFILE");
    error err;
    error_clear(&err);
    symprof *p = NULL;
    int rc = symprof_open(&p, files[0], &err);
    if (rc == 0)
        rc = pprof_write(o->output, p, &err);
    for (size_t i = 0; rc == 0 && i < p->nwarnings; i++)
        cli_warn(o->cmd, p->warnings[i]);
    symprof_free(p);
    return rc == 0 ? 0 : cli_fail(o->cmd, &err);
}

/* Run the subcommand o->cmd on the profiles in 'args'. */
static int cmd_profile_dispatch(opts *o, const opts_args *args) {
    int is_diff = strcmp(o->cmd, "diff") == 0, rc;
    if (is_diff && (o->cum || o->lib || o->nodecount))
        return cli_failf(o->cmd, ERR_INPUT,
                         "--cum, --lib and --nodecount are options of top");
    if (!is_diff && (o->base_events > 0 || o->new_events > 0))
        return cli_failf(o->cmd, ERR_INPUT, "--base-events/--new-events are options of diff");
    char **files = args->v;
    int nfiles = args->n;
    if (is_diff) {
        /* BASE NEW, or BASE... -- NEW... */
        int nb = args->split >= 0 ? args->split : 1;
        int nn = args->split >= 0 ? nfiles - args->split : 1;
        if ((args->split < 0 && nfiles != 2) || nb < 1 || nn < 1)
            return cli_failf(o->cmd, ERR_INPUT, "need BASE and NEW profiles (see --help)");
        aggregate *b = NULL, *w = NULL;
        rc = cmd_profile_load(&b, files, nb, o);
        if (rc == 0)
            rc = cmd_profile_load(&w, files + nb, nn, o);
        if (rc == 0)
            rc = cmd_diff_run(b, w, o);
        aggregate_free(b);
        aggregate_free(w);
        return rc;
    }
    if (nfiles < 1)
        return cli_failf(o->cmd, ERR_INPUT, "no profile given (see 'overhead %s --help')",
                         o->cmd);
    if (strcmp(o->cmd, "pprof") == 0)
        return cmd_pprof_run(o, files, nfiles);
    aggregate *a = NULL;
    rc = cmd_profile_load(&a, files, nfiles, o);
    if (rc != 0)
        return rc;
    if (strcmp(o->cmd, "top") == 0)
        rc = cmd_top_run(a, o);
    else if (strcmp(o->cmd, "json") == 0)
        rc = cmd_json_run(a, o, files, nfiles);
    else if (strcmp(o->cmd, "folded") == 0)
        rc = cmd_folded_run(a, o);
    else
        rc = cmd_speedscope_run(a, o, files[0]);
    aggregate_free(a);
    return rc;
}

/* Parse the options into 'o' and the profiles into 'args'. */
static int cmd_profile_parse(opts *o, int argc, char **argv, opts_args *args,
                             error *err) {
    const opt_spec specs[] = {
        OPT_HELP,
        OPT_FLAG("cum", 0, &o->cum, 1),
        OPT_FLAG("lib", 0, &o->lib, 1),
        OPT_INT("nodecount", 0, &o->nodecount, 1, 1000000000),
        OPT_POSITIVE("rate", 0, &o->rate),
        OPT_STRING("categories", 0, &o->categories),
        OPT_STRING("output", 'o', &o->output),
        OPT_POSITIVE("base-events", 0, &o->base_events),
        OPT_POSITIVE("new-events", 0, &o->new_events),
        OPT_END,
    };
    return opts_parse(specs, argc, argv, args, err);
}

/* Shared driver: parse options, load, run. */
static int cmd_profile_main(int argc, char **argv) {
    opts o = {.cmd = argv[0], .categories = cli_data_file("categories.tsv")};
    opts_args args = {0};
    error err;
    error_clear(&err);
    int rc = cmd_profile_parse(&o, argc, argv, &args, &err);
    if (rc == OPTS_HELP)
        cmd_profile_usage(stdout, o.cmd);
    if (rc == OPTS_OK)
        rc = cmd_profile_dispatch(&o, &args);
    else if (rc != OPTS_HELP)
        rc = cli_fail(o.cmd, &err);
    opts_args_free(&args);
    return rc;
}
/* The entry points listed in main.c; they share one driver. */
int cmd_top(int argc, char **argv) {
    return cmd_profile_main(argc, argv);
}

int cmd_json(int argc, char **argv) {
    return cmd_profile_main(argc, argv);
}

int cmd_folded(int argc, char **argv) {
    return cmd_profile_main(argc, argv);
}

int cmd_speedscope(int argc, char **argv) {
    return cmd_profile_main(argc, argv);
}

int cmd_diff(int argc, char **argv) {
    return cmd_profile_main(argc, argv);
}

int cmd_pprof(int argc, char **argv) {
    return cmd_profile_main(argc, argv);
}
