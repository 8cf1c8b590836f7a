#include "runner_int.h"
#include "chatproto.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnu/libc-version.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nats/nats.h>
#include <sqlite3.h>

#include "fileio.h"
#include "natscluster.h"
#include "natsd.h"
#include "procstat.h"
#include "quiet.h"

#ifndef OVERHEAD_GPERFTOOLS_VERSION
#define OVERHEAD_GPERFTOOLS_VERSION "unknown"
#endif
#ifndef OVERHEAD_SOURCE_DIR
#define OVERHEAD_SOURCE_DIR "."
#endif
#ifndef OVERHEAD_WORKLOAD_DIR
#define OVERHEAD_WORKLOAD_DIR "workloads"
#endif
#ifndef OVERHEAD_NATS_SERVER
#define OVERHEAD_NATS_SERVER "/usr/bin/nats-server"
#endif

/* The highest sampling frequency --freq accepts. */
#define RUNNER_MAX_FREQ_HZ 4000
/* The kernel tick: about this many samples per CPU-second at most from the
 * CPU-time timers (itimer, thread-timers); the default rate. */
#define RUNNER_TICK_HZ 250
/* Without a warm-up or a rate: events per trial. */
#define RUNNER_DEFAULT_EVENTS 100000
/* Sizing from the warm-up: the fewest events, a multiple of the step, at
 * least the minimum, at most the maximum, with a margin for the warm-up's
 * optimism. */
#define RUNNER_SIZE_MIN    20000
#define RUNNER_SIZE_STEP   10000
#define RUNNER_SIZE_MAX    1000000
#define RUNNER_SIZE_MARGIN 1.25
/* A fixed-rate trial lasts this many seconds by default. */
#define RUNNER_RATE_SECONDS 5

volatile sig_atomic_t runner_stop_flag;

void runner_request_stop(void) {
    runner_stop_flag = 1;
}

static void runner_on_signal(int sig) {
    (void)sig;
    runner_request_stop();
}

void runner_catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = runner_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int runner_known_arch(const char *a) {
    return strcmp(a, "direct") == 0 || strcmp(a, "nats") == 0 ||
           strcmp(a, "nats-2p") == 0 || strcmp(a, "nats-cluster") == 0 ||
           strcmp(a, "jetstream") == 0;
}

void runner_defaults(runner_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->events = -1;
    cfg->trials = 4;
    cfg->archs[0] = "direct";
    cfg->archs[1] = "nats";
    cfg->archs[2] = "nats-2p";
    cfg->narchs = 3;
    cfg->storages[0] = "wal";
    cfg->nstorages = 1;
    cfg->batch = 1;
    cfg->freq = RUNNER_TICK_HZ;
    cfg->warmup = 1;
    cfg->min_samples = 2000;
    cfg->out_dir = "runs";
    cfg->nats_server = OVERHEAD_NATS_SERVER;
    cfg->workload_dir = OVERHEAD_WORKLOAD_DIR;
    cfg->trial_timeout = 300;
    cfg->services = 3;
    cfg->js_storage = "file";
}

