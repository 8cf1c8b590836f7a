/* peek: the caller chains that lead to a function, like pprof's -peek: for
 * the samples where the function is the leaf, the chain of its callers up to
 * the application's own frames, counted, dominant chains first. */
#ifndef OVERHEAD_PEEK_H
#define OVERHEAD_PEEK_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "error.h"

typedef struct peek_path {
    char *text;       /* "chatsvc_on_msg -> natsMsg_Destroy -> natsGC_collect" */
    uint64_t samples; /* of the function's flat samples */
} peek_path;

/* The at most 'max' most frequent caller chains of the function 'name' in
 * 'module' as a leaf in 'a', most samples first (ties by text). A chain runs
 * from the nearest application frame above the leaf (a frame of an
 * executable, not of a shared library) down to the leaf's caller; without
 * one, from the thread's first frame below start_thread/clone or
 * __libc_start_main. The leaf is not in the text; a leaf without callers has
 * the chain "(no callers)". Long chains keep their two outer and four inner
 * frames around "...". *out is freed with peek_free. */
int peek_paths(peek_path **out, size_t *n, const aggregate *a, const char *module,
               const char *name, size_t max, error *err);

/* Free paths from peek_paths. NULL is a no-op. */
void peek_free(peek_path *p, size_t n);

#endif
