/* overhead report: the whole job behind `make report`. Measures the phases
 * of the measurement plan (measure/plan.c: the saturated comparison with
 * unprofiled copies, a chat-rate phase, an A/A control, a storage sweep, a
 * cluster), analyses them together and publishes
 * docs/sprints/active/<sprint>/CPU_OVERHEAD_ANALYSIS.{md,html,json} plus the
 * docs index. The steps share one report_state. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis.h"
#include "cli.h"
#include "opts.h"
#include "plan.h"
#include "publish.h"
#include "report_data.h"
#include "runner.h"

/* The report folder when --sprint is not given (also `make report`'s). */
#define REPORT_SPRINT "10.5-The-French-Connection-II"
#define REPORT_DOCS   "docs"
#define REPORT_RUNS   "runs"
#define MAX_DIRS      64
#define MAX_SPECS     28
#define NAME_BYTES    255 /* a folder name's limit on Linux (NAME_MAX) */
#define TOPUP_HALF_PCT 5.0   /* headline half-width wanted, points of overhead */
#define TOPUP_BUDGET_S 200.0 /* the saturated phase's share of a 6-minute report */

typedef struct report_state {
    /* options */
    plan_options plan;
    const char *sprint, *docs, *runs;
    const char *repeatability; /* --repeatability: a file, "none", or NULL */
    char repeat_path[4096];    /* the file used, "" for none */
    double target, reference, team_rate;
    int progress, from;
    opt_list sweep, rate_sweep;
    int64_t seed;
    const char *replica; /* --replica, or NULL */
    opt_spec specs[MAX_SPECS];
    int argc;
    char **argv;
    /* measuring */
    plan_phase phases[PLAN_MAX_PHASES];
    size_t nphases;
    char *run_dirs[PLAN_MAX_PHASES]; /* owned */
    char *topup_dir;                 /* owned: the saturated phase's extra rounds */
    /* analysing and publishing: the run directories, the main one first */
    const char *dirs[MAX_DIRS];
    size_t ndirs;
    char reproduce[1024];
    error err;
} report_state;

/* 12345 as "12,345". */
static const char *report_thousands(char *out, size_t size, int64_t v) {
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)v);
    size_t k = 0;
    for (int i = 0; i < n && k + 2 < size; i++) {
        if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
    return out;
}

/* The step whose rounds -k sets. */
static const plan_step *report_main_step(void) {
    for (size_t i = 0; i < plan_nsteps; i++)
        if (plan_steps[i].overrides)
            return &plan_steps[i];
    return &plan_steps[0];
}

/* The replica step of the plan. */
static const plan_step *report_replica_step(void) {
    for (size_t i = 0; i < plan_nsteps; i++)
        if (plan_steps[i].arms == PLAN_ARMS_REPLICA)
            return &plan_steps[i];
    return &plan_steps[0];
}

