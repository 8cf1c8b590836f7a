#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static volatile sig_atomic_t runner_stop_flag;

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

/* Storage presets: what `--storage` names mean. */
typedef struct storage_preset {
    const char *name;
    int memory;
    const char *journal;
    const char *synchronous;
} storage_preset;

static const storage_preset storage_presets[] = {
    {"memory", 1, NULL, NULL},
    {"wal", 0, "wal", "normal"},
    {"wal-full", 0, "wal", "full"},
    {"delete", 0, "delete", "full"},
};

static const storage_preset *runner_storage(const char *name) {
    for (size_t i = 0; i < sizeof storage_presets / sizeof storage_presets[0]; i++)
        if (strcmp(storage_presets[i].name, name) == 0)
            return &storage_presets[i];
    return NULL;
}

static int runner_known_arch(const char *a) {
    return strcmp(a, "direct") == 0 || strcmp(a, "nats") == 0 ||
           strcmp(a, "nats-2p") == 0 || strcmp(a, "nats-cluster") == 0 ||
           strcmp(a, "jetstream") == 0;
}

/* Architectures with a bot and K services, each service its own database. */
static int runner_multi(const char *a) {
    return strcmp(a, "nats-cluster") == 0 || strcmp(a, "jetstream") == 0;
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
    cfg->freq = 250;
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
    char buf[4096];
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
    char path[4096];
    if (cfg->events != -1 && cfg->events < 1)
        return error_set(err, ERR_INPUT, "--events must be a positive integer, not %lld",
                         (long long)cfg->events);
    if (cfg->trials < 1)
        return error_set(err, ERR_INPUT, "--trials must be >= 1, not %d", cfg->trials);
    if (cfg->batch < 1)
        return error_set(err, ERR_INPUT, "--batch must be >= 1, not %d", cfg->batch);
    if (cfg->freq < 1 || cfg->freq > 4000)
        return error_set(err, ERR_INPUT, "--freq must be 1..4000 Hz, not %d", cfg->freq);
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
    if (strlen(cfg->out_dir) > 2900)
        return error_set(err, ERR_INPUT, "output directory name too long");
    if (runner_mkdirs(cfg->out_dir, err) != 0)
        return -1;
    if (access(cfg->out_dir, W_OK | X_OK) != 0)
        return error_errno(err, ERR_INPUT, errno, "output directory %s is not writable",
                           cfg->out_dir);
    return 0;
}

int runner_prof_samples(uint64_t *samples, uint64_t *period_us, const char *path,
                        error *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    *samples = 0;
    *period_us = 0;
    if (file_read_all(&buf, &len, path, err) != 0)
        return -1;
    const size_t w = sizeof(uintptr_t);
    size_t nwords = len / w;
    int rc = -1;
    uintptr_t v;
#define WORD(i) (memcpy(&v, buf + (i)*w, w), v)
    if (nwords < 5 || WORD(0) != 0 || WORD(1) != 3 || WORD(2) != 0) {
        error_set(err, ERR_INPUT, "%s: not a gperftools CPU profile (bad header)", path);
        goto done;
    }
    *period_us = WORD(3);
    size_t i = 5;
    for (;;) {
        if (i + 2 > nwords) {
            error_set(err, ERR_INPUT, "%s: truncated at byte %zu (no 0,1,0 trailer)",
                      path, i * w);
            goto done;
        }
        uintptr_t count = WORD(i), depth = WORD(i + 1);
        if (count == 0 && depth == 1) {
            if (i + 3 > nwords || WORD(i + 2) != 0) {
                error_set(err, ERR_INPUT, "%s: bad trailer at byte %zu", path, i * w);
                goto done;
            }
            break;
        }
        if (depth < 1 || depth > 254 || i + 2 + depth > nwords) {
            error_set(err, ERR_INPUT, "%s: bad record at byte %zu (depth %lu)", path,
                      i * w, (unsigned long)depth);
            goto done;
        }
        *samples += count;
        i += 2 + depth;
    }
#undef WORD
    rc = 0;
done:
    free(buf);
    return rc;
}

/* ---- one trial ---------------------------------------------------------- */

typedef struct variant {
    const char *arch;
    const char *storage;
    int profiled;
    const char *aa_group; /* "A"/"B" for the A/A control, else NULL */
    char tag[96];
} variant;

typedef struct child {
    const char *role; /* "direct", "inproc", "bot", "service" */
    int index;        /* service index (0..K-1); 0 for the others */
    int node;         /* the node it connects to */
    char db[4096];    /* its database (multi-service architectures) */
    pid_t pid;
    int done;
    int status;
    struct rusage ru;
    double t0, t1;
    char result[4096];
    char prof[4096]; /* empty when unprofiled */
    char log[4096];
    char prof_rel[256];
} child;

typedef struct runner {
    const runner_config *cfg;
    char dir[3000]; /* validate keeps out_dir shorter, so paths below fit */
    char run_id[64];
    natscluster *servers; /* started by the runner, or NULL */
    int nnodes;
    char node_url[NATSCLUSTER_MAX][256];
    pid_t node_pid[NATSCLUSTER_MAX];  /* 0: unknown (external without --nats-pid) */
    char urls[NATSCLUSTER_MAX * 260]; /* every node, comma-separated */
    const char *url;                  /* node 0: the single-server architectures */
    pid_t server_pid;
    int jetstream;
    json_t *env; /* versions, host, git: copied into every record */
} runner;

