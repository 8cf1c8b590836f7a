/* Tests of symbols and aggregate on real code:
 * 1. symtest_prog (tests/data/symprog) is profiled with the real gperftools
 *    profiler; its library is stripped to .dynsym and its hottest function is
 *    static. Flat samples must land on "libsymtest_hot.so+0x<start>", not on
 *    the preceding exported symbol that google-pprof names (checked too).
 *    main_step, inlined into main_spin, gets a frame of its own from DWARF.
 * 2. This process's own memory map: demangling, version suffixes, the
 *    profiler's frames, [PLT], [unknown], missing and changed files.
 * 3. Alias order at one address (libsymtest_alias.so), separate debug files
 *    by exact build-id (symbol table only; a mismatch or a missing file
 *    warns), and static-archive functions in their categories. */
#include "aggregate.h"
#include "check.h"
#include "peek.h"
#include "profile.h"
#include "symbols.h"

#include <dlfcn.h>
#include <gelf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const aggregate_fn *find_fn(const aggregate *a, const char *name) {
    for (size_t i = 0; i < a->nfns; i++)
        if (strcmp(a->fns[i].name, name) == 0)
            return &a->fns[i];
    return NULL;
}

/* The temporary profile, removed even when a check crashes the test. */
static char *tmp_prof;
static void remove_tmp_and_die(int sig) {
    if (tmp_prof != NULL)
        unlink(tmp_prof);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void test_profiled_program(void) {
    char prof[] = "/tmp/test-symbols-XXXXXX";
    int fd = mkstemp(prof);
    close(fd);
    tmp_prof = prof;
    signal(SIGSEGV, remove_tmp_and_die);
    signal(SIGABRT, remove_tmp_and_die);
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
    CHECK(st != NULL && a->unnamed_samples >= st->flat);

    /* The static has no name and no rule of its own: its samples are
     * unattributed, not counted for its caller hotlib_run_static's category
     * (issue 11: a hotspot and its breakdown row agree, and neither guesses). */
    categories *cats = NULL;
    CHECK_EQ_INT(categories_parse(&cats, "SQLite\t*\thotlib_run_static\n", "t.tsv", &err),
                 0);
    CHECK_EQ_INT(aggregate_categorize(a, cats, &err), 0);
    uint64_t in_sqlite = 0, in_other = 0, in_unattr = 0;
    for (size_t k = 0; k < a->ncategories; k++) {
        if (strcmp(a->categories[k].name, "SQLite") == 0)
            in_sqlite = a->categories[k].flat;
        if (strcmp(a->categories[k].name, "other") == 0)
            in_other = a->categories[k].flat;
        if (strcmp(a->categories[k].name, "unattributed") == 0)
            in_unattr = a->categories[k].flat;
    }
    if (st != NULL) {
        CHECK_EQ_STR(st->category, "other"); /* the function itself matches no rule */
        CHECK_EQ_STR(st->charged, "unattributed");
        CHECK_MSG(in_unattr >= st->flat, "unattributed %llu < static's %llu",
                  (unsigned long long)in_unattr, (unsigned long long)st->flat);
    }
    if (run != NULL) /* SQLite holds hotlib_run_static's own samples only */
        CHECK_EQ_INT(in_sqlite, run->flat);
    CHECK_EQ_INT(in_sqlite + in_other + in_unattr, a->samples);
    categories_free(cats);

    /* Caller chains (pprof -peek): up to the nearest application frame. */
    peek_path *pp = NULL;
    size_t npp = 0;
    if (st != NULL) {
        CHECK_EQ_INT(peek_paths(&pp, &npp, a, st->module, st->name, 3, &err), 0);
        CHECK_MSG(npp >= 1 && strcmp(pp[0].text, "main -> hotlib_run_static") == 0, "%s",
                  npp ? pp[0].text : "no path");
        CHECK(npp >= 1 && pp[0].samples >= st->flat * 9 / 10 &&
              pp[0].samples <= st->flat);
        peek_free(pp, npp);
    }
    if (step != NULL) {
        CHECK_EQ_INT(peek_paths(&pp, &npp, a, step->module, step->name, 1, &err), 0);
        CHECK_MSG(npp == 1 && strcmp(pp[0].text, "main_spin") == 0, "%s",
                  npp ? pp[0].text : "no path");
        peek_free(pp, npp);
    }
    CHECK_EQ_INT(peek_paths(&pp, &npp, a, "nomodule", "nofunction", 3, &err), 0);
    CHECK(npp == 0 && pp == NULL);
    peek_free(NULL, 0);

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
    tmp_prof = NULL;
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
        missing |= strstr(symbols_warning(s, i),
                          "cannot read /nonexistent/libgone.so (No such file") != NULL;
        changed |= strstr(symbols_warning(s, i), "/bin/sh has changed") != NULL;
    }
    CHECK(missing);
    CHECK(changed);
    symbols_free(s);
}

