/* overhead report: the whole job behind `make report`. Measures (several
 * runs: the saturated comparison with unprofiled copies, a chat-rate phase,
 * an A/A control and a storage sweep), analyses them together and publishes
 * docs/sprints/active/<sprint>/CPU_OVERHEAD_ANALYSIS.{md,html,json} plus the
 * docs index. */
#include "commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis.h"
#include "publish.h"
#include "runner.h"

#define MAX_PHASES 8
#define MAX_DIRS   64

static void report_usage(FILE *out) {
    fprintf(
        out,
        "usage: overhead report [options]\n\n"
        "Measure, analyse and publish in one go (what `make report` runs):\n"
        "  1. saturated comparison: direct vs NATS (bot and DatabaseService as two\n"
        "     processes) at the main storage setting, profiled trials interleaved with\n"
        "     unprofiled ones (the profiler's own cost);\n"
        "  2. chat rate: the same at a fixed event rate (CPU in points of one core);\n"
        "  3. A/A control: direct against direct (the noise floor);\n"
        "  4. storage sweep: the comparison again with other storage settings, one run\n"
        "     each (100,000 events in memory, 10,000 where every commit is fsynced);\n"
        "  5. with --cluster N: NATS on an N-node cluster with K services, and "
        "JetStream.\n"
        "Then writes DOCS/sprints/active/SPRINT/CPU_OVERHEAD_ANALYSIS.{md,html,json},\n"
        "rebuilds DOCS/index.html and prints the verdict. About 3-5 minutes on 2 "
        "cores.\n\n"
        "options:\n"
        "  --sprint NAME      report folder (default 10.5-The-French-Connection-II)\n"
        "  --docs DIR         docs site root (default docs)\n"
        "  --runs DIR         where the runs are kept (default runs)\n"
        "  --quick            a short run for trying things (about a minute; wide CIs)\n"
        "  -k, --trials K     rounds of the saturated comparison (default 5; quick 3)\n"
        "  -n, --events N     events per saturated trial (default: chosen by the runner\n"
        "                     for >= 2000 samples per architecture)\n"
        "  --storage NAME     main storage setting (default wal: WAL, "
        "synchronous=NORMAL)\n"
        "  --sweep LIST       other storage settings to compare (default "
        "memory,wal-full;\n"
        "                     'none' to skip)\n"
        "  --rate R           chat rate in events/s (default 100; 0 to skip the phase)\n"
        "  --no-aa            skip the A/A control\n"
        "  --no-unprofiled    skip the unprofiled trials\n"
        "  --nats-arch ARCH   nats-2p (default) or nats (one process, the seed's "
        "set-up)\n"
        "  --cluster N        add a cluster phase: N nats-server nodes, nats-cluster (K\n"
        "                     services in a queue group) and jetstream, as many events\n"
        "                     per trial as the saturated phase; its baselines are that\n"
        "                     phase's direct and NATS trials (same storage and N), so "
        "no\n"
        "                     direct trial of its own is pooled into the main verdict\n"
        "  --services K       services of the cluster phase (default 3)\n"
        "  --target PCT       overhead target in percent (default 5)\n"
        "  --reference PCT    the figure the team quoted (default 5.80)\n"
        "  --from DIR...      skip measuring: analyse and publish these run directories\n"
        "                     (the rest of the command line; the first is the main run)\n"
        "  --progress         runner progress on stderr even when it is not a terminal\n"
        "  -h, --help         this text\n\n"
        "Exit status: 0 published; 1 a trial failed or lost events, or the analysis\n"
        "found too few trials; 2 bad options or input.\n");
}

static void report_progress(void *ctx, const char *line) {
    fprintf(stderr, "overhead report: [%s] %s\n", (const char *)ctx, line);
}

typedef struct phase {
    const char *name;
    runner_config cfg;
} phase;

/* Append a phase comparing direct with 'nats_arch' at 'storage', with the
 * runner's defaults otherwise. Returns it for the caller to adjust. */
static phase *phase_compare(phase *ph, size_t *nph, const char *name,
                            const char *nats_arch, const char *storage) {
    phase *p = &ph[(*nph)++];
    p->name = name;
    runner_defaults(&p->cfg);
    p->cfg.archs[0] = "direct";
    p->cfg.archs[1] = nats_arch;
    p->cfg.narchs = 2;
    p->cfg.storages[0] = storage;
    p->cfg.nstorages = 1;
    return p;
}