static double runner_tv(const struct timeval *tv) {
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* The run record's entry for nats-server node 'node' over a trial. */
static json_t *runner_server_entry(int node, pid_t pid, double user_s, double sys_s,
                                   double cpu_s, double wall_s, const char *source,
                                   int external, int lost) {
    return json_pack("{s:s, s:i, s:i, s:n, s:f, s:f, s:f, s:f, s:s, s:n, s:b, s:b}",
                     "role", "nats-server", "node", node, "pid", (int)pid, "exit_status",
                     "user_s", user_s, "sys_s", sys_s, "cpu_s", cpu_s, "wall_s", wall_s,
                     "cpu_source", source, "measured", "external", external, "lost", lost);
}

/* Kill (SIGKILL) and reap every child not yet reaped. */
static void runner_kill_children(child *ch, int n) {
    for (int i = 0; i < n; i++)
        if (ch[i].pid > 0 && !ch[i].done) {
            kill(ch[i].pid, SIGKILL);
            while (wait4(ch[i].pid, &ch[i].status, 0, &ch[i].ru) < 0 && errno == EINTR)
                ;
            ch[i].done = 1;
            ch[i].t1 = procstat_mono();
        }
}

/* Build the workload's argv into 'argv' (strings in 'store'). */
static void runner_args(const runner *r, const variant *v, const child *c, int64_t n,
                        const char *db, char **argv, char store[][4096]) {
    const runner_config *cfg = r->cfg;
    const storage_preset *sp = runner_storage(v->storage);
    int k = 0, s = 0;
#define ARG(...) (snprintf(store[s], 4096, __VA_ARGS__), argv[k++] = store[s++])
    if (strcmp(c->role, "direct") == 0)
        ARG("%s/chat_direct", cfg->workload_dir);
    else
        ARG("%s/chat_nats", cfg->workload_dir);
    if (strcmp(c->role, "direct") != 0) {
        ARG("--mode");
        ARG("%s", c->role);
        ARG("--url");
        if (strcmp(v->arch, "jetstream") == 0) {
            /* Its own node first, then the others to reconnect to. */
            int len = snprintf(store[s], 4096, "%s", r->node_url[c->node]);
            for (int i = 0; i < r->nnodes && len < 4000; i++)
                if (i != c->node)
                    len += snprintf(store[s] + len, 4096 - (size_t)len, ",%s",
                                    r->node_url[i]);
            argv[k++] = store[s++];
        } else {
            ARG("%s", r->node_url[runner_multi(v->arch) ? c->node : 0]);
        }
        if (strcmp(v->arch, "nats-cluster") == 0) {
            ARG(strcmp(c->role, "bot") == 0 ? "--end-marker" : "--queue");
            ARG(strcmp(c->role, "bot") == 0 ? "1" : "chatsvc");
        } else if (strcmp(v->arch, "jetstream") == 0) {
            ARG("--js");
            ARG("1");
            if (strcmp(c->role, "service") == 0) {
                ARG("--shared-db");
                ARG("1");
            }
            if (strcmp(c->role, "service") == 0 && c->index == 0) {
                ARG("--js-admin");
                ARG("1");
                ARG("--js-replicas");
                ARG("%d", r->nnodes < 3 ? r->nnodes : 3);
                ARG("--js-storage");
                ARG("%s", cfg->js_storage);
            }
        }
        /* A slow fixed rate must not look like a stall. */
        int stall = 5000;
        if (cfg->rate > 0 && 3000.0 / cfg->rate > stall)
            stall = (int)(3000.0 / cfg->rate);
        /* A JetStream cluster that lost a node elects new stream and
         * consumer leaders (and redelivers after the 2 s ack wait) before
         * events flow again: not a stall. */
        if (strcmp(v->arch, "jetstream") == 0 && stall < 15000)
            stall = 15000;
        ARG("--stall-ms");
        ARG("%d", stall);
    }
    ARG("--events");
    ARG("%lld", (long long)n);
    ARG("--db");
    ARG("%s", c->db[0] ? c->db : db);
    if (sp->journal != NULL) {
        ARG("--journal");
        ARG("%s", sp->journal);
    }
    if (sp->synchronous != NULL) {
        ARG("--sync");
        ARG("%s", sp->synchronous);
    }
    ARG("--batch");
    ARG("%d", cfg->batch);
    ARG("--freq");
    ARG("%d", cfg->freq);
    if (cfg->rate > 0) {
        ARG("--rate");
        ARG("%.17g", cfg->rate);
    }
    if (c->prof[0] != '\0') {
        ARG("--profile");
        ARG("%s", c->prof);
    }
    ARG("--result");
    ARG("%s", c->result);
#undef ARG
    argv[k] = NULL;
}

/* Remove a database file and its WAL/journal companions. */
static void runner_remove_db(const char *db) {
    char p[4200];
    const char *sfx[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", db, sfx[i]);
        unlink(p);
    }
}

static json_t *runner_num_or_null(int ok, double v) {
    return ok ? json_real(v) : json_null();
}

static int64_t runner_ev(json_t *res, const char *key) {
    json_t *v = json_object_get(json_object_get(res, "events"), key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* Wait for the service's "ready" line on 'fd' for up to 10 s. */
static int runner_wait_ready(int fd, error *err) {
    char buf[16];
    size_t n = 0;
    double end = procstat_mono() + 20.0;
    while (n < 6) {
        int left = (int)((end - procstat_mono()) * 1000);
        struct pollfd p = {fd, POLLIN, 0};
        if (runner_stop_flag)
            return error_set(err, ERR_SYSTEM, "interrupted");
        if (left <= 0)
            return error_set(err, ERR_SYSTEM, "service not ready within 20 s");
        int pr = poll(&p, 1, left < 100 ? left : 100);
        if (pr < 0 && errno != EINTR)
            return error_errno(err, ERR_SYSTEM, errno, "poll");
        if (pr <= 0)
            continue;
        ssize_t k = read(fd, buf + n, sizeof buf - 1 - n);
        if (k <= 0)
            return error_set(err, ERR_SYSTEM, "service exited before it was ready");
        n += (size_t)k;
    }
    return strncmp(buf, "ready\n", 6) == 0
               ? 0
               : error_set(err, ERR_SYSTEM, "service: bad ready line");
}

/* After a jetstream trial, outside its measured window: delete the stream,
 * which would otherwise capture and replicate every later trial's events
 * (the other architectures publish on the same subject). A failure is
 * noted in 'fail' when there is none yet. */
static void runner_js_clean(const runner *r, const char *base, char *fail, size_t size) {
    char exe[4200], log[4200], url[NATSCLUSTER_MAX * 260];
    snprintf(exe, sizeof exe, "%s/chat_nats", r->cfg->workload_dir);
    snprintf(log, sizeof log, "%s/%s.js-clean.log", r->dir, base);
    snprintf(url, sizeof url, "%s", r->urls);
    char *argv[] = {exe, "--mode", "js-clean", "--url", url, "--events", "0", NULL};
    pid_t pid;
    int status = -1;
    error e;
    error_clear(&e);
    if (procstat_spawn(&pid, argv, log, -1, &e) == 0) {
        double end = procstat_mono() + 45.0;
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (procstat_mono() > end) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                break;
            }
            usleep(10000);
        }
    }
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && fail[0] == '\0')
        snprintf(fail, size,
                 "could not delete the JetStream stream after the trial (%.900s)",
                 e.kind != ERR_NONE ? e.text : "see its js-clean.log");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        unlink(log);
}

/* Run one trial of 'v' with 'n' events. 'base' names its files. The record
 * is returned in *out (new reference) even when the trial failed, unless
 * nothing could be run. *ok says whether it passed. */
/* Rows and distinct event ids over the services' databases 'dbs' (opened
 * read-only after the services exited). Returns 0 or -1 with 'err'. */
