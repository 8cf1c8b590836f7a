/* Tests of symbols and aggregate on real code:
 * 1. symtest_prog (tests/data/symprog) is profiled with the real gperftools
 *    profiler; its library is stripped to .dynsym and its hottest function is
 *    static. Flat samples must land on "libsymtest_hot.so+0x<start>", not on
 *    the preceding exported symbol that google-pprof names (checked too).
 *    main_step, inlined into main_spin, gets a frame of its own from DWARF.
 * 2. This process's own memory map: demangling, version suffixes, the
 *    profiler's frames, [PLT], [unknown], missing and changed files. */
#include "aggregate.h"
#include "check.h"
#include "profile.h"
#include "symbols.h"

#include <dlfcn.h>
#include <gelf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const aggregate_fn *find_fn(const aggregate *a, const char *name) {
    for (size_t i = 0; i < a->nfns; i++)
        if (strcmp(a->fns[i].name, name) == 0)
            return &a->fns[i];
    return NULL;
}

static void test_profiled_program(void) {
    char prof[] = "/tmp/test-symbols-XXXXXX";
    int fd = mkstemp(prof);
    close(fd);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "CPUPROFILE_FREQUENCY=250 '%s' '%s' 1.2 2>/dev/null",
             SYMTEST_PROG, prof);
    FILE *pipe = popen(cmd, "r");
    CHECK(pipe != NULL);
    unsigned long off = 0;
    CHECK_EQ_INT(fscanf(pipe, "%lx", &off), 1);
    CHECK_EQ_INT(pclose(pipe), 0);

    profile *p = NULL;
    aggregate *a = NULL;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(profile_load(&p, prof, &err), 0);
    CHECK_EQ_INT(aggregate_new(&a, &err), 0);
    if (p == NULL || a == NULL)
        goto done;
    CHECK_MSG(aggregate_add(a, p, prof, &err) == 0, "%s", err.text);
    double n = (double)a->samples;
    CHECK_MSG(n >= 150, "only %.0f samples", n);
    char want[64];
    snprintf(want, sizeof want, "libsymtest_hot.so+0x%lx", off);
    const aggregate_fn *st = find_fn(a, want);
    CHECK_MSG(st != NULL, "no function %s", want);
    if (st != NULL) {
        CHECK_MSG(st->flat >= 0.38 * n, "static: %llu of %.0f",
                  (unsigned long long)st->flat, n);
        CHECK_EQ_INT(st->named, 0);
        CHECK_EQ_STR(st->module, "libsymtest_hot.so");
    }
    /* main_step is inlined into main_spin: DWARF gives it its own frame. */
    const aggregate_fn *ms = find_fn(a, "main_spin");
    const aggregate_fn *step = find_fn(a, "main_step");
    CHECK(ms != NULL && ms->cum >= 0.2 * n && strcmp(ms->module, "symtest_prog") == 0);
    CHECK_MSG(step != NULL && step->flat >= 0.1 * n && step->cum <= ms->cum,
              "main_step flat %llu", step ? (unsigned long long)step->flat : 0ull);
    CHECK(step != NULL && step->file != NULL && strstr(step->file, "hotprog.c") != NULL);
    const aggregate_fn *ex = find_fn(a, "hotlib_exported_spin");
    CHECK(ex != NULL && ex->flat >= 0.12 * n && ex->named);
    const aggregate_fn *before = find_fn(a, "hotlib_before");
    CHECK_MSG(before == NULL || before->flat <= 2, "hotlib_before got %llu",
              before ? (unsigned long long)before->flat : 0ull);
    const aggregate_fn *run = find_fn(a, "hotlib_run_static");
    CHECK(run != NULL && st != NULL && run->cum >= st->flat && run->flat <= 2);
    const aggregate_fn *mn = find_fn(a, "main");
    CHECK(mn != NULL && mn->cum >= 0.95 * n);
    CHECK(mn != NULL && mn->file != NULL && strstr(mn->file, "hotprog.c") != NULL);
    CHECK(a->unnamed_samples >= st->flat);

    /* The static has no name and no rule of its own: its samples count for
     * the category of its nearest categorised caller, hotlib_run_static. */
    categories *cats = NULL;
    CHECK_EQ_INT(categories_parse(&cats, "SQLite\t*\thotlib_run_static\n", "t.tsv", &err), 0);
    CHECK_EQ_INT(aggregate_categorize(a, cats, &err), 0);
    uint64_t in_sqlite = 0, in_other = 0;
    for (size_t k = 0; k < a->ncategories; k++) {
        if (strcmp(a->categories[k].name, "SQLite") == 0)
            in_sqlite = a->categories[k].flat;
        if (strcmp(a->categories[k].name, "other") == 0)
            in_other = a->categories[k].flat;
    }
    if (st != NULL) {
        CHECK_EQ_STR(st->category, "other"); /* the function itself matches no rule */
        CHECK_MSG(in_sqlite >= st->flat, "SQLite %llu < static's %llu",
                  (unsigned long long)in_sqlite, (unsigned long long)st->flat);
    }
    CHECK_EQ_INT(in_sqlite + in_other, a->samples);
    categories_free(cats);

    /* google-pprof's nearest-symbol rule gives the static's samples to the
     * exported function before it. */
    if (access("/usr/bin/google-pprof", X_OK) == 0 && st != NULL) {
        snprintf(cmd, sizeof cmd, "/usr/bin/google-pprof --text '%s' '%s' 2>/dev/null",
                 SYMTEST_PROG, prof);
        pipe = popen(cmd, "r");
        char line[1024];
        unsigned long long pprof_before = 0;
        while (pipe != NULL && fgets(line, sizeof line, pipe) != NULL) {
            unsigned long long flat;
            char name[512];
            if (sscanf(line, "%llu %*s %*s %*s %*s %511s", &flat, name) == 2 &&
                strcmp(name, "hotlib_before") == 0)
                pprof_before = flat;
        }
        if (pipe)
            pclose(pipe);
        CHECK_MSG(pprof_before >= st->flat, "google-pprof gave hotlib_before %llu",
                  pprof_before);
    }
