/* overhead run: measure both architectures in interleaved trials and write
 * the run records (see runner.h and docs/run-record.md). This file parses
 * the options, installs the SIGINT/SIGTERM handlers and prints; the work is
 * in runner.c. */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

/* The --help text: one line per option, kept as typed. */
/* clang-format off */
static void run_usage(FILE *out) {
    fprintf(out,
"usage: overhead run [options]\n"
"\n"
"Run the direct and NATS workloads in interleaved trials (A B B A ...) under the\n"
"gperftools CPU profiler and account the CPU of every process involved: the\n"
"workloads (wait4 rusage) and nats-server (/proc/PID/schedstat deltas). Writes\n"
"OUT/<UTC timestamp>/trial-NN-<tag>.{json,prof} and run.json; prints that\n"
"directory on stdout. Records: docs/run-record.md.\n"
"\n"
"options:\n"
"  -n, --events N       events per trial (default: chosen after the warm-up, the\n"
"                       fewest multiple of 10000 (>= 20000) that gives each\n"
"                       architecture --min-samples; 100000 with --no-warmup; with\n"
"                       --rate, 5 s worth of events)\n"
"  -k, --trials K       rounds; every variant runs once per round (default 4)\n"
"  --arch LIST          architectures, comma-separated (default direct,nats,nats-2p):\n"
"                         direct   N log_chat() calls into SQLite, one process\n"
"                         nats     bot and DatabaseService in one process, two\n"
"                                  connections (the seed's set-up)\n"
"                         nats-2p  bot and DatabaseService as two processes\n"
"                         nats-cluster  the bot on node 0, --services K services\n"
"                                  in one queue group on the other nodes, each\n"
"                                  with its own database (events cross routes)\n"
"                         jetstream  the same placement; a stream on the chat\n"
"                                  subject (replicas min(3, nodes)), one durable\n"
"                                  pull consumer, acks after the SQLite commit\n"
    );
    fprintf(out,
"  --cluster N          start N nats-server nodes as a cluster on loopback (routes\n"
"                       between all, ready when /routez shows them); every NATS\n"
"                       architecture uses it (default: one server). To use an\n"
"                       existing cluster, list its nodes in --nats-url/NATS_URL\n"
"  --services K         DatabaseService processes of nats-cluster and jetstream\n"
"                       (1..8, default 3)\n"
"  --js-storage S       JetStream stream storage: file (default) or memory\n"
"  --storage LIST       storage settings, comma-separated; every trial is repeated\n"
"                       for each (default wal):\n"
"                         memory    :memory:\n"
"                         wal       file, journal_mode=WAL, synchronous=NORMAL\n"
"                         wal-full  file, journal_mode=WAL, synchronous=FULL\n"
"                         delete    file, journal_mode=DELETE, synchronous=FULL\n"
"  --batch B            events per commit (default 1: one commit per event, as the bot)\n"
"  --freq HZ            profiler sampling frequency (default 250; the kernel tick caps\n"
"                       the real rate at ~250 Hz, so more only misstates the period)\n"
"  --rate R             fixed-rate mode: the publisher paces R events/s (default:\n"
"                       saturated, as fast as possible)\n"
"  --aa                 A/A control: direct against direct, interleaved like a real\n"
"                       comparison, to measure the noise floor (replaces --arch)\n"
"  --unprofiled         add an unprofiled copy of every variant, interleaved, to\n"
"                       measure the profiler's own cost\n"
"  --no-warmup          skip the warm-up trial of each variant\n"
"  --min-samples S      samples wanted per architecture when -n is not given\n"
"                       (default 2000)\n"
"  -o, --out DIR        parent of the run directory (default runs)\n"
"  --nats-url URL       use this nats-server instead of starting one (default:\n"
"                       $NATS_URL when set); its CPU is counted only with --nats-pid;\n"
"                       several comma-separated URLs: an existing cluster, one URL\n"
"                       per node (node 0 first)\n"
"  --nats-pid PID       pid of that external server, to read its schedstat\n"
"  --nats-server PATH   nats-server to start (default %s)\n"
"  --workloads DIR      where chat_direct and chat_nats are (default\n"
"                       $OVERHEAD_WORKLOADS, else the build tree)\n"
"  --trial-timeout S    kill a trial after S seconds (default 300)\n"
"  --accept-loss        record trials that lost events and go on (the records say\n"
"                       so); by default a lost event fails the run\n"
"  --progress           progress lines on stderr even when it is not a terminal\n"
"  -q, --quiet          no progress lines\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 every trial stored every event; 1 a trial failed or lost events\n"
"(the numbers are printed and recorded), or the run was interrupted; 2 bad options,\n"
"unreachable NATS URL or unwritable output directory (before any trial).\n",
            OVERHEAD_NATS_SERVER_DEFAULT);
}
/* clang-format on */

static void run_progress(void *ctx, const char *line) {
    (void)ctx;
    fprintf(stderr, "overhead run: %s\n", line);
}

/* Split a comma-separated list into 'items' (pointing into 'copy'). */
static int run_list(const char **items, int *count, char *copy, const char *opt) {
    *count = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        if (*count >= RUNNER_MAX_LIST) {
            fprintf(stderr, "overhead run: %s: at most %d items\n", opt, RUNNER_MAX_LIST);
            return -1;
        }
        items[(*count)++] = t;
    }
    if (*count == 0) {
        fprintf(stderr, "overhead run: %s: empty list\n", opt);
        return -1;
    }
    return 0;
}

