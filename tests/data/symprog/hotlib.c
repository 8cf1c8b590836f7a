/* A shared library with a hot *static* function placed right after an
 * exported one. Stripped to .dynsym, the static has no symbol: pprof's
 * nearest-preceding-symbol rule names it 'hotlib_before'; overhead must not. */
#define _GNU_SOURCE
#include <stdint.h>
#include <time.h>

static double hotlib_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exported, small, rarely run: the symbol that precedes the static. */
__attribute__((noinline)) uint64_t hotlib_before(uint64_t x) {
    return x * 2654435761u + 1;
}

/* The hot static: spins for 'seconds' of CPU. */
__attribute__((noinline)) static uint64_t hotlib_static_spin(uint64_t x, double seconds) {
    double t0 = hotlib_cpu();
    do {
        for (int i = 0; i < 1 << 16; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    } while (hotlib_cpu() - t0 < seconds);
    return x;
}

/* Exported and hot too. */
__attribute__((noinline)) uint64_t hotlib_exported_spin(uint64_t x, double seconds) {
    double t0 = hotlib_cpu();
    do {
        for (int i = 0; i < 1 << 16; i++) {
            x += x >> 3;
            x ^= x << 11;
        }
    } while (hotlib_cpu() - t0 < seconds);
    return x;
}

/* Entry point: runs the static for 'seconds'. */
uint64_t hotlib_run_static(uint64_t x, double seconds) {
    return hotlib_static_spin(hotlib_before(x), seconds);
}

/* Where the static lives, for the test to check the name it gets. */
void *hotlib_static_address(void) {
    return (void *)(uintptr_t)&hotlib_static_spin;
}
