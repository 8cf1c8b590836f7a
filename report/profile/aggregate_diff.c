/* aggregate_diff: comparing two aggregates function by function (the diff
 * of `overhead diff` and the analysis), and the "few samples" test. Split
 * from aggregate.c, whose tables it reads through aggregate.h. */
#include "aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

int aggregate_few(uint64_t k, uint64_t n) {
    if (n == 0 || k == 0)
        return 1;
    double lo, hi;
    stats_wilson((double)k, (double)n, STATS_Z95, &lo, &hi);
    return (hi - lo) / 2 > 0.5 * (double)k / (double)n;
}

/* Sort helper for the diff: function indexes ordered by (module, name). */
static const aggregate *aggregate_sort_ctx;
static int aggregate_cmp_fn(const void *x, const void *y) {
    const aggregate_fn *a = &aggregate_sort_ctx->fns[*(const size_t *)x];
    const aggregate_fn *b = &aggregate_sort_ctx->fns[*(const size_t *)y];
    int c = strcmp(a->module, b->module);
    return c ? c : strcmp(a->name, b->name);
}

/* Diff rows by decreasing |delta| (per unit when known), then by name. */
static int aggregate_cmp_row(const void *x, const void *y) {
    const aggregate_diff_row *a = x, *b = y;
    double da = isnan(a->delta_unit) ? fabs(a->delta_s) : fabs(a->delta_unit);
    double db = isnan(b->delta_unit) ? fabs(b->delta_s) : fabs(b->delta_unit);
    if (da != db)
        return da > db ? -1 : 1;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->module, b->module);
}

/* Sorted function indexes of 'a' by (module, name); NULL when out of memory. */
static size_t *aggregate_sorted(const aggregate *a) {
    size_t *ix = malloc((a->nfns ? a->nfns : 1) * sizeof *ix);
    if (ix == NULL)
        return NULL;
    for (size_t i = 0; i < a->nfns; i++)
        ix[i] = i;
    aggregate_sort_ctx = a;
    qsort(ix, a->nfns, sizeof *ix, aggregate_cmp_fn);
    return ix;
}

int aggregate_diff(aggregate_diff_row **rows, size_t *nrows, const aggregate *base,
                   const aggregate *new, double base_units, double new_units,
                   error *err) {
    *rows = NULL;
    *nrows = 0;
    int rc = -1;
    size_t *bi = aggregate_sorted(base), *ni = aggregate_sorted(new);
    aggregate_diff_row *r = calloc(base->nfns + new->nfns + 1, sizeof *r);
    if (bi == NULL || ni == NULL || r == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        goto done;
    }
    double bs = aggregate_seconds_per_sample(base),
           ns = aggregate_seconds_per_sample(new);
    size_t i = 0, j = 0, n = 0;
    while (i < base->nfns || j < new->nfns) {
        const aggregate_fn *b = i < base->nfns ? &base->fns[bi[i]] : NULL;
        const aggregate_fn *w = j < new->nfns ? &new->fns[ni[j]] : NULL;
        int c = b == NULL ? 1 : w == NULL ? -1 : strcmp(b->module, w->module);
        if (c == 0)
            c = strcmp(b->name, w->name);
        aggregate_diff_row *row = &r[n];
        if (c <= 0) {
            row->name = b->name;
            row->module = b->module;
            row->base = b->flat;
            i++;
        }
        if (c >= 0) {
            row->name = w->name;
            row->module = w->module;
            row->new = w->flat;
            j++;
        }
        if (row->base == 0 && row->new == 0)
            continue;
        row->base_s = (double)row->base * bs;
        row->new_s = (double)row->new *ns;
        row->delta_s = row->new_s - row->base_s;
        if (base_units > 0 && new_units > 0) {
            row->base_unit = row->base_s / base_units;
            row->new_unit = row->new_s / new_units;
            row->delta_unit = row->new_unit - row->base_unit;
        } else {
            row->base_unit = row->new_unit = row->delta_unit = NAN;
        }
        row->z = stats_two_prop_z((double)row->base, (double)base->samples,
                                  (double)row->new, (double)new->samples, &row->p);
        n++;
    }
    qsort(r, n, sizeof *r, aggregate_cmp_row);
    *rows = r;
    *nrows = n;
    r = NULL;
    rc = 0;
done:
    free(bi);
    free(ni);
    free(r);
    return rc;
}
