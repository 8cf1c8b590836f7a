#include "attrib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "categories.h"

size_t attrib_ncats(void) {
    return categories_count + 1;
}

const char *attrib_cat_name(size_t k) {
    return k < categories_count ? categories_names[k] : categories_unattributed;
}

long attrib_cat_index(const char *name) {
    for (size_t k = 0; k < attrib_ncats(); k++)
        if (strcmp(attrib_cat_name(k), name) == 0)
            return (long)k;
    return -1;
}

const char *attrib_fn_category(const aggregate_fn *fn) {
    return fn->charged != NULL ? fn->charged : categories_unattributed;
}

double attrib_weight(const attrib_trial *t, size_t p) {
    const attrib_proc *pr = &t->procs[p];
    if (pr->agg == NULL || pr->agg->samples == 0 || !(t->events > 0) || isnan(pr->cpu_s))
        return 0;
    return pr->cpu_s / (double)pr->agg->samples / t->events * 1e6;
}

double attrib_stack_weight(const attrib_trial *t, size_t p, size_t i) {
    const double *sc = t->procs[p].scale;
    return attrib_weight(t, p) * (sc != NULL ? sc[i] : 1);
}

void attrib_trial_us(const attrib_trial *t, double *out) {
    size_t nc = attrib_ncats();
    long unattr = (long)nc - 1;
    for (size_t k = 0; k < nc; k++)
        out[k] = 0;
    if (!(t->events > 0))
        return;
    for (size_t p = 0; p < t->nprocs; p++) {
        const attrib_proc *pr = &t->procs[p];
        double cpu_us = isnan(pr->cpu_s) ? 0 : pr->cpu_s / t->events * 1e6;
        if (pr->fixed_cat >= 0 && (size_t)pr->fixed_cat < nc) {
            out[pr->fixed_cat] += cpu_us;
            continue;
        }
        double w = attrib_weight(t, p);
        if (w == 0) {
            out[unattr] += cpu_us;
            continue;
        }
        out[unattr] += cpu_us * pr->unsampled;
        /* per stack, as the hotspots' categories are (aggregate_categorize):
         * a "(caller)" leaf's samples go where its caller's do */
        const aggregate *a = pr->agg;
        for (size_t i = 0; i < a->nstacks; i++) {
            long k = attrib_cat_index(aggregate_stack_category(a, &a->stacks[i]));
            out[k < 0 ? unattr : k] +=
                (double)a->stacks[i].count * w * (pr->scale != NULL ? pr->scale[i] : 1);
        }
    }
}

double attrib_trial_fn_us(const attrib_trial *t, const char *module, const char *name) {
    double us = 0;
    for (size_t p = 0; p < t->nprocs; p++) {
        const aggregate *a = t->procs[p].agg;
        double w = attrib_weight(t, p);
        if (w == 0)
            continue;
        for (size_t i = 0; t->procs[p].scale == NULL && i < a->nfns; i++)
            if (strcmp(a->fns[i].name, name) == 0 &&
                strcmp(a->fns[i].module, module) == 0)
                us += (double)a->fns[i].flat * w;
        for (size_t i = 0; t->procs[p].scale != NULL && i < a->nstacks; i++) {
            const aggregate_fn *leaf = &a->fns[a->frames[a->stacks[i].first]];
            if (strcmp(leaf->name, name) == 0 && strcmp(leaf->module, module) == 0)
                us += (double)a->stacks[i].count * attrib_stack_weight(t, p, i);
        }
    }
    return us;
}

/* Fill one row from the per-trial values of both sides. */
static void attrib_row_fill(attrib_row *r, const char *cat, const double *va, size_t na,
                            const double *vb, size_t nb) {
    r->category = cat;
    r->direct_us = stats_mean(va, na);
    r->nats_us = stats_mean(vb, nb);
    r->ok = stats_welch_diff(va, na, vb, nb, 0.95, &r->delta) == 0;
    if (!r->ok) {
        memset(&r->delta, 0, sizeof r->delta);
        r->delta.est = r->nats_us - r->direct_us;
        r->delta.lo = r->delta.hi = r->delta.p = NAN;
    }
    r->significant = r->ok && (r->delta.lo > 0 || r->delta.hi < 0);
}

int attrib_compare(const attrib_trial *a, size_t na, const attrib_trial *b, size_t nb,
                   double measured_us, attrib_result *out) {
    memset(out, 0, sizeof *out);
    if (na == 0 || nb == 0)
        return -1;
    size_t nc = attrib_ncats(), n = na + nb;
    if (nc > ATTRIB_MAX_CATS)
        return -1;
    int rc = -1;
    /* per trial and category, then one column and the totals */
    double *v = malloc(n * nc * sizeof *v), *col = malloc(n * sizeof *col);
    double *tot = calloc(n, sizeof *tot);
    if (v == NULL || col == NULL || tot == NULL)
        goto done;
    for (size_t i = 0; i < n; i++)
        attrib_trial_us(i < na ? &a[i] : &b[i - na], v + i * nc);
    for (size_t k = 0; k < nc; k++) {
        for (size_t i = 0; i < n; i++)
            tot[i] += col[i] = v[i * nc + k];
        attrib_row_fill(&out->rows[k], attrib_cat_name(k), col, na, col + na, nb);
    }
    out->nrows = nc;
    attrib_row_fill(&out->total, "total", tot, na, tot + na, nb);
    out->measured_us = measured_us;
    out->residual_us = out->total.delta.est - measured_us;
    out->residual_large =
        fabs(out->residual_us) > ATTRIB_RESIDUAL_WARN * fabs(measured_us);
    rc = 0;
done:
    free(v);
    free(col);
    free(tot);
    return rc;
}

int attrib_samples_exceed(double samples, double cpu_s, double max_hz) {
    return samples > cpu_s * max_hz * (1 + ATTRIB_SAMPLES_SLACK) + 2;
}
