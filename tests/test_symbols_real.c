/* The real workloads under the real profiler: `overhead run` of direct and
 * nats-2p (a short run), then every function of the direct, bot and service
 * profiles must have one name: the same (module, function start) never gets
 * two names across the three processes (libc6-dbg's DWARF once named one
 * function __libc_pwrite64 in threaded and __libc_pwrite in single-threaded
 * processes). And the three processes' samples are named but for at most 2%
 * (each process's too when it has 500 samples or more), with SQLite's and
 * jansson's functions (linked statically) named too. */
#include "check.h"
#include "profile.h"
#include "symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct seen {
    const char *module; /* borrowed from a live symbolizer: copied below */
    char *mod, *name;
    uint64_t start;
} seen;

static seen *all;
static size_t nall;
static uint64_t all_samples, all_unnamed; /* over the three profiles */

/* Record one named function; check it against earlier sightings. */
static void note(const symbols_frame *f, const char *prof) {
    if (!f->named || f->start == 0) /* unnamed, or an inlined copy */
        return;
    for (size_t i = 0; i < nall; i++)
        if (all[i].start == f->start && strcmp(all[i].mod, f->module) == 0) {
            CHECK_MSG(strcmp(all[i].name, f->function) == 0,
                      "%s: %s+0x%llx is %s here, %s elsewhere", prof, f->module,
                      (unsigned long long)f->start, f->function, all[i].name);
            return;
        }
    seen *v = realloc(all, (nall + 1) * sizeof *v);
    CHECK(v != NULL);
    if (v == NULL)
        return;
    all = v;
    all[nall++] = (seen){NULL, strdup(f->module), strdup(f->function), f->start};
}

/* Symbolize one profile; returns how many of its workload functions came
 * from SQLite or jansson (named sqlite3* / json_*). */
static int check_profile(const char *path) {
    profile *p = NULL;
    symbols *s = NULL;
    error err;
    error_clear(&err);
    int lib_fns = 0;
    CHECK_MSG(profile_load(&p, path, &err) == 0, "%s", err.text);
    if (p == NULL)
        return 0;
    CHECK_EQ_INT(symbols_new(&s, p->maps, p->maps_len, path, &err), 0);
    symbols_frame *fr = calloc(p->npcs ? p->npcs : 1, sizeof *fr);
    CHECK(s != NULL && fr != NULL);
    if (s != NULL && fr != NULL && symbols_resolve(s, p->pcs, p->npcs, fr, &err) == 0) {
        uint64_t total = 0, unnamed = 0;
        for (size_t k = 0; k < p->nstacks; k++) {
            const profile_stack *st = &p->stacks[k];
            total += st->count;
            unnamed += fr[st->first].named ? 0 : st->count;
            for (uint32_t d = 0; d < st->depth; d++) {
                const symbols_frame *f = &fr[st->first + d];
                note(f, path);
                lib_fns += f->named && strncmp(f->module, "chat_", 5) == 0 &&
                           (strncmp(f->function, "sqlite3", 7) == 0 ||
                            strncmp(f->function, "json_", 5) == 0);
            }
        }
        CHECK_MSG(total >= 20, "%s: only %llu samples", path, (unsigned long long)total);
        CHECK_MSG(unnamed * 50 <= total || total < 500,
                  "%s: %llu of %llu samples unnamed", path, (unsigned long long)unnamed,
                  (unsigned long long)total);
        all_samples += total;
        all_unnamed += unnamed;
    }
    free(fr);
    symbols_free(s);
    profile_free(p);
    return lib_fns;
}

int main(void) {
    char dir[] = "/tmp/test-symbols-real-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cmd[8192], run[4096] = "";
    snprintf(cmd, sizeof cmd,
             "'%s' run -n 100000 -k 1 --arch direct,nats-2p --no-warmup -q -o '%s' "
             "--workloads '%s'",
             OVERHEAD_EXE, dir, WORKLOADS_DIR);
    FILE *pipe = popen(cmd, "r");
    CHECK(pipe != NULL && fgets(run, sizeof run, pipe) != NULL);
    CHECK_EQ_INT(pipe ? pclose(pipe) : -1, 0);
    run[strcspn(run, "\n")] = '\0';
    const char *names[] = {"trial-01-direct.prof", "trial-02-nats-2p.prof",
                           "trial-02-nats-2p-bot.prof"};
    int sqlite_named = 0, json_named = 0;
    for (size_t i = 0; run[0] != '\0' && i < 3; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", run, names[i]);
        int n = check_profile(path);
        if (i == 0)
            sqlite_named = n;
        else if (i == 2)
            json_named = n;
    }
    CHECK_MSG(sqlite_named > 0, "no SQLite function named in the direct profile");
    CHECK_MSG(json_named > 0, "no jansson function named in the bot profile");
    CHECK_MSG(nall > 20, "only %zu functions seen", nall);
    CHECK_MSG(all_unnamed * 50 <= all_samples, "%llu of %llu samples unnamed",
              (unsigned long long)all_unnamed, (unsigned long long)all_samples);
    for (size_t i = 0; i < nall; i++) {
        free(all[i].mod);
        free(all[i].name);
    }
    free(all);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return check_status();
}