/* The --help text; its numbers come from the plan. */
static void report_usage(FILE *out) {
    plan_options d;
    plan_defaults(&d);
    char mem[32], fsync[32], sweep[128] = "";
    for (int i = 0; i < d.nsweep; i++)
        snprintf(sweep + strlen(sweep), sizeof sweep - strlen(sweep), "%s%s",
                 i ? "," : "", d.sweep[i]);
    const plan_step *main_step = report_main_step();
    fprintf(
        out,
        "usage: overhead report [options]\n\n"
        "Measure, analyse and publish in one go (what `make report` runs):\n"
        "  1. saturated rounds, one baseline for everything: direct, NATS (bot and\n"
        "     DatabaseService as two processes) and every what-if variant of the\n"
        "     workloads (grouped message release, compact encoding, batched commits,\n"
        "     direct batched too; `overhead run --help`), unprofiled, each round in a\n"
        "     fresh seeded random order, plus profiled direct and NATS trials for\n"
        "     attribution; every comparison paired within rounds; more rounds when\n"
        "     the headline interval is wider than 5 points and time allows;\n"
        "  2. chat rate: the same at a fixed event rate (CPU in points of one core);\n"
        "  3. A/A control: direct against direct with the saturated phase's events\n"
        "     per trial (the noise floor);\n"
        "  4. storage sweep: the comparison again with other storage settings, one run\n"
        "     each (%s events in memory, %s where every commit is fsynced);\n"
        "  5. with --cluster N: NATS on an N-node cluster with K services, and "
        "JetStream;\n"
        "  6. rate sweep: the comparison at more event rates (10, 30, 300, 1000,\n"
        "     3000, 10000/s), unprofiled, for the CPU-against-rate model (about\n"
        "     90 s; not in a --quick report unless --rate-sweep is given);\n"
        "  7. replica: the team's test_nats_cpu_overhead as they wrote it (one process,\n"
        "     500 events at 100/s, minus its idle CPU, nats-server excluded, events on\n"
        "     a subject nobody stores), %lld rounds, for the reference figure;\n"
        "  8. latency: publish-to-commit p50/p99 of the NATS baseline and every\n"
        "     variant at the chat rate and at half the saturated baseline's rate,\n"
        "     unprofiled (about 20 s).\n"
        "Then writes DOCS/sprints/active/SPRINT/CPU_OVERHEAD_ANALYSIS.{md,html,json},\n"
        "rebuilds DOCS/index.html and prints the verdict. About 5-6 minutes on 2 "
        "cores.\n\n",
        report_thousands(mem, sizeof mem, plan_storage_events("memory", 0)),
        report_thousands(fsync, sizeof fsync, plan_storage_events("wal-full", 0)),
        (long long)report_replica_step()->trials.full);
    fprintf(
        out,
        "options:\n"
        "  --sprint NAME      report folder (default %s)\n"
        "  --docs DIR         docs site root (default docs)\n"
        "  --runs DIR         where the runs are kept (default runs)\n"
        "  --quick            a short run for trying things (about a minute; wide CIs)\n"
        "  -k, --trials K     rounds of the saturated comparison (default %lld, more\n"
        "                     if needed for a 5-point interval; quick %lld)\n"
        "  -n, --events N     events per saturated trial (default %lld; quick %lld)\n"
        "  --seed S           the saturated rounds' order seed (default: a fresh one,\n"
        "                     recorded in run.json)\n"
        "  --storage NAME     main storage setting (default wal: WAL, "
        "synchronous=NORMAL)\n"
        "  --sweep LIST       other storage settings to compare (default "
        "%s;\n"
        "                     'none' to skip)\n"
        "  --rate R           chat rate in events/s (default %g; 0 to skip the phase)\n"
        "  --no-aa            skip the A/A control\n"
        "  --replica MODE     the team's test: written (default; nothing stored, as\n"
        "                     they ran it), both (also with every event stored, as\n"
        "                     intended: ~30 s more) or none\n"
        "  --no-optimize      no what-if variants in the saturated rounds\n"
        "  --no-unprofiled    skip the unprofiled trials\n"
        "  --nats-arch ARCH   nats-2p (default) or nats (one process, the seed's "
        "set-up)\n"
        "  --cluster N        add a cluster phase: N nats-server nodes, nats-cluster (K\n"
        "                     services in a queue group) and jetstream, as many events\n"
        "                     per trial as the saturated phase; its baselines are that\n"
        "                     phase's direct and NATS trials (same storage and N), so "
        "no\n"
        "                     direct trial of its own is pooled into the main verdict\n"
        "  --services K       services of the cluster phase (default %d)\n"
        "  --target PCT       overhead target in percent (default 5)\n"
        "  --reference PCT    the figure the team quoted (default 5.80)\n"
        "  --rate-sweep LIST  event rates for the CPU-against-rate model besides the\n"
        "                     chat rate and saturation (default\n"
        "                     10,30,300,1000,3000,10000;\n"
        "                     'none' to skip)\n"
        "  --team-rate R      your chat's events/s: the rate model's verdict there\n"
        "  --repeatability FILE  the run-to-run component from 'overhead repeat'\n"
        "                     (default DOCS/repeatability.json when it exists, as\n"
        "                     'make repeat' writes it; 'none' to leave it out):\n"
        "                     stated beside the headline when measured on this host\n"
        "  --from DIR...      skip measuring: analyse and publish these run directories\n"
        "                     (the rest of the command line; the first is the main run)\n"
        "  --progress         runner progress on stderr even when it is not a terminal\n"
        "  -h, --help         this text\n\n"
        "Exit status: 0 published; 1 a trial failed or lost events, or the analysis\n"
        "found too few trials; 2 bad options or input.\n",
        REPORT_SPRINT, (long long)main_step->trials.full,
        (long long)main_step->trials.quick, (long long)main_step->events.full,
        (long long)main_step->events.quick, sweep, d.rate, d.services);
}

