/* overhead run: measure both architectures in interleaved trials and write
 * the run records (see runner.h and docs/run-record.md). This file parses
 * the options, installs the SIGINT/SIGTERM handlers and prints; the work is
 * in runner.c. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "opts.h"
#include "perfrec.h"
#include "procstat.h"
#include "runner.h"

/* The --help text: one line per option, kept as typed. */
/* clang-format off */
static void run_usage(FILE *out) {
    fputs(
"usage: overhead run [options]\n"
"\n"
"Run the direct and NATS workloads in interleaved trials (A B B A ...) under the\n"
"gperftools CPU profiler and account the CPU of every process involved: the\n"
"workloads (wait4 rusage) and nats-server (/proc/PID/schedstat deltas). Writes\n"
"OUT/<UTC timestamp>/trial-NN-<tag>.{json,prof} and run.json; prints that\n"
"directory on stdout. Records: docs/run-record.md.\n"
"\n", out);
    fputs("options:\n"
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
    , out);
    fputs(
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
"  --variant LIST       workload what-if variants, comma-separated: every\n"
"                       architecture runs with each that applies to it, tagged\n"
"                       ARCH+VARIANT (baseline keeps the bare tag); the\n"
"                       workloads' --help says what each changes and gives up:\n"
"                         baseline  the bot as deployed\n"
"                         gc64      NATS: messages destroyed 64 at a time, after\n"
"                                   their commits (fewer collector wake-ups)\n"
"                         compact   NATS: fixed binary layout instead of JSON\n"
"                         batch10, batch100  one transaction per 10/100 events\n"
"                                   (also direct): a crash loses the open batch\n"
"                         batch100-compact   NATS: both\n"
"", out);
    fprintf(out,
"  --freq HZ            profiler sampling frequency (default 250; the kernel tick caps\n"
"                       itimer and thread-timers at ~250 Hz, so more only\n"
"                       misstates their period)\n"
"  --sampler S          itimer (default), task-clock or thread-timers; see\n"
"                       docs/run-record.md\n""  --perf HZ            Linux perf records every profiled process too, at the same\n"
"                       time, at HZ (e.g. 999; cpu-clock, DWARF call graphs): the\n"
"                       independent sampler of the cross-check, kept as\n"
"                       NAME.perf.txt beside NAME.prof (`overhead analyze` compares\n"
"                       the two per category); needs root or\n"
"                       kernel.perf_event_paranoid <= 1 (else exit 3, nothing run)\n"
"  --rate R             fixed-rate mode: the publisher paces R events/s (default:\n"
"                       saturated, as fast as possible)\n"
"  --replica MODE       the team's test_nats_cpu_overhead in place of the nats arm\n"
"                       (use with --arch nats --rate 100 -n 500 --unprofiled-only):\n"
"                       written (events on rosey.chat.message, the service on\n"
"                       rosey.db.message.log: the trial must store 0), stored (the\n"
"                       same subject: every event stored) or both; each process\n"
"                       first idles 1 s and records its CPU over it (replica.idle)\n"
"  --aa                 A/A control: direct against direct, interleaved like a real\n"
"                       comparison, to measure the noise floor (replaces --arch)\n"
"  --unprofiled         add an unprofiled copy of every variant, interleaved, to\n"
"                       measure the profiler's own cost\n"
"  --unprofiled-only    no profiled trials at all (CPU comparisons only)\n"
"  --no-warmup          skip the warm-up trial of each variant\n"
"  --seed S             each round in a fresh random order drawn from S (1..10^15;\n"
"                       recorded in run.json, each record its round and position);\n"
"                       default: rounds alternate A B C, C B A\n"
"  --profile-baseline   profiled copies only of each architecture's baseline (with\n"
"                       --variant: the variants run unprofiled only)\n"
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
"unreachable NATS URL or unwritable output directory (before any trial); 3 --perf\n"
"and perf cannot sample here (the reason on stderr; nothing run).\n",
            OVERHEAD_NATS_SERVER_DEFAULT);
}
/* clang-format on */

static void run_progress(void *ctx, const char *line) {
    (void)ctx;
    fprintf(stderr, "overhead run: %s\n", line);
}

/* What the command line sets besides the runner configuration. */
typedef struct run_args {
    runner_config cfg;
    opt_list archs, storages, variants;
    int progress;
    int64_t seed;
    const char *replica; /* --replica MODE, or NULL */
} run_args;