/* Printf into the progress callback. */
static void runner_say(const runner_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void runner_say(const runner_config *cfg, const char *fmt, ...) {
    if (cfg->progress == NULL)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cfg->progress(cfg->progress_ctx, line);
}

/* mkdir -p. */
static int runner_mkdirs(const char *path, error *err) {
    char buf[RUNNER_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return error_errno(err, ERR_INPUT, errno, "cannot create %s", buf);
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return error_errno(err, ERR_INPUT, errno, "cannot create %s", buf);
    return 0;
}

int runner_validate(const runner_config *cfg, error *err) {
    char path[RUNNER_PATH_MAX];
    if (cfg->events != -1 && cfg->events < 1)
        return error_set(err, ERR_INPUT, "--events must be a positive integer, not %lld",
                         (long long)cfg->events);
    if (cfg->trials < 1)
        return error_set(err, ERR_INPUT, "--trials must be >= 1, not %d", cfg->trials);
    if (cfg->batch < 1)
        return error_set(err, ERR_INPUT, "--batch must be >= 1, not %d", cfg->batch);
    if (cfg->freq < 1 || cfg->freq > RUNNER_MAX_FREQ_HZ)
        return error_set(err, ERR_INPUT, "--freq must be 1..%d Hz, not %d",
                         RUNNER_MAX_FREQ_HZ, cfg->freq);
    if (!(cfg->rate >= 0) || isinf(cfg->rate))
        return error_set(err, ERR_INPUT, "--rate must be a non-negative number");
    if (!(cfg->trial_timeout > 0))
        return error_set(err, ERR_INPUT, "--trial-timeout must be positive");
    if (cfg->narchs < 1 && !cfg->aa)
        return error_set(err, ERR_INPUT, "--arch: no architecture given");
    for (int i = 0; i < cfg->narchs; i++)
        if (!runner_known_arch(cfg->archs[i]))
            return error_set(err, ERR_INPUT,
                             "--arch: unknown architecture '%s' (direct, nats, nats-2p, "
                             "nats-cluster, jetstream)",
                             cfg->archs[i]);
    for (int i = 0; i < cfg->nvariants; i++)
        if (!runner_variant_applies(cfg->variants[i], "nats"))
            return error_set(err, ERR_INPUT, "--variant: unknown variant '%s' (%s)",
                             cfg->variants[i], CHATPROTO_VARIANTS);
    if (cfg->narchs * (cfg->nvariants > 0 ? cfg->nvariants : 1) * cfg->nstorages >
        RUNNER_MAX_LIST * RUNNER_MAX_LIST)
        return error_set(err, ERR_INPUT, "too many architectures x variants x storages");
    if (cfg->cluster < 0 || cfg->cluster > NATSCLUSTER_MAX)
        return error_set(err, ERR_INPUT, "--cluster must be 1..%d nodes, not %d",
                         NATSCLUSTER_MAX, cfg->cluster);
    if (cfg->cluster > 1 && cfg->nats_url != NULL)
        return error_set(err, ERR_INPUT,
                         "--cluster starts a cluster: not with --nats-url/NATS_URL (list "
                         "the nodes there to use an existing cluster)");
    if (cfg->services < 1 || cfg->services > RUNNER_MAX_SERVICES)
        return error_set(err, ERR_INPUT, "--services must be 1..%d, not %d",
                         RUNNER_MAX_SERVICES, cfg->services);
    if (cfg->js_storage == NULL ||
        (strcmp(cfg->js_storage, "file") != 0 && strcmp(cfg->js_storage, "memory") != 0))
        return error_set(err, ERR_INPUT, "--js-storage must be file or memory");
    if (cfg->nstorages < 1)
        return error_set(err, ERR_INPUT, "--storage: no storage given");
    for (int i = 0; i < cfg->nstorages; i++)
        if (runner_storage(cfg->storages[i]) == NULL)
            return error_set(err, ERR_INPUT,
                             "--storage: unknown storage '%s' (memory, wal, wal-full, "
                             "delete)",
                             cfg->storages[i]);
    int multi = 0;
    for (int i = 0; i < cfg->narchs && !cfg->aa; i++)
        multi |= runner_multi(cfg->archs[i]);
    for (int i = 0; i < cfg->nstorages && multi; i++)
        if (runner_storage(cfg->storages[i])->memory)
            return error_set(err, ERR_INPUT,
                             "--storage memory: nats-cluster and jetstream need a file "
                             "storage (the runner counts event ids across the services' "
                             "databases after the trial)");
    const char *bins[] = {"chat_direct", "chat_nats"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", cfg->workload_dir, bins[i]);
        if (access(path, X_OK) != 0)
            return error_errno(err, ERR_INPUT, errno,
                               "workload %s (see --workloads or OVERHEAD_WORKLOADS)",
                               path);
    }
    int needs_nats = cfg->aa ? 0 : 0;
    for (int i = 0; i < cfg->narchs && !cfg->aa; i++)
        needs_nats |= strcmp(cfg->archs[i], "direct") != 0;
    if (needs_nats && cfg->nats_url != NULL) {
        if (natsd_probe(cfg->nats_url, 2000, err) != 0)
            return -1;
    } else if (needs_nats && access(cfg->nats_server, X_OK) != 0) {
        return error_errno(err, ERR_INPUT, errno, "nats-server %s", cfg->nats_server);
    }
    if (cfg->nats_pid > 0 && kill(cfg->nats_pid, 0) != 0)
        return error_errno(err, ERR_INPUT, errno, "--nats-pid %d", (int)cfg->nats_pid);
    if (strlen(cfg->out_dir) > RUNNER_OUT_DIR_MAX)
        return error_set(err, ERR_INPUT, "output directory name too long");
    if (runner_mkdirs(cfg->out_dir, err) != 0)
        return -1;
    if (access(cfg->out_dir, W_OK | X_OK) != 0)
        return error_errno(err, ERR_INPUT, errno, "output directory %s is not writable",
                           cfg->out_dir);
    return 0;
}

/* ---- the run ------------------------------------------------------------ */

/* The run's state, shared by its steps. */
typedef struct run {
    runner r;
    const runner_config *cfg;
    variant vs[RUNNER_MAX_LIST * RUNNER_MAX_LIST * 2];
    double est_cpu_ev[RUNNER_MAX_LIST * RUNNER_MAX_LIST * 2]; /* warm-up, s/event */
    int nv, needs_nats, needs_js;
    int64_t n; /* events per trial */
    json_t *runj, *trials, *warm;
    char *server_version;
    double probes_cpu; /* the version and git probes' CPU */
    char run_json[RUNNER_PATH_MAX];
    int failed;
} run;

/* Versions, host, git and command line, once per run. */
static json_t *runner_environment(const runner_config *cfg, const char *server_version) {
    char *sha = procstat_command_line("git -C '" OVERHEAD_SOURCE_DIR
                                      "' rev-parse HEAD 2>/dev/null");
    char *dirty = procstat_command_line("git -C '" OVERHEAD_SOURCE_DIR
                                        "' status --porcelain --untracked-files=no "
                                        "2>/dev/null | head -1");
    json_t *cmd = json_array();
    for (int i = 0; i < cfg->argc; i++)
        json_array_append_new(cmd, json_string(cfg->argv[i]));
    json_t *env =
        json_pack("{s:{s:s, s:s?, s:s, s:s, s:s}, s:o, s:{s:s?, s:b}, s:o}", "versions",
                  "nats.c", nats_GetVersion(), "nats-server", server_version, "sqlite",
                  sqlite3_libversion(), "jansson", jansson_version_str(), "gperftools",
                  OVERHEAD_GPERFTOOLS_VERSION, "host", procstat_host(), "git", "sha", sha,
                  "dirty", dirty != NULL, "command", cmd);
    if (env != NULL) {
        json_t *host = json_object_get(env, "host"),
               *v = json_object_get(env, "versions");
        char *virt = quiet_virtualization();
        json_object_set_new(host, "virtualization", virt ? json_string(virt) : json_null());
        free(virt);
        json_object_set(v, "kernel", json_object_get(host, "kernel"));
        json_object_set_new(v, "compiler", json_string(OVERHEAD_COMPILER));
        json_object_set_new(v, "cflags", json_string(OVERHEAD_C_FLAGS));
        json_object_set_new(v, "glibc", json_string(gnu_get_libc_version()));
        /* Whether the workloads carry SQLite inside (then its local symbols
         * name their frames) or load the shared library. */
        char cmd[RUNNER_PATH_MAX + 64];
        snprintf(cmd, sizeof cmd, "ldd '%s/chat_direct' 2>/dev/null | grep -c libsqlite3",
                 cfg->workload_dir);
        char *n = procstat_command_line(cmd);
        if (n != NULL)
            json_object_set_new(v, "sqlite_link",
                                json_string(strcmp(n, "0") == 0
                                                ? "static (in the workloads)"
                                                : "shared (libsqlite3.so)"));
        free(n);
    }
    free(sha);
    free(dirty);
    return env;
}

/* Append the variant of architecture 'a' (workload variant 'wv' or NULL). */
static void runner_variant_add(variant *v, const runner_config *cfg, int a,
                               const char *wv, int s, int profiled) {
    memset(v, 0, sizeof *v);
    v->arch = cfg->aa ? "direct" : cfg->archs[a];
    v->aa_group = cfg->aa ? (a == 0 ? "A" : "B") : NULL;
    v->storage = cfg->storages[s];
    v->profiled = profiled;
    v->wvariant = wv;
    int bare = wv == NULL || strcmp(wv, "baseline") == 0;
    snprintf(v->tag, sizeof v->tag, "%s%s%s%s%s%s%s", v->arch, bare ? "" : "+",
             bare ? "" : wv, v->aa_group ? "-" : "", v->aa_group ? v->aa_group : "",
             cfg->nstorages > 1 ? "-" : "", cfg->nstorages > 1 ? v->storage : "");
    if (!v->profiled)
        strncat(v->tag, "-unprof", sizeof v->tag - strlen(v->tag) - 1);
}

/* The replica arms of architecture 'a' ("nats") in place of its plain arm:
 * out[k..]; returns the new count. Tags "nats+replica" (as written) and
 * "nats+replica-stored" (as intended). */
static int runner_replicas(variant *out, int k, int max, const runner_config *cfg, int a,
                           const char *wv, int s, int profiled) {
    static const struct {
        int bit, mode;
        const char *name;
    } arms[] = {{RUNNER_REPLICA_WRITTEN, RUNRECORD_REPLICA_WRITTEN, "replica"},
                {RUNNER_REPLICA_STORED, RUNRECORD_REPLICA_STORED, "replica-stored"}};
    for (size_t i = 0; i < 2 && k < max; i++) {
        if (!(cfg->replica & arms[i].bit))
            continue;
        variant *v = &out[k++];
        runner_variant_add(v, cfg, a, wv, s, profiled);
        v->replica = arms[i].mode;
        snprintf(v->tag, sizeof v->tag, "%s+%s%s%s%s", v->arch, arms[i].name,
                 cfg->nstorages > 1 ? "-" : "", cfg->nstorages > 1 ? v->storage : "",
                 profiled ? "" : "-unprof");
    }
    return k;
}

/* The variants of one round, in forward order: storages, then profiled
 * before unprofiled, then architectures, each with the workload variants
 * that apply to it. */
static int runner_variants(variant *out, int max, const runner_config *cfg) {
    int k = 0;
    int nw = cfg->nvariants > 0 ? cfg->nvariants : 1;
    for (int s = 0; s < cfg->nstorages; s++)
        for (int p = cfg->no_profiled ? 1 : 0;
             p < (cfg->unprofiled || cfg->no_profiled ? 2 : 1); p++) {
            int na = cfg->aa ? 2 : cfg->narchs;
            for (int a = 0; a < na; a++)
                for (int w = 0; w < nw && k < max; w++) {
                    const char *wv = cfg->nvariants > 0 ? cfg->variants[w] : NULL;
                    const char *arch = cfg->aa ? "direct" : cfg->archs[a];
                    if (wv != NULL && !runner_variant_applies(wv, arch))
                        continue;
                    if (p == 0 && cfg->profile_baseline && wv != NULL &&
                        strcmp(wv, "baseline") != 0)
                        continue;
                    if (cfg->replica && !cfg->aa && strcmp(arch, "nats") == 0) {
                        k = runner_replicas(out, k, max, cfg, a, wv, s, p == 0);
                        continue;
                    }
                    runner_variant_add(&out[k++], cfg, a, wv, s, p == 0);
                }
        }
    return k;
}

/* The run directory: <out>/<UTC timestamp>, suffixed if taken. */
static int run_open_dir(run *u, error *err) {
    runner *r = &u->r;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->run_id, sizeof r->run_id, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 0;; i++) {
        if (i > 0)
            snprintf(r->run_id + 16, sizeof r->run_id - 16, "-%d", i);
        snprintf(r->dir, sizeof r->dir, "%.2900s/%s", u->cfg->out_dir, r->run_id);
        if (mkdir(r->dir, 0755) == 0)
            break;
        if (errno != EEXIST || i > 100)
            return error_errno(err, ERR_INPUT, errno, "cannot create %s", r->dir);
    }
    snprintf(u->run_json, sizeof u->run_json, "%s/run.json", r->dir);
    return 0;
}

/* CPU of the children reaped since 'before' (RUSAGE_CHILDREN). */
static double children_cpu_since(const struct rusage *before) {
    struct rusage now;
    getrusage(RUSAGE_CHILDREN, &now);
    return runner_tv(&now.ru_utime) + runner_tv(&now.ru_stime) -
           runner_tv(&before->ru_utime) - runner_tv(&before->ru_stime);
}

/* Start the run's own nats-server (or cluster), or take the nodes of
 * cfg->nats_url. */
static int run_servers(run *u, error *err) {
    runner *r = &u->r;
    const runner_config *cfg = u->cfg;
    if (u->needs_nats && cfg->nats_url == NULL) {
        char ndir[RUNNER_PATH_MAX];
        int nodes = cfg->cluster > 1 ? cfg->cluster : 1;
        snprintf(ndir, sizeof ndir, "%s/nats", r->dir);
        if (natscluster_start(&r->servers, cfg->nats_server, ndir, nodes, u->needs_js,
                              err) != 0)
            return -1;
        r->nnodes = nodes;
        for (int i = 0; i < nodes; i++) {
            snprintf(r->node_url[i], sizeof r->node_url[i], "%s",
                     natscluster_url(r->servers, i));
            r->node_pid[i] = natscluster_pid(r->servers, i);
            runner_say(cfg, "nats-server %d started at %s%s", (int)r->node_pid[i],
                       r->node_url[i],
                       nodes > 1     ? " (cluster node)"
                       : u->needs_js ? " (JetStream)"
                                     : "");
        }
    } else if (u->needs_nats) {
        /* An existing server, or cluster: one URL per node. */
        char copy[RUNNER_PATH_MAX];
        snprintf(copy, sizeof copy, "%s", cfg->nats_url);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save);
             t != NULL && r->nnodes < NATSCLUSTER_MAX; t = strtok_r(NULL, ",", &save))
            snprintf(r->node_url[r->nnodes++], sizeof r->node_url[0], "%s", t);
        r->node_pid[0] = cfg->nats_pid;
    }
    for (int i = 0; i < r->nnodes; i++) {
        size_t len = strlen(r->urls);
        snprintf(r->urls + len, sizeof r->urls - len, "%s%s", i ? "," : "",
                 r->node_url[i]);
    }
    if (u->needs_nats) {
        r->url = r->node_url[0];
        r->server_pid = r->node_pid[0];
    }
    return 0;
}

