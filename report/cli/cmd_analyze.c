/* overhead analyze: a run directory -> analysis JSON (overhead.analysis/1). */
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "fileio.h"

#ifndef OVERHEAD_DATA_DIR
#define OVERHEAD_DATA_DIR "report/data"
#endif

const char *cmd_data_file(const char *name) {
    static char path[2][4096];
    static int slot;
    const char *env = getenv("OVERHEAD_DATA");
    slot ^= 1;
    snprintf(path[slot], sizeof path[slot], "%s/%s", env && *env ? env : OVERHEAD_DATA_DIR,
             name);
    return path[slot];
}

static void analyze_usage(FILE *out) {
    fprintf(out,
            "usage: overhead analyze [options] RUNDIR [RUNDIR...]\n\n"
            "Analyse the trials of runs made by 'overhead run' (several runs are analysed\n"
            "together; the first is the main one): per-event CPU of every\n"
            "process, the overhead with its bootstrap 95%% CI and Mann-Whitney p-value,\n"
            "the verdict against the target, the breakdown by category and the hotspots\n"
            "from the pooled profiles. Writes JSON (schema overhead.analysis/1).\n\n"
            "options:\n"
            "  -o, --output FILE      write there (atomically) instead of stdout\n"
            "      --target PCT       overhead target in percent (default 5)\n"
            "      --reference PCT    the figure the team quoted (default 5.80)\n"
            "      --nats-arch ARCH   headline NATS architecture: nats or nats-2p\n"
            "                         (default: nats-2p when measured)\n"
            "      --storage NAME     headline storage setting (default: the first)\n"
            "      --sprint NAME      sprint name for the report metadata\n"
            "      --reproduce CMD    the command line that reproduces the report\n"
            "      --categories FILE  category rules (default report/data/categories.tsv)\n"
            "      --functions FILE   known function descriptions (default\n"
            "                         report/data/functions.tsv)\n"
            "      --bootstrap N      bootstrap resamples (default 10000)\n"
            "      --seed N           bootstrap seed (default 1)\n"
            "      --accept-loss      analyse a run whose trials lost events (the\n"
            "                         report says so); otherwise that is exit 1\n"
            "  -h, --help             this help\n\n"
            "Exit status: 0 ok, 1 a failed check (lost events, too few trials),\n"
            "2 bad input (not a run directory, malformed record or profile).\n");
}

int cmd_analyze(int argc, char **argv) {
    enum { O_TARGET = 256, O_REF, O_ARCH, O_STORAGE, O_SPRINT, O_REPRO, O_CATS, O_FUNCS,
           O_BOOT, O_SEED, O_LOSS };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"target", required_argument, NULL, O_TARGET},
        {"reference", required_argument, NULL, O_REF},
        {"nats-arch", required_argument, NULL, O_ARCH},
        {"storage", required_argument, NULL, O_STORAGE},
        {"sprint", required_argument, NULL, O_SPRINT},
        {"reproduce", required_argument, NULL, O_REPRO},
        {"categories", required_argument, NULL, O_CATS},
        {"functions", required_argument, NULL, O_FUNCS},
        {"bootstrap", required_argument, NULL, O_BOOT},
        {"seed", required_argument, NULL, O_SEED},
        {"accept-loss", no_argument, NULL, O_LOSS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    analysis_options o;
    analysis_defaults(&o);
    o.categories = cmd_data_file("categories.tsv");
    o.functions = cmd_data_file("functions.tsv");
    const char *output = NULL;
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
            case 'o': output = optarg; break;
            case O_TARGET:
            case O_REF: {
                double v = strtod(optarg, &end);
                if (*end != '\0' || !(v >= 0 && v < 1e6)) {
                    fprintf(stderr, "overhead analyze: --%s: '%s' is not a percentage\n",
                            c == O_TARGET ? "target" : "reference", optarg);
                    return 2;
                }
                *(c == O_TARGET ? &o.target_pct : &o.reference_pct) = v;
                break;
            }
            case O_ARCH:
                if (strcmp(optarg, "nats") != 0 && strcmp(optarg, "nats-2p") != 0) {
                    fprintf(stderr, "overhead analyze: --nats-arch: '%s' is not nats or "
                                    "nats-2p\n", optarg);
                    return 2;
                }
                o.nats_arch = optarg;
                break;
            case O_STORAGE: o.storage = optarg; break;
            case O_SPRINT: o.sprint = optarg; break;
            case O_REPRO: o.reproduce = optarg; break;
            case O_CATS: o.categories = optarg; break;
            case O_FUNCS: o.functions = optarg; break;
            case O_BOOT:
            case O_SEED: {
                unsigned long long v = strtoull(optarg, &end, 10);
                if (*end != '\0' || optarg[0] == '-' || (c == O_BOOT && (v < 100 || v > 1000000))) {
                    fprintf(stderr, "overhead analyze: --%s: bad value '%s'%s\n",
                            c == O_BOOT ? "bootstrap" : "seed", optarg,
                            c == O_BOOT ? " (100 to 1000000)" : "");
                    return 2;
                }
                if (c == O_BOOT)
                    o.bootstrap_iters = (unsigned)v;
                else
                    o.seed = v;
                break;
            }
            case O_LOSS: o.accept_loss = 1; break;
            case 'h': analyze_usage(stdout); return 0;
            default: analyze_usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "overhead analyze: expected a RUNDIR\n");
        analyze_usage(stderr);
        return 2;
    }
    error err;
    error_clear(&err);
    json_t *a = NULL;
    if (analysis_run(&a, (const char *const *)argv + optind, (size_t)(argc - optind), &o, &err) != 0) {
        fprintf(stderr, "overhead analyze: %s\n", err.text);
        return error_exit_code(&err);
    }
    char *text = json_dumps(a, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(a);
    if (text == NULL) {
        fprintf(stderr, "overhead analyze: out of memory\n");
        return 1;
    }
    int rc = 0;
    if (output == NULL) {
        puts(text);
    } else if (file_write_atomic(output, text, strlen(text), &err) != 0) {
        fprintf(stderr, "overhead analyze: %s\n", err.text);
        rc = error_exit_code(&err);
    }
    free(text);
    return rc;
}