/* Parse an integer option value within [min, max]. */
static int run_int(long long *out, const char *opt, const char *v, long long min,
                   long long max) {
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < min || x > max) {
        fprintf(stderr, "overhead run: %s: expected an integer in %lld..%lld, got '%s'\n",
                opt, min, max, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int run_double(double *out, const char *opt, const char *v, double min) {
    char *end = NULL;
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || !(x >= min) || x > 1e9) {
        fprintf(stderr, "overhead run: %s: expected a number >= %g, got '%s'\n", opt, min,
                v);
        return -1;
    }
    *out = x;
    return 0;
}

int cmd_run(int argc, char **argv) {
    runner_config cfg;
    char *arch_copy = NULL, *storage_copy = NULL, *run_dir = NULL;
    int progress = isatty(2), rc = 2;
    long long x = 0;
    error err;
    error_clear(&err);
    runner_defaults(&cfg);
    cfg.nats_server = OVERHEAD_NATS_SERVER_DEFAULT;
    if (getenv("OVERHEAD_WORKLOADS") != NULL && *getenv("OVERHEAD_WORKLOADS") != '\0')
        cfg.workload_dir = getenv("OVERHEAD_WORKLOADS");
    if (getenv("NATS_URL") != NULL && *getenv("NATS_URL") != '\0')
        cfg.nats_url = getenv("NATS_URL");
    cfg.argc = argc;
    cfg.argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV                                                                            \
    do {                                                                                 \
        if (v == NULL) {                                                                 \
            fprintf(stderr, "overhead run: %s needs a value\n", a);                      \
            goto done;                                                                   \
        }                                                                                \
        i++;                                                                             \
    } while (0)
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            run_usage(stdout);
            rc = 0;
            goto done;
        } else if (strcmp(a, "-n") == 0 || strcmp(a, "--events") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, 100000000) != 0)
                goto done;
            cfg.events = x;
        } else if (strcmp(a, "-k") == 0 || strcmp(a, "--trials") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, 1000) != 0)
                goto done;
            cfg.trials = (int)x;
        } else if (strcmp(a, "--arch") == 0) {
            NEEDV;
            free(arch_copy);
            arch_copy = strdup(v);
            if (arch_copy == NULL || run_list(cfg.archs, &cfg.narchs, arch_copy, a) != 0)
                goto done;
        } else if (strcmp(a, "--storage") == 0) {
            NEEDV;
            free(storage_copy);
            storage_copy = strdup(v);
            if (storage_copy == NULL ||
                run_list(cfg.storages, &cfg.nstorages, storage_copy, a) != 0)
                goto done;
        } else if (strcmp(a, "--batch") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, 1000000) != 0)
                goto done;
            cfg.batch = (int)x;
        } else if (strcmp(a, "--freq") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, 4000) != 0)
                goto done;
            cfg.freq = (int)x;
        } else if (strcmp(a, "--rate") == 0) {
            NEEDV;
            if (run_double(&cfg.rate, a, v, 0) != 0)
                goto done;
        } else if (strcmp(a, "--aa") == 0) {
            cfg.aa = 1;
        } else if (strcmp(a, "--unprofiled") == 0) {
            cfg.unprofiled = 1;
        } else if (strcmp(a, "--no-warmup") == 0) {
            cfg.warmup = 0;
        } else if (strcmp(a, "--min-samples") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, 100000000) != 0)
                goto done;
            cfg.min_samples = x;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
            NEEDV;
            cfg.out_dir = v;
        } else if (strcmp(a, "--nats-url") == 0) {
            NEEDV;
            cfg.nats_url = v;
        } else if (strcmp(a, "--nats-pid") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, 1 << 30) != 0)
                goto done;
            cfg.nats_pid = (pid_t)x;
        } else if (strcmp(a, "--nats-server") == 0) {
            NEEDV;
            cfg.nats_server = v;
        } else if (strcmp(a, "--workloads") == 0) {
            NEEDV;
            cfg.workload_dir = v;
        } else if (strcmp(a, "--trial-timeout") == 0) {
            NEEDV;
            if (run_double(&cfg.trial_timeout, a, v, 0.001) != 0)
                goto done;
        } else if (strcmp(a, "--cluster") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, 9) != 0)
                goto done;
            cfg.cluster = (int)x;
        } else if (strcmp(a, "--services") == 0) {
            NEEDV;
            if (run_int(&x, a, v, 1, RUNNER_MAX_SERVICES) != 0)
                goto done;
            cfg.services = (int)x;
        } else if (strcmp(a, "--js-storage") == 0) {
            NEEDV;
            cfg.js_storage = v;
        } else if (strcmp(a, "--accept-loss") == 0) {
            cfg.accept_loss = 1;
        } else if (strcmp(a, "--progress") == 0) {
            progress = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            progress = 0;
        } else {
            fprintf(stderr,
                    "overhead run: unknown option '%s' (see 'overhead run --help')\n", a);
            goto done;
        }
#undef NEEDV
    }
    if (cfg.nats_pid > 0 && cfg.nats_url == NULL) {
        fprintf(stderr, "overhead run: --nats-pid needs --nats-url (or NATS_URL)\n");
        goto done;
    }
    if (progress) {
        cfg.progress = run_progress;
        cfg.progress_ctx = NULL;
    }
    runner_catch_signals();
    if (runner_run(&cfg, &run_dir, &err) != 0) {
        fprintf(stderr, "overhead run: %s\n", err.text);
        if (run_dir != NULL)
            fprintf(stderr, "overhead run: records so far in %s\n", run_dir);
        rc = error_exit_code(&err);
        if (rc == 0)
            rc = 1;
        goto done;
    }
    printf("%s\n", run_dir);
    rc = 0;
done:
    free(run_dir);
    free(arch_copy);
    free(storage_copy);
    return rc;
}