/* The samples per CPU-second to expect: the tick caps the CPU-time timers
 * (itimer, thread-timers); task-clock is an hrtimer with no such cap. */
static double runner_expect_hz(const runner_config *cfg) {
    if (strcmp(runner_sampler(cfg), "task-clock") == 0)
        return cfg->freq;
    return cfg->freq < RUNNER_TICK_HZ ? cfg->freq : RUNNER_TICK_HZ;
}

/* Variants, servers, environment: everything before the first trial, ending
 * with run.json written as "running". */
static int run_start(run *u, error *err) {
    runner *r = &u->r;
    const runner_config *cfg = u->cfg;
    u->nv = runner_variants(u->vs, (int)(sizeof u->vs / sizeof u->vs[0]), cfg);
    for (int i = 0; i < u->nv; i++) {
        u->needs_nats |= strcmp(u->vs[i].arch, "direct") != 0;
        u->needs_js |= strcmp(u->vs[i].arch, "jetstream") == 0;
    }
    r->jetstream = u->needs_js;
    char cmdline[RUNNER_PATH_MAX + 32];
    snprintf(cmdline, sizeof cmdline, "'%s' --version 2>&1", cfg->nats_server);
    /* The version and git probes are children too: their CPU is recorded so
     * that an outside measurement of the whole run can be reconciled. */
    struct rusage before;
    getrusage(RUSAGE_CHILDREN, &before);
    u->server_version = procstat_command_line(cmdline);
    u->probes_cpu = children_cpu_since(&before);
    if (run_servers(u, err) != 0)
        return -1;
    getrusage(RUSAGE_CHILDREN, &before);
    r->env = runner_environment(cfg, u->server_version);
    u->probes_cpu += children_cpu_since(&before);
    if (r->env == NULL || u->trials == NULL || u->warm == NULL)
        return error_set(err, ERR_NOMEM, "out of memory");
    if (runner_expect_hz(cfg) < cfg->freq)
        runner_say(
            cfg,
            "warning: --freq %d is above the kernel's 250 Hz tick: expect about 250 "
            "samples per CPU-second, and use the effective rate, not the period",
            cfg->freq);
    u->n = cfg->events;
    if (u->n < 0)
        u->n = cfg->rate > 0 ? (int64_t)fmax(10, cfg->rate * RUNNER_RATE_SECONDS)
                             : RUNNER_DEFAULT_EVENTS;
    u->runj = json_pack(
        "{s:s, s:O, s:O, s:O, s:O, s:s?, s:i, s:b}", "run_id", r->run_id, "versions",
        json_object_get(r->env, "versions"), "host", json_object_get(r->env, "host"),
        "git", json_object_get(r->env, "git"), "command",
        json_object_get(r->env, "command"), "nats_url", r->url, "nats_server_pid",
        (int)r->server_pid, "nats_server_started_by_runner", r->servers != NULL);
    if (u->runj == NULL)
        return error_set(err, ERR_NOMEM, "out of memory");
    json_t *pids = json_array(), *urls = json_array();
    for (int i = 0; i < r->nnodes; i++) {
        json_array_append_new(urls, json_string(r->node_url[i]));
        json_array_append_new(pids, r->node_pid[i] > 0 ? json_integer(r->node_pid[i])
                                                       : json_null());
    }
    json_object_set_new(u->runj, "nats_nodes",
                        json_pack("{s:i, s:o, s:o, s:b}", "count", r->nnodes, "urls",
                                  urls, "pids", pids, "jetstream", r->jetstream));
    return runrecord_run_write(u->runj, RUNRECORD_RUNNING, NULL, u->run_json, err);
}