/* The ELF file 'path' opened for reading (its descriptor into *fd), or NULL. */
static Elf *elf_open(const char *path, int *fd) {
    *fd = open(path, O_RDONLY);
    elf_version(EV_CURRENT);
    return *fd >= 0 ? elf_begin(*fd, ELF_C_READ, NULL) : NULL;
}

static void elf_close(Elf *e, int fd) {
    if (e)
        elf_end(e);
    if (fd >= 0)
        close(fd);
}

/* Steps *scn to the next section of 'type' (its header into *sh, its data
 * into *d, possibly NULL); 0 after the last one. */
static int elf_next_section(Elf *e, Elf_Scn **scn, Elf64_Word type, GElf_Shdr *sh,
                            Elf_Data **d) {
    while (e != NULL && (*scn = elf_nextscn(e, *scn)) != NULL)
        if (gelf_getshdr(*scn, sh) != NULL && sh->sh_type == type) {
            *d = elf_getdata(*scn, NULL);
            return 1;
        }
    return 0;
}

/* The symbol value of 'name' in the ELF file 'path', or 0. */
static uint64_t elf_symbol(const char *path, const char *name) {
    uint64_t v = 0;
    int fd;
    Elf *e = elf_open(path, &fd);
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    Elf_Data *d;
    while (elf_next_section(e, &scn, SHT_SYMTAB, &sh, &d))
        for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym es;
            const char *n = gelf_getsym(d, (int)i, &es)
                                ? elf_strptr(e, sh.sh_link, es.st_name)
                                : NULL;
            if (n != NULL && strcmp(n, name) == 0)
                v = es.st_value;
        }
    elf_close(e, fd);
    return v;
}

/* The GNU build-id of 'path' in hex, into out (empty when none). */
static void elf_build_id(const char *path, char *out, size_t len) {
    out[0] = '\0';
    int fd;
    Elf *e = elf_open(path, &fd);
    Elf_Scn *scn = NULL;
    GElf_Shdr sh;
    Elf_Data *d;
    while (elf_next_section(e, &scn, SHT_NOTE, &sh, &d)) {
        GElf_Nhdr nh;
        size_t off = 0, no, dofs;
        while (d && (off = gelf_getnote(d, off, &nh, &no, &dofs)) > 0)
            if (nh.n_type == NT_GNU_BUILD_ID)
                for (size_t i = 0; i < nh.n_descsz && 2 * i + 2 < len; i++)
                    snprintf(out + 2 * i, 3, "%02x",
                             ((unsigned char *)d->d_buf)[dofs + i]);
    }
    elf_close(e, fd);
}

/* Resolve one pc of this process with debug files under 'dir'; *warned is
 * set when a warning contains 'want'. */
static symbols_frame resolve_self(symbols **sp, uint64_t pc, const char *dir,
                                  const char *want, int *warned) {
    symbols_frame f = {0};
    error err;
    error_clear(&err);
    const char *maps = self_maps();
    *sp = NULL;
    CHECK_EQ_INT(symbols_new(sp, maps, strlen(maps), "self", &err), 0);
    if (*sp == NULL)
        return f;
    if (dir != NULL)
        CHECK_EQ_INT(symbols_set_debug_dir(*sp, dir, &err), 0);
    CHECK_EQ_INT(symbols_resolve(*sp, &pc, 1, &f, &err), 0);
    *warned = 0;
    for (size_t i = 0; want && i < symbols_warning_count(*sp); i++)
        *warned |= strstr(symbols_warning(*sp, i), want) != NULL;
    return f;
}

/* Several names at one address: the total order picks al_beta. */
static void test_alias_order(void) {
    void *lib = dlopen(SYMTEST_ALIAS, RTLD_NOW);
    CHECK_MSG(lib != NULL, "%s", dlerror());
    void *fn = lib ? dlsym(lib, "_al") : NULL;
    CHECK(fn != NULL && fn == dlsym(lib, "al_zeta") && fn == dlsym(lib, "al_w"));
    CHECK(elf_symbol(SYMTEST_ALIAS, "al") != 0); /* the LOCAL alias is there */
    symbols *s = NULL;
    int w = 0;
    symbols_frame f = resolve_self(&s, (uint64_t)(uintptr_t)fn + 1, NULL, NULL, &w);
    CHECK_EQ_STR(f.function, "al_beta");
    CHECK_EQ_INT(f.named, 1);
    CHECK(f.start == elf_symbol(SYMTEST_ALIAS, "al_zeta"));
    symbols_free(s);
}

