/* The CPU in the run records agrees with an outside measurement.
 *
 * Runs `overhead run` (no warm-up, the fixture's external nats-server, so no
 * server CPU is in either figure) as a child and takes its rusage from wait4:
 * the runner itself plus every process it started. The records' per-process
 * CPU (workloads) plus the runner's own and its version probes' CPU (run.json)
 * must be within 5% of it, and the unexplained raw remainder small.
 *   test_runner_cpu OVERHEAD (NATS_URL from the fixture) */
#include "check.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2 || getenv("NATS_URL") == NULL) {
        fprintf(stderr, "usage: test_runner_cpu OVERHEAD (under the nats fixture)\n");
        return 2;
    }
    char out[] = "/tmp/test_runner_cpu_XXXXXX";
    CHECK(mkdtemp(out) != NULL);
    char rundir[4096] = "";
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        execl(argv[1], argv[1], "run", "-q", "--no-warmup", "-o", out, "-n", "100000",
              "-k", "1", "--arch", "direct,nats,nats-2p", "--storage", "memory",
              (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    ssize_t n = read(pfd[0], rundir, sizeof rundir - 1);
    close(pfd[0]);
    int status = 0;
    struct rusage ru;
    CHECK(wait4(pid, &status, 0, &ru) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "overhead run status %d",
              status);
    rundir[n > 0 ? n : 0] = '\0';
    rundir[strcspn(rundir, "\n")] = '\0';
    double outside = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;

    double records = 0;
    int nrec = 0;
    DIR *d = opendir(rundir);
    CHECK(d != NULL);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "trial-", 6) != 0 || len < 5 ||
            strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", rundir, de->d_name);
        json_error_t jerr;
        json_t *rec = json_load_file(path, 0, &jerr);
        CHECK_MSG(rec != NULL, "%s: %s", path, jerr.text);
        /* N=100000 stored exactly, in every architecture. */
        json_t *ev = json_object_get(rec, "events");
        CHECK_MSG(json_is_true(json_object_get(ev, "verified")), "%s: not verified",
                  path);
        CHECK_EQ_INT(json_integer_value(json_object_get(ev, "rows")), 100000);
        CHECK_EQ_INT(json_integer_value(json_object_get(ev, "dropped")), 0);
        json_t *procs = json_object_get(rec, "processes");
        size_t i;
        json_t *p;
        json_array_foreach(procs, i, p) {
            const char *role = json_string_value(json_object_get(p, "role"));
            if (role != NULL && strcmp(role, "nats-server") == 0)
                continue; /* external: not a descendant of the runner */
            records += json_number_value(json_object_get(p, "cpu_s"));
        }
        nrec++;
        json_decref(rec);
    }
    if (d != NULL)
        closedir(d);
    CHECK_EQ_INT(nrec, 3);
    /* The runner's own CPU and its version/git probes are not trials; it
     * reports them in run.json (getrusage SELF, and RUSAGE_CHILDREN deltas
     * around the probes), independently of the per-trial wait4 figures. */
    char rpath[8192];
    snprintf(rpath, sizeof rpath, "%s/run.json", rundir);
    json_error_t jerr;
    json_t *run = json_load_file(rpath, 0, &jerr);
    CHECK_MSG(run != NULL, "%s: %s", rpath, jerr.text);
    json_t *rr = json_object_get(run, "runner_rusage");
    double self = json_number_value(json_object_get(rr, "self_user_s")) +
                  json_number_value(json_object_get(rr, "self_sys_s"));
    double probes = json_number_value(json_object_get(rr, "probes_cpu_s"));
    json_decref(run);
    double raw = outside > 0 ? (outside - records) / outside : 1;
    double adj = outside > 0 ? (outside - self - probes - records) / outside : 1;
    printf("outside (wait4 of overhead run): %.3f s; records (workloads): %.3f s; "
           "runner itself %.3f s, probes %.3f s\n"
           "difference: %.2f%% raw, %.2f%% after the runner's own and probe CPU\n",
           outside, records, self, probes, raw * 100, adj * 100);
    CHECK_MSG(outside > 0.5, "too little CPU to compare: %.3f s", outside);
    CHECK_MSG(adj > -0.05 && adj < 0.05,
              "records %.3f s vs outside %.3f s less %.3f s (%.2f%%)", records, outside,
              self + probes, adj * 100);
    /* The bookkeeping itself must stay small next to what it measures. */
    CHECK_MSG(raw >= 0 && raw < 0.15, "the runner's own CPU is %.1f%% of the run",
              raw * 100);
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    CHECK(system(cmd) == 0);
    return check_status();
}
