/* analysis: the perf cross-check. Where the profiled trials were recorded
 * by Linux perf too (`overhead run --perf HZ`: NAME.perf.txt beside each
 * NAME.prof, the same processes over the same measured windows), perf's
 * samples go through the same symbolizer, category rules and first-user-
 * frame logic (aggregate_stack_category) and the same per-process scaling
 * to each process's measured CPU (attrib) as gperftools' samples do, and the
 * two breakdowns are compared category by category in us/event. perf's rows
 * are not weighed per thread: perf samples every thread on its own hrtimer,
 * which is what the comparison checks. The section "crosscheck" is present
 * only when every profiled trial has perf text. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "perfscript.h"

/* The bound of agreement the report states, us/event (issue 18). */
#define CROSSCHECK_BOUND_US 1.0

/* "DIR/NAME.perf.txt" for profile "NAME.prof" of trial t, in 'out'; 0 when
 * it exists. */
static int perf_text_of(const trial *t, const char *prof, char *out, size_t size) {
    size_t n = strlen(prof);
    int stem = n > 5 && strcmp(prof + n - 5, ".prof") == 0 ? (int)(n - 5) : (int)n;
    snprintf(out, size, "%s/%.*s.perf.txt", t->dir, stem, prof);
    struct stat st;
    return stat(out, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1;
}

/* Keep 'a' for freeing with the analysis. */
static int keep(ctx *c, aggregate *a) {
    aggregate **k = realloc(c->xaggs, (c->nxaggs + 1) * sizeof *k);
    if (k == NULL) {
        aggregate_free(a);
        return error_set(c->err, ERR_NOMEM, "out of memory");
    }
    c->xaggs = k;
    c->xaggs[c->nxaggs++] = a;
    return 0;
}

/* Add perf's samples per thread of process 'proc' (trial t, aggregate a)
 * to c->xth, beside the kernel's CPU of each thread (its stacks' root-most
 * frames name it, as for gperftools: attrib_thread_shares). */
static int thread_counts(ctx *c, const trial *t, json_t *proc, const aggregate *a) {
    json_t *ths = json_object_get(proc, "threads"), *e;
    size_t n = json_array_size(ths), k;
    if (n == 0 || a->nstacks == 0)
        return 0;
    attrib_thread *th = calloc(n, sizeof *th);
    attrib_thread_share *sh = calloc(n, sizeof *sh);
    double unsampled;
    int rc = -1;
    if (th == NULL || sh == NULL)
        goto done;
    json_array_foreach(ths, k, e) {
        th[k].name = an_jstr(e, "name");
        th[k].cpu_s = an_jnum(e, "cpu_s");
        if (th[k].name == NULL || !(th[k].cpu_s >= 0)) {
            th[k].name = "";
            th[k].cpu_s = 0;
        }
    }
    if (attrib_thread_shares(a, th, n, sh, NULL, &unsampled) != 0)
        goto done;
    const char *role = an_jstr(proc, "role");
    for (k = 0; k < n; k++) {
        if (th[k].name[0] == '\0' || role == NULL || t->arch == NULL)
            continue;
        size_t i = 0;
        while (i < c->nxth && !(strcmp(c->xth[i].arch, t->arch) == 0 &&
                                strcmp(c->xth[i].role, role) == 0 &&
                                strcmp(c->xth[i].name, th[k].name) == 0))
            i++;
        if (i == c->nxth) {
            if (c->nxth == sizeof c->xth / sizeof c->xth[0])
                continue;
            c->xth[c->nxth++] = (struct xthread){t->arch, role, th[k].name, 0, 0};
        }
        c->xth[i].cpu_s += th[k].cpu_s;
        c->xth[i].samples += sh[k].samples;
    }
    rc = 0;
done:
    free(th);
    free(sh);
    return rc == 0 ? 0 : error_set(c->err, ERR_NOMEM, "out of memory");
}

/* perf's view of trial t, whose gperftools view is 'g': the same processes
 * and CPU, each profiled one with perf's samples. 1 when some profiled
 * process has no perf text (nothing to compare), 0 done, -1 error. */
static int perf_trial(ctx *c, const trial *t, const attrib_trial *g, attrib_trial *out,
                      attrib_trial *wout) {
    *out = *g;
    json_t *p;
    size_t k;
    json_array_foreach(json_object_get(t->rec, "processes"), k, p) {
        if (k >= out->nprocs)
            break;
        attrib_proc *ap = &out->procs[k];
        ap->scale = NULL;
        ap->unsampled = 0;
        const char *prof = an_jstr(p, "profile");
        if (prof == NULL)
            continue;
        char path[4200];
        if (perf_text_of(t, prof, path, sizeof path) != 0)
            return 1;
        perfscript *ps = NULL;
        symprof *sp = NULL;
        aggregate *a = NULL;
        if (perfscript_load(&ps, path, c->err) != 0)
            return -1;
        long pid = (long)an_jnum(p, "pid");
        const perfscript_proc *pp = perfscript_find(ps, pid);
        if (pp == NULL && ps->nprocs == 1)
            pp = &ps->procs[0];
        int rc = aggregate_new(&a, c->err);
        if (rc == 0 && pp != NULL) {
            rc = symprof_symbolize(&sp, pp->prof, path, c->err);
            if (rc == 0)
                rc = aggregate_add_symprof(a, sp, path, c->err);
        }
        if (rc == 0)
            rc = aggregate_categorize(a, c->cats, c->err);
        c->x_samples += pp != NULL ? pp->samples : 0;
        c->x_cpu += ap->cpu_s;
        c->x_outside += ps->outside;
        symprof_free(sp);
        perfscript_free(ps);
        if (rc != 0) {
            aggregate_free(a);
            return -1;
        }
        if (keep(c, a) != 0 || thread_counts(c, t, p, a) != 0)
            return -1;
        ap->agg = a;
    }
    /* The same samples weighed per thread as the breakdown weighs gperftools'
     * (a stack's root-most frames name its thread). */
    *wout = *out;
    json_array_foreach(json_object_get(t->rec, "processes"), k, p) {
        if (k < wout->nprocs && wout->procs[k].agg != NULL &&
            an_thread_scale(c, p, &wout->procs[k]) != 0)
            return -1;
    }
    return 0;
}

/* Copies of trials t[0..n-1] whose samples all weigh the same. */
static void unweighed(const attrib_trial *t, attrib_trial *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        out[i] = t[i];
        for (size_t p = 0; p < out[i].nprocs; p++) {
            out[i].procs[p].scale = NULL;
            out[i].procs[p].unsampled = 0;
        }
    }
}