/* One warm-up trial of variant i with 'wn' events, summarised in run.json. */
static int run_warmup_one(run *u, int i, int64_t wn, error *err) {
    runrecord *rec = NULL;
    int ok = 0;
    char base[RUNNER_BASE_MAX], p[RUNNER_PATH_MAX + RUNNER_BASE_MAX];
    snprintf(base, sizeof base, "warmup-%s", u->vs[i].tag);
    if (runner_trial(&rec, &ok, &u->r, &u->vs[i], 0, 0, wn, base, err) != 0)
        return -1;
    u->est_cpu_ev[i] = rec->cpu.measured_s / (double)wn;
    json_array_append_new(u->warm,
                          json_pack("{s:s, s:I, s:b, s:o, s:s?}", "tag", u->vs[i].tag,
                                    "events", (json_int_t)wn, "ok", ok, "per_event_us",
                                    isnan(rec->cpu.per_event_us)
                                        ? json_null()
                                        : json_real(rec->cpu.per_event_us),
                                    "failure", rec->failure));
    int rc = 0;
    if (!ok)
        rc = error_set(err, ERR_SYSTEM, "warm-up %s failed: %s", u->vs[i].tag,
                       rec->failure ? rec->failure : "?");
    runrecord_free(rec);
    /* Keep the warm-up's files out of the way of the analysis. */
    snprintf(p, sizeof p, "%s/%s.prof", u->r.dir, base);
    unlink(p);
    snprintf(p, sizeof p, "%s/%s-bot.prof", u->r.dir, base);
    unlink(p);
    return rc;
}

