#include "procstat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int procstat_read(procstat_cpu *out, pid_t pid, error *err) {
    char path[300], buf[1024];
    FILE *f = NULL;
    DIR *dir = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    /* schedstat is per thread: sum every task of the process (nats-server,
     * a Go program, runs on many threads). */
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    dir = opendir(path);
    if (dir == NULL)
        return error_errno(err, ERR_SYSTEM, errno, "%s", path);
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.20s/schedstat", (int)pid,
                 de->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue; /* the thread just exited */
        unsigned long long ns = 0;
        if (fscanf(f, "%llu", &ns) == 1)
            out->on_cpu_ns += ns;
        fclose(f);
        f = NULL;
        /* Its wake-ups: the rate model counts every process's. */
        snprintf(path, sizeof path, "/proc/%d/task/%.20s/status", (int)pid, de->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        long long v;
        while (fgets(buf, sizeof buf, f) != NULL) {
            if (sscanf(buf, "voluntary_ctxt_switches: %lld", &v) == 1)
                out->voluntary += v;
            else if (sscanf(buf, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
                out->involuntary += v;
        }
        fclose(f);
        f = NULL;
    }
    closedir(dir);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL) {
        error_errno(err, ERR_SYSTEM, errno, "%s", path);
        goto done;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: fields start after the
     * last ')'. utime and stime are fields 14 and 15 (the 12th and 13th after it). */
    char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
               &st) != 2) {
        error_set(err, ERR_SYSTEM, "%s: unexpected contents", path);
        goto done;
    }
    long tck = sysconf(_SC_CLK_TCK);
    out->user_s = (double)ut / (double)(tck > 0 ? tck : 100);
    out->sys_s = (double)st / (double)(tck > 0 ? tck : 100);
    rc = 0;
done:
    if (f != NULL)
        fclose(f);
    return rc;
}

double procstat_mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first line of a small file, or NULL. */
static char *procstat_first_line(const char *path) {
    char buf[256];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *r = fgets(buf, sizeof buf, f);
    fclose(f);
    if (r == NULL)
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    return strdup(buf);
}

json_t *procstat_host(void) {
    char model[256] = "unknown", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL)
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c != NULL) {
                    c += strspn(c + 1, " \t") + 1;
                    c[strcspn(c, "\n")] = '\0';
                    snprintf(model, sizeof model, "%s", c);
                }
                break;
            }
        fclose(f);
    }
    struct utsname u;
    memset(&u, 0, sizeof u);
    uname(&u);
    char kernel[600];
    snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
    char *gov =
        procstat_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    json_t *host = json_pack("{s:s, s:I, s:s?, s:s, s:s, s:I}", "cpu_model", model,
                             "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
                             "governor", gov, "kernel", kernel, "hostname", u.nodename,
                             "clk_tck", (json_int_t)sysconf(_SC_CLK_TCK));
    free(gov);
    return host;
}

char *procstat_command_line(const char *cmd) {
    char buf[512];
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    char *r = fgets(buf, sizeof buf, p);
    /* Drain so the child never blocks on a full pipe. */
    char sink[256];
    while (fgets(sink, sizeof sink, p) != NULL)
        ;
    int status = pclose(p);
    if (r == NULL || status != 0)
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? strdup(buf) : NULL;
}

int procstat_spawn(pid_t *out, char *const argv[], const char *log_path,
                   const int *keep_fds, int nkeep, error *err) {
    *out = -1;
    if (access(argv[0], X_OK) != 0)
        return error_errno(err, ERR_INPUT, errno, "%s", argv[0]);
    const char *lp = log_path ? log_path : "/dev/null";
    int logfd = open(lp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0)
        return error_errno(err, ERR_SYSTEM, errno, "%s", lp);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(logfd);
        return error_errno(err, ERR_SYSTEM, errno, "fork");
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls until exec. The death signal
         * makes sure no child outlives a runner that is killed. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        for (int fd = 3; fd < 1024; fd++) {
            int keep = 0;
            for (int k = 0; k < nkeep; k++)
                keep |= fd == keep_fds[k];
            if (!keep)
                close(fd);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    close(logfd);
    *out = pid;
    return 0;
}

int procstat_task_clock_ok(void) {
    static int ok = -1;
    if (ok >= 0)
        return ok;
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    a.sample_period = 4000000;
    a.disabled = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0)
        close(fd);
    ok = fd >= 0;
    return ok;
}
