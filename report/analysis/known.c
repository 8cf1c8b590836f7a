/* analysis: what the sections built from the pooled profiles share: the
 * known functions' descriptions (report/data/functions.tsv) and the time a
 * count of pooled samples stands for. Used by breakdown.c, attribution.c
 * and flame.c, and uses none of them (so they call each other one way). */

#include "an_internal.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

/* Per-event microseconds that 'k' samples of side 's' stand for. */
double an_us_of(const side *s, uint64_t k) {
    return s->agg->samples ? (double)k / (double)s->agg->samples * s->work_us : 0;
}

void an_known_free(known *k) {
    free(k->text);
    free(k->glob);
    free(k->desc);
}

int an_known_load(ctx *c, known *k, const char *path) {
    memset(k, 0, sizeof *k);
    if (path == NULL)
        return 0;
    uint8_t *text = NULL;
    size_t len;
    if (file_read_all(&text, &len, path, c->err) != 0)
        return -1;
    k->text = (char *)text;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    k->glob = calloc(lines, sizeof *k->glob);
    k->desc = calloc(lines, sizeof *k->desc);
    if (k->glob == NULL || k->desc == NULL)
        return error_set(c->err, ERR_NOMEM, "%s: out of memory", path);
    int lineno = 0;
    for (char *line = k->text, *next; line != NULL && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*line == '#' || *line == '\0')
            continue;
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            return error_set(c->err, ERR_INPUT,
                             "%s:%d: expected 'pattern<TAB>description'", path, lineno);
        *tab = '\0';
        k->glob[k->n] = line;
        k->desc[k->n++] = tab + 1;
    }
    return 0;
}

const char *an_known_describe(const known *k, const char *name) {
    for (size_t i = 0; i < k->n; i++)
        if (fnmatch(k->glob[i], name, 0) == 0)
            return k->desc[i];
    return NULL;
}
