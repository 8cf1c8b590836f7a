#include "recrules.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLERS_MAX 16

static const recrule rules[] = {
    {"handoff",
     RECRULE_STACK,
     /* libnats.so.3.4.1+0x37140: the collector thread's entry in Debian's
      * stripped libnats 3.4.1 (named by its behaviour, see functions.tsv) */
     {"natsMsg_Destroy*", "natsGC_collect*", "natsGC_*", "_garbageCollector*",
      "libnats.so.3.4.1+0x37140", NULL},
     {"*pthread_cond_*", "*futex*", "*__lll_*", "*pthread_mutex_*", NULL},
     0.10,
     "a hand-off to another thread for every message: nats.c frees each received "
     "message through its garbage-collector thread and wakes it to do so",
     "Keep received messages and destroy them in groups after their commits, so that "
     "the library's collector thread is woken once per group instead of once per "
     "message"},
    {"round_trip",
     RECRULE_STACK,
     {"natsConnection_Flush*", "natsConnection_Request*", NULL},
     {NULL},
     0.05,
     "a blocking round trip to the server per event (flush or request/reply)",
     "Publish fire-and-forget and let nats.c's flusher batch the writes; flush once per "
     "batch or at shutdown"},
    {"prepare",
     RECRULE_STACK,
     {"sqlite3_prepare*", "sqlite3LockAndPrepare*", NULL},
     {NULL},
     0.05,
     "the INSERT statement prepared again for every event",
     "Prepare the INSERT once in the DatabaseService and reuse it"},
    {"encode_twice",
     RECRULE_CALLERS,
     {"json_dumps", "json_dumpb", "json_dumpf", "json_dumpfd", "json_dump_file",
      "json_dump_callback", NULL},
     {NULL},
     0.02,
     "each event encoded to JSON on more than one call path (double encoding)",
     "Encode each event once and publish that buffer"},
    {"copies",
     RECRULE_LEAF,
     {"memcpy", "memmove", "__memcpy*", "__memmove*", "*memcpy_*", "*memmove_*", NULL},
     {NULL},
     0.05,
     "payload copies (memcpy/memmove) beyond the direct path's",
     "Avoid copying payloads: publish from the encoded buffer and decode in place"},
};

const recrule *recrules_table(size_t *n) {
    *n = sizeof rules / sizeof rules[0];
    return rules;
}

static int match_any(const char *const *globs, const char *name) {
    for (size_t i = 0; i < RECRULES_GLOBS && globs[i] != NULL; i++)
        if (fnmatch(globs[i], name, 0) == 0)
            return 1;
    return 0;
}

/* Per-function flags of one aggregate: bit 1 path, bit 2 with. NULL on OOM. */
static unsigned char *fn_flags(const recrule *r, const aggregate *a) {
    unsigned char *f = calloc(a->nfns ? a->nfns : 1, 1);
    for (size_t i = 0; f != NULL && i < a->nfns; i++)
        f[i] = (unsigned char)(match_any(r->path, a->fns[i].name) |
                               (match_any(r->with, a->fns[i].name) << 1));
    return f;
}

/* Is this frame the encoder's own (jansson) rather than its caller? */
static int in_encoder(const aggregate_fn *fn) {
    return strncmp(fn->module, "libjansson", 10) == 0 ||
           strncmp(fn->name, "json_", 5) == 0;
}

typedef struct callers {
    const char *name[CALLERS_MAX];
    double samples[CALLERS_MAX];
    size_t n;
    double total;
} callers;

static void callers_add(callers *c, const char *name, double k) {
    c->total += k;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->name[i], name) == 0) {
            c->samples[i] += k;
            return;
        }
    if (c->n < CALLERS_MAX) {
        c->name[c->n] = name;
        c->samples[c->n++] = k;
    }
}

/* Per-event microseconds of the rule's pattern in one trial; outside
 * callers of the path (RECRULE_CALLERS) go to 'cl' when not NULL. -1 on
 * OOM. */
