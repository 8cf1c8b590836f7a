/* runner, natsd, procstat: the parts that need no workload. Sample counting
 * as the runner does it (the profile module) on synthetic profiles (good,
 * truncated, not a profile, too deep), the NATS URL probe
 * against a closed port and a real server (NATS_URL from the fixture), and
 * schedstat of this very process. */
#include "check.h"

#include <arpa/inet.h>
#include <math.h>
#include <time.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fileio.h"
#include "natsd.h"
#include "procstat.h"
#include "profile.h"
#include "runner.h"

static volatile uint64_t sink;

/* Write a profile of 'n' words to a temp file; returns its path (static). */
static const char *write_prof(const uintptr_t *w, size_t n) {
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_runner_%d.prof", (int)getpid());
    error err;
    error_clear(&err);
    CHECK(file_write_atomic(path, w, n * sizeof w[0], &err) == 0);
    return path;
}

static void test_prof_samples(void) {
    /* header; 2 records (3 + 4 samples); trailer; then maps text would follow */
    const uintptr_t good[] = {0,      3, 0, 4000,   0, 3, 2, 0x1000,
                              0x2000, 4, 1, 0x3000, 0, 1, 0};
    profile *p = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(profile_load(&p, write_prof(good, 15), &err) == 0, "%s", err.text);
    if (p != NULL) {
        CHECK_EQ_INT(p->samples, 7);
        CHECK_EQ_INT(p->period_us, 4000);
    }
    profile_free(p);

    error_clear(&err);
    CHECK_EQ_INT(profile_load(&p, write_prof(good, 11), &err), -1);
    CHECK(p == NULL);
    CHECK_EQ_INT(err.kind, ERR_INPUT);

    const uintptr_t bad[] = {1, 2, 3, 4, 5, 6};
    error_clear(&err);
    CHECK_EQ_INT(profile_load(&p, write_prof(bad, 6), &err), -1);
    CHECK_EQ_INT(err.kind, ERR_INPUT);

    const uintptr_t deep[] = {0, 3, 0, 4000, 0, 1, 300, 0, 1, 0};
    error_clear(&err);
    CHECK_EQ_INT(profile_load(&p, write_prof(deep, 10), &err), -1);
    unlink(write_prof(good, 1));
}

static void test_probe(void) {
    /* A port that was just free: bind, read the port, close. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "nats://127.0.0.1:%d", ntohs(a.sin_port));
    error err;
    error_clear(&err);
    CHECK_EQ_INT(natsd_probe(url, 500, &err), -1);
    CHECK_EQ_INT(err.kind, ERR_INPUT);
    CHECK(strstr(err.text, "unreachable") != NULL);
    error_clear(&err);
    CHECK_EQ_INT(natsd_probe("not a url", 500, &err), -1);
    const char *real = getenv("NATS_URL");
    CHECK(real != NULL);
    if (real != NULL) {
        error_clear(&err);
        CHECK_MSG(natsd_probe(real, 2000, &err) == 0, "%s", err.text);
    }
}

static double cpu_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_procstat(void) {
    procstat_cpu a, b;
    error err;
    error_clear(&err);
    /* Spin for 0.2 s of CPU (not wall: the machine may be busy) and compare
     * schedstat's view with the kernel's process CPU clock. */
    double c0 = cpu_clock();
    CHECK_EQ_INT(procstat_read(&a, getpid(), &err), 0);
    uint64_t x = 1;
    while (cpu_clock() - c0 < 0.2)
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ull + 1;
    sink = x;
    CHECK_EQ_INT(procstat_read(&b, getpid(), &err), 0);
    double clock = cpu_clock() - c0;
    double burned = (double)(b.on_cpu_ns - a.on_cpu_ns) / 1e9;
    CHECK_MSG(fabs(burned - clock) < 0.02, "schedstat says %.3f s, CPU clock %.3f s",
              burned, clock);
    error_clear(&err);
    CHECK_EQ_INT(procstat_read(&a, 0x3fffffff, &err), -1);
    json_t *host = procstat_host();
    CHECK(host != NULL && json_integer_value(json_object_get(host, "cpus")) >= 1);
    json_decref(host);
}

int main(void) {
    test_prof_samples();
    test_probe();
    test_procstat();
    return check_status();
}