/* Choose the events per trial from the warm-up (when not given) and say how
 * many samples to expect. */
static void run_size(run *u) {
    const runner_config *cfg = u->cfg;
    double hz = runner_expect_hz(cfg);
    /* The fewest events that give every architecture min_samples, with a
     * margin for the warm-up's optimism; the default run stays near a
     * minute on a 2-core machine. */
    if (cfg->events < 0 && cfg->rate <= 0) {
        u->n = RUNNER_SIZE_MIN;
        for (int i = 0; i < u->nv; i++)
            if (u->vs[i].profiled && u->est_cpu_ev[i] > 0) {
                double need = RUNNER_SIZE_MARGIN * (double)cfg->min_samples /
                              (cfg->trials * hz * u->est_cpu_ev[i] * cfg->nstorages);
                if (need > (double)u->n)
                    u->n = (int64_t)fmin(RUNNER_SIZE_MAX, ceil(need / RUNNER_SIZE_STEP) *
                                                              RUNNER_SIZE_STEP);
            }
        runner_say(cfg,
                   "events per trial: %lld (chosen for >= %lld samples per "
                   "architecture; set with -n)",
                   (long long)u->n, (long long)cfg->min_samples);
    }
    int total = 0;
    for (int i = 0; i < u->nv; i++)
        if (u->vs[i].profiled && u->est_cpu_ev[i] > 0) {
            double per = (double)u->n * u->est_cpu_ev[i] * hz;
            runner_say(cfg,
                       "expected samples: %s ~%.0f per trial, ~%.0f over %d trials "
                       "(%.1f us/event profiled CPU in the warm-up, %d Hz)",
                       u->vs[i].tag, per, per * cfg->trials, cfg->trials,
                       u->est_cpu_ev[i] * 1e6, (int)hz);
            total += (int)(per * cfg->trials);
        }
    runner_say(cfg, "expected samples in total: ~%d", total);
}

