#include "peek.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define PEEK_OUTER 2 /* frames kept at the outer end of a long chain */
#define PEEK_INNER 4 /* and at the inner end */

/* Is this an application frame: in an executable, not a library? */
static int peek_is_app(const aggregate_fn *f) {
    return strstr(f->module, ".so") == NULL && f->module[0] != '[';
}

/* Frames where every thread or process starts: the chain stops below them. */
static int peek_is_start(const aggregate_fn *f) {
    static const char *const starts[] = {"start_thread",
                                         "clone3",
                                         "clone",
                                         "_start",
                                         "__libc_start_call_main",
                                         "__libc_start_main",
                                         "__libc_start_main_impl"};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        if (strcmp(f->name, starts[i]) == 0)
            return 1;
    return 0;
}

/* Append the chain of stack 'st' (its leaf excluded) to 'b', outer first. */
static void peek_chain(buf *b, const aggregate *a, const aggregate_stack *st) {
    uint32_t top = 0; /* index of the outermost frame in the chain, 0: none */
    for (uint32_t d = 1; d < st->depth; d++) {
        const aggregate_fn *f = &a->fns[a->frames[st->first + d]];
        if (peek_is_start(f))
            break;
        top = d;
        if (peek_is_app(f))
            break;
    }
    if (top == 0) {
        buf_puts(b, "(no callers)");
        return;
    }
    for (uint32_t d = top; d >= 1; d--) {
        uint32_t from_outer = top - d, from_inner = d - 1;
        if (from_outer >= PEEK_OUTER && from_inner >= PEEK_INNER) {
            if (from_outer == PEEK_OUTER)
                buf_puts(b, " -> ...");
            continue;
        }
        if (d != top)
            buf_puts(b, " -> ");
        buf_puts(b, a->fns[a->frames[st->first + d]].name);
    }
}

static int peek_cmp(const void *x, const void *y) {
    const peek_path *p = x, *q = y;
    if (p->samples != q->samples)
        return p->samples > q->samples ? -1 : 1;
    return strcmp(p->text, q->text);
}

int peek_paths(peek_path **out, size_t *n, const aggregate *a, const char *module,
               const char *name, size_t max, error *err) {
    *out = NULL;
    *n = 0;
    peek_path *v = NULL;
    size_t nv = 0;
    buf b = BUF_INIT;
    for (size_t i = 0; i < a->nstacks; i++) {
        const aggregate_stack *st = &a->stacks[i];
        const aggregate_fn *leaf = &a->fns[a->frames[st->first]];
        if (strcmp(leaf->name, name) != 0 || strcmp(leaf->module, module) != 0)
            continue;
        b.len = 0;
        peek_chain(&b, a, st);
        if (b.failed || b.len == 0)
            goto nomem;
        size_t k = 0;
        while (k < nv && strcmp(v[k].text, b.data) != 0)
            k++;
        if (k == nv) {
            peek_path *t = realloc(v, (nv + 1) * sizeof *t);
            if (t == NULL)
                goto nomem;
            v = t;
            if ((v[nv].text = strdup(b.data)) == NULL)
                goto nomem;
            v[nv++].samples = 0;
        }
        v[k].samples += st->count;
    }
    if (nv > 0)
        qsort(v, nv, sizeof *v, peek_cmp);
    while (nv > max)
        free(v[--nv].text);
    buf_free(&b);
    *out = v;
    *n = nv;
    return 0;
nomem:
    buf_free(&b);
    peek_free(v, nv);
    return error_set(err, ERR_NOMEM, "out of memory");
}

void peek_free(peek_path *p, size_t n) {
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(p[i].text);
    free(p);
}
