/* analysis: threads. The kernel's per-thread CPU and context switches per
 * stored event (the trial records' processes[].threads, read by each
 * workload at its measured window's edges), and the sampler's share of each
 * thread's samples against the kernel's share of its CPU. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREAD_ROW_SHARE  0.005 /* of its process's CPU: smaller, idle threads stay off */
#define THREAD_ROW_WAKES  0.01  /* ...unless they wake this often per event */
#define THREAD_FAIR_SHARE 0.02  /* threads judged for fairness: at least this share */
#define THREAD_FAIR_REL   0.10  /* sampled share within this of the kernel's */
#define THREAD_FAIR_MIN   200   /* and at least this many samples of the process */

typedef struct trow {
    const char *arch, *role, *name;
    double rate;
    double *cpu, *wake, *pre, *share; /* per trial */
    size_t n, cap;
} trow;

typedef struct trows {
    trow *r;
    size_t n, cap;
} trows;

static void trows_free(trows *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->r[i].cpu);
        free(t->r[i].wake);
        free(t->r[i].pre);
        free(t->r[i].share);
    }
    free(t->r);
}

static trow *trow_get(trows *t, const char *arch, double rate, const char *role,
                      const char *name) {
    for (size_t i = 0; i < t->n; i++)
        if (t->r[i].rate == rate && strcmp(t->r[i].arch, arch) == 0 &&
            strcmp(t->r[i].role, role) == 0 && strcmp(t->r[i].name, name) == 0)
            return &t->r[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        trow *r = realloc(t->r, cap * sizeof *r);
        if (r == NULL)
            return NULL;
        t->r = r;
        t->cap = cap;
    }
    trow *r = &t->r[t->n++];
    *r = (trow){.arch = arch, .role = role, .name = name, .rate = rate};
    return r;
}

static int trow_add(trow *r, double cpu, double wake, double pre, double share) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        double *a = realloc(r->cpu, cap * sizeof *a), *b, *d, *e;
        if (a == NULL)
            return -1;
        r->cpu = a;
        if ((b = realloc(r->wake, cap * sizeof *b)) == NULL)
            return -1;
        r->wake = b;
        if ((d = realloc(r->pre, cap * sizeof *d)) == NULL)
            return -1;
        r->pre = d;
        if ((e = realloc(r->share, cap * sizeof *e)) == NULL)
            return -1;
        r->share = e;
        r->cap = cap;
    }
    r->cpu[r->n] = cpu;
    r->wake[r->n] = wake;
    r->pre[r->n] = pre;
    r->share[r->n++] = share;
    return 0;
}

/* Is thread record 'o' named 'name'? */
static int named(json_t *o, const char *name) {
    const char *n = an_jstr(o, "name");
    return n != NULL && strcmp(n, name) == 0;
}

/* One process's threads in one trial, same-named threads (two connections'
 * readers) summed. */
static int add_process(trows *rows, const trial *t, json_t *proc) {
    json_t *ths = json_object_get(proc, "threads"), *th, *o;
    const char *role = an_jstr(proc, "role");
    double ev = (double)t->stored, cpu = 0;
    size_t k, j;
    if (role == NULL || !(ev > 0))
        return 0;
    json_array_foreach(ths, k, th) cpu += fmax(0, an_jnum(th, "cpu_s"));
    json_array_foreach(ths, k, th) {
        const char *name = an_jstr(th, "name");
        int first = 1;
        json_array_foreach(ths, j, o) if (j < k && name != NULL && named(o, name)) first = 0;
        if (name == NULL || !first)
            continue;
        double c = 0, w = 0, p = 0;
        json_array_foreach(ths, j, o) if (named(o, name)) {
            c += an_jnum(o, "cpu_s");
            w += an_jnum(o, "voluntary");
            p += an_jnum(o, "involuntary");
        }
        trow *r = trow_get(rows, t->arch, t->rate, role, name);
        if (r == NULL || trow_add(r, c / ev * 1e6, w / ev, p / ev, cpu > 0 ? c / cpu : 0))
            return -1;
    }
    return 0;
}

