/* gperftools links and works: profile a busy loop and find samples in the
 * resulting file (header 0,3,0,period,0 then count/depth/pcs records). */
#include "check.h"

#include <gperftools/profiler.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void) {
    char path[] = "/tmp/overhead-smoke-XXXXXX.prof";
    int fd = mkstemps(path, 5);
    CHECK(fd >= 0);
    close(fd);
    CHECK(ProfilerStart(path) != 0);
    double t0 = cpu_seconds();
    uint64_t x = 88172645463325252ull;
    while (cpu_seconds() - t0 < 0.4)
        for (int i = 0; i < 100000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    sink = x;
    ProfilerStop();

    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f == NULL)
        return check_status();
    uintptr_t hdr[5] = {0};
    CHECK_EQ_INT(fread(hdr, sizeof hdr[0], 5, f), 5);
    CHECK_EQ_INT(hdr[0], 0);
    CHECK_EQ_INT(hdr[1], 3);
    CHECK_EQ_INT(hdr[2], 0);
    CHECK(hdr[3] > 0); /* sampling period in microseconds */
    uint64_t samples = 0;
    uintptr_t rec[2];
    while (fread(rec, sizeof rec[0], 2, f) == 2) {
        if (rec[0] == 0) /* trailer 0,1,0 */
            break;
        samples += rec[0];
        CHECK(rec[1] >= 1 && rec[1] <= 254);
        if (fseek(f, (long)(rec[1] * sizeof rec[0]), SEEK_CUR) != 0)
            break;
    }
    fclose(f);
    /* 0.4 CPU-seconds at the default 100 Hz: expect ~40; demand a few. */
    CHECK_MSG(samples >= 5, "only %llu samples", (unsigned long long)samples);
    unlink(path);
    return check_status();
}
