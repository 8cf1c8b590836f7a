/* Fuzz target for the perf script text parser: any buffer must either parse
 * into consistent profiles or fail with an ERR_INPUT message; never crash,
 * leak or read out of bounds. Built with libFuzzer (cmake -DFUZZ=ON, clang),
 * or with fuzz/replay.c, which runs the corpus under ctest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perfscript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    perfscript *ps = NULL;
    error err;
    error_clear(&err);
    if (perfscript_parse(&ps, (const char *)data, size, "fuzz", &err) != 0) {
        if (ps != NULL || (err.kind != ERR_INPUT && err.kind != ERR_NOMEM) ||
            err.text[0] == '\0')
            abort();
        return 0;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < ps->nprocs; i++) {
        const perfscript_proc *p = &ps->procs[i];
        const profile *pr = p->prof;
        uint64_t n = 0, th = 0;
        size_t frames = 0;
        for (size_t s = 0; s < pr->nstacks; s++) {
            const profile_stack *st = &pr->stacks[s];
            if (st->count == 0 || st->depth == 0 || st->depth > PROFILE_MAX_DEPTH ||
                st->first + st->depth > pr->npcs)
                abort();
            n += st->count;
            frames += st->depth;
        }
        for (size_t t = 0; t < p->nthreads; t++)
            th += p->threads[t].samples;
        if (n != pr->samples || n != p->samples || th != n || n == 0 ||
            frames != pr->npcs || strlen(pr->maps) != pr->maps_len ||
            perfscript_find(ps, p->pid) == NULL)
            abort();
        total += n;
    }
    if (total != ps->samples)
        abort();
    perfscript_free(ps);
    return 0;
}