static int trow_cmp(const void *x, const void *y) {
    const trow *a = x, *b = y;
    int d = strcmp(a->arch, b->arch);
    if (d == 0)
        d = (a->rate > b->rate) - (a->rate < b->rate);
    if (d == 0)
        d = strcmp(a->role, b->role);
    if (d == 0) {
        double ca = stats_median(a->cpu, a->n), cb = stats_median(b->cpu, b->n);
        d = (ca < cb) - (ca > cb);
    }
    return d != 0 ? d : strcmp(a->name, b->name);
}

/* Which trials the per-thread table rests on: the headline's storage, no
 * A/A control, the baseline workloads (no what-if variant, wherever the
 * plan put them); unprofiled ones when an architecture has any at that rate
 * (the profiler's signals are context switches too). */
static int table_trial(ctx *c, const trial *t, int profiled) {
    if (t->aa_group || t->profiled != profiled ||
        (t->variant != NULL && strcmp(t->variant, "baseline") != 0))
        return 0;
    if (c->storage != NULL && t->storage != NULL && strcmp(t->storage, c->storage) != 0)
        return 0;
    return strcmp(t->arch, "direct") == 0 ||
           (c->nats_arch != NULL && strcmp(t->arch, c->nats_arch) == 0);
}

static json_t *thread_rows(ctx *c, trows *rows, int *used_profiled) {
    *used_profiled = 0;
    for (size_t i = 0; i < c->nt; i++) {
        const trial *t = &c->t[i];
        int unprof = 0;
        for (size_t j = 0; j < c->nt && !unprof; j++)
            unprof = table_trial(c, &c->t[j], 0) && c->t[j].rate == t->rate &&
                     strcmp(c->t[j].arch, t->arch) == 0;
        if (!table_trial(c, t, !unprof))
            continue;
        *used_profiled |= !unprof;
        json_t *p;
        size_t k;
        json_array_foreach(json_object_get(t->rec, "processes"), k, p) {
            if (add_process(rows, t, p) != 0)
                return NULL;
        }
    }
    if (rows->n > 0) /* qsort's array may not be NULL, even for no rows */
        qsort(rows->r, rows->n, sizeof *rows->r, trow_cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < rows->n; i++) {
        const trow *r = &rows->r[i];
        double cpu = stats_median(r->cpu, r->n), wake = stats_median(r->wake, r->n);
        double share = stats_median(r->share, r->n);
        if (share < THREAD_ROW_SHARE && wake < THREAD_ROW_WAKES && strcmp(r->name, "main"))
            continue;
        char phase[64];
        if (r->rate > 0)
            snprintf(phase, sizeof phase, "%g events/s", r->rate);
        else
            snprintf(phase, sizeof phase, "saturated");
        const char *what = an_known_describe(&c->kn, r->name);
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I}", "arch",
                           r->arch, "phase", phase, "role", r->role, "thread", r->name,
                           "what", what != NULL ? what : "", "cpu_us", an_fnum(cpu),
                           "share_pct", an_fnum(share * 100), "wakeups_per_event",
                           an_fnum(wake), "preemptions_per_event",
                           an_fnum(stats_median(r->pre, r->n)), "trials",
                           (json_int_t)r->n));
    }
    return out;
}

/* ---- the sampler against the kernel ----------------------------------- */

typedef struct srow {
    const char *arch, *role, *name;
    double samples, cpu;
    double weighted; /* its weighed share of the samples x the process's CPU */
} srow;

typedef struct sacc {
    srow *r;
    size_t n, cap;
    /* per (arch, role): matched samples and thread CPU, for the shares */
    srow *tot;
    size_t ntot, captot;
} sacc;