static void report_progress(void *ctx, const char *line) {
    fprintf(stderr, "overhead report: [%s] %s\n", (const char *)ctx, line);
}

/* --sprint becomes a folder name under docs/sprints/active/. */
static int report_sprint_check(const char *v, const char **expected) {
    *expected = "a folder name: not empty, '.' or '..', no '/' or control characters, "
                "at most 255 bytes";
    if (*v == '\0' || strcmp(v, ".") == 0 || strcmp(v, "..") == 0 ||
        strlen(v) > NAME_BYTES)
        return -1;
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c == '/' || *c < 0x20 || *c == 0x7f)
            return -1;
    return 0;
}

/* The option table, pointing into 'st'. */
static void report_specs(report_state *st) {
    plan_options *p = &st->plan;
    const opt_spec specs[] = {
        OPT_CHECKED("sprint", 0, &st->sprint, report_sprint_check),
        OPT_STRING("docs", 0, &st->docs),
        OPT_STRING("runs", 0, &st->runs),
        OPT_FLAG("quick", 0, &p->quick, 1),
        OPT_INT("trials", 'k', &p->trials, 2, 1000),
        OPT_INT("events", 'n', &p->events, 1, 100000000),
        OPT_STRING("storage", 0, &p->storage),
        OPT_LIST("sweep", 0, &st->sweep, 0, PLAN_MAX_SWEEP),
        OPT_LIST("rate-sweep", 0, &st->rate_sweep, 0, PLAN_MAX_SWEEP),
        OPT_DOUBLE("rate", 0, &p->rate, 0, 1e6),
        OPT_FLAG("no-aa", 0, &p->aa, 0),
        OPT_CHOICE("replica", 0, &st->replica, "written|both|none"),
        OPT_FLAG("no-optimize", 0, &p->optimize, 0),
        OPT_INT("seed", 0, &st->seed, 1, 1000000000000000LL),
        OPT_FLAG("no-unprofiled", 0, &p->unprofiled, 0),
        OPT_CHOICE("nats-arch", 0, &p->nats_arch, "nats|nats-2p"),
        OPT_INT("cluster", 0, &p->cluster, 0, 9),
        OPT_INT("services", 0, &p->services, 1, RUNNER_MAX_SERVICES),
        OPT_DOUBLE("target", 0, &st->target, 0, 1e6),
        OPT_DOUBLE("reference", 0, &st->reference, 0, 1e6),
        OPT_DOUBLE("team-rate", 0, &st->team_rate, 0, 1e9),
        OPT_STRING("repeatability", 0, &st->repeatability),
        OPT_REST("from", &st->from),
        OPT_FLAG("progress", 0, &st->progress, 1),
        OPT_HELP,
        OPT_END,
    };
    _Static_assert(sizeof specs <= sizeof st->specs, "MAX_SPECS is too small");
    memcpy(st->specs, specs, sizeof specs);
}