static int runner_count_ids(int64_t *rows, int64_t *unique, const char *const *dbs, int n,
                            error *err) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[2048] = "SELECT count(*), count(DISTINCT event_id) FROM (";
    int rc = -1;
    *rows = *unique = -1;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) !=
        SQLITE_OK)
        return error_set(err, ERR_NOMEM, "sqlite: out of memory");
    for (int i = 0; i < n; i++) {
        char att[4300];
        snprintf(att, sizeof att, "ATTACH 'file:%s?mode=ro' AS s%d", dbs[i], i);
        sqlite3_stmt *a = NULL;
        if (sqlite3_prepare_v2(db, att, -1, &a, NULL) != SQLITE_OK ||
            sqlite3_step(a) != SQLITE_DONE) {
            error_set(err, ERR_SYSTEM, "sqlite: %s: %s", dbs[i], sqlite3_errmsg(db));
            sqlite3_finalize(a);
            goto done;
        }
        sqlite3_finalize(a);
        size_t len = strlen(sql);
        snprintf(sql + len, sizeof sql - len, "%sSELECT event_id FROM s%d.chat_log",
                 i ? " UNION ALL " : "", i);
    }
    strncat(sql, ")", sizeof sql - strlen(sql) - 1);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        error_set(err, ERR_SYSTEM, "sqlite: counting event ids: %s", sqlite3_errmsg(db));
        goto done;
    }
    *rows = sqlite3_column_int64(st, 0);
    *unique = sqlite3_column_int64(st, 1);
    rc = 0;
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int runner_trial(json_t **out, int *ok, runner *r, const variant *v, int index,
                        int round, int64_t n, const char *base, error *err) {
    const runner_config *cfg = r->cfg;
    child ch[RUNNER_MAX_SERVICES + 1];
    int nch = 0, rc = -1, pipefd[2] = {-1, -1};
    char db[4096], fail[1024] = "";
    json_t *rec = NULL, *res[RUNNER_MAX_SERVICES + 1] = {NULL}, *per_service = NULL;
    procstat_cpu s0[NATSCLUSTER_MAX], s1[NATSCLUSTER_MAX];
    int have_s0[NATSCLUSTER_MAX] = {0}, have_s1[NATSCLUSTER_MAX] = {0};
    int lost_node[NATSCLUSTER_MAX] = {0};
    *out = NULL;
    *ok = 0;
    memset(ch, 0, sizeof ch);
    const storage_preset *sp = runner_storage(v->storage);
    int is_nats = strcmp(v->arch, "direct") != 0;
    int multi = runner_multi(v->arch);
    int shared_db = strcmp(v->arch, "jetstream") == 0;
    int nsvc = multi ? cfg->services : strcmp(v->arch, "nats-2p") == 0 ? 1 : 0;
    if (nsvc > 0) {
        for (int i = 0; i < nsvc; i++) {
            ch[nch].role = "service";
            ch[nch].index = i;
            /* Not on the bot's node 0, so that events cross a route. */
            ch[nch].node = multi && r->nnodes > 1 ? 1 + i % (r->nnodes - 1) : 0;
            nch++;
        }
        ch[nch++].role = "bot";
    } else {
        ch[nch++].role = is_nats ? "inproc" : "direct";
    }
    if (sp->memory)
        snprintf(db, sizeof db, ":memory:");
    else
        snprintf(db, sizeof db, "%s/%s.sqlite", r->dir, base);
    runner_remove_db(db); /* fresh database per trial */
    for (int i = 0; i < nch; i++) {
        int is_svc = strcmp(ch[i].role, "service") == 0;
        int main_role = strcmp(ch[i].role, "bot") != 0 && ch[i].index == 0;
        char who[32];
        snprintf(who, sizeof who, "%s", ch[i].role);
        if (multi && is_svc)
            snprintf(who, sizeof who, "service-%d", ch[i].index);
        /* nats-cluster: a database per service (no redelivery, so no
         * duplicates to catch, and no write lock shared between them);
         * jetstream: one shared file, see chat_nats.c. */
        if (multi && is_svc && !shared_db) {
            snprintf(ch[i].db, sizeof ch[i].db, "%s/%s.%s.sqlite", r->dir, base, who);
            runner_remove_db(ch[i].db);
        }
        snprintf(ch[i].result, sizeof ch[i].result, "%s/.%s.%s.result.json", r->dir, base,
                 who);
        snprintf(ch[i].log, sizeof ch[i].log, "%s/%s.%s.log", r->dir, base, who);
        unlink(ch[i].result);
        if (v->profiled) {
            /* The process that stores is trial-NN-<tag>.prof (service 0 when
             * there are several: the others are -service<I>.prof); the bot's
             * is trial-NN-<tag>-bot.prof. */
            if (main_role)
                snprintf(ch[i].prof_rel, sizeof ch[i].prof_rel, "%s.prof", base);
            else if (is_svc)
                snprintf(ch[i].prof_rel, sizeof ch[i].prof_rel, "%s-service%d.prof", base,
                         ch[i].index);
            else
                snprintf(ch[i].prof_rel, sizeof ch[i].prof_rel, "%s-bot.prof", base);
            snprintf(ch[i].prof, sizeof ch[i].prof, "%s/%s", r->dir, ch[i].prof_rel);
        }
    }
    if (is_nats)
        for (int i = 0; i < r->nnodes; i++)
            if (r->node_pid[i] > 0)
                have_s0[i] = procstat_read(&s0[i], r->node_pid[i], NULL) == 0;
    double t0 = procstat_mono();
    for (int i = 0; i < nch; i++) {
        char store[40][4096];
        char *argv[41];
        int keep = -1;
        runner_args(r, v, &ch[i], n, db, argv, store);
        if (strcmp(ch[i].role, "service") == 0) {
            if (pipe(pipefd) != 0) {
                error_errno(err, ERR_SYSTEM, errno, "pipe");
                goto done;
            }
            fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
            keep = pipefd[1];
            /* --ready-fd goes before the other options' NULL terminator. */
            int k = 0;
            while (argv[k] != NULL)
                k++;
            snprintf(store[38], 4096, "--ready-fd");
            snprintf(store[39], 4096, "%d", keep);
            argv[k] = store[38];
            argv[k + 1] = store[39];
            argv[k + 2] = NULL;
        }
        ch[i].t0 = procstat_mono();
        if (procstat_spawn(&ch[i].pid, argv, ch[i].log, keep, err) != 0)
            goto done;
        if (keep >= 0) {
            close(pipefd[1]);
            pipefd[1] = -1;
            error rerr;
            error_clear(&rerr);
            int ready = runner_wait_ready(pipefd[0], &rerr);
            close(pipefd[0]);
            pipefd[0] = -1;
            if (ready != 0) {
                snprintf(fail, sizeof fail, "%s", rerr.text);
                break;
            }
        }
    }
    /* Wait for every child: reap them as they end, kill the rest when one
     * fails, the server dies, the time is up or the user interrupts. With
     * several services, the others may still finish after one failed (a
     * node of theirs died): they get a grace period, so that what they
     * stored is counted. */
    double deadline = t0 + cfg->trial_timeout, server_dead_at = 0, grace_until = 0;
    for (;;) {
        int running = 0;
        for (int i = 0; i < nch; i++) {
            if (ch[i].pid <= 0 || ch[i].done)
                continue;
            pid_t w = wait4(ch[i].pid, &ch[i].status, WNOHANG, &ch[i].ru);
            if (w == ch[i].pid) {
                ch[i].done = 1;
                ch[i].t1 = procstat_mono();
                if ((!WIFEXITED(ch[i].status) || WEXITSTATUS(ch[i].status) != 0) &&
                    fail[0] == '\0')
                    snprintf(fail, sizeof fail, "%s%s%.0d exited with status %d%s",
                             ch[i].role, multi && ch[i].index ? " " : "",
                             multi ? ch[i].index : 0,
                             WIFEXITED(ch[i].status) ? WEXITSTATUS(ch[i].status) : -1,
                             WIFSIGNALED(ch[i].status) ? " (killed by a signal)" : "");
            } else {
                running++;
            }
        }
        if (running == 0)
            break;
        double now = procstat_mono();
        if (fail[0] != '\0') {
            /* One side failed: the other cannot finish (single service), or
             * may within its stall timeout (several). */
            if (multi && grace_until == 0)
                grace_until = now + 8.0;
            if (!multi || now > grace_until) {
                runner_kill_children(ch, nch);
                break;
            }
        }
        if (runner_stop_flag) {
            snprintf(fail, sizeof fail, "interrupted");
            runner_kill_children(ch, nch);
            break;
        }
        if (now > deadline) {
            snprintf(fail, sizeof fail, "timed out after %.0f s", cfg->trial_timeout);
            runner_kill_children(ch, nch);
            break;
        }
        if (is_nats && r->servers != NULL) {
            int dead = 0;
            for (int i = 0; i < r->nnodes; i++)
                if (!natscluster_alive(r->servers, i))
                    dead = lost_node[i] = 1;
            /* One server: the workloads notice a closed connection
             * themselves; give them 2 s to say so, then stop them. A
             * cluster survives a node: its clients decide. */
            if (dead && r->nnodes == 1) {
                if (server_dead_at == 0)
                    server_dead_at = now;
                else if (now - server_dead_at > 2.0) {
                    snprintf(fail, sizeof fail, "nats-server exited during the trial");
                    runner_kill_children(ch, nch);
                    break;
                }
            }
        }
        usleep(10000);
    }
    double t1 = procstat_mono();
    if (strcmp(v->arch, "jetstream") == 0)
        runner_js_clean(r, base, fail, sizeof fail);
    int nlost = 0;
    char lost_list[64] = "";
    if (is_nats) {
        for (int i = 0; i < r->nnodes; i++) {
            /* Reap a dead node first: a zombie's /proc entry is no reading. */
            if (r->servers != NULL && !natscluster_alive(r->servers, i))
                lost_node[i] = 1;
            if (r->node_pid[i] > 0 && !lost_node[i])
                have_s1[i] = procstat_read(&s1[i], r->node_pid[i], NULL) == 0 &&
                             (!have_s0[i] || s1[i].on_cpu_ns >= s0[i].on_cpu_ns);
            if (lost_node[i]) {
                size_t len = strlen(lost_list);
                snprintf(lost_list + len, sizeof lost_list - len, "%s%d",
                         nlost ? "," : "", i);
                nlost++;
            }
        }
    }
    if (nlost > 0) {
        /* Name the root cause, not its first symptom. */
        char symptom[900];
        snprintf(symptom, sizeof symptom, "%s", fail);
        if (r->nnodes == 1)
            snprintf(fail, sizeof fail, "nats-server exited during the trial%s%s%s",
                     symptom[0] ? " (" : "", symptom, symptom[0] ? ")" : "");
        else if (symptom[0] != '\0')
            snprintf(fail, sizeof fail,
                     "nats-server node %s exited during the trial (%s)", lost_list,
                     symptom);
    }

    /* Read what the workloads reported. */
    for (int i = 0; i < nch; i++) {
        json_error_t jerr;
        res[i] = json_load_file(ch[i].result, 0, &jerr);
        unlink(ch[i].result);
    }
    json_t *sres = res[0];       /* the process that stores (service 0/inproc/direct) */
    json_t *pres = res[nch - 1]; /* the publisher's result */
    int64_t published = runner_ev(pres, "published"),
            received = runner_ev(sres, "received"), stored = runner_ev(sres, "stored"),
            malformed = runner_ev(sres, "malformed"),
            dropped = runner_ev(sres, "dropped"), rows = runner_ev(sres, "rows");
    int64_t unique_ids = -1, duplicates = 0, resent = runner_ev(pres, "resent");
    per_service = json_array();
    if (multi) {
        /* Sum over the services; rows and distinct event ids from their
         * databases, read here after they exited. */
        received = stored = malformed = dropped = 0;
        for (int i = 0; i < nch - 1; i++) {
            int64_t rcv = runner_ev(res[i], "received"),
                    sto = runner_ev(res[i], "stored"),
                    mal = runner_ev(res[i], "malformed"),
                    drp = runner_ev(res[i], "dropped"),
                    dup = runner_ev(res[i], "duplicates");
            received += rcv > 0 ? rcv : 0;
            stored += sto > 0 ? sto - (dup > 0 ? dup : 0) : 0;
            malformed += mal > 0 ? mal : 0;
            dropped += drp > 0 ? drp : 0;
            duplicates += dup > 0 ? dup : 0;
            json_array_append_new(
                per_service,
                json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:b, s:O?}", "index",
                          ch[i].index, "node", ch[i].node, "received", (json_int_t)rcv,
                          "stored", (json_int_t)sto, "duplicates", (json_int_t)dup,
                          "rows", (json_int_t)runner_ev(res[i], "rows"), "reconnects",
                          (json_int_t)runner_ev(res[i], "reconnects"), "ok",
                          json_is_true(json_object_get(res[i], "ok")), "error",
                          json_object_get(res[i], "error")));
        }
        const char *dbs[RUNNER_MAX_SERVICES];
        for (int i = 0; i < nch - 1; i++)
            dbs[i] = shared_db ? db : ch[i].db;
        error cerr;
        error_clear(&cerr);
        if (runner_count_ids(&rows, &unique_ids, dbs, shared_db ? 1 : nch - 1, &cerr) !=
                0 &&
            fail[0] == '\0')
            snprintf(fail, sizeof fail, "%s", cerr.text);
    }
    int verified = published == n && stored == n && rows == n && dropped == 0 &&
                   malformed == 0 && (multi ? unique_ids == n : received == n);
    if (fail[0] == '\0' && !verified)
        snprintf(
            fail, sizeof fail,
            "lost events: requested %lld, published %lld, received %lld, stored %lld, "
            "rows %lld, unique ids %lld, dropped %lld, malformed %lld",
            (long long)n, (long long)published, (long long)received, (long long)stored,
            (long long)rows, (long long)unique_ids, (long long)dropped,
            (long long)malformed);
    if (fail[0] == '\0' && sres != NULL && !json_is_true(json_object_get(sres, "ok")))
        snprintf(fail, sizeof fail, "%s",
                 json_string_value(json_object_get(sres, "error")));

    /* Per process: CPU, wall, profile, samples. */
    json_t *procs = json_array(), *profiles = json_array();
    double cpu = 0, user = 0, sys = 0, mcpu = 0, prof_cpu = 0, svc_cpu = 0, bot_cpu = 0;
    uint64_t samples = 0, period = 0;
    int all_profiles = v->profiled;
    for (int i = 0; i < nch; i++) {
        double u = runner_tv(&ch[i].ru.ru_utime), s = runner_tv(&ch[i].ru.ru_stime);
        json_t *m = json_object_get(res[i], "measured");
        double mu = json_real_value(json_object_get(m, "user_s")),
               ms = json_real_value(json_object_get(m, "sys_s"));
        int have_m = m != NULL;
        json_t *p =
            json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:f, s:s, s:o, s:s}", "role",
                      ch[i].role, "pid", (int)ch[i].pid, "exit_status",
                      WIFEXITED(ch[i].status) ? WEXITSTATUS(ch[i].status) : -1, "user_s",
                      u, "sys_s", s, "cpu_s", u + s, "wall_s", ch[i].t1 - ch[i].t0,
                      "cpu_source", "wait4", "measured",
                      have_m ? json_pack("{s:f, s:f, s:f, s:f}", "user_s", mu, "sys_s",
                                         ms, "cpu_s", mu + ms, "wall_s",
                                         json_real_value(json_object_get(m, "wall_s")))
                             : json_null(),
                      "log", strrchr(ch[i].log, '/') + 1);
        if (is_nats) {
            json_object_set_new(p, "node", json_integer(ch[i].node));
            if (strcmp(ch[i].role, "service") == 0)
                json_object_set_new(p, "index", json_integer(ch[i].index));
        }
        if (strcmp(ch[i].role, "service") == 0)
            svc_cpu += u + s;
        else if (strcmp(ch[i].role, "bot") == 0)
            bot_cpu += u + s;
        cpu += u + s;
        user += u;
        sys += s;
        mcpu += mu + ms;
        if (ch[i].prof[0] != '\0') {
            uint64_t smp = 0, per = 0;
            error perr;
            error_clear(&perr);
            if (runner_prof_samples(&smp, &per, ch[i].prof, &perr) == 0) {
                samples += smp;
                period = per;
                prof_cpu += mu + ms;
                json_object_set_new(p, "profile", json_string(ch[i].prof_rel));
                json_object_set_new(p, "samples", json_integer((json_int_t)smp));
                json_object_set_new(
                    p, "effective_hz",
                    runner_num_or_null(mu + ms > 0, (double)smp / (mu + ms)));
                json_t *pe = json_pack("{s:s, s:s, s:I, s:I}", "role", ch[i].role, "path",
                                       ch[i].prof_rel, "samples", (json_int_t)smp,
                                       "period_us", (json_int_t)per);
                if (multi && strcmp(ch[i].role, "service") == 0)
                    json_object_set_new(pe, "index", json_integer(ch[i].index));
                json_array_append_new(profiles, pe);
            } else {
                all_profiles = 0;
                json_object_set_new(p, "profile", json_null());
                json_object_set_new(p, "profile_error", json_string(perr.text));
                if (fail[0] == '\0')
                    snprintf(fail, sizeof fail, "%s", perr.text);
            }
        }
        json_array_append_new(procs, p);
    }
    double server_cpu = 0;
    int have_server = is_nats, nodes_measured = 0;
    for (int i = 0; is_nats && i < r->nnodes; i++) {
        struct rusage dru;
        if (have_s0[i] && lost_node[i] && r->servers != NULL &&
            natscluster_exit_rusage(r->servers, i, &dru) == 0) {
            /* A node that died during the trial: its CPU up to its death
             * (wait4, whole life) less its schedstat at the start. */
            double u = runner_tv(&dru.ru_utime), sy = runner_tv(&dru.ru_stime);
            double c = fmax(0, u + sy - (double)s0[i].on_cpu_ns / 1e9);
            server_cpu += c;
            nodes_measured++;
            json_array_append_new(
                procs, runner_server_entry(i, r->node_pid[i], fmax(0, u - s0[i].user_s),
                                           fmax(0, sy - s0[i].sys_s), c, t1 - t0,
                                           "wait4-at-exit", 0, 1));
        } else if (have_s0[i] && have_s1[i]) {
            double c = (double)(s1[i].on_cpu_ns - s0[i].on_cpu_ns) / 1e9;
            server_cpu += c;
            nodes_measured++;
            json_array_append_new(
                procs, runner_server_entry(i, r->node_pid[i], s1[i].user_s - s0[i].user_s,
                                           s1[i].sys_s - s0[i].sys_s, c, t1 - t0,
                                           "schedstat", r->servers == NULL, lost_node[i]));
        } else {
            /* Unknown (external server without its pid), or a node killed
             * during the trial: its last CPU is not readable any more. */
            have_server = 0;
            json_array_append_new(
                procs, json_pack("{s:s, s:i, s:n, s:s, s:b}", "role", "nats-server",
                                 "node", i, "cpu_s", "cpu_source",
                                 r->node_pid[i] <= 0 ? "unknown" : "unreadable", "lost",
                                 lost_node[i]));
        }
    }
    cpu += server_cpu;
    json_t *pm = json_object_get(pres, "measured");
    double pub_wall = json_real_value(json_object_get(pm, "wall_s"));
    json_t *sdb = json_object_get(sres, "db");
    json_t *versions = json_object_get(r->env, "versions");
    rec = json_pack(
        "{s:s, s:s, s:i, s:i, s:s, s:s, s:s?, s:s?, s:b, s:s, s:b, s:s?,"
        " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b},"
        " s:{s:o, s:o},"
        " s:{s:s, s:s, s:s, s:o, s:o, s:i},"
        " s:o, s:o, s:f, s:o, s:I, s:{s:i, s:o, s:o},"
        " s:O, s:O, s:O, s:O}",
        "schema", "overhead.run/1", "run_id", r->run_id, "trial", index, "round", round,
        "arch", v->arch, "tag", v->tag, "control", v->aa_group ? "aa" : NULL, "aa_group",
        v->aa_group, "profiled", v->profiled, "storage", v->storage, "ok",
        fail[0] == '\0', "failure", fail[0] ? fail : NULL, "events", "requested",
        (json_int_t)n, "published", (json_int_t)published, "received",
        (json_int_t)received, "stored", (json_int_t)stored, "malformed",
        (json_int_t)malformed, "dropped", (json_int_t)dropped, "rows", (json_int_t)rows,
        "verified", verified, "rate", "requested",
        cfg->rate > 0 ? json_real(cfg->rate) : json_null(), "achieved",
        runner_num_or_null(pub_wall > 0 && published > 0, (double)published / pub_wall),
        "db", "storage", v->storage, "path_kind", sp->memory ? "memory" : "file", "path",
        sp->memory ? ":memory:" : strrchr(ch[0].db[0] ? ch[0].db : db, '/') + 1,
        "journal",
        json_is_string(json_object_get(sdb, "journal"))
            ? json_copy(json_object_get(sdb, "journal"))
            : json_null(),
        "synchronous",
        json_is_string(json_object_get(sdb, "synchronous"))
            ? json_copy(json_object_get(sdb, "synchronous"))
            : json_null(),
        "batch", cfg->batch, "processes", procs, "cpu",
        json_pack(
            "{s:f, s:f, s:f, s:o, s:o, s:f, s:o, s:f, s:o, s:b}", "total_s", cpu,
            "user_s", user, "sys_s", sys, "per_event_us",
            runner_num_or_null(stored > 0, cpu / (double)stored * 1e6), "nats_server_s",
            runner_num_or_null(have_server, server_cpu), "measured_s", mcpu,
            "measured_per_event_us",
            runner_num_or_null(stored > 0, mcpu / (double)stored * 1e6), "window_s",
            mcpu + server_cpu, "window_per_event_us",
            runner_num_or_null(stored > 0, (mcpu + server_cpu) / (double)stored * 1e6),
            "includes_nats_server", have_server),
        "wall_s", t1 - t0, "profiles", profiles, "samples", (json_int_t)samples,
        "sampling", "requested_hz", cfg->freq, "period_us",
        v->profiled && period > 0 ? json_integer((json_int_t)period) : json_null(),
        "effective_hz",
        runner_num_or_null(v->profiled && all_profiles && prof_cpu > 0,
                           (double)samples / prof_cpu),
        "versions", versions, "host", json_object_get(r->env, "host"), "git",
        json_object_get(r->env, "git"), "command", json_object_get(r->env, "command"));
    if (rec == NULL) {
        error_set(err, ERR_NOMEM, "trial %d: cannot build the record", index);
        goto done;
    }
    /* Fields added for clusters, queue groups and JetStream (see
     * docs/run-record.md); present in every record so the analysis need
     * not guess. */
    json_t *ev = json_object_get(rec, "events");
    json_object_set_new(ev, "unique_ids",
                        multi ? json_integer((json_int_t)unique_ids) : json_null());
    json_object_set_new(ev, "duplicates", json_integer((json_int_t)duplicates));
    json_object_set_new(ev, "resent",
                        json_integer((json_int_t)(resent > 0 ? resent : 0)));
    json_object_set_new(
        ev, "lost",
        json_integer((json_int_t)(n - (multi ? (unique_ids > 0 ? unique_ids : 0)
                                             : (rows > 0 ? rows : 0)))));
    json_object_set_new(ev, "per_service", per_service);
    per_service = NULL;
    json_t *c = json_object_get(rec, "cpu");
    json_object_set_new(c, "nats_server_nodes", json_integer(is_nats ? r->nnodes : 0));
    json_object_set_new(c, "nats_server_nodes_measured", json_integer(nodes_measured));
    json_object_set_new(c, "services_s", json_real(svc_cpu));
    json_object_set_new(c, "bot_s", json_real(bot_cpu));
    json_object_set_new(
        c, "broker_share",
        runner_num_or_null(have_server && cpu > 0, server_cpu / (cpu > 0 ? cpu : 1)));
    json_t *svc_nodes = json_array();
    for (int i = 0; i < nch; i++)
        if (strcmp(ch[i].role, "service") == 0)
            json_array_append_new(svc_nodes, json_integer(ch[i].node));
    json_t *lost = json_array();
    for (int i = 0; i < r->nnodes; i++)
        if (lost_node[i])
            json_array_append_new(lost, json_integer(i));
    json_object_set_new(
        rec, "cluster",
        json_pack("{s:i, s:i, s:b, s:i, s:o, s:o, s:s?}", "nodes",
                  is_nats ? r->nnodes : 0, "services", nsvc, "queue_group",
                  strcmp(v->arch, "nats-cluster") == 0, "bot_node", 0, "service_nodes",
                  svc_nodes, "nodes_lost", lost, "queue",
                  strcmp(v->arch, "nats-cluster") == 0 ? "chatsvc" : NULL));
    json_object_set_new(
        rec, "jetstream",
        strcmp(v->arch, "jetstream") == 0
            ? json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:f}", "stream", "ROSEY_CHAT",
                        "subject", "rosey.events.chat", "storage", cfg->js_storage,
                        "replicas", r->nnodes < 3 ? r->nnodes : 3, "consumer", "chatsvc",
                        "ack", "explicit, after commit", "ack_wait_s", 2.0)
            : json_null());
    json_object_set_new(json_object_get(rec, "db"), "per_service_files",
                        json_boolean(multi && !shared_db));
    json_object_set_new(json_object_get(rec, "db"), "shared_file",
                        json_boolean(multi && shared_db));
    json_object_set_new(json_object_get(rec, "db"), "busy_timeout_ms",
                        json_integer(multi && shared_db ? 5000 : 0));
    json_object_set_new(json_object_get(rec, "db"), "event_id_unique",
                        json_boolean(strcmp(v->arch, "jetstream") == 0));
    *ok = fail[0] == '\0';
    *out = rec;
    rec = NULL;
    rc = 0;