static int rule_trial_us(const recrule *r, const attrib_trial *t, callers *cl,
                         double *us) {
    *us = 0;
    for (size_t p = 0; p < t->nprocs; p++) {
        double w = attrib_weight(t, p);
        const aggregate *a = t->procs[p].agg;
        if (w == 0)
            continue;
        unsigned char *f = fn_flags(r, a);
        if (f == NULL)
            return -1;
        int need_with = r->with[0] != NULL;
        for (size_t s = 0; s < a->nstacks; s++) {
            const aggregate_stack *st = &a->stacks[s];
            const uint32_t *fr = a->frames + st->first;
            int path = 0, with = 0;
            long first_path = -1;
            if (r->kind == RECRULE_LEAF) {
                path = f[fr[0]] & 1;
            } else {
                for (uint32_t d = 0; d < st->depth; d++) {
                    if ((f[fr[d]] & 1) && first_path < 0)
                        first_path = (long)d;
                    with |= (f[fr[d]] >> 1) & 1;
                }
                path = first_path >= 0;
            }
            if (!path || (r->kind == RECRULE_STACK && need_with && !with))
                continue;
            *us += (double)st->count * attrib_stack_weight(t, p, s);
            if (r->kind != RECRULE_CALLERS || cl == NULL)
                continue;
            const char *caller = "(none)";
            for (uint32_t d = (uint32_t)first_path + 1; d < st->depth; d++)
                if (!in_encoder(&a->fns[fr[d]])) {
                    caller = a->fns[fr[d]].name;
                    break;
                }
            callers_add(cl, caller, (double)st->count);
        }
        free(f);
    }
    return 0;
}

/* Callers holding at least 10% of the path's samples and enough samples not
 * to be noise (about 16: aggregate_few) count as distinct call paths. */
static void callers_summarise(const callers *cl, recrule_result *res) {
    size_t len = 0;
    for (size_t i = 0; i < cl->n; i++) {
        if (cl->samples[i] < 0.10 * cl->total ||
            aggregate_few((uint64_t)cl->samples[i], (uint64_t)cl->total))
            continue;
        res->ncallers++;
        if (len < sizeof res->callers)
            len += (size_t)snprintf(res->callers + len, sizeof res->callers - len, "%s%s",
                                    len ? ", " : "", cl->name[i]);
    }
}

static int rule_eval(const recrule *r, const attrib_trial *d, size_t nd,
                     const attrib_trial *n, size_t nn, double overhead_us,
                     recrule_result *res) {
    double *v = malloc((nd + nn) * sizeof *v);
    callers cl = {0};
    if (v == NULL)
        return -1;
    memset(res, 0, sizeof *res);
    res->rule = r;
    for (size_t i = 0; i < nd + nn; i++)
        if (rule_trial_us(r, i < nd ? &d[i] : &n[i - nd], i < nd ? NULL : &cl, &v[i]) !=
            0) {
            free(v);
            return -1;
        }
    res->direct_us = stats_mean(v, nd);
    res->nats_us = stats_mean(v + nd, nn);
    res->ok = stats_welch_diff(v, nd, v + nd, nn, 0.95, &res->delta) == 0;
    if (!res->ok)
        res->delta.est = res->nats_us - res->direct_us;
    res->share = overhead_us > 0 ? res->delta.est / overhead_us : NAN;
    if (r->kind == RECRULE_CALLERS)
        callers_summarise(&cl, res);
    res->fired = res->ok && res->delta.lo > 0 && res->share >= r->min_share &&
                 (r->kind != RECRULE_CALLERS || res->ncallers >= 2);
    free(v);
    return 0;
}

int recrules_evaluate(const attrib_trial *d, size_t nd, const attrib_trial *n, size_t nn,
                      double overhead_us, recrule_result *out, size_t *nout) {
    *nout = 0;
    if (nd == 0 || nn == 0)
        return -1;
    for (size_t k = 0; k < sizeof rules / sizeof rules[0] && k < RECRULES_MAX; k++) {
        if (rule_eval(&rules[k], d, nd, n, nn, overhead_us, &out[k]) != 0)
            return -1;
        (*nout)++;
    }
    return 0;
}