/* Defaults, then the command line. Returns OPTS_OK, OPTS_HELP or -1. */
static int report_parse(report_state *st, int argc, char **argv) {
    analysis_options ao;
    analysis_defaults(&ao);
    plan_defaults(&st->plan);
    st->sprint = REPORT_SPRINT;
    st->docs = REPORT_DOCS;
    st->runs = REPORT_RUNS;
    st->target = ao.target_pct;
    st->reference = ao.reference_pct;
    st->progress = isatty(2);
    st->sweep.n = -1; /* not given */
    st->rate_sweep.n = -1;
    st->argc = argc;
    st->argv = argv;
    report_specs(st);
    opts_args args = {0};
    int rc = opts_parse(st->specs, argc, argv, &args, &st->err);
    if (rc == OPTS_OK && args.n > 0 && (!st->from || args.split > 0))
        rc = error_set(&st->err, ERR_INPUT,
                       "unexpected argument '%s' (see 'overhead report --help')",
                       args.v[0]);
    else if (rc == OPTS_OK && st->from && args.n == 0)
        rc = error_set(&st->err, ERR_INPUT, "--from needs at least one run directory");
    else if (rc == OPTS_OK && args.n > MAX_DIRS)
        rc = error_set(&st->err, ERR_INPUT, "more than %d run directories", MAX_DIRS);
    for (int i = 0; rc == OPTS_OK && i < args.n; i++)
        st->dirs[st->ndirs++] = args.v[i];
    opts_args_free(&args);
    st->plan.seed = (uint64_t)st->seed;
    if (st->replica != NULL)
        st->plan.replica = strcmp(st->replica, "none") == 0      ? 0
                           : strcmp(st->replica, "written") == 0 ? RUNNER_REPLICA_WRITTEN
                                                                 : RUNNER_REPLICA_WRITTEN |
                                                                       RUNNER_REPLICA_STORED;
    if (rc == OPTS_OK && st->sweep.n >= 0) {
        int none = st->sweep.n == 1 && strcmp(st->sweep.items[0], "none") == 0;
        st->plan.nsweep = none ? 0 : st->sweep.n;
        for (int i = 0; i < st->plan.nsweep; i++)
            st->plan.sweep[i] = st->sweep.items[i];
    }
    if (rc == OPTS_OK && st->rate_sweep.n >= 0) {
        st->plan.nrates = 0;
        st->plan.rates_given = 1;
    }
    if (rc == OPTS_OK && st->rate_sweep.n == 1 && strcmp(st->rate_sweep.items[0], "none") == 0)
        st->rate_sweep.n = 0;
    for (int i = 0; rc == OPTS_OK && i < st->rate_sweep.n; i++) {
        const char *v = st->rate_sweep.items[i];
        char *end = NULL;
        double r = strtod(v, &end);
        if (end == v || *end != '\0' || !(r > 0 && r <= 1e6))
            rc = error_set(&st->err, ERR_INPUT,
                           "--rate-sweep: '%s' is not an event rate (0 < R <= 1000000)", v);
        else
            st->plan.rates[st->plan.nrates++] = r;
    }
    return rc;
}

/* The phases, each a runner configuration checked before any trial runs. */
static int report_plan(report_state *st) {
    if (plan_build(st->phases, &st->nphases, &st->plan, &st->err) != 0)
        return cli_fail("report", &st->err);
    const char *url = getenv("NATS_URL"), *workloads = getenv("OVERHEAD_WORKLOADS");
    for (size_t i = 0; i < st->nphases; i++) {
        runner_config *cfg = &st->phases[i].cfg;
        cfg->nats_server = OVERHEAD_NATS_SERVER_DEFAULT;
        if (workloads != NULL && *workloads != '\0')
            cfg->workload_dir = workloads;
        /* The cluster phase starts its own cluster (see --cluster). */
        if (url != NULL && *url != '\0' && cfg->cluster < 2)
            cfg->nats_url = url;
        cfg->out_dir = st->runs;
        cfg->argc = st->argc;
        cfg->argv = st->argv;
        if (st->progress) {
            cfg->progress = report_progress;
            cfg->progress_ctx = (void *)st->phases[i].name;
        }
        if (runner_validate(cfg, &st->err) != 0)
            return cli_failf("report", st->err.kind, "%s phase: %s", st->phases[i].name,
                             st->err.text);
    }
    return 0;
}

