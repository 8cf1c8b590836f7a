/* Profiled by tests/test_symbols: about 50% of its CPU in hotlib's static
 * function, 30% in main_spin here, 20% in hotlib_exported_spin.
 * usage: hotprog PROFILE SECONDS; prints the static's offset in hotlib. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gperftools/profiler.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t hotlib_run_static(uint64_t x, double seconds);
uint64_t hotlib_exported_spin(uint64_t x, double seconds);
void *hotlib_static_address(void);

static double cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Always inlined into main_spin: DWARF records it as an inlined call. */
static inline __attribute__((always_inline)) uint64_t main_step(uint64_t x) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    x ^= x >> 29;
    return x;
}

__attribute__((noinline)) static uint64_t main_spin(uint64_t x, double seconds) {
    double t0 = cpu();
    do {
        for (int i = 0; i < 1 << 16; i++)
            x = main_step(x);
    } while (cpu() - t0 < seconds);
    return x;
}

int main(int argc, char **argv) {
    if (argc != 3)
        return 2;
    double s = atof(argv[2]);
    Dl_info info;
    if (dladdr(hotlib_static_address(), &info) == 0)
        return 1;
    printf("0x%lx\n", (unsigned long)((uintptr_t)hotlib_static_address() -
                                      (uintptr_t)info.dli_fbase));
    if (!ProfilerStart(argv[1]))
        return 1;
    uint64_t x = 88172645463325252ull;
    x = hotlib_run_static(x, 0.5 * s);
    x = main_spin(x, 0.3 * s);
    x = hotlib_exported_spin(x, 0.2 * s);
    ProfilerStop();
    return x == 42 ? 3 : 0;
}