done:
    aggregate_free(a);
    profile_free(p);
    unlink(prof);
}

/* Read this process's /proc/self/maps. */
static char *self_maps(void) {
    static char buf[1 << 18];
    int fd = open("/proc/self/maps", O_RDONLY);
    size_t len = 0;
    ssize_t r;
    while (fd >= 0 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    if (fd >= 0)
        close(fd);
    buf[len] = '\0';
    return buf;
}

/* Address of the .plt section of this executable, in memory. */
static uint64_t self_plt(void) {
    uint64_t addr = 0;
    int fd = open("/proc/self/exe", O_RDONLY);
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstr;
    if (e != NULL && elf_getshdrstrndx(e, &shstr) == 0)
        for (Elf_Scn *s = elf_nextscn(e, NULL); s; s = elf_nextscn(e, s)) {
            GElf_Shdr sh;
            gelf_getshdr(s, &sh);
            const char *n = elf_strptr(e, shstr, sh.sh_name);
            if (n && (strcmp(n, ".plt") == 0 || strcmp(n, ".plt.sec") == 0) && sh.sh_size)
                addr = sh.sh_addr + 4;
        }
    elf_end(e);
    close(fd);
    Dl_info info;
    /* PIE: add the load address of this executable. */
    if (addr != 0 && dladdr((void *)(uintptr_t)&self_plt, &info) != 0)
        addr += (uint64_t)(uintptr_t)info.dli_fbase;
    return addr;
}

static void test_self(void) {
    void *prof = dlopen("libprofiler.so.0", RTLD_NOW);
    CHECK(prof != NULL);
    void *handler =
        prof ? dlsym(prof, "_ZN11CpuProfiler12prof_handlerEiP9siginfo_tPvS2_") : NULL;
    void *dtor = dlsym(RTLD_DEFAULT, "_ZNSt9exceptionD1Ev");
    /* From libc itself: under ASan RTLD_DEFAULT finds the interceptors. */
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void *pf = libc ? dlsym(libc, "printf") : NULL;
    void *sga = libc ? dlsym(libc, "sched_getaffinity") : NULL;
    CHECK(handler != NULL && dtor != NULL && pf != NULL && sga != NULL);
    const char *maps = self_maps();
    symbols *s = NULL;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(symbols_new(&s, maps, strlen(maps), "self", &err), 0);
    if (s == NULL)
        return;
    uint64_t pcs[] = {(uint64_t)(uintptr_t)handler + 1,
                      (uint64_t)(uintptr_t)dtor + 1,
                      (uint64_t)(uintptr_t)pf + 1,
                      (uint64_t)(uintptr_t)sga + 1,
                      self_plt(),
                      16};
    symbols_frame f[6];
    CHECK_EQ_INT(symbols_resolve(s, pcs, 6, f, &err), 0);
    CHECK_EQ_STR(f[0].function,
                 "CpuProfiler::prof_handler(int, siginfo_t*, void*, void*)");
    CHECK_EQ_INT(f[0].profiler, 1);
    CHECK(strncmp(f[0].module, "libprofiler.so", 14) == 0);
    CHECK_EQ_STR(f[1].function, "std::exception::~exception()");
    CHECK_EQ_INT(f[1].profiler, 0);
    CHECK_EQ_STR(f[2].function, "printf");
    CHECK_EQ_STR(f[3].function, "sched_getaffinity"); /* no @GLIBC_2.x suffix */
    CHECK(f[2].named && !f[2].profiler);
    CHECK_MSG(pcs[4] == 0 || strcmp(f[4].function, "[PLT]") == 0, "%s", f[4].function);
    CHECK_EQ_STR(f[5].function, "[unknown]");
    CHECK_EQ_STR(f[5].module, "[unknown]");
    symbols_free(s);
    symbols_free(NULL);
    /* libprofiler stays loaded: unloading it makes LeakSanitizer report its
     * static allocations as leaks. */
    if (libc)
        dlclose(libc);

    /* No map, then a missing file, then a file that does not match the map. */
    error_clear(&err);
    CHECK_EQ_INT(symbols_new(&s, "", 0, "p.prof", &err), 0);
    CHECK_EQ_INT(symbols_resolve(s, pcs, 1, f, &err), -1);
    CHECK_EQ_STR(err.text, "p.prof: no memory map: cannot symbolize");
    CHECK_EQ_INT(symbols_resolve(s, pcs, 0, f, NULL), 0);
    symbols_free(s);
    const char *gone =
        "7f0000000000-7f0000001000 r-xp 00000000 08:01 42 /nonexistent/libgone.so\n"
        "7f1000000000-7f1000001000 r-xp 00077000 08:01 43 /bin/sh\n";
    error_clear(&err);
    CHECK_EQ_INT(symbols_new(&s, gone, strlen(gone), "g.prof", &err), 0);
    uint64_t two[] = {0x7f0000000100, 0x7f1000000100};
    CHECK_EQ_INT(symbols_resolve(s, two, 2, f, &err), 0);
    CHECK_EQ_STR(f[0].module, "libgone.so");
    CHECK_EQ_STR(f[0].function, "[libgone.so]");
    CHECK(!f[0].named);
    int missing = 0, changed = 0;
    for (size_t i = 0; i < symbols_warning_count(s); i++) {
        missing |=
            strstr(symbols_warning(s, i), "cannot read /nonexistent/libgone.so (No such file") != NULL;
        changed |= strstr(symbols_warning(s, i), "/bin/sh has changed") != NULL;
    }
    CHECK(missing);
    CHECK(changed);
    symbols_free(s);
}

int main(void) {
    test_profiled_program();
    test_self();
    return check_status();
}