static srow *srow_get(srow **r, size_t *n, size_t *cap, const char *arch,
                      const char *role, const char *name) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*r)[i].arch, arch) == 0 && strcmp((*r)[i].role, role) == 0 &&
            strcmp((*r)[i].name, name) == 0)
            return &(*r)[i];
    if (*n == *cap) {
        size_t c2 = *cap ? 2 * *cap : 16;
        srow *x = realloc(*r, c2 * sizeof *x);
        if (x == NULL)
            return NULL;
        *r = x;
        *cap = c2;
    }
    (*r)[*n] = (srow){.arch = arch, .role = role, .name = name};
    return &(*r)[(*n)++];
}

static int sample_trials(sacc *acc, const group *g, const attrib_trial *at,
                         size_t nat) {
    for (size_t i = 0; i < g->n && i < nat; i++) {
        json_t *procs = json_object_get(g->t[i]->rec, "processes"), *p;
        size_t k;
        json_array_foreach(procs, k, p) {
            json_t *ths = json_object_get(p, "threads"), *t;
            size_t n = json_array_size(ths), j;
            const char *role = an_jstr(p, "role");
            if (k >= at[i].nprocs || at[i].procs[k].agg == NULL || n == 0 || role == NULL)
                continue;
            attrib_thread *th = calloc(n, sizeof *th);
            attrib_thread_share *sh = calloc(n, sizeof *sh);
            const aggregate *ag = at[i].procs[k].agg;
            double *scale = malloc((ag->nstacks ? ag->nstacks : 1) * sizeof *scale);
            double unsampled, pcpu = 0;
            int rc = th == NULL || sh == NULL || scale == NULL;
            json_array_foreach(ths, j, t) {
                th[j].name = an_jstr(t, "name") ? an_jstr(t, "name") : "";
                th[j].cpu_s = fmax(0, an_jnum(t, "cpu_s"));
                pcpu += th[j].cpu_s;
            }
            if (rc == 0)
                rc = attrib_thread_shares(ag, th, n, sh, scale, &unsampled);
            for (j = 0; rc == 0 && j < n; j++) {
                srow *r = srow_get(&acc->r, &acc->n, &acc->cap, g->t[i]->arch, role,
                                   th[j].name);
                srow *tt = srow_get(&acc->tot, &acc->ntot, &acc->captot, g->t[i]->arch,
                                    role, "");
                if (r == NULL || tt == NULL) {
                    rc = -1;
                    break;
                }
                r->samples += (double)sh[j].samples;
                r->cpu += th[j].cpu_s;
                /* the breakdown's view of this thread: its stacks as weighed */
                double wsum = 0;
                for (size_t s = 0; ag->samples > 0 && s < ag->nstacks; s++)
                    if (attrib_stack_thread(ag, &ag->stacks[s], th, n) == (long)j)
                        wsum += (double)ag->stacks[s].count * scale[s];
                r->weighted += ag->samples > 0 ? wsum / (double)ag->samples * pcpu : 0;
                tt->samples += (double)sh[j].samples;
                tt->cpu += th[j].cpu_s;
            }
            free(th);
            free(sh);
            free(scale);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

static json_t *sampling_rows(ctx *c, int *judged, int *fair, double *worst) {
    sacc acc = {0};
    json_t *out = json_array();
    *judged = *fair = 0;
    *worst = 0;
    if (sample_trials(&acc, c->pd, c->ad, c->nad) != 0 ||
        sample_trials(&acc, c->pn, c->an, c->nan_) != 0) {
        free(acc.r);
        free(acc.tot);
        return out;
    }
    for (size_t i = 0; i < acc.n; i++) {
        const srow *r = &acc.r[i];
        const srow *tt = NULL;
        for (size_t j = 0; j < acc.ntot && tt == NULL; j++)
            if (strcmp(acc.tot[j].arch, r->arch) == 0 &&
                strcmp(acc.tot[j].role, r->role) == 0)
                tt = &acc.tot[j];
        if (tt == NULL || !(tt->cpu > 0) || !(tt->samples > 0))
            continue;
        double ks = r->cpu / tt->cpu, ss = r->samples / tt->samples;
        if (ks < THREAD_ROW_SHARE && ss < THREAD_ROW_SHARE)
            continue;
        double rel = ks > 0 ? ss / ks - 1 : NAN;
        int judge = ks >= THREAD_FAIR_SHARE && tt->samples >= THREAD_FAIR_MIN;
        int ok = judge && fabs(rel) <= THREAD_FAIR_REL;
        *judged += judge;
        *fair += ok;
        if (judge && fabs(rel) > fabs(*worst))
            *worst = rel;
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:s}", "arch",
                           r->arch, "role", r->role, "thread", r->name, "kernel_pct",
                           an_fnum(ks * 100), "sampled_pct", an_fnum(ss * 100),
                           "weighted_pct", an_fnum(r->weighted / tt->cpu * 100),
                           "rel_diff_pct", an_fsigned(rel * 100), "samples",
                           (json_int_t)r->samples, "fair",
                           !judge ? "not judged" : ok ? "yes" : "no"));
    }
    free(acc.r);
    free(acc.tot);
    return out;
}