/* The options of `overhead run`, every one stored into 'r'. */
static int run_parse(run_args *r, int argc, char **argv, error *err) {
    runner_config *c = &r->cfg;
    const opt_spec specs[] = {
        OPT_INT("events", 'n', &c->events, 1, 100000000),
        OPT_INT("trials", 'k', &c->trials, 1, 1000),
        OPT_LIST("arch", 0, &r->archs, 1, RUNNER_MAX_LIST),
        OPT_LIST("storage", 0, &r->storages, 1, RUNNER_MAX_LIST),
        OPT_INT("batch", 0, &c->batch, 1, 1000000),
        OPT_LIST("variant", 0, &r->variants, 1, RUNNER_MAX_LIST),
        OPT_INT("freq", 0, &c->freq, 1, 4000),
        OPT_CHOICE("sampler", 0, &c->sampler, "itimer|thread-timers|task-clock"),
        OPT_INT("perf", 0, &c->perf_hz, 1, 100000),
        OPT_DOUBLE("rate", 0, &c->rate, 0, 1e9),
        OPT_CHOICE("replica", 0, &r->replica, "written|stored|both"),
        OPT_FLAG("aa", 0, &c->aa, 1),
        OPT_FLAG("unprofiled", 0, &c->unprofiled, 1),
        OPT_FLAG("unprofiled-only", 0, &c->no_profiled, 1),
        OPT_FLAG("no-warmup", 0, &c->warmup, 0),
        OPT_INT("seed", 0, &r->seed, 1, 1000000000000000LL),
        OPT_FLAG("profile-baseline", 0, &c->profile_baseline, 1),
        OPT_INT("min-samples", 0, &c->min_samples, 1, 100000000),
        OPT_STRING("out", 'o', &c->out_dir),
        OPT_STRING("nats-url", 0, &c->nats_url),
        OPT_INT("nats-pid", 0, &c->nats_pid, 1, 1 << 30),
        OPT_STRING("nats-server", 0, &c->nats_server),
        OPT_STRING("workloads", 0, &c->workload_dir),
        OPT_DOUBLE("trial-timeout", 0, &c->trial_timeout, 0.001, 1e9),
        OPT_INT("cluster", 0, &c->cluster, 1, 9),
        OPT_INT("services", 0, &c->services, 1, RUNNER_MAX_SERVICES),
        OPT_CHOICE("js-storage", 0, &c->js_storage, "file|memory"),
        OPT_FLAG("accept-loss", 0, &c->accept_loss, 1),
        OPT_FLAG("progress", 0, &r->progress, 1),
        OPT_FLAG("quiet", 'q', &r->progress, 0),
        OPT_HELP,
        OPT_END,
    };
    int rc = opts_parse(specs, argc, argv, NULL, err);
    if (rc != OPTS_OK)
        return rc;
    for (int i = 0; i < r->archs.n; i++)
        c->archs[i] = r->archs.items[i];
    if (r->archs.n > 0)
        c->narchs = r->archs.n;
    for (int i = 0; i < r->variants.n; i++)
        c->variants[i] = r->variants.items[i];
    c->nvariants = r->variants.n;
    c->order_seed = (uint64_t)r->seed;
    if (r->replica != NULL)
        c->replica = strcmp(r->replica, "written") == 0  ? RUNNER_REPLICA_WRITTEN
                     : strcmp(r->replica, "stored") == 0 ? RUNNER_REPLICA_STORED
                                                         : RUNNER_REPLICA_WRITTEN |
                                                               RUNNER_REPLICA_STORED;
    for (int i = 0; i < r->storages.n; i++)
        c->storages[i] = r->storages.items[i];
    if (r->storages.n > 0)
        c->nstorages = r->storages.n;
    if (c->nats_pid > 0 && c->nats_url == NULL)
        return error_set(err, ERR_INPUT, "--nats-pid needs --nats-url (or NATS_URL)");
    if (c->sampler != NULL && strcmp(c->sampler, "task-clock") == 0 &&
        !procstat_task_clock_ok())
        return error_set(err, ERR_INPUT,
                         "--sampler task-clock: perf events cannot be opened here (needs "
                         "root, CAP_PERFMON or kernel.perf_event_paranoid <= 1)");
    return OPTS_OK;
}

int cmd_run(int argc, char **argv) {
    run_args r = {.progress = isatty(2)};
    runner_config *cfg = &r.cfg;
    char *run_dir = NULL;
    error err;
    error_clear(&err);
    runner_defaults(cfg);
    cfg->nats_server = OVERHEAD_NATS_SERVER_DEFAULT;
    if (getenv("OVERHEAD_WORKLOADS") != NULL && *getenv("OVERHEAD_WORKLOADS") != '\0')
        cfg->workload_dir = getenv("OVERHEAD_WORKLOADS");
    if (getenv("NATS_URL") != NULL && *getenv("NATS_URL") != '\0')
        cfg->nats_url = getenv("NATS_URL");
    cfg->argc = argc;
    cfg->argv = argv;
    int rc = run_parse(&r, argc, argv, &err);
    if (rc == OPTS_HELP) {
        run_usage(stdout);
        return 0;
    }
    if (rc != OPTS_OK)
        return cli_fail("run", &err);
    if (r.progress) {
        cfg->progress = run_progress;
        cfg->progress_ctx = NULL;
    }
    if (cfg->perf_hz > 0) {
        char why[512];
        if (!perfrec_usable(why, sizeof why)) {
            fprintf(stderr, "overhead run: --perf skipped: %s\n", why);
            return 3;
        }
    }
    runner_catch_signals();
    if (runner_run(cfg, &run_dir, &err) != 0) {
        rc = cli_fail("run", &err);
        if (run_dir != NULL)
            fprintf(stderr, "overhead run: records so far in %s\n", run_dir);
        free(run_dir);
        return rc;
    }
    printf("%s\n", run_dir);
    free(run_dir);
    return 0;
}