/* Parse a number option; -1 (after a message) when it is not in [min, max]. */
static int report_num(double *out, const char *opt, const char *v, double min,
                      double max) {
    char *end;
    double x = v ? strtod(v, &end) : NAN;
    if (v == NULL || end == v || *end != '\0' || !(x >= min && x <= max)) {
        fprintf(stderr,
                "overhead report: %s: expected a number from %g to %g, got '%s'\n", opt,
                min, max, v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

/* events_per_trial of a finished run (its run.json), or 20000 when unknown. */
static int64_t report_events_of(const char *run_dir) {
    char path[4200];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/run.json", run_dir ? run_dir : ".");
    json_t *j = json_load_file(path, 0, &jerr);
    json_t *n = json_object_get(j, "events_per_trial");
    int64_t events = json_is_integer(n) ? (int64_t)json_integer_value(n) : 20000;
    json_decref(j);
    return events > 0 ? events : 20000;
}

int cmd_report(int argc, char **argv) {
    const char *sprint = "10.5-The-French-Connection-II", *docs = "docs", *runs = "runs";
    const char *storage = "wal", *nats_arch = "nats-2p";
    char sweep_buf[256] = "memory,wal-full";
    double rate = 100, trials = 0, events = -1, target = 5, reference = 5.80;
    int quick = 0, aa = 1, unprofiled = 1, progress = isatty(2);
    double cluster = 0, services = 3;
    const char *dirs[MAX_DIRS];
    size_t ndirs = 0;
    int from = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (from) {
            if (ndirs == MAX_DIRS) {
                fprintf(stderr, "overhead report: more than %d run directories\n",
                        MAX_DIRS);
                return 2;
            }
            dirs[ndirs++] = a;
            continue;
        }
        int takes = 1;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            report_usage(stdout);
            return 0;
        } else if (strcmp(a, "--quick") == 0) {
            quick = 1;
            takes = 0;
        } else if (strcmp(a, "--no-aa") == 0) {
            aa = 0;
            takes = 0;
        } else if (strcmp(a, "--no-unprofiled") == 0) {
            unprofiled = 0;
            takes = 0;
        } else if (strcmp(a, "--progress") == 0) {
            progress = 1;
            takes = 0;
        } else if (strcmp(a, "--from") == 0) {
            from = 1;
            takes = 0;
        } else if (v == NULL) {
            fprintf(stderr,
                    "overhead report: unknown option or missing value: '%s' (see "
                    "'overhead report --help')\n",
                    a);
            return 2;
        } else if (strcmp(a, "--sprint") == 0) {
            if (*v == '\0' || strchr(v, '/') != NULL || strcmp(v, "..") == 0 ||
                strcmp(v, ".") == 0) {
                fprintf(stderr, "overhead report: --sprint: '%s' is not a folder name\n",
                        v);
                return 2;
            }
            sprint = v;
        } else if (strcmp(a, "--docs") == 0) {
            docs = v;
        } else if (strcmp(a, "--runs") == 0) {
            runs = v;
        } else if (strcmp(a, "--storage") == 0) {
            storage = v;
        } else if (strcmp(a, "--sweep") == 0) {
            snprintf(sweep_buf, sizeof sweep_buf, "%s", strcmp(v, "none") == 0 ? "" : v);
        } else if (strcmp(a, "--nats-arch") == 0) {
            if (strcmp(v, "nats") != 0 && strcmp(v, "nats-2p") != 0) {
                fprintf(stderr,
                        "overhead report: --nats-arch: '%s' is not nats or nats-2p\n", v);
                return 2;
            }
            nats_arch = v;
        } else if (strcmp(a, "--cluster") == 0) {
            if (report_num(&cluster, a, v, 0, 9) != 0)
                return 2;
        } else if (strcmp(a, "--services") == 0) {
            if (report_num(&services, a, v, 1, RUNNER_MAX_SERVICES) != 0)
                return 2;
        } else if (strcmp(a, "-k") == 0 || strcmp(a, "--trials") == 0) {
            if (report_num(&trials, a, v, 2, 1000) != 0)
                return 2;
        } else if (strcmp(a, "-n") == 0 || strcmp(a, "--events") == 0) {
            if (report_num(&events, a, v, 1, 1e8) != 0)
                return 2;
        } else if (strcmp(a, "--rate") == 0) {
            if (report_num(&rate, a, v, 0, 1e6) != 0)
                return 2;
        } else if (strcmp(a, "--target") == 0) {
            if (report_num(&target, a, v, 0, 1e6) != 0)
                return 2;
        } else if (strcmp(a, "--reference") == 0) {
            if (report_num(&reference, a, v, 0, 1e6) != 0)
                return 2;
        } else {
            fprintf(stderr,
                    "overhead report: unknown option '%s' (see 'overhead report "
                    "--help')\n",
                    a);
            return 2;
        }
        i += takes;
    }
    if (from && ndirs == 0) {
        fprintf(stderr, "overhead report: --from needs at least one run directory\n");
        return 2;
    }

    /* The phases, each one runner configuration. */
    phase ph[MAX_PHASES];
    size_t nph = 0;
    char *sweep_list = strdup(sweep_buf);
    char *run_dirs[MAX_PHASES] = {0};
    int rc = 2;
    error err;
    error_clear(&err);
    if (sweep_list == NULL)
        goto done;
    if (!from) {
        phase *p = phase_compare(ph, &nph, "saturated", nats_arch, storage);
        p->cfg.unprofiled = unprofiled && !quick;
        p->cfg.trials = trials > 0 ? (int)trials : quick ? 3 : 5;
        p->cfg.events = events > 0 ? (int64_t)events : quick ? 20000 : -1;
        if (rate > 0) {
            p = phase_compare(ph, &nph, "chat rate", nats_arch, storage);
            p->cfg.rate = rate;
            p->cfg.trials = quick ? 2 : 3;
            p->cfg.events = (int64_t)(rate * (quick ? 2 : 4));
            p->cfg.warmup = 0;
        }
        if (aa) {
            p = &ph[nph++];
            p->name = "A/A control";
            runner_defaults(&p->cfg);
            p->cfg.aa = 1;
            p->cfg.storages[0] = storage;
            p->cfg.nstorages = 1;
            p->cfg.trials = quick ? 2 : 3;
            p->cfg.events = quick ? 10000 : 20000;
        }
        /* One run per swept storage, sized for it: an in-memory trial is fast
         * and needs many events to be more than start-up noise; with fsync
         * per event a trial of 10,000 already takes seconds. */
        for (char *save = NULL, *t = strtok_r(sweep_list, ",", &save);
             t != NULL && nph < MAX_PHASES; t = strtok_r(NULL, ",", &save)) {
            if (strcmp(t, storage) == 0)
                continue; /* measured by the saturated phase already */
            p = phase_compare(ph, &nph, t, nats_arch, t);
            p->cfg.trials = quick ? 2 : 3;
            int fsync_each = strcmp(t, "wal-full") == 0 || strcmp(t, "delete") == 0;
            p->cfg.events = strcmp(t, "memory") == 0 ? (quick ? 20000 : 100000)
                            : fsync_each             ? (quick ? 2000 : 10000)
                                                     : (quick ? 5000 : 20000);
        }
        if (cluster >= 1 && nph < MAX_PHASES) {
            p = &ph[nph++];
            p->name = "cluster";
            runner_defaults(&p->cfg);
            p->cfg.archs[0] = "nats-cluster";
            p->cfg.archs[1] = "jetstream";
            p->cfg.narchs = 2;
            p->cfg.cluster = (int)cluster;
            p->cfg.services = (int)services;
            /* nats-cluster and jetstream need a file database. */
            p->cfg.storages[0] = strcmp(storage, "memory") == 0 ? "wal" : storage;
            p->cfg.nstorages = 1;
            p->cfg.trials = quick ? 2 : 3;
            p->cfg.events = quick ? 20000 : -1; /* -1: the saturated phase's N */
        }
        const char *url = getenv("NATS_URL");
        for (size_t i = 0; i < nph; i++) {
            runner_config *cfg = &ph[i].cfg;
            cfg->nats_server = OVERHEAD_NATS_SERVER_DEFAULT;
            if (getenv("OVERHEAD_WORKLOADS") && *getenv("OVERHEAD_WORKLOADS"))
                cfg->workload_dir = getenv("OVERHEAD_WORKLOADS");
            /* The cluster phase starts its own cluster (see --cluster). */
            if (url != NULL && *url != '\0' && cfg->cluster < 2)
                cfg->nats_url = url;
            cfg->out_dir = runs;
            cfg->argc = argc;
            cfg->argv = argv;
            if (progress) {
                cfg->progress = report_progress;
                cfg->progress_ctx = (void *)ph[i].name;
            }
            /* Every phase is checked before the first trial starts. */
            if (runner_validate(cfg, &err) != 0) {
                fprintf(stderr, "overhead report: %s phase: %s\n", ph[i].name, err.text);
                rc = error_exit_code(&err);
                goto done;
            }
        }
        runner_catch_signals();
        for (size_t i = 0; i < nph; i++) {
            if (strcmp(ph[i].name, "cluster") == 0 && ph[i].cfg.events < 0)
                ph[i].cfg.events = report_events_of(run_dirs[0]);
            fprintf(stderr, "overhead report: phase %zu/%zu: %s\n", i + 1, nph,
                    ph[i].name);
            if (runner_run(&ph[i].cfg, &run_dirs[i], &err) != 0) {
                fprintf(stderr, "overhead report: %s phase: %s\n", ph[i].name, err.text);
                if (run_dirs[i] != NULL)
                    fprintf(stderr, "overhead report: its records are in %s\n",
                            run_dirs[i]);
                rc = error_exit_code(&err) ? error_exit_code(&err) : 1;
                goto done;
            }
            dirs[ndirs++] = run_dirs[i];
        }
    }

    /* Analyse all phases together, then publish. */
    analysis_options o;
    analysis_defaults(&o);
    o.target_pct = target;
    o.reference_pct = reference;
    o.nats_arch = from ? NULL : nats_arch;
    o.storage = from ? NULL : storage;
    o.sprint = sprint;
    o.categories = cmd_data_file("categories.tsv");
    o.functions = cmd_data_file("functions.tsv");
    /* The make command line that reproduces this report: make's own
     * variables where there is one, the rest as REPORT_ARGS. */
    char reproduce[1024], extra[768] = "";
    size_t n = (size_t)snprintf(reproduce, sizeof reproduce, "make report"), ne = 0;
    if (strcmp(sprint, "10.5-The-French-Connection-II") != 0)
        n +=
            (size_t)snprintf(reproduce + n, sizeof reproduce - n, " SPRINT='%s'", sprint);
    for (int i = 1; i < argc && n < sizeof reproduce && ne < sizeof extra; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--from") == 0)
            break; /* the runs themselves are what reproduces those */
        if (strcmp(a, "--progress") == 0)
            continue;
        if (strcmp(a, "--sprint") == 0 ||
            (strcmp(a, "--docs") == 0 && strcmp(v, "docs") == 0) ||
            (strcmp(a, "--runs") == 0 && strcmp(v, "runs") == 0)) {
            i++;
            continue;
        }
        if (strcmp(a, "--quick") == 0)
            n += (size_t)snprintf(reproduce + n, sizeof reproduce - n, " QUICK=1");
        else if (strcmp(a, "--cluster") == 0 || strcmp(a, "--services") == 0)
            n += (size_t)snprintf(reproduce + n, sizeof reproduce - n, " %s=%s",
                                  strcmp(a, "--cluster") == 0 ? "CLUSTER" : "SERVICES",
                                  argv[++i]);
        else
            ne +=
                (size_t)snprintf(extra + ne, sizeof extra - ne, "%s%s", ne ? " " : "", a);
    }
    if (extra[0] != '\0' && n < sizeof reproduce)
        snprintf(reproduce + n, sizeof reproduce - n, " REPORT_ARGS='%s'", extra);
    o.reproduce = reproduce;
    json_t *a = NULL;
    if (analysis_run(&a, dirs, ndirs, &o, &err) != 0) {
        fprintf(stderr, "overhead report: analysis: %s\n", err.text);
        rc = error_exit_code(&err);
        goto done;
    }
    char outdir[4096];
    snprintf(outdir, sizeof outdir, "%s/sprints/active/%s", docs, sprint);
    const char *tdir = cmd_templates_dir();
    char md_t[4096], page_t[4096], index_t[4096];
    snprintf(md_t, sizeof md_t, "%s/CPU_OVERHEAD_ANALYSIS.md.mustache", tdir);
    snprintf(page_t, sizeof page_t, "%s/page.html", tdir);
    snprintf(index_t, sizeof index_t, "%s/index.html", tdir);
    publish_paths paths = {md_t, page_t, index_t};
    if (publish_report(outdir, a, &paths, "../../../index.html", &err) != 0 ||
        publish_index(docs, &paths, &err) != 0) {
        fprintf(stderr, "overhead report: %s\n", err.text);
        json_decref(a);
        rc = error_exit_code(&err);
        goto done;
    }
    json_t *h = json_object_get(a, "headline");
    printf("Report: %s/CPU_OVERHEAD_ANALYSIS.md\n"
           "        %s/CPU_OVERHEAD_ANALYSIS.html\n"
           "        %s/CPU_OVERHEAD_ANALYSIS.json\n"
           "Index:  %s/index.html\n"
           "Verdict: %s: %s%% per-event overhead (95%% CI %s%% to %s%%) against a %g%% "
           "target; recommendation: %s\n",
           outdir, outdir, outdir, docs, json_string_value(json_object_get(h, "verdict")),
           json_string_value(json_object_get(h, "overhead_pct")),
           json_string_value(json_object_get(h, "ci_lo_pct")),
           json_string_value(json_object_get(h, "ci_hi_pct")), target,
           json_string_value(
               json_object_get(json_object_get(a, "recommendation"), "decision")));
    json_decref(a);
    rc = 0;
done:
    for (size_t i = 0; i < MAX_PHASES; i++)
        free(run_dirs[i]);
    free(sweep_list);
    return rc;
}
