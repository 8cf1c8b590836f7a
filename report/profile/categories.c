#include "categories.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

/* The fixed category names; rules must use exactly these. */
const char *const categories_names[] = {
    "JSON serialization",
    "NATS client",
    "network I/O syscalls",
    "thread hand-off / event loop",
    "SQLite",
    "memory allocation",
    "broker process",
    "other",
};
const size_t categories_count = sizeof categories_names / sizeof categories_names[0];
const char *const categories_unattributed = "unattributed";

typedef struct rule {
    const char *category; /* one of categories_names */
    char *lib, *fn;
    int archive; /* lib names a static archive ("libX.a"): see archive_fns */
    int caller;  /* "(caller)": the function's samples are its caller's cost */
} rule;

/* The functions one static archive defines, sorted for bsearch. */
typedef struct archive {
    char *name;
    char **fns;
    size_t n;
} archive;

struct categories {
    rule *rules;
    size_t n;
    archive *archives;
    size_t narchives;
};

/* Does the library field name a static archive rather than a glob? */
static int categories_is_archive(const char *lib) {
    size_t n = strlen(lib);
    return n > 2 && strcmp(lib + n - 2, ".a") == 0 && strpbrk(lib, "*?[") == NULL;
}

/* Parse one line's fields in place; returns the number of fields. */
static int categories_fields(char *line, char **f, int max) {
    int n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* The next line at *pos that is neither blank nor a '#' comment, cut in place
 * (no '\n', no trailing '\r'); *lineno counts every line passed. NULL at the
 * end of the text. */
static char *categories_next_line(char **pos, int *lineno) {
    while (*pos != NULL) {
        char *line = *pos;
        (*lineno)++;
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        *pos = next;
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len > 0 && line[0] != '#')
            return line;
    }
    return NULL;
}

int categories_parse(categories **out, const char *text, const char *label, error *err) {
    *out = NULL;
    int rc = -1;
    char *copy = strdup(text);
    categories *c = calloc(1, sizeof *c);
    if (copy == NULL || c == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        goto done;
    }
    int lineno = 0;
    char *pos = copy;
    for (char *line; (line = categories_next_line(&pos, &lineno)) != NULL;) {
        char *f[4];
        if (categories_fields(line, f, 4) != 3) {
            error_set(err, ERR_INPUT,
                      "%s:%d: expected 3 tab-separated fields: category, library "
                      "pattern, function pattern",
                      label, lineno);
            goto done;
        }
        const char *cat = NULL;
        int caller = strcmp(f[0], "(caller)") == 0;
        for (size_t i = 0; i < categories_count; i++)
            if (strcmp(f[0], categories_names[i]) == 0 ||
                (caller && strcmp(categories_names[i], "other") == 0))
                cat = categories_names[i];
        if (cat == NULL) {
            error_set(err, ERR_INPUT, "%s:%d: unknown category '%s'", label, lineno,
                      f[0]);
            goto done;
        }
        rule *r = realloc(c->rules, (c->n + 1) * sizeof *r);
        if (r == NULL) {
            error_set(err, ERR_NOMEM, "out of memory");
            goto done;
        }
        c->rules = r;
        r[c->n] =
            (rule){cat, strdup(f[1]), strdup(f[2]), categories_is_archive(f[1]), caller};
        if (r[c->n].lib == NULL || r[c->n].fn == NULL) {
            free(r[c->n].lib);
            free(r[c->n].fn);
            error_set(err, ERR_NOMEM, "out of memory");
            goto done;
        }
        c->n++;
    }
    *out = c;
    c = NULL;
    rc = 0;
done:
    free(copy);
    categories_free(c);
    return rc;
}

static int categories_cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The archive record named 'name', created when 'create'; NULL if absent or
 * out of memory. */
static archive *categories_archive(categories *c, const char *name, int create) {
    for (size_t i = 0; i < c->narchives; i++)
        if (strcmp(c->archives[i].name, name) == 0)
            return &c->archives[i];
    if (!create)
        return NULL;
    archive *a = realloc(c->archives, (c->narchives + 1) * sizeof *a);
    if (a == NULL)
        return NULL;
    c->archives = a;
    a = &c->archives[c->narchives];
    *a = (archive){.name = strdup(name)};
    if (a->name == NULL)
        return NULL;
    c->narchives++;
    return a;
}