/* Separate debug files: found by exact build-id, symbol table only. */
static void test_debug_files(void) {
    void *lib = dlopen(SYMTEST_LIB, RTLD_NOW);
    CHECK_MSG(lib != NULL, "%s", dlerror());
    Dl_info info;
    void *before = lib ? dlsym(lib, "hotlib_before") : NULL;
    if (before == NULL || dladdr(before, &info) == 0)
        return;
    char debug[4200], id[160], alias_id[160];
    snprintf(debug, sizeof debug, "%s.debug", SYMTEST_LIB);
    uint64_t off = elf_symbol(debug, "hotlib_static_spin");
    CHECK(off != 0);
    uint64_t pc = (uint64_t)(uintptr_t)info.dli_fbase + off + 4;
    elf_build_id(SYMTEST_LIB, id, sizeof id);
    elf_build_id(SYMTEST_ALIAS, alias_id, sizeof alias_id);
    CHECK(strlen(id) > 8 && strcmp(id, alias_id) != 0);
    char dir[] = "/tmp/test-symbols-debug-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sub[128], file[512], want[512];
    snprintf(sub, sizeof sub, "%s/.build-id", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/.build-id/%.2s", dir, id);
    mkdir(sub, 0700);
    snprintf(file, sizeof file, "%s/%s.debug", sub, id + 2);

    /* No debug file: unnamed, and a warning with the build-id. */
    symbols *s = NULL;
    int warned = 0;
    snprintf(want, sizeof want, "has build-id %s but no debug file", id);
    symbols_frame f = resolve_self(&s, pc, dir, want, &warned);
    CHECK_EQ_INT(f.named, 0);
    CHECK_MSG(warned, "no warning '%s'", want);
    symbols_free(s);

    /* The matching debug file names the static, without DWARF lines. */
    CHECK_EQ_INT(symlink(debug, file), 0);
    f = resolve_self(&s, pc, dir, "debug file", &warned);
    CHECK_EQ_STR(f.function, "hotlib_static_spin");
    CHECK(f.named && f.file == NULL && f.inlined_into == NULL && !warned);
    symbols_free(s);

    /* Another file's debug file under this build-id: not used, a warning. */
    unlink(file);
    CHECK_EQ_INT(symlink(SYMTEST_ALIAS, file), 0);
    f = resolve_self(&s, pc, dir, "does not match (build-id differs)", &warned);
    CHECK_EQ_INT(f.named, 0);
    CHECK(warned);
    symbols_free(s);
    unlink(file);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/.build-id", dir);
    rmdir(sub);
    rmdir(dir);
}

/* The project's rules put functions of the static archives (linked into
 * the workload executables) in their categories; libc's leftovers are
 * their caller's cost. */
static void test_archive_category(void) {
    categories *c = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(categories_load(&c, OVERHEAD_DATA_DIR "/categories.tsv", &err) == 0, "%s",
              err.text);
    /* pager_write and do_dump are static in SQLite and jansson */
    CHECK_EQ_STR(categories_match(c, "chat_direct", "pager_write"), "SQLite");
    CHECK_EQ_STR(categories_match(c, "chat_nats", "do_dump"), "JSON serialization");
    CHECK_EQ_STR(categories_match(c, "chat_nats", "hashtable_set"), "JSON serialization");
    CHECK_EQ_STR(categories_match(c, "chat_nats", "chatsvc_no_such_fn"), "other");
    /* the archive rule applies to executables only */
    CHECK_EQ_STR(categories_match(c, "libfoo.so.1", "pager_write"), "other");
    int caller = 0;
    CHECK_EQ_STR(
        categories_lookup(c, "libc.so.6", "__memmove_avx_unaligned_erms", &caller),
        "other");
    CHECK_EQ_INT(caller, 1);
    CHECK_EQ_STR(categories_lookup(c, "libc.so.6", "malloc", &caller),
                 "memory allocation");
    CHECK_EQ_INT(caller, 0);
    categories_free(c);
    /* an archive rule needs the archives table */
    CHECK_EQ_INT(categories_parse(&c, "SQLite\tlibsqlite3.a\t*\n", "t.tsv", &err), 0);
    CHECK_EQ_STR(categories_match(c, "chat_direct", "pager_write"), "other");
    CHECK_EQ_INT(
        categories_parse_archives(c, "libsqlite3.a\tpager_write\n", "a.tsv", &err), 0);
    CHECK_EQ_STR(categories_match(c, "chat_direct", "pager_write"), "SQLite");
    CHECK_EQ_INT(categories_parse_archives(c, "libsqlite3.a\n", "a.tsv", &err), -1);
    CHECK(strstr(err.text, "a.tsv:1:") != NULL);
    categories_free(c);
}

int main(void) {
    test_profiled_program();
    test_self();
    test_alias_order();
    test_debug_files();
    test_archive_category();
    return check_status();
}
