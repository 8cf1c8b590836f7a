/* perfrec: Linux perf beside gperftools on a workload process (perfrec.h). */
#include "perfrec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procstat.h"

/* The perf executable's path on PATH into 'out' ("" when none). */
static void perf_path(char *out, size_t size) {
    const char *path = getenv("PATH");
    out[0] = '\0';
    if (path == NULL || path[0] == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        snprintf(out, size, "%.*s/%s", (int)n, path, PERFREC_EXE);
        if (n > 0 && access(out, X_OK) == 0)
            return;
        path += n + (colon != NULL);
    }
    out[0] = '\0';
}

/* Run argv with stdout to 'out_path' (appended; NULL: /dev/null) and stderr
 * to 'log_path' (appended); wait up to 'limit_s', then SIGINT, then SIGKILL.
 * Returns its exit status, or -1 when it could not run. */
static int run_wait(char *const argv[], const char *out_path, const char *log_path,
                    double limit_s) {
    int ofd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                   0644);
    int efd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                   0644);
    pid_t pid = ofd >= 0 && efd >= 0 ? fork() : -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(ofd, 1);
        dup2(efd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    if (ofd >= 0)
        close(ofd);
    if (efd >= 0)
        close(efd);
    if (pid < 0)
        return -1;
    int status = 0;
    double end = procstat_mono() + limit_s;
    int sent = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (procstat_mono() > end) {
            kill(pid, sent ? SIGKILL : SIGINT);
            sent = 1;
            end = procstat_mono() + 2;
        }
        usleep(10000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int perfrec_usable(char *why, size_t size) {
    char exe[1024], data[64];
    perf_path(exe, sizeof exe);
    if (exe[0] == '\0') {
        snprintf(why, size, "perf not found on PATH (Debian package linux-perf)");
        return 0;
    }
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int paranoid = 2;
    if (f == NULL || fscanf(f, "%d", &paranoid) != 1) {
        if (f != NULL)
            fclose(f);
        snprintf(why, size, "/proc/sys/kernel/perf_event_paranoid unreadable: no perf events "
                            "in this kernel");
        return 0;
    }
    fclose(f);
    if (geteuid() != 0 && paranoid > 1) {
        snprintf(why, size,
                 "kernel.perf_event_paranoid is %d and this is not root: perf may not "
                 "sample other processes (needs <= 1, or root/CAP_PERFMON)",
                 paranoid);
        return 0;
    }
    snprintf(data, sizeof data, "/tmp/overhead-perfcheck-%ld.data", (long)getpid());
    char *argv[] = {exe,     "record", "-q", "-e", "cpu-clock", "-F", "999", "-o",
                    data,    "--",     "true", NULL};
    int rc = run_wait(argv, NULL, NULL, 20);
    struct stat st;
    int ok = rc == 0 && stat(data, &st) == 0 && st.st_size > 0;
    unlink(data);
    if (!ok) {
        snprintf(why, size, "'perf record -e cpu-clock -- true' failed (exit %d): perf "
                            "cannot sample here (a container without perf events?)",
                 rc);
        return 0;
    }
    snprintf(why, size, "usable");
    return 1;
}

/* Open fifo 'path' for 'flags' without blocking forever: the other end is
 * perf, which opens it once it has started. */
static int open_fifo(const char *path, int flags, double limit_s) {
    double end = procstat_mono() + limit_s;
    for (;;) {
        int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 || errno != ENXIO || procstat_mono() > end)
            return fd;
        usleep(5000);
    }
}

/* Send "ping" on perf's control fifo and wait for its "ack": then perf has
 * opened its events on the target and runs its loop. */
static int handshake(const char *ctl, const char *ack, double limit_s) {
    double end = procstat_mono() + limit_s;
    int afd = open(ack, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a reader needs no peer */
    int cfd = afd >= 0 ? open_fifo(ctl, O_WRONLY, limit_s) : -1;
    int ok = 0;
    if (cfd >= 0 && write(cfd, "ping\n", 5) == 5) {
        char buf[16];
        size_t got = 0;
        while (!ok && procstat_mono() < end) {
            ssize_t k = read(afd, buf + got, sizeof buf - 1 - got);
            if (k > 0) {
                got += (size_t)k;
                buf[got] = '\0';
                ok = strstr(buf, "ack") != NULL;
                if (got == sizeof buf - 1)
                    got = 0;
            } else {
                usleep(2000);
            }
        }
    }
    if (cfd >= 0)
        close(cfd);
    if (afd >= 0)
        close(afd);
    return ok ? 0 : -1;
}

int perfrec_attach(pid_t *out, pid_t target, int hz, const char *data_path,
                   const char *log_path, error *err) {
    char exe[1024], pid[32], freq[32], ctl[4200], ack[4200], control[8500];
    *out = 0;
    perf_path(exe, sizeof exe);
    if (exe[0] == '\0')
        return error_set(err, ERR_SYSTEM, "perf not found on PATH (Debian package linux-perf)");
    snprintf(pid, sizeof pid, "%ld", (long)target);
    snprintf(freq, sizeof freq, "%d", hz);
    snprintf(ctl, sizeof ctl, "%s.ctl", data_path);
    snprintf(ack, sizeof ack, "%s.ack", data_path);
    snprintf(control, sizeof control, "fifo:%s,%s", ctl, ack);
    unlink(data_path);
    unlink(ctl);
    unlink(ack);
    if (mkfifo(ctl, 0600) != 0 || mkfifo(ack, 0600) != 0) {
        int e = errno;
        unlink(ctl);
        return error_errno(err, ERR_SYSTEM, e, "mkfifo %s", ctl);
    }
    /* The target waits, stopped, until perf samples it: perf takes a few
     * hundred milliseconds to start on a loaded machine, longer than some
     * measured windows. dwarf,8192: these stacks are shallow; a smaller
     * copy per sample keeps perf's own cost and its data down. */
    kill(target, SIGSTOP);
    char *argv[] = {exe,  "record", "-q", "-e", "cpu-clock", "-F", freq,
                    "--call-graph", "dwarf,8192", "-k", "CLOCK_MONOTONIC",
                    "--control", control, "-p", pid, "-o", (char *)data_path, NULL};
    int rc = procstat_spawn(out, argv, log_path, NULL, 0, err);
    if (rc == 0 && handshake(ctl, ack, PERFREC_WAIT_S) != 0) {
        kill(*out, SIGKILL);
        waitpid(*out, NULL, 0);
        *out = 0;
        rc = error_set(err, ERR_SYSTEM, "perf record -p %s did not start (see %s)", pid,
                       log_path);
    }
    kill(target, SIGCONT);
    unlink(ctl);
    unlink(ack);
    return rc;
}

int perfrec_finish(pid_t pid, const char *data_path, const char *txt_path,
                   const char *log_path, double t0, double t1, error *err) {
    int status = 0;
    double end = procstat_mono() + PERFREC_WAIT_S;
    int sent = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (procstat_mono() > end) {
            kill(pid, sent ? SIGKILL : SIGINT);
            sent = 1;
            end = procstat_mono() + 5;
        }
        usleep(10000);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(data_path);
        return error_set(err, ERR_SYSTEM, "perf record on the workload failed (see %s)",
                         log_path);
    }
    FILE *f = fopen(txt_path, "w");
    if (f == NULL)
        return error_errno(err, ERR_SYSTEM, errno, "%s", txt_path);
    if (t0 >= 0 && t1 >= t0)
        fprintf(f, "# window: %.9f %.9f\n", t0, t1);
    if (fclose(f) != 0)
        return error_errno(err, ERR_SYSTEM, errno, "%s", txt_path);
    char exe[1024];
    perf_path(exe, sizeof exe);
    char *argv[] = {exe,
                    "script",
                    "-i",
                    (char *)data_path,
                    "--no-inline",
                    "--show-mmap-events",
                    "--show-task-events",
                    "-F",
                    "comm,pid,tid,time,event,period,ip,sym,symoff,dso",
                    NULL};
    int rc = run_wait(argv, txt_path, log_path, 120);
    unlink(data_path);
    if (rc != 0)
        return error_set(err, ERR_SYSTEM, "perf script on %s failed (exit %d; see %s)",
                         data_path, rc, log_path);
    return 0;
}