/* Seconds on the monotonic clock. */
static double report_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Size the headline from its own first rounds: when the saturated phase's
 * interval is wider than TOPUP_HALF_PCT points and more rounds would narrow
 * it, run as many more as fit in TOPUP_BUDGET_S (measured from the phase's
 * own pace), with the same events per trial; the analysis pools both runs.
 * Not with --quick or an explicit -k. Returns 0, or nonzero when the extra
 * run failed (the message is printed). */
static int report_topup(report_state *st, const plan_phase *first, double elapsed) {
    if (st->plan.quick || st->plan.trials > 0 || first->cfg.trials < 1)
        return 0;
    analysis_options o;
    analysis_defaults(&o);
    o.nats_arch = st->plan.nats_arch;
    analysis_sizing sz;
    error err;
    error_clear(&err);
    const char *dir[] = {st->run_dirs[0]};
    if (analysis_size(&sz, dir, 1, TOPUP_HALF_PCT, &o, &err) != 0 || sz.needed < 0 ||
        (size_t)sz.needed <= sz.have)
        return 0;
    double per_round = elapsed / first->cfg.trials;
    long fit = per_round > 0 ? (long)((TOPUP_BUDGET_S - elapsed) / per_round) : 0;
    long extra = sz.needed - (long)sz.have < fit ? sz.needed - (long)sz.have : fit;
    fprintf(stderr,
            "overhead report: headline half-width %.1f points after %zu %s; "
            "about %ld would give %.0f: %s\n",
            sz.half_pct, sz.have, sz.paired ? "paired rounds" : "trials a side",
            sz.needed, TOPUP_HALF_PCT,
            extra > 0 ? "running more rounds" : "no time left for more in this report");
    if (extra <= 0)
        return 0;
    plan_phase more = *first;
    more.cfg.trials = (int)extra;
    more.cfg.warmup = 0;
    /* its own order: the first run's seed would repeat the first rounds' */
    if (more.cfg.order_seed != 0)
        more.cfg.order_seed += 1;
    more.events_from_first = 1;
    plan_resolve(&more, st->run_dirs[0]);
    fprintf(stderr, "overhead report: phase %s (%ld more rounds, about %.0f s)\n",
            first->name, extra, per_round * (double)extra);
    if (runner_run(&more.cfg, &st->topup_dir, &st->err) != 0)
        return cli_failf("report", st->err.kind, "%s phase (more rounds): %s",
                         first->name, st->err.text);
    st->dirs[st->ndirs++] = st->topup_dir;
    return 0;
}

/* Run the phases in order; each run directory joins st->dirs. */
static int report_measure(report_state *st) {
    runner_catch_signals();
    double t0 = report_now();
    for (size_t i = 0; i < st->nphases; i++) {
        plan_phase *ph = &st->phases[i];
        plan_resolve(ph, st->run_dirs[0]);
        fprintf(stderr, "overhead report: phase %zu/%zu: %s\n", i + 1, st->nphases,
                ph->name);
        if (runner_run(&ph->cfg, &st->run_dirs[i], &st->err) != 0) {
            int rc =
                cli_failf("report", st->err.kind, "%s phase: %s", ph->name, st->err.text);
            if (st->run_dirs[i] != NULL)
                fprintf(stderr, "overhead report: its records are in %s\n",
                        st->run_dirs[i]);
            return rc;
        }
        st->dirs[st->ndirs++] = st->run_dirs[i];
        if (i == 0 && report_topup(st, ph, report_now() - t0) != 0)
            return 1;
    }
    return 0;
}

/* Append " NAME=VALUE" to st->reproduce: VALUE with each '$' doubled (make
 * expands a command-line variable's value), then shell-quoted when 'quote'. */