/* Warm-up: one short trial per variant (caches, page cache, the server's
 * first connections), recorded in run.json only. Its per-event CPU also
 * predicts the sample count. */
static int run_warmup(run *u, error *err) {
    const runner_config *cfg = u->cfg;
    for (int i = 0; i < u->nv; i++)
        u->est_cpu_ev[i] = NAN;
    if (!cfg->warmup) {
        runner_say(cfg,
                   "expected samples: ~%d per profiled CPU-second of each process "
                   "(no warm-up, so no per-event estimate)",
                   (int)runner_expect_hz(cfg));
        return 0;
    }
    int64_t wn = cfg->rate > 0 ? (int64_t)fmax(5, fmin((double)u->n, cfg->rate))
                               : (u->n < RUNNER_SIZE_MIN ? u->n : RUNNER_SIZE_MIN);
    for (int i = 0; i < u->nv; i++)
        if (run_warmup_one(u, i, wn, err) != 0)
            return -1;
    run_size(u);
    return 0;
}

/* Tell the trial's result; a failure that is not accepted fails the run. */
static void run_report_trial(run *u, const variant *v, int index, const runrecord *rec,
                             error *err) {
    const runner_config *cfg = u->cfg;
    char cost[64];
    /* Per stored event; a trial that stores nothing (the replica as the team
     * wrote it) has no per-event figure: its CPU instead. */
    if (isfinite(rec->cpu.per_event_us))
        snprintf(cost, sizeof cost, "%.2f us/event", rec->cpu.per_event_us);
    else
        snprintf(cost, sizeof cost, "%.3f s CPU, no event stored", rec->cpu.total_s);
    runner_say(cfg, "trial %d/%d %-18s %s: %.0f events/s, %s (%s), %lld samples", index,
               u->nv * cfg->trials, v->tag, rec->ok ? "ok" : "FAILED",
               (double)u->n / rec->wall_s, cost,
               rec->cpu.includes_nats_server ? "incl. nats-server" : "workload only",
               (long long)rec->samples);
    if (rec->ok)
        return;
    const char *why = rec->failure ? rec->failure : "?";
    if (rec->loss_accepted) {
        runner_say(cfg, "trial %d lost events (accepted by --accept-loss): %s", index,
                   why);
        return;
    }
    error_set(err, strncmp(why, "lost events", 11) == 0 ? ERR_CHECK : ERR_SYSTEM,
              "trial %d (%s) failed: %s", index, v->tag, why);
    u->failed = 1;
}