int categories_parse_archives(categories *c, const char *text, const char *label,
                              error *err) {
    int rc = -1;
    char *copy = strdup(text);
    if (copy == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        goto done;
    }
    int lineno = 0;
    char *pos = copy;
    for (char *line; (line = categories_next_line(&pos, &lineno)) != NULL;) {
        char *f[3];
        if (categories_fields(line, f, 3) != 2 || f[0][0] == '\0' || f[1][0] == '\0') {
            error_set(err, ERR_INPUT,
                      "%s:%d: expected 2 tab-separated fields: archive, function", label,
                      lineno);
            goto done;
        }
        archive *a = categories_archive(c, f[0], 1);
        char **v = a ? realloc(a->fns, (a->n + 1) * sizeof *v) : NULL;
        if (v == NULL || (a->fns = v, v[a->n] = strdup(f[1])) == NULL) {
            error_set(err, ERR_NOMEM, "out of memory");
            goto done;
        }
        a->n++;
    }
    for (size_t i = 0; i < c->narchives; i++)
        qsort(c->archives[i].fns, c->archives[i].n, sizeof(char *), categories_cmp_str);
    rc = 0;
done:
    free(copy);
    return rc;
}

/* Read the archives table next to the rules file when a rule names an
 * archive: "DIR/archives.tsv" for rules at "DIR/categories.tsv". */
static int categories_load_archives(categories *c, const char *path, error *err) {
    int need = 0;
    for (size_t i = 0; i < c->n; i++)
        need |= c->rules[i].archive;
    if (!need)
        return 0;
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
    char *apath = malloc(dlen + sizeof "archives.tsv");
    if (apath == NULL)
        return error_set(err, ERR_NOMEM, "out of memory");
    memcpy(apath, path, dlen);
    strcpy(apath + dlen, "archives.tsv");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = file_read_all(&buf, &len, apath, err);
    if (rc == 0)
        rc = categories_parse_archives(c, (const char *)buf, apath, err);
    for (size_t i = 0; rc == 0 && i < c->n; i++)
        if (c->rules[i].archive && categories_archive(c, c->rules[i].lib, 0) == NULL)
            rc = error_set(err, ERR_INPUT,
                           "%s: a rule names archive '%s', which %s does not list", path,
                           c->rules[i].lib, apath);
    free(buf);
    free(apath);
    return rc;
}

int categories_load(categories **out, const char *path, error *err) {
    *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (file_read_all(&buf, &len, path, err) != 0)
        return -1;
    int rc = categories_parse(out, (const char *)buf, path, err);
    free(buf);
    if (rc == 0 && (rc = categories_load_archives(*out, path, err)) != 0) {
        categories_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Does an archive rule match? Archive functions are linked into executables,
 * never into shared libraries (whose own rules name them). */
static int categories_archive_match(const categories *c, const rule *r,
                                    const char *module, const char *function) {
    if (strstr(module, ".so") != NULL)
        return 0;
    for (size_t i = 0; i < c->narchives; i++)
        if (strcmp(c->archives[i].name, r->lib) == 0)
            return bsearch(&function, c->archives[i].fns, c->archives[i].n,
                           sizeof(char *), categories_cmp_str) != NULL;
    return 0;
}

const char *categories_lookup(const categories *c, const char *module,
                              const char *function, int *caller) {
    if (caller != NULL)
        *caller = 0;
    for (size_t i = 0; c != NULL && i < c->n; i++) {
        const rule *r = &c->rules[i];
        if ((r->archive ? categories_archive_match(c, r, module, function)
                        : fnmatch(r->lib, module, 0) == 0) &&
            fnmatch(r->fn, function, 0) == 0) {
            if (caller != NULL)
                *caller = r->caller;
            return r->category;
        }
    }
    return "other";
}

const char *categories_match(const categories *c, const char *module,
                             const char *function) {
    return categories_lookup(c, module, function, NULL);
}

size_t categories_rules(const categories *c) {
    return c ? c->n : 0;
}

void categories_free(categories *c) {
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->rules[i].lib);
        free(c->rules[i].fn);
    }
    free(c->rules);
    for (size_t i = 0; i < c->narchives; i++) {
        for (size_t k = 0; k < c->archives[i].n; k++)
            free(c->archives[i].fns[k]);
        free(c->archives[i].fns);
        free(c->archives[i].name);
    }
    free(c->archives);
    free(c);
}