done:
    runner_kill_children(ch, nch);
    json_decref(per_service);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    if (!sp->memory) {
        runner_remove_db(db);
        for (int i = 0; i < nch; i++)
            if (ch[i].db[0] != '\0')
                runner_remove_db(ch[i].db);
    }
    for (int i = 0; i < nch; i++)
        json_decref(res[i]);
    json_decref(rec);
    return rc;
}

/* ---- the run ------------------------------------------------------------ */

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
        json_t *host = json_object_get(env, "host");
        json_t *kernel = json_object_get(host, "kernel");
        json_object_set(json_object_get(env, "versions"), "kernel", kernel);
    }
    free(sha);
    free(dirty);
    return env;
}

/* Write 'j' to <dir>/<name> atomically. */
static int runner_write_json(const char *dir, const char *name, json_t *j, error *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL)
        return error_set(err, ERR_NOMEM, "%s: cannot serialise", path);
    size_t len = strlen(text);
    text[len] = '\n';
    int rc = file_write_atomic(path, text, len + 1, err);
    free(text);
    return rc;
}

static double runner_json_num(json_t *j, const char *a, const char *b) {
    json_t *v = json_object_get(j, a);
    if (b != NULL)
        v = json_object_get(v, b);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The variants of one round, in forward order. */
static int runner_variants(variant *out, int max, const runner_config *cfg) {
    int k = 0;
    for (int s = 0; s < cfg->nstorages; s++)
        for (int p = 0; p < (cfg->unprofiled ? 2 : 1); p++) {
            int na = cfg->aa ? 2 : cfg->narchs;
            for (int a = 0; a < na && k < max; a++) {
                variant *v = &out[k++];
                memset(v, 0, sizeof *v);
                v->arch = cfg->aa ? "direct" : cfg->archs[a];
                v->aa_group = cfg->aa ? (a == 0 ? "A" : "B") : NULL;
                v->storage = cfg->storages[s];
                v->profiled = p == 0;
                snprintf(v->tag, sizeof v->tag, "%s%s%s%s%s", v->arch,
                         v->aa_group ? "-" : "", v->aa_group ? v->aa_group : "",
                         cfg->nstorages > 1 ? "-" : "",
                         cfg->nstorages > 1 ? v->storage : "");
                if (!v->profiled)
                    strncat(v->tag, "-unprof", sizeof v->tag - strlen(v->tag) - 1);
            }
        }
    return k;
}

int runner_run(const runner_config *cfg, char **run_dir, error *err) {
    runner r;
    json_t *runj = NULL, *trials = json_array(), *warm = json_array();
    variant vs[RUNNER_MAX_LIST * RUNNER_MAX_LIST * 2];
    char *server_version = NULL;
    int rc = -1, failed = 0;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    if (run_dir != NULL)
        *run_dir = NULL;
    runner_stop_flag = 0;
    if (runner_validate(cfg, err) != 0)
        goto done;
    /* The run directory: <out>/<UTC timestamp>, suffixed if taken. */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r.run_id, sizeof r.run_id, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 0;; i++) {
        if (i > 0)
            snprintf(r.run_id + 16, sizeof r.run_id - 16, "-%d", i);
        snprintf(r.dir, sizeof r.dir, "%.2900s/%s", cfg->out_dir, r.run_id);
        if (mkdir(r.dir, 0755) == 0)
            break;
        if (errno != EEXIST || i > 100) {
            error_errno(err, ERR_INPUT, errno, "cannot create %s", r.dir);
            goto done;
        }
    }
    if (run_dir != NULL)
        *run_dir = strdup(r.dir);
    int nv = runner_variants(vs, (int)(sizeof vs / sizeof vs[0]), cfg);
    int needs_nats = 0;
    for (int i = 0; i < nv; i++)
        needs_nats |= strcmp(vs[i].arch, "direct") != 0;

    char cmdline[4300];
    snprintf(cmdline, sizeof cmdline, "'%s' --version 2>&1", cfg->nats_server);
    /* The version and git probes are children too: their CPU is recorded so
     * that an outside measurement of the whole run can be reconciled. */
    struct rusage pr0, pr1;
    getrusage(RUSAGE_CHILDREN, &pr0);
    server_version = procstat_command_line(cmdline);
    getrusage(RUSAGE_CHILDREN, &pr1);
    double probes_cpu = runner_tv(&pr1.ru_utime) + runner_tv(&pr1.ru_stime) -
                        runner_tv(&pr0.ru_utime) - runner_tv(&pr0.ru_stime);
    int needs_js = 0;
    for (int i = 0; i < nv; i++)
        needs_js |= strcmp(vs[i].arch, "jetstream") == 0;
    r.jetstream = needs_js;
    if (needs_nats && cfg->nats_url == NULL) {
        char ndir[4200];
        int nodes = cfg->cluster > 1 ? cfg->cluster : 1;
        snprintf(ndir, sizeof ndir, "%s/nats", r.dir);
        if (natscluster_start(&r.servers, cfg->nats_server, ndir, nodes, needs_js, err) !=
            0)
            goto done;
        r.nnodes = nodes;
        for (int i = 0; i < nodes; i++) {
            snprintf(r.node_url[i], sizeof r.node_url[i], "%s",
                     natscluster_url(r.servers, i));
            r.node_pid[i] = natscluster_pid(r.servers, i);
            runner_say(cfg, "nats-server %d started at %s%s", (int)r.node_pid[i],
                       r.node_url[i],
                       nodes > 1  ? " (cluster node)"
                       : needs_js ? " (JetStream)"
                                  : "");
        }
    } else if (needs_nats) {
        /* An existing server, or cluster: one URL per node. */
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", cfg->nats_url);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save);
             t != NULL && r.nnodes < NATSCLUSTER_MAX; t = strtok_r(NULL, ",", &save))
            snprintf(r.node_url[r.nnodes++], sizeof r.node_url[0], "%s", t);
        r.node_pid[0] = cfg->nats_pid;
    }
    for (int i = 0; i < r.nnodes; i++) {
        size_t len = strlen(r.urls);
        snprintf(r.urls + len, sizeof r.urls - len, "%s%s", i ? "," : "", r.node_url[i]);
    }
    if (needs_nats) {
        r.url = r.node_url[0];
        r.server_pid = r.node_pid[0];
    }
    getrusage(RUSAGE_CHILDREN, &pr0);
    r.env = runner_environment(cfg, server_version);
    getrusage(RUSAGE_CHILDREN, &pr1);
    probes_cpu += runner_tv(&pr1.ru_utime) + runner_tv(&pr1.ru_stime) -
                  runner_tv(&pr0.ru_utime) - runner_tv(&pr0.ru_stime);
    if (r.env == NULL || trials == NULL || warm == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (cfg->freq > 250)
        runner_say(
            cfg,
            "warning: --freq %d is above the kernel's 250 Hz tick: expect about 250 "
            "samples per CPU-second, and use the effective rate, not the period",
            cfg->freq);
    int64_t n = cfg->events;
    if (n < 0)
        n = cfg->rate > 0 ? (int64_t)fmax(10, cfg->rate * 5) : 100000;
    runj = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:s?, s:i, s:b}", "schema",
                     "overhead.run-config/1", "run_id", r.run_id, "status", "running",
                     "versions", json_object_get(r.env, "versions"), "host",
                     json_object_get(r.env, "host"), "git", json_object_get(r.env, "git"),
                     "command", json_object_get(r.env, "command"), "nats_url", r.url,
                     "nats_server_pid", (int)r.server_pid,
                     "nats_server_started_by_runner", r.servers != NULL);
    if (runj != NULL) {
        json_t *pids = json_array(), *urls = json_array();
        for (int i = 0; i < r.nnodes; i++) {
            json_array_append_new(urls, json_string(r.node_url[i]));
            json_array_append_new(pids, r.node_pid[i] > 0 ? json_integer(r.node_pid[i])
                                                          : json_null());
        }
        json_object_set_new(runj, "nats_nodes",
                            json_pack("{s:i, s:o, s:o, s:b}", "count", r.nnodes, "urls",
                                      urls, "pids", pids, "jetstream", r.jetstream));
    }
    if (runj == NULL || runner_write_json(r.dir, "run.json", runj, err) != 0)
        goto done;

    /* Warm-up: one short trial per variant (caches, page cache, the
     * server's first connections), recorded in run.json only. Its per-event
     * CPU also predicts the sample count. */
    double est_cpu_ev[RUNNER_MAX_LIST * RUNNER_MAX_LIST * 2];
    for (int i = 0; i < nv; i++)
        est_cpu_ev[i] = NAN;
    if (cfg->warmup) {
        int64_t wn = cfg->rate > 0 ? (int64_t)fmax(5, fmin((double)n, cfg->rate))
                                   : (n < 20000 ? n : 20000);
        for (int i = 0; i < nv && !failed; i++) {
            json_t *rec = NULL;
            int ok = 0;
            char base[200];
            snprintf(base, sizeof base, "warmup-%s", vs[i].tag);
            if (runner_trial(&rec, &ok, &r, &vs[i], 0, 0, wn, base, err) != 0) {
                failed = 1; /* still rewrite run.json and stop the server */
                break;
            }
            est_cpu_ev[i] =
                runner_json_num(json_object_get(rec, "cpu"), "measured_s", NULL) /
                (double)wn;
            json_array_append_new(
                warm, json_pack("{s:s, s:I, s:b, s:o, s:O}", "tag", vs[i].tag, "events",
                                (json_int_t)wn, "ok", ok, "per_event_us",
                                json_copy(json_object_get(json_object_get(rec, "cpu"),
                                                          "per_event_us")),
                                "failure", json_object_get(rec, "failure")));
            if (!ok) {
                error_set(err, ERR_SYSTEM, "warm-up %s failed: %s", vs[i].tag,
                          json_string_value(json_object_get(rec, "failure")));
                failed = 1;
            }
            json_decref(rec);
            /* Keep the warm-up's files out of the way of the analysis. */
            char p[4400];
            snprintf(p, sizeof p, "%s/%s.prof", r.dir, base);
            unlink(p);
            snprintf(p, sizeof p, "%s/%s-bot.prof", r.dir, base);
            unlink(p);
        }
        if (failed)
            goto finish;
        /* Default size: enough events for min_samples per architecture. */
        double hz = cfg->freq < 250 ? cfg->freq : 250;
        /* Default size: the fewest events (multiple of 10,000, at least
         * 20,000) that give every architecture min_samples, with a 25 %
         * margin for the warm-up's optimism; the default run stays near a
         * minute on a 2-core machine. */
        if (cfg->events < 0 && cfg->rate <= 0) {
            n = 20000;
            for (int i = 0; i < nv; i++)
                if (vs[i].profiled && est_cpu_ev[i] > 0) {
                    double need = 1.25 * (double)cfg->min_samples /
                                  (cfg->trials * hz * est_cpu_ev[i] * cfg->nstorages);
                    if (need > (double)n)
                        n = (int64_t)fmin(1000000, ceil(need / 10000) * 10000);
                }
            runner_say(cfg,
                       "events per trial: %lld (chosen for >= %lld samples per "
                       "architecture; set with -n)",
                       (long long)n, (long long)cfg->min_samples);
        }
        int total = 0;
        for (int i = 0; i < nv; i++)
            if (vs[i].profiled && est_cpu_ev[i] > 0) {
                double per = (double)n * est_cpu_ev[i] * hz;
                runner_say(cfg,
                           "expected samples: %s ~%.0f per trial, ~%.0f over %d trials "
                           "(%.1f us/event profiled CPU in the warm-up, %d Hz)",
                           vs[i].tag, per, per * cfg->trials, cfg->trials,
                           est_cpu_ev[i] * 1e6, (int)hz);
                total += (int)(per * cfg->trials);
            }
        runner_say(cfg, "expected samples in total: ~%d", total);
    } else {
        runner_say(cfg,
                   "expected samples: ~%.0f per profiled CPU-second of each process "
                   "(no warm-up, so no per-event estimate)",
                   cfg->freq < 250 ? (double)cfg->freq : 250.0);
    }
    json_object_set_new(runj, "events_per_trial", json_integer((json_int_t)n));
    json_object_set_new(runj, "warmup", json_incref(warm));

    /* The rounds: forward, backward, forward... (A B B A). */
    int index = 0, total_trials = nv * cfg->trials;
    for (int round = 1; round <= cfg->trials && !failed; round++) {
        for (int j = 0; j < nv && !failed; j++) {
            const variant *v = &vs[round % 2 == 1 ? j : nv - 1 - j];
            char base[200], name[220];
            json_t *rec = NULL;
            int ok = 0;
            index++;
            snprintf(base, sizeof base, "trial-%02d-%s", index, v->tag);
            if (runner_stop_flag) {
                error_set(err, ERR_SYSTEM, "interrupted before trial %d", index);
                failed = 1;
                break;
            }
            if (runner_trial(&rec, &ok, &r, v, index, round, n, base, err) != 0) {
                failed = 1;
                break;
            }
            snprintf(name, sizeof name, "%s.json", base);
            json_t *cpu = json_object_get(rec, "cpu");
            if (!ok && cfg->accept_loss && !runner_stop_flag &&
                json_object_get(json_object_get(rec, "events"), "verified") ==
                    json_false() &&
                (r.servers == NULL || r.nnodes > 1 || natscluster_alive(r.servers, 0)))
                json_object_set_new(rec, "loss_accepted", json_true());
            if (runner_write_json(r.dir, name, rec, err) != 0) {
                json_decref(rec);
                failed = 1;
                break;
            }
            json_array_append_new(trials,
                                  json_pack("{s:i, s:s, s:b, s:s}", "trial", index, "tag",
                                            v->tag, "ok", ok, "record", name));
            double wall = runner_json_num(rec, "wall_s", NULL);
            runner_say(
                cfg,
                "trial %d/%d %-18s %s: %.0f events/s, %.2f us/event (%s), %lld samples",
                index, total_trials, v->tag, ok ? "ok" : "FAILED", (double)n / wall,
                runner_json_num(cpu, "per_event_us", NULL),
                json_is_true(json_object_get(cpu, "includes_nats_server"))
                    ? "incl. nats-server"
                    : "workload only",
                (long long)json_integer_value(json_object_get(rec, "samples")));
            if (!ok) {
                const char *why = json_string_value(json_object_get(rec, "failure"));
                if (json_is_true(json_object_get(rec, "loss_accepted"))) {
                    runner_say(cfg,
                               "trial %d lost events (accepted by --accept-loss): %s",
                               index, why);
                } else {
                    error_set(err,
                              strncmp(why ? why : "", "lost events", 11) == 0
                                  ? ERR_CHECK
                                  : ERR_SYSTEM,
                              "trial %d (%s) failed: %s", index, v->tag, why ? why : "?");
                    failed = 1;
                }
            }
            json_decref(rec);
        }
    }