/* Trial 'index' of variant 'v' at 'position' of 'round': run, record, tell. */
static int run_one(run *u, const variant *v, int index, int round, int position,
                   error *err) {
    char base[RUNNER_BASE_MAX], name[RUNNER_BASE_MAX + 8];
    char path[RUNNER_DIR_MAX + RUNNER_BASE_MAX + 16];
    runrecord *rec = NULL;
    int ok = 0;
    runner *r = &u->r;
    snprintf(base, sizeof base, "trial-%02d-%s", index, v->tag);
    if (runner_stop_flag)
        return error_set(err, ERR_SYSTEM, "interrupted before trial %d", index);
    if (runner_trial(&rec, &ok, r, v, index, round, u->n, base, err) != 0)
        return -1;
    snprintf(name, sizeof name, "%s.json", base);
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    if (!ok && u->cfg->accept_loss && !runner_stop_flag && !rec->events.verified &&
        (r->servers == NULL || r->nnodes > 1 || natscluster_alive(r->servers, 0)))
        rec->loss_accepted = 1;
    rec->position = position;
    if (runrecord_write(rec, path, err) != 0) {
        runrecord_free(rec);
        return -1;
    }
    json_array_append_new(u->trials, json_pack("{s:i, s:s, s:b, s:s}", "trial", index,
                                               "tag", v->tag, "ok", ok, "record", name));
    run_report_trial(u, v, index, rec, err);
    runrecord_free(rec);
    return 0;
}