int an_crosscheck(ctx *c) {
    if (!c->have_attr || c->nad == 0 || c->nan_ == 0)
        return 0;
    c->xd = calloc(c->nad, sizeof *c->xd);
    c->xn = calloc(c->nan_, sizeof *c->xn);
    c->wd = calloc(c->nad, sizeof *c->wd);
    c->wn = calloc(c->nan_, sizeof *c->wn);
    c->ud = calloc(c->nad, sizeof *c->ud);
    c->un = calloc(c->nan_, sizeof *c->un);
    if (c->xd == NULL || c->xn == NULL || c->wd == NULL || c->wn == NULL || c->ud == NULL ||
        c->un == NULL)
        return error_set(c->err, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->nad; i++) {
        int rc = perf_trial(c, c->pd->t[i], &c->ad[i], &c->xd[i], &c->wd[i]);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    for (size_t i = 0; i < c->nan_; i++) {
        int rc = perf_trial(c, c->pn->t[i], &c->an[i], &c->xn[i], &c->wn[i]);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    unweighed(c->ad, c->ud, c->nad);
    unweighed(c->an, c->un, c->nan_);
    if (attrib_compare(c->ud, c->nad, c->un, c->nan_, c->overhead_us, &c->uattr) != 0 ||
        attrib_compare(c->xd, c->nad, c->xn, c->nan_, c->overhead_us, &c->xattr) != 0 ||
        attrib_compare(c->wd, c->nad, c->wn, c->nan_, c->overhead_us, &c->wattr) != 0)
        return error_set(c->err, ERR_NOMEM, "out of memory");
    c->have_x = 1;
    return 0;
}

void an_crosscheck_free(ctx *c) {
    for (size_t i = 0; i < c->nxaggs; i++)
        aggregate_free(c->xaggs[i]);
    free(c->xaggs);
    free(c->xd);
    free(c->xn);
    free(c->wd);
    free(c->wn);
    free(c->ud);
    free(c->un);
}

/* The row of 'category' in 'r', or NULL. */
static const attrib_row *row_of(const attrib_result *r, const char *category) {
    for (size_t k = 0; k < r->nrows; k++)
        if (strcmp(r->rows[k].category, category) == 0)
            return &r->rows[k];
    return NULL;
}

void an_crosscheck_section(ctx *c) {
    if (!c->have_x)
        return;
    json_t *rows = json_array();
    char text[2048], b1[32], b2[32], b3[32];
    size_t n = 0, ndis = 0;
    double worst = 0, wworst = 0;
    const char *worst_cat = NULL;
    char dis[1200] = "";
    for (size_t k = 0; k < c->xattr.nrows; k++) {
        const attrib_row *x = &c->xattr.rows[k], *g = row_of(&c->attr, x->category);
        const attrib_row *w = row_of(&c->wattr, x->category);
        const attrib_row *u = row_of(&c->uattr, x->category);
        if (g == NULL || w == NULL || u == NULL || (x->direct_us == 0 && x->nats_us == 0 && g->direct_us == 0 &&
                          g->nats_us == 0))
            continue;
        double d = x->delta.est - g->delta.est;
        int disagree = fabs(d) > CROSSCHECK_BOUND_US;
        double wd = w->delta.est - g->delta.est;
        if (fabs(wd) > wworst)
            wworst = fabs(wd);
        json_t *row;
        json_array_append_new(
            rows, row = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "category",
                            x->category, "gperftools_us", an_fsigned(g->delta.est),
                            "perf_us", an_fsigned(x->delta.est), "difference_us",
                            an_fsigned(d), "gperftools_direct_us", an_fnum(g->direct_us),
                            "perf_direct_us", an_fnum(x->direct_us), "gperftools_nats_us",
                            an_fnum(g->nats_us), "perf_nats_us", an_fnum(x->nats_us),
                            "disagree", disagree));
        json_object_set_new(row, "perf_weighed_us", an_fsigned(w->delta.est));
        json_object_set_new(row, "gperftools_unweighed_us", an_fsigned(u->delta.est));
        json_object_set_new(row, "unweighed_difference_us", an_fsigned(x->delta.est - u->delta.est));
        json_object_set_new(row, "weighed_difference_us", an_fsigned(wd));
        if (fabs(d) > worst) {
            worst = fabs(d);
            worst_cat = x->category;
        }
        if (disagree && n < sizeof dis) {
            n += (size_t)snprintf(dis + n, sizeof dis - n, "%s%s (gperftools %s, perf %s)",
                                  ndis ? "; " : "", x->category,
                                  an_fmt(g->delta.est, b1, 32), an_fmt(x->delta.est, b2, 32));
            ndis++;
        }
    }
    if (ndis == 0)
        snprintf(text, sizeof text,
                 "perf and gperftools agree within %s us per event in every category "
                 "(largest difference %s us, %s).",
                 an_fmt(CROSSCHECK_BOUND_US, b1, 32), an_fmt(worst, b2, 32),
                 worst_cat ? worst_cat : "none");
    else
        snprintf(text, sizeof text,
                 "perf and gperftools disagree by more than %s us per event in %zu "
                 "categor%s: %s; the largest difference is %s us (%s).",
                 an_fmt(CROSSCHECK_BOUND_US, b1, 32), ndis, ndis == 1 ? "y" : "ies", dis,
                 an_fmt(worst, b3, 32), worst_cat);
    /* perf's effective rate: its samples in the windows per measured CPU-second */
    double hz = c->x_cpu > 0 ? (double)c->x_samples / c->x_cpu : NAN;
    json_object_set_new(
        c->a, "crosscheck",
        json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:s, s:o}", "sampler",
                  "perf record -e cpu-clock --call-graph dwarf", "perf_effective_hz", an_fnum(hz),
                  "trials_direct", (json_int_t)c->nad, "trials_nats", (json_int_t)c->nan_,
                  "perf_samples", (json_int_t)c->x_samples, "perf_outside_window",
                  (json_int_t)c->x_outside, "rows", rows, "bound_us",
                  an_fnum(CROSSCHECK_BOUND_US), "max_difference_us", an_fnum(worst),
                  "text", text, "disagree", json_integer((json_int_t)ndis)));
    json_t *x = json_object_get(c->a, "crosscheck");
    /* The recommendation rules' stack patterns (e.g. the collector hand-off)
     * as perf samples them, beside gperftools' (the breakdown's weighing). */
    recrule_result pr[RECRULES_MAX];
    size_t npr = 0;
    json_t *rules = json_array();
    if (recrules_evaluate(c->xd, c->nad, c->xn, c->nan_, c->overhead_us, pr, &npr) == 0)
        for (size_t i = 0; i < npr && i < c->nrules; i++)
            json_array_append_new(
                rules, json_pack("{s:s, s:o, s:o}", "id", pr[i].rule->id, "gperftools_us",
                                 an_fsigned(c->rules[i].delta.est), "perf_us",
                                 an_fsigned(pr[i].delta.est)));
    json_object_set_new(x, "rules", rules);
    /* perf's share of each thread's samples against the kernel's share of
     * its process's CPU (threads above 2% of their process) */
    json_t *threads = json_array();
    for (size_t i = 0; i < c->nxth; i++) {
        double cpu = 0, smp = 0;
        for (size_t j = 0; j < c->nxth; j++)
            if (strcmp(c->xth[j].arch, c->xth[i].arch) == 0 &&
                strcmp(c->xth[j].role, c->xth[i].role) == 0) {
                cpu += c->xth[j].cpu_s;
                smp += (double)c->xth[j].samples;
            }
        double kp = cpu > 0 ? c->xth[i].cpu_s / cpu * 100 : NAN;
        if (!(kp >= 2))
            continue;
        json_array_append_new(
            threads,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "arch", c->xth[i].arch, "role",
                      c->xth[i].role, "thread", c->xth[i].name, "kernel_pct", an_fnum(kp),
                      "perf_pct", an_fnum(smp > 0 ? (double)c->xth[i].samples / smp * 100 : NAN),
                      "samples", (json_int_t)c->xth[i].samples));
    }
    json_object_set_new(x, "threads", threads);
    json_object_set_new(x, "max_weighed_difference_us", an_fnum(wworst));
    snprintf(text, sizeof text,
             "With perf's samples weighed per thread to the kernel's CPU as the breakdown "
             "weighs gperftools' (a thread that runs in short bursts is under-sampled by "
             "both samplers), the largest difference is %s us per event.",
             an_fmt(wworst, b1, 32));
    json_object_set_new(x, "weighed_text", json_string(text));
}