finish:;
    struct rusage self, kids;
    natscluster_stop(r.servers);
    r.servers = NULL;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    json_object_set_new(runj, "status",
                        json_string(runner_stop_flag ? "interrupted"
                                    : failed         ? "failed"
                                                     : "ok"));
    json_object_set_new(runj, "failure", failed ? json_string(err->text) : json_null());
    json_object_set_new(runj, "trials", json_incref(trials));
    json_object_set_new(runj, "warmup", json_incref(warm));
    json_object_set_new(runj, "runner_rusage",
                        json_pack("{s:f, s:f, s:f, s:f, s:f}", "self_user_s",
                                  runner_tv(&self.ru_utime), "self_sys_s",
                                  runner_tv(&self.ru_stime), "children_user_s",
                                  runner_tv(&kids.ru_utime), "children_sys_s",
                                  runner_tv(&kids.ru_stime), "probes_cpu_s", probes_cpu));
    json_object_set_new(runj, "config",
                        json_pack("{s:I, s:i, s:i, s:i, s:o, s:b, s:b, s:b, s:f, s:b}",
                                  "events", (json_int_t)n, "trials", cfg->trials, "batch",
                                  cfg->batch, "freq_hz", cfg->freq, "rate",
                                  cfg->rate > 0 ? json_real(cfg->rate) : json_null(),
                                  "aa", cfg->aa, "unprofiled", cfg->unprofiled, "warmup",
                                  cfg->warmup, "trial_timeout_s", cfg->trial_timeout,
                                  "accept_loss", cfg->accept_loss));
    json_t *conf = json_object_get(runj, "config");
    json_object_set_new(conf, "cluster",
                        json_integer(cfg->cluster > 1 ? cfg->cluster : 1));
    json_object_set_new(conf, "services", json_integer(cfg->services));
    json_object_set_new(conf, "js_storage", json_string(cfg->js_storage));
    if (runner_write_json(r.dir, "run.json", runj, failed ? NULL : err) != 0)
        failed = 1;
    if (!failed)
        rc = 0;
    else if (runner_stop_flag && err->kind == ERR_NONE)
        error_set(err, ERR_SYSTEM, "interrupted");
done:
    natscluster_stop(r.servers);
    json_decref(runj);
    json_decref(trials);
    json_decref(warm);
    json_decref(r.env);
    free(server_version);
    return rc;
}
