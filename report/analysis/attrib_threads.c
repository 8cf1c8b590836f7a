/* attrib, per thread: which thread a profile's stack ran on, and the
 * per-stack scale that gives each thread of a process the CPU the kernel
 * measured for it (see attrib.h). */
#include "attrib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

long attrib_stack_thread(const aggregate *a, const aggregate_stack *st,
                         const attrib_thread *th, size_t n) {
    const uint32_t *fr = a->frames + st->first;
    /* From the root: clone3, start_thread, the workload's trampoline, nats.c's
     * own trampoline, then the entry; or _start, __libc_start_*, main. */
    uint32_t from = st->depth > ATTRIB_THREAD_DEPTH ? st->depth - ATTRIB_THREAD_DEPTH : 0;
    for (uint32_t d = st->depth; d-- > from;) {
        const char *name = a->fns[fr[d]].name;
        for (size_t t = 0; t < n; t++)
            if (strcmp(name, th[t].name) == 0)
                return (long)t;
    }
    return -1;
}

int attrib_thread_shares(const aggregate *a, const attrib_thread *th, size_t n,
                         attrib_thread_share *out, double *scale, double *unsampled) {
    double cpu = 0;
    uint64_t matched = 0;
    *unsampled = 0;
    for (size_t t = 0; t < n; t++) {
        out[t].samples = 0;
        cpu += th[t].cpu_s;
    }
    long *which = malloc((a->nstacks ? a->nstacks : 1) * sizeof *which);
    if (which == NULL)
        return -1;
    for (size_t i = 0; i < a->nstacks; i++) {
        which[i] = attrib_stack_thread(a, &a->stacks[i], th, n);
        if (which[i] >= 0) {
            out[which[i]].samples += a->stacks[i].count;
            matched += a->stacks[i].count;
        }
    }
    double total = (double)a->samples;
    /* Stacks of no known thread (truncated, or a thread that ended inside
     * the window) keep their raw share u; the known threads share the rest
     * in proportion to their kernel CPU, so each known thread's stacks weigh
     * (1 - u) x kernel share / raw sampled share. A thread with CPU and no
     * sample cannot be scaled: its part is *unsampled (the caller counts it
     * unattributed). */
    double u = total > 0 ? (total - (double)matched) / total : 0;
    for (size_t t = 0; t < n; t++) {
        out[t].kernel_share = cpu > 0 ? th[t].cpu_s / cpu : NAN;
        out[t].sampled_share = matched > 0 ? (double)out[t].samples / (double)matched : NAN;
        if (out[t].samples == 0 && out[t].kernel_share > 0)
            *unsampled += (1 - u) * out[t].kernel_share;
    }
    for (size_t i = 0; scale != NULL && i < a->nstacks; i++) {
        long t = which[i];
        scale[i] = t >= 0 && cpu > 0 ? (1 - u) * out[t].kernel_share /
                                           ((double)out[t].samples / total)
                                     : 1;
    }
    free(which);
    return 0;
}