void an_threads(ctx *c) {
    trows rows = {0};
    int used_profiled = 0, judged = 0, fair = 0;
    double worst = 0;
    json_t *tr = thread_rows(c, &rows, &used_profiled);
    trows_free(&rows);
    if (tr == NULL)
        tr = json_array();
    char note[512];
    if (json_array_size(tr) == 0)
        snprintf(note, sizeof note,
                 "No per-thread figures: these runs' records have no thread counts.");
    else
        snprintf(note, sizeof note,
             "Per thread, from the kernel (each thread's on-CPU time and context "
             "switches, /proc/self/task/*/schedstat and status, read by the workload "
             "at its measured window's edges), medians over %s trials. A wake-up is a "
             "voluntary context switch: the thread blocked and was woken again.",
             used_profiled ? "unprofiled trials where a phase has them, else profiled"
                           : "unprofiled");
    json_t *sec = json_pack("{s:o, s:s, s:b}", "rows", tr, "note", note, "have",
                            json_array_size(tr) > 0);
    json_t *srows = c->have_attr ? sampling_rows(c, &judged, &fair, &worst) : json_array();
    const char *sampler = NULL;
    for (size_t i = 0; i < c->pn->n && sampler == NULL; i++)
        sampler = an_jstr(c->pn->t[i]->rec, "sampling.sampler");
    if (sampler == NULL)
        sampler = "itimer";
    char text[768];
    if (json_array_size(srows) == 0) {
        snprintf(text, sizeof text,
                 "No per-thread comparison: the profiled trials' records have no thread "
                 "counts.");
    } else {
        char w[32];
        snprintf(text, sizeof text,
                 "Sampler: %s. %d of %d threads with at least %.0f%% of their process's "
                 "CPU have a sampled share within %.0f%% (relative) of their kernel "
                 "share; the largest difference is %s%%. The breakdown weighs each "
                 "thread's samples to the CPU the kernel measured for that thread.",
                 sampler, fair, judged, THREAD_FAIR_SHARE * 100, THREAD_FAIR_REL * 100,
                 an_fmt(worst * 100, w, sizeof w));
    }
    json_object_set_new(sec, "sampling_have", json_boolean(json_array_size(srows) > 0));
    json_object_set_new(sec, "sampling_rows", srows);
    json_object_set_new(sec, "sampling_text", json_string(text));
    json_object_set_new(sec, "sampler", json_string(sampler));
    json_object_set_new(sec, "fair_threads", json_integer(fair));
    json_object_set_new(sec, "judged_threads", json_integer(judged));
    json_object_set_new(c->a, "threads", sec);
}
