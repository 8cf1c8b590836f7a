/* Fuzz target for the profile parser: any buffer must either parse into a
 * consistent profile or fail with an ERR_INPUT message; never crash, leak or
 * read out of bounds. Built with libFuzzer (cmake -DFUZZ=ON, clang), or with
 * fuzz/replay.c, which runs the corpus under ctest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    profile *p = NULL;
    error err;
    error_clear(&err);
    if (profile_parse(&p, data, size, &err) != 0) {
        if (p != NULL || err.kind == ERR_NONE || err.text[0] == '\0')
            abort();
        return 0;
    }
    /* Invariants of a parsed profile. */
    uint64_t total = 0;
    size_t frames = 0;
    for (size_t i = 0; i < p->nstacks; i++) {
        const profile_stack *s = &p->stacks[i];
        if (s->count == 0 || s->depth == 0 || s->depth > PROFILE_MAX_DEPTH ||
            s->first + s->depth > p->npcs)
            abort();
        total += s->count;
        frames += s->depth;
    }
    if (total != p->samples || frames != p->npcs || p->nstacks > p->records ||
        strlen(p->maps) != p->maps_len || (p->word_size != 4 && p->word_size != 8))
        abort();
    profile_free(p);
    return 0;
}