/* splitmix64: a small generator whose stream the seed alone fixes. */
static uint64_t run_rng(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The order of 'round' into order[0..nv): forward, backward, forward...
 * (A B B A) without a seed; else a fresh Fisher-Yates shuffle per round from
 * the seed's stream. */
static void run_order(run *u, int round, uint64_t *rng, int *order) {
    for (int j = 0; j < u->nv; j++)
        order[j] = u->cfg->order_seed || round % 2 == 1 ? j : u->nv - 1 - j;
    if (!u->cfg->order_seed)
        return;
    for (int j = u->nv - 1; j > 0; j--) {
        int k = (int)(run_rng(rng) % (uint64_t)(j + 1));
        int tmp = order[j];
        order[j] = order[k];
        order[k] = tmp;
    }
}

/* The rounds, each in run_order's order. */
static void run_rounds(run *u, error *err) {
    int index = 0, order[RUNNER_MAX_LIST * RUNNER_MAX_LIST * 2];
    uint64_t rng = u->cfg->order_seed;
    for (int round = 1; round <= u->cfg->trials && !u->failed; round++) {
        run_order(u, round, &rng, order);
        for (int j = 0; j < u->nv && !u->failed; j++)
            if (run_one(u, &u->vs[order[j]], ++index, round, j + 1, err) != 0)
                u->failed = 1;
    }
}

/* Stop the servers and rewrite run.json with the outcome. */
static int run_finish(run *u, error *err) {
    const runner_config *cfg = u->cfg;
    struct rusage self, kids;
    natscluster_stop(u->r.servers);
    u->r.servers = NULL;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    json_t *j = u->runj;
    json_object_set_new(j, "events_per_trial", json_integer((json_int_t)u->n));
    json_object_set_new(j, "trials", json_incref(u->trials));
    json_object_set_new(j, "warmup", json_incref(u->warm));
    json_object_set_new(
        j, "runner_rusage",
        json_pack("{s:f, s:f, s:f, s:f, s:f}", "self_user_s", runner_tv(&self.ru_utime),
                  "self_sys_s", runner_tv(&self.ru_stime), "children_user_s",
                  runner_tv(&kids.ru_utime), "children_sys_s", runner_tv(&kids.ru_stime),
                  "probes_cpu_s", u->probes_cpu));
    json_t *conf = json_pack(
        "{s:I, s:i, s:i, s:i, s:o, s:b, s:b, s:b, s:f, s:b, s:i, s:i, s:s}", "events",
        (json_int_t)u->n, "trials", cfg->trials, "batch", cfg->batch, "freq_hz",
        cfg->freq, "rate", cfg->rate > 0 ? json_real(cfg->rate) : json_null(), "aa",
        cfg->aa, "unprofiled", cfg->unprofiled || cfg->no_profiled, "warmup", cfg->warmup,
        "trial_timeout_s", cfg->trial_timeout, "accept_loss", cfg->accept_loss, "cluster",
        cfg->cluster > 1 ? cfg->cluster : 1, "services", cfg->services, "js_storage",
        cfg->js_storage);
    json_t *wvs = json_array();
    for (int i = 0; i < cfg->nvariants; i++)
        json_array_append_new(wvs, json_string(cfg->variants[i]));
    json_object_set_new(conf, "variants", wvs);
    json_object_set_new(conf, "profiled", json_boolean(!cfg->no_profiled));
    json_object_set_new(conf, "replica", json_integer(cfg->replica));
    json_object_set_new(conf, "latency_only", json_boolean(cfg->latency_only));
    json_object_set_new(conf, "profile_baseline_only", json_boolean(cfg->profile_baseline));
    json_object_set_new(conf, "order", json_string(cfg->order_seed ? "random" : "alternate"));
    /* as a string: a 64-bit seed does not fit a JSON integer (int64) */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)cfg->order_seed);
    json_object_set_new(conf, "order_seed",
                        cfg->order_seed ? json_string(seed) : json_null());
    json_object_set_new(j, "config", conf);
    runrecord_status st = runner_stop_flag ? RUNRECORD_INTERRUPTED
                          : u->failed      ? RUNRECORD_FAILED
                                           : RUNRECORD_OK;
    if (runrecord_run_write(j, st, u->failed ? err->text : NULL, u->run_json,
                            u->failed ? NULL : err) != 0)
        u->failed = 1;
    if (!u->failed)
        return 0;
    if (runner_stop_flag && err->kind == ERR_NONE)
        error_set(err, ERR_SYSTEM, "interrupted");
    return -1;
}

const char *runner_sampler(const runner_config *cfg) {
    return cfg->sampler != NULL ? cfg->sampler : "itimer";
}

int runner_run(const runner_config *cfg, char **run_dir, error *err) {
    int rc = -1;
    run *u = calloc(1, sizeof *u);
    if (run_dir != NULL)
        *run_dir = NULL;
    if (u == NULL)
        return error_set(err, ERR_NOMEM, "out of memory");
    u->cfg = u->r.cfg = cfg;
    u->trials = json_array();
    u->warm = json_array();
    runner_stop_flag = 0;
    if (runner_validate(cfg, err) != 0 || run_open_dir(u, err) != 0)
        goto done;
    if (run_dir != NULL)
        *run_dir = strdup(u->r.dir);
    if (run_start(u, err) != 0)
        goto done;
    /* After a failed warm-up, still rewrite run.json and stop the server. */
    if (run_warmup(u, err) != 0)
        u->failed = 1;
    else
        run_rounds(u, err);
    rc = run_finish(u, err);
done:
    natscluster_stop(u->r.servers);
    json_decref(u->runj);
    json_decref(u->trials);
    json_decref(u->warm);
    json_decref(u->r.env);
    free(u->server_version);
    free(u);
    return rc;
}
