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
#define THREAD_FAIR_MIN   100   /* and this many samples expected of the thread */
#define THREAD_FAIR_Z     1.645 /* "no" only when the difference is beyond 10% by
                                 * this many standard errors of the share (one
                                 * sided, 95%); between: too few samples to tell */

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
    double clock;    /* its sampler clock's CPU (task_clock_s) */
    double switches; /* its context switches, voluntary and involuntary */
    int unclocked;   /* totals only: processes whose threads had no clock */
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
            int rc = th == NULL || sh == NULL || scale == NULL, clocked = 1;
            json_array_foreach(ths, j, t) {
                th[j].name = an_jstr(t, "name") ? an_jstr(t, "name") : "";
                th[j].cpu_s = fmax(0, an_jnum(t, "cpu_s"));
                pcpu += th[j].cpu_s;
                clocked &= json_is_number(json_object_get(t, "task_clock_s"));
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
                json_t *tj = json_array_get(ths, j);
                double clock = clocked ? fmax(0, an_jnum(tj, "task_clock_s")) : 0;
                r->samples += (double)sh[j].samples;
                r->cpu += th[j].cpu_s;
                r->clock += clock;
                r->switches += an_jnum(tj, "voluntary") + an_jnum(tj, "involuntary");
                /* the breakdown's view of this thread: its stacks as weighed */
                double wsum = 0;
                for (size_t s = 0; ag->samples > 0 && s < ag->nstacks; s++)
                    if (attrib_stack_thread(ag, &ag->stacks[s], th, n) == (long)j)
                        wsum += (double)ag->stacks[s].count * scale[s];
                r->weighted += ag->samples > 0 ? wsum / (double)ag->samples * pcpu : 0;
                tt->samples += (double)sh[j].samples;
                tt->cpu += th[j].cpu_s;
                tt->clock += clock;
                tt->unclocked += !clocked;
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

/* What the per-thread comparison found: judged against the sampler's own
 * clock where every profiled process's threads carry one (the task-clock
 * sampler), else against the kernel's schedstat share. */
typedef struct sfound {
    int judged, fair, clocked;
    int unclear; /* judged threads whose samples cannot tell */
    double worst;        /* judged threads' largest relative difference */
    double worst_kernel; /* the same against schedstat, when clocked */
    const char *unseen;  /* the judged thread the clock missed most of (its
                          * name, from the records) */
    double unseen_share, unseen_us;
} sfound;

static json_t *sampling_row(const srow *r, const srow *tt, sfound *f) {
    double ks = r->cpu / tt->cpu, ss = r->samples / tt->samples;
    double cs = f->clocked ? r->clock / tt->clock : NAN;
    if (ks < THREAD_ROW_SHARE && ss < THREAD_ROW_SHARE)
        return NULL;
    double ref = f->clocked ? cs : ks;
    double rel = ref > 0 ? ss / ref - 1 : NAN, relk = ks > 0 ? ss / ks - 1 : NAN;
    double unseen = f->clocked && r->cpu > 0 ? fmax(0, r->cpu - r->clock) / r->cpu : NAN;
    double per_sw = f->clocked && r->switches > 0
                        ? fmax(0, r->cpu - r->clock) / r->switches * 1e6
                        : NAN;
    /* the relative standard error of the sampled share, were the sampler fair:
     * binomial, sqrt(ref (1 - ref) / N) / ref */
    double expect = ref * tt->samples, se = expect > 0 ? sqrt((1 - ref) / expect) : NAN;
    int eligible = ks >= THREAD_FAIR_SHARE && expect >= THREAD_FAIR_MIN;
    int ok = eligible && fabs(rel) <= THREAD_FAIR_REL;
    int off = eligible && !ok && fabs(rel) - THREAD_FAIR_REL > THREAD_FAIR_Z * se;
    int judge = ok || off;
    const char *verdict = !eligible ? "not judged"
                          : ok      ? "yes"
                          : off     ? "no"
                                    : "too few samples to tell";
    f->unclear += eligible && !judge;
    f->judged += judge;
    f->fair += ok;
    if (judge && fabs(rel) > fabs(f->worst))
        f->worst = rel;
    if (judge && fabs(relk) > fabs(f->worst_kernel))
        f->worst_kernel = relk;
    if (judge && unseen > f->unseen_share) {
        f->unseen = r->name;
        f->unseen_share = unseen;
        f->unseen_us = per_sw;
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:s}", "arch",
                     r->arch, "role", r->role, "thread", r->name, "kernel_pct",
                     an_fnum(ks * 100), "clock_pct", f->clocked ? an_fnum(cs * 100) : json_null(),
                     "sampled_pct", an_fnum(ss * 100), "weighted_pct",
                     an_fnum(r->weighted / tt->cpu * 100), "rel_diff_pct",
                     an_fsigned(rel * 100), "unseen_pct",
                     f->clocked ? an_fnum(unseen * 100) : json_null(), "unseen_us_per_switch",
                     f->clocked ? an_fnum(per_sw) : json_null(), "samples",
                     (json_int_t)r->samples, "fair", verdict);
}