static int report_repro_var(report_state *st, const char *name, const char *value,
                            int quote) {
    char escaped[1024];
    size_t k = 0, n = strlen(st->reproduce), size = sizeof st->reproduce;
    for (const char *c = value; *c; c++) {
        if (k + 3 >= sizeof escaped)
            return -1;
        if (*c == '$')
            escaped[k++] = '$';
        escaped[k++] = *c;
    }
    escaped[k] = '\0';
    if ((size_t)snprintf(st->reproduce + n, size - n, " %s=", name) >= size - n)
        return -1;
    if (quote)
        return cli_shell_quote(st->reproduce, size, escaped) < size ? 0 : -1;
    n = strlen(st->reproduce);
    int len = snprintf(st->reproduce + n, size - n, "%s", escaped);
    return (size_t)len < size - n ? 0 : -1;
}

/* The make command line that reproduces this report: make's own variables
 * where there is one, the other options as REPORT_ARGS (which the Makefile
 * splits at blanks), every value quoted for the shell. */
static int report_reproduce(report_state *st) {
    char extra[768] = "";
    size_t ne = 0;
    opts_iter it;
    const opt_spec *s;
    const char *v;
    snprintf(st->reproduce, sizeof st->reproduce, "make report");
    int rc = strcmp(st->sprint, REPORT_SPRINT) != 0
                 ? report_repro_var(st, "SPRINT", st->sprint, 1)
                 : 0;
    opts_iter_init(&it, st->argc, st->argv);
    while (rc == 0 && opts_next(&it, st->specs, &s, &v, NULL) == 1) {
        const char *name = s->name;
        if (s->kind == OPT_KIND_REST)
            break; /* the runs themselves are what reproduces those */
        if (strcmp(name, "progress") == 0 || strcmp(name, "sprint") == 0 ||
            (strcmp(name, "docs") == 0 && strcmp(v, REPORT_DOCS) == 0) ||
            (strcmp(name, "runs") == 0 && strcmp(v, REPORT_RUNS) == 0))
            continue;
        if (strcmp(name, "quick") == 0)
            rc = report_repro_var(st, "QUICK", "1", 0);
        else if (strcmp(name, "cluster") == 0 || strcmp(name, "services") == 0)
            rc = report_repro_var(st, name[0] == 'c' ? "CLUSTER" : "SERVICES", v, 0);
        else
            ne += (size_t)snprintf(extra + ne, ne < sizeof extra ? sizeof extra - ne : 0,
                                   "%s%s%s%s", ne ? " " : "", it.opt, v ? " " : "",
                                   v ? v : "");
    }
    if (rc == 0 && ne >= sizeof extra)
        rc = -1;
    if (rc == 0 && extra[0] != '\0')
        rc = report_repro_var(st, "REPORT_ARGS", extra, 1);
    if (rc != 0)
        return cli_failf("report", ERR_INPUT, "the command line is too long to record");
    return 0;
}

/* The `overhead analyze` options that, with the run directories, re-create
 * the analysis from the published data (data/README.md), shell-quoted. */
static void report_analyze_opts(const report_state *st, const analysis_options *o,
                                char *opts, size_t size) {
    snprintf(opts, size, "--target %g --reference %g", st->target, st->reference);
    if (st->team_rate > 0) {
        size_t n = strlen(opts);
        snprintf(opts + n, size - n, " --team-rate %g", st->team_rate);
    }
    if (!st->from && st->plan.rate > 0) {
        size_t n = strlen(opts);
        snprintf(opts + n, size - n, " --chat-rate %g", st->plan.rate);
    }
    if (st->repeat_path[0] != '\0') {
        size_t n = strlen(opts);
        snprintf(opts + n, size - n, " --repeatability repeatability.json");
    }
    const char *names[] = {"--sprint", "--reproduce", "--nats-arch", "--storage"};
    const char *vals[] = {st->sprint, st->reproduce, o->nats_arch, o->storage};
    for (size_t i = 0; i < 4; i++)
        if (vals[i] != NULL) {
            size_t n = strlen(opts);
            snprintf(opts + n, size - n, " %s ", names[i]);
            cli_shell_quote(opts, size, vals[i]);
        }
}

/* Analyse every run together, publish the report and the index, print
 * where they are and the verdict. */
