/* spawn: what storage, variant and architecture names mean, the workloads' command
 * lines, starting them, and telling why one failed. The bottom of the runner:
 * runner.c calls trial.c, both call spawn.c and results.c, never back. */
#include "runner_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chatproto.h"
#include "procstat.h"

/* ---- what the names of a run mean (used by trial.c and runner.c) -------- */

static const storage_preset storage_presets[] = {
    {"memory", 1, NULL, NULL},
    {"wal", 0, "wal", "normal"},
    {"wal-full", 0, "wal", "full"},
    {"delete", 0, "delete", "full"},
};

const storage_preset *runner_storage(const char *name) {
    for (size_t i = 0; i < sizeof storage_presets / sizeof storage_presets[0]; i++)
        if (strcmp(storage_presets[i].name, name) == 0)
            return &storage_presets[i];
    return NULL;
}

/* Is 'name' a word of the space-separated 'list'? */
static int runner_in_list(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; n > 0 && (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

int runner_variant_applies(const char *name, const char *arch) {
    return runner_in_list(strcmp(arch, "direct") == 0 ? CHATPROTO_DIRECT_VARIANTS
                                                      : CHATPROTO_VARIANTS,
                          name);
}

int runner_multi(const char *a) {
    return strcmp(a, "nats-cluster") == 0 || strcmp(a, "jetstream") == 0;
}

double runner_tv(const struct timeval *tv) {
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}


/* The URL argument of a jetstream workload: its own node first, then the
 * others to reconnect to. */
static void js_urls(const runner *r, int node, char *out, size_t size) {
    size_t len = (size_t)snprintf(out, size, "%s", r->node_url[node]);
    for (int i = 0; i < r->nnodes && len < size; i++)
        if (i != node)
            len += (size_t)snprintf(out + len, size - len, ",%s", r->node_url[i]);
}

/* The stall timeout a workload is given, in ms. */
static int stall_ms(const runner_config *cfg, const char *arch) {
    /* A slow fixed rate must not look like a stall. */
    int stall = RUNNER_STALL_MS;
    if (cfg->rate > 0 && 3000.0 / cfg->rate > stall)
        stall = (int)(3000.0 / cfg->rate);
    /* A JetStream cluster that lost a node elects new stream and consumer
     * leaders (and redelivers after the ack wait) before events flow again:
     * not a stall. */
    if (strcmp(arch, "jetstream") == 0 && stall < RUNNER_JS_STALL_MS)
        stall = RUNNER_JS_STALL_MS;
    return stall;
}

void runner_args(const runner *r, const variant *v, const child *c, int64_t n,
                 const char *db, char **argv, char store[][RUNNER_PATH_MAX]) {
    const runner_config *cfg = r->cfg;
    const storage_preset *sp = runner_storage(v->storage);
    int k = 0, s = 0, is_bot = strcmp(c->role, "bot") == 0,
        is_svc = strcmp(c->role, "service") == 0;
#define ARG(...)                                                                         \
    (snprintf(store[s], RUNNER_PATH_MAX, __VA_ARGS__), argv[k++] = store[s++])
    ARG("%s/%s", cfg->workload_dir,
        strcmp(c->role, "direct") == 0 ? "chat_direct" : "chat_nats");
    if (strcmp(c->role, "direct") != 0) {
        ARG("--mode");
        ARG("%s", c->role);
        ARG("--url");
        if (strcmp(v->arch, "jetstream") == 0) {
            js_urls(r, c->node, store[s], RUNNER_PATH_MAX);
            argv[k++] = store[s++];
        } else {
            ARG("%s", r->node_url[runner_multi(v->arch) ? c->node : 0]);
        }
        if (strcmp(v->arch, "nats-cluster") == 0) {
            ARG(is_bot ? "--end-marker" : "--queue");
            ARG("%s", is_bot ? "1" : CHATPROTO_QUEUE);
        } else if (strcmp(v->arch, "jetstream") == 0) {
            ARG("--js");
            ARG("1");
            if (is_svc) {
                ARG("--shared-db");
                ARG("1");
            }
            if (is_svc && c->index == 0) {
                ARG("--js-admin");
                ARG("1");
                ARG("--js-replicas");
                ARG("%d", r->nnodes < 3 ? r->nnodes : 3);
                ARG("--js-storage");
                ARG("%s", cfg->js_storage);
            }
        }
        ARG("--stall-ms");
        ARG("%d", stall_ms(cfg, v->arch));
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
    if (v->wvariant != NULL) {
        ARG("--variant");
        ARG("%s", v->wvariant);
    }
    if (v->replica) {
        /* the team's protocol: its subjects, its idle window */
        ARG("--subject");
        ARG("%s", CHATPROTO_TEAM_SUBJECT);
        if (v->replica == RUNRECORD_REPLICA_WRITTEN) {
            ARG("--store-subject");
            ARG("%s", CHATPROTO_TEAM_STORE_SUBJECT);
        }
        ARG("--idle-ms");
        ARG("%d", CHATPROTO_TEAM_IDLE_MS);
    }
    ARG("--freq");
    ARG("%d", cfg->freq);
    if (cfg->rate > 0) {
        ARG("--rate");
        ARG("%.17g", cfg->rate);
    }
    if (c->prof[0] != '\0') {
        ARG("--profile");
        ARG("%s", c->prof);
        ARG("--sampler");
        ARG("%s", runner_sampler(cfg));
    }
    ARG("--result");
    ARG("%s", c->result);
#undef ARG
    argv[k] = NULL;
}

/* Wait for the service's "ready" line on 'fd' for up to RUNNER_READY_S. */
static int wait_ready(int fd, error *err) {
    char buf[16];
    size_t n = 0;
    double end = procstat_mono() + RUNNER_READY_S;
    while (n < 6) {
        int left = (int)((end - procstat_mono()) * 1000);
        struct pollfd p = {fd, POLLIN, 0};
        if (runner_stop_flag)
            return error_set(err, ERR_SYSTEM, "interrupted");
        if (left <= 0)
            return error_set(err, ERR_SYSTEM, "service not ready within %.0f s",
                             RUNNER_READY_S);
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

/* Put "OPT FD" before argv's NULL terminator, the strings in 'store' slots
 * 'slot' and 'slot' + 1 (reserved by runner_args). */
static void add_fd_arg(char **argv, char store[][RUNNER_PATH_MAX], int slot,
                       const char *opt, int fd) {
    int k = 0;
    while (argv[k] != NULL)
        k++;
    snprintf(store[slot], RUNNER_PATH_MAX, "%s", opt);
    snprintf(store[slot + 1], RUNNER_PATH_MAX, "%d", fd);
    argv[k] = store[slot];
    argv[k + 1] = store[slot + 1];
    argv[k + 2] = NULL;
}

/* A pipe whose read end is not inherited. */
static int open_pipe(int fds[2], error *err) {
    if (pipe(fds) != 0)
        return error_errno(err, ERR_SYSTEM, errno, "pipe");
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    return 0;
}

int runner_spawn(child *c, char **argv, char store[][RUNNER_PATH_MAX], char *fail,
                 size_t size, error *err) {
    int ready[2] = {-1, -1}, win[2] = {-1, -1}, keep[2], nkeep = 0, rc = -1;
    c->win_fd = -1;
    if (strcmp(c->role, "service") == 0) {
        if (open_pipe(ready, err) != 0)
            goto done;
        keep[nkeep++] = ready[1];
        add_fd_arg(argv, store, RUNNER_MAX_ARGS - 2, "--ready-fd", ready[1]);
    }
    if (c->window) {
        if (open_pipe(win, err) != 0)
            goto done;
        keep[nkeep++] = win[1];
        add_fd_arg(argv, store, RUNNER_MAX_ARGS - 4, "--window-fd", win[1]);
    }
    c->t0 = procstat_mono();
    if (procstat_spawn(&c->pid, argv, c->log, keep, nkeep, err) != 0)
        goto done;
    rc = 0;
    c->win_fd = win[0];
    win[0] = -1;
    if (ready[1] >= 0) {
        close(ready[1]);
        ready[1] = -1;
        error rerr;
        error_clear(&rerr);
        if (wait_ready(ready[0], &rerr) != 0)
            snprintf(fail, size, "%s", rerr.text);
    }
done:
    for (int i = 0; i < 2; i++) {
        if (ready[i] >= 0)
            close(ready[i]);
        if (win[i] >= 0)
            close(win[i]);
    }
    return rc;
}

void runner_kill_children(child *ch, int n) {
    for (int i = 0; i < n; i++)
        if (ch[i].pid > 0 && !ch[i].done) {
            kill(ch[i].pid, SIGKILL);
            while (wait4(ch[i].pid, &ch[i].status, 0, &ch[i].ru) < 0 && errno == EINTR)
                ;
            ch[i].done = 1;
            ch[i].t1 = procstat_mono();
        }
}

void runner_remove_db(const char *db) {
    char p[RUNNER_PATH_MAX + 16];
    const char *sfx[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", db, sfx[i]);
        unlink(p);
    }
}

/* The stream is deleted because it would otherwise capture and replicate
 * every later trial's events (the other architectures publish on the same
 * subject). */
void runner_js_clean(const runner *r, const char *base, char *fail, size_t size) {
    char exe[RUNNER_PATH_MAX + 16], log[RUNNER_PATH_MAX + 16], url[sizeof r->urls];
    snprintf(exe, sizeof exe, "%s/chat_nats", r->cfg->workload_dir);
    snprintf(log, sizeof log, "%s/%s.js-clean.log", r->dir, base);
    snprintf(url, sizeof url, "%s", r->urls);
    char *argv[] = {exe, "--mode", "js-clean", "--url", url, "--events", "0", NULL};
    pid_t pid;
    int status = -1;
    error e;
    error_clear(&e);
    if (procstat_spawn(&pid, argv, log, NULL, 0, &e) == 0) {
        double end = procstat_mono() + RUNNER_JS_CLEAN_S;
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (procstat_mono() > end) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                break;
            }
            usleep(RUNNER_POLL_US);
        }
    }
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && fail[0] == '\0')
        snprintf(fail, size,
                 "could not delete the JetStream stream after the trial (%.900s)",
                 e.kind != ERR_NONE ? e.text : "see its js-clean.log");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        unlink(log);
}

/* The last non-empty line of the file at 'path' that is not the profiler's
 * own "PROFILE: ..." line, into 'out' ("" when none). */
static void last_line(const char *path, char *out, size_t size) {
    char buf[2048];
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long end = ftell(f);
        fseek(f, end > (long)sizeof buf - 1 ? end - (long)sizeof buf + 1 : 0, SEEK_SET);
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
        if (strncmp(line, "PROFILE: ", 9) != 0 && line[strspn(line, " \t\r")] != '\0')
            snprintf(out, size, "%s", line);
}

void runner_child_failure(const runner *r, const child *c, int multi, char *out,
                          size_t size) {
    char who[32], why[600];
    snprintf(who, sizeof who, "%s", c->role);
    if (multi && c->index)
        snprintf(who, sizeof who, "%s %d", c->role, c->index);
    last_line(c->log, why, sizeof why);
    if (WIFEXITED(c->status)) {
        snprintf(out, size, "%s exited with status %d%s%s", who, WEXITSTATUS(c->status),
                 why[0] ? ": " : "", why);
        return;
    }
    int sig = WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
    /* A full file system kills a writer with SIGBUS (SQLite's memory-mapped
     * -shm file) or SIGXFSZ (a file size limit) before it can say anything:
     * name the cause, not only the signal. */
    struct statvfs fs;
    int full = statvfs(r->dir, &fs) == 0 && fs.f_bavail == 0;
    snprintf(out, size, "%s killed by signal %d (%s)%s%s%s%s", who, sig, strsignal(sig),
             full ? ": no space left on the file system of " : "", full ? r->dir : "",
             why[0] ? "; its log says: " : "", why);
}