static json_t *sampling_rows(ctx *c, sfound *f) {
    sacc acc = {0};
    json_t *out = json_array();
    *f = (sfound){.clocked = 1};
    if (sample_trials(&acc, c->pd, c->ad, c->nad) != 0 ||
        sample_trials(&acc, c->pn, c->an, c->nan_) != 0) {
        free(acc.r);
        free(acc.tot);
        return out;
    }
    for (size_t j = 0; j < acc.ntot; j++)
        f->clocked &= acc.tot[j].unclocked == 0 && acc.tot[j].clock > 0;
    f->clocked &= acc.ntot > 0;
    for (size_t i = 0; i < acc.n; i++) {
        const srow *r = &acc.r[i];
        const srow *tt = NULL;
        for (size_t j = 0; j < acc.ntot && tt == NULL; j++)
            if (strcmp(acc.tot[j].arch, r->arch) == 0 &&
                strcmp(acc.tot[j].role, r->role) == 0)
                tt = &acc.tot[j];
        if (tt == NULL || !(tt->cpu > 0) || !(tt->samples > 0))
            continue;
        json_t *row = sampling_row(r, tt, f);
        if (row != NULL) {
            json_object_set_new(row, "clocked", json_boolean(f->clocked));
            json_array_append_new(out, row);
        }
    }
    free(acc.r);
    free(acc.tot);
    return out;
}

/* The sentence above the sampler-against-kernel table. */
static void sampling_sentence(const sfound *f, const char *sampler, char *text, size_t n) {
    char w[32], wk[32], us[32], un[32], unclear[160] = "";
    an_fmt(f->worst * 100, w, sizeof w);
    if (f->unclear > 0)
        snprintf(unclear, sizeof unclear,
                 " (%d more differ by more than %.0f%%, but by less than their "
                 "samples' noise: too few samples to tell)",
                 f->unclear, THREAD_FAIR_REL * 100);
    if (!f->clocked) {
        snprintf(text, n,
                 "Sampler: %s. %d of %d threads with at least %.0f%% of their process's "
                 "CPU and %d samples expected have a sampled share within %.0f%% "
                 "(relative) of their kernel share%s; the largest difference is %s%%. "
                 "The breakdown weighs each thread's samples to the CPU the kernel "
                 "measured for that thread.",
                 sampler, f->fair, f->judged, THREAD_FAIR_SHARE * 100, THREAD_FAIR_MIN,
                 THREAD_FAIR_REL * 100, unclear, w);
        return;
    }
    int o = snprintf(text, n,
                     "Sampler: %s. Each thread's sampler clock is the kernel's count of "
                     "its task-clock event, kept in its record beside its schedstat CPU. "
                     "%d of %d threads with at least %.0f%% of their process's CPU and %d "
                     "samples expected have a sampled share within %.0f%% (relative) of "
                     "their share of the sampler's clock%s; the largest difference is "
                     "%s%%. Against schedstat the largest difference is %s%%.",
                     sampler, f->fair, f->judged, THREAD_FAIR_SHARE * 100, THREAD_FAIR_MIN,
                     THREAD_FAIR_REL * 100, unclear, w,
                     an_fmt(f->worst_kernel * 100, wk, sizeof wk));
    if (f->unseen != NULL && o > 0 && (size_t)o < n)
        o += snprintf(text + o, n - (size_t)o,
                      " The kernel charges a thread its CPU from the moment the "
                      "scheduler picks it, before the thread's clock is switched in; no "
                      "per-thread sampler sees that time. It is largest for `%s`: %s%% "
                      "of its CPU, %s us per context switch.",
                      f->unseen, an_fmt(f->unseen_share * 100, un, sizeof un),
                      an_fmt(f->unseen_us, us, sizeof us));
    if (o > 0 && (size_t)o < n)
        snprintf(text + o, n - (size_t)o,
                 " The breakdown weighs each thread's samples to its schedstat CPU, so "
                 "that time stays with the thread that was woken.");
}

void an_threads(ctx *c) {
    trows rows = {0};
    int used_profiled = 0;
    sfound f = {0};
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
    json_t *srows = c->have_attr ? sampling_rows(c, &f) : json_array();
    const char *sampler = an_sampler(c);
    char text[1280];
    if (json_array_size(srows) == 0)
        snprintf(text, sizeof text,
                 "No per-thread comparison: the profiled trials' records have no thread "
                 "counts.");
    else
        sampling_sentence(&f, sampler, text, sizeof text);
    int have = json_array_size(srows) > 0;
    json_object_set_new(sec, "sampling_have", json_boolean(have && !f.clocked));
    json_object_set_new(sec, "sampling_clocked", json_boolean(have && f.clocked));
    json_object_set_new(sec, "sampling_rows", srows);
    json_object_set_new(sec, "sampling_text", json_string(text));
    json_object_set_new(sec, "sampler", json_string(sampler));
    json_object_set_new(sec, "fair_threads", json_integer(f.fair));
    json_object_set_new(sec, "judged_threads", json_integer(f.judged));
    json_object_set_new(c->a, "threads", sec);
}
