/* analysis: the warnings grouped for the report, one line per kind. A
 * warning about one trial ("trial 7 (nats-2p): ...") or one profile file
 * ("runs/X/trial-02-nats-2p.prof: ...") is of the same kind as another when
 * the rest of its text differs only in its numbers. */
#include "an_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define LIST_MAX 8 /* subjects named in a group's line; the rest counted */

typedef struct wgroup {
    char *key;         /* the rest with every number as '#' */
    const char *first; /* the first warning of the kind, whole */
    const char *rest;  /* its text after the subject */
    int trials;        /* subjects: 1 trials, 0 profile files, 2 others */
    int has_subj;      /* its warnings name a trial or a file */
    size_t n;
    buf subjects;
} wgroup;

/* Split 'w' into its subject (written to 'subj', "" when none) and the rest.
 * Sets *trial to 1 when the subject is a trial, 2 when it is neither a trial
 * nor a profile file (what the text before its first ": " names), else 0. */
static const char *split_subject(const char *w, char *subj, size_t size, int *trial) {
    subj[0] = '\0';
    *trial = 0;
    const char *colon = strstr(w, ": ");
    if (colon == NULL)
        return w;
    if (strncmp(w, "trial ", 6) == 0 && isdigit((unsigned char)w[6])) {
        size_t k = 6;
        while (isdigit((unsigned char)w[k]))
            k++;
        snprintf(subj, size, "%.*s", (int)(k - 6), w + 6);
        *trial = 1;
        return colon + 2;
    }
    size_t n = (size_t)(colon - w);
    int file = n > 5 && (strncmp(colon - 5, ".prof", 5) == 0 ||
                         (n > 6 && strncmp(colon - 6, ".pb.gz", 6) == 0));
    if (!file || memchr(w, ' ', n) != NULL) {
        /* another subject: "headline", "storage wal", "nats-2p" */
        if (n == 0 || n >= size || n > 60)
            return w;
        snprintf(subj, size, "%.*s", (int)n, w);
        *trial = 2;
        return colon + 2;
    }
    const char *base = w + n;
    while (base > w && base[-1] != '/')
        base--;
    snprintf(subj, size, "%.*s", (int)(colon - base), base);
    return colon + 2;
}

/* 's' with each run of digits (and decimal points between them) as '#'. */
static char *numberless(const char *s) {
    char *out = malloc(strlen(s) + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (const char *p = s; *p;) {
        if (isdigit((unsigned char)*p)) {
            while (isdigit((unsigned char)*p) ||
                   (*p == '.' && isdigit((unsigned char)p[1])))
                p++;
            *o++ = '#';
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

json_t *an_warning_groups(json_t *warnings) {
    size_t nw = json_array_size(warnings), ng = 0;
    wgroup *g = calloc(nw + 1, sizeof *g);
    json_t *out = json_array();
    if (g == NULL || out == NULL)
        goto done;
    for (size_t i = 0; i < nw; i++) {
        const char *w = json_string_value(json_array_get(warnings, i));
        char subj[256];
        int trial;
        const char *rest = split_subject(w, subj, sizeof subj, &trial);
        char *key = numberless(rest);
        if (key == NULL)
            goto done;
        size_t k = 0;
        int has = subj[0] != '\0';
        while (k < ng && !(g[k].trials == trial && g[k].has_subj == has &&
                           strcmp(g[k].key, key) == 0))
            k++;
        if (k == ng)
            g[ng++] = (wgroup){
                .key = key, .first = w, .rest = rest, .trials = trial, .has_subj = has};
        else
            free(key);
        if (subj[0] != '\0' && g[k].n < LIST_MAX)
            buf_printf(&g[k].subjects, "%s%s", g[k].n ? ", " : "", subj);
        g[k].n++;
    }
    for (size_t k = 0; k < ng; k++) {
        if (g[k].n == 1 || !g[k].has_subj) {
            buf b = BUF_INIT;
            if (g[k].n == 1)
                buf_puts(&b, g[k].first);
            else
                buf_printf(&b, "%zu times: %s", g[k].n, g[k].first);
            json_array_append_new(out, json_string(b.data ? b.data : ""));
            buf_free(&b);
            continue;
        }
        buf b = BUF_INIT;
        buf_printf(&b, "%zu %s (%s%s", g[k].n,
                   g[k].trials == 1   ? "trials"
                   : g[k].trials == 2 ? "warnings"
                                      : "profiles",
                   g[k].subjects.data, g[k].n > LIST_MAX ? "" : ")");
        if (g[k].n > LIST_MAX)
            buf_printf(&b, " and %zu more)", g[k].n - LIST_MAX);
        char subj[256];
        int trial;
        split_subject(g[k].first, subj, sizeof subj, &trial);
        buf_printf(&b, ", for example %s%s: %s", trial == 1 ? "trial " : "", subj,
                   g[k].rest);
        json_array_append_new(out, json_string(b.data ? b.data : ""));
        buf_free(&b);
    }
done:
    for (size_t k = 0; g != NULL && k < ng; k++) {
        free(g[k].key);
        buf_free(&g[k].subjects);
    }
    free(g);
    return out;
}