static int report_publish(report_state *st) {
    analysis_options o;
    analysis_defaults(&o);
    o.target_pct = st->target;
    o.reference_pct = st->reference;
    o.team_rate = st->team_rate;
    o.chat_rate = st->from ? 0 : st->plan.rate;
    o.nats_arch = st->from ? NULL : st->plan.nats_arch;
    o.storage = st->from ? NULL : st->plan.storage;
    o.sprint = st->sprint;
    o.categories = cli_data_file("categories.tsv");
    o.functions = cli_data_file("functions.tsv");
    o.reproduce = st->reproduce;
    /* the run-to-run component: --repeatability FILE, or DOCS/repeatability.json
     * (`make repeat` writes it) when there is one; "none" for neither */
    st->repeat_path[0] = '\0';
    if (st->repeatability != NULL && strcmp(st->repeatability, "none") != 0)
        snprintf(st->repeat_path, sizeof st->repeat_path, "%s", st->repeatability);
    else if (st->repeatability == NULL) {
        snprintf(st->repeat_path, sizeof st->repeat_path, "%.4000s/repeatability.json",
                 st->docs);
        if (access(st->repeat_path, F_OK) != 0)
            st->repeat_path[0] = '\0';
    }
    o.repeatability = st->repeat_path[0] ? st->repeat_path : NULL;
    json_t *a = NULL;
    if (analysis_run(&a, st->dirs, st->ndirs, &o, &st->err) != 0)
        return cli_failf("report", st->err.kind, "analysis: %s", st->err.text);
    char outdir[4096];
    snprintf(outdir, sizeof outdir, "%s/sprints/active/%s", st->docs, st->sprint);
    publish_paths paths = cli_template_paths(cli_templates_dir());
    char opts[2048];
    report_analyze_opts(st, &o, opts, sizeof opts);
    if (publish_report(outdir, a, &paths, "../../../index.html", &st->err) != 0 ||
        report_data_write(outdir, st->dirs, st->ndirs, opts, o.repeatability, a,
                          &st->err) != 0 ||
        publish_index(st->docs, &paths, &st->err) != 0) {
        json_decref(a);
        return cli_fail("report", &st->err);
    }
    json_t *h = json_object_get(a, "headline");
    printf("Report: %s/CPU_OVERHEAD_ANALYSIS.md\n"
           "        %s/CPU_OVERHEAD_ANALYSIS.html\n"
           "        %s/CPU_OVERHEAD_ANALYSIS.json\n"
           "Index:  %s/index.html\n"
           "Verdict: %s: %s%% per-event overhead (95%% interval %s%% to %s%%) against a %g%% "
           "target; recommendation: %s\n",
           outdir, outdir, outdir, st->docs,
           json_string_value(json_object_get(h, "verdict")),
           json_string_value(json_object_get(h, "overhead_pct")),
           json_string_value(json_object_get(h, "ci_lo_pct")),
           json_string_value(json_object_get(h, "ci_hi_pct")), st->target,
           json_string_value(
               json_object_get(json_object_get(a, "recommendation"), "decision")));
    json_decref(a);
    return 0;
}

int cmd_report(int argc, char **argv) {
    report_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return cli_failf("report", ERR_NOMEM, "out of memory");
    error_clear(&st->err);
    int parsed = report_parse(st, argc, argv), rc = 0;
    if (parsed == OPTS_HELP)
        report_usage(stdout);
    else if (parsed != OPTS_OK)
        rc = cli_fail("report", &st->err);
    else
        rc = report_reproduce(st);
    if (rc == 0 && parsed == OPTS_OK && !st->from) {
        rc = report_plan(st);
        if (rc == 0)
            rc = report_measure(st);
    }
    if (rc == 0 && parsed == OPTS_OK)
        rc = report_publish(st);
    for (size_t i = 0; i < PLAN_MAX_PHASES; i++)
        free(st->run_dirs[i]);
    free(st->topup_dir);
    free(st);
    return rc;
}
