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

typedef struct rule {
    const char *category; /* one of categories_names */
    char *lib, *fn;
} rule;

struct categories {
    rule *rules;
    size_t n;
};

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
    for (char *line = copy, *next; line != NULL; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *f[4];
        if (categories_fields(line, f, 4) != 3) {
            error_set(err, ERR_INPUT,
                      "%s:%d: expected 3 tab-separated fields: category, library "
                      "pattern, function pattern",
                      label, lineno);
            goto done;
        }
        const char *cat = NULL;
        for (size_t i = 0; i < categories_count; i++)
            if (strcmp(f[0], categories_names[i]) == 0)
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
        r[c->n] = (rule){cat, strdup(f[1]), strdup(f[2])};
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

int categories_load(categories **out, const char *path, error *err) {
    *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (file_read_all(&buf, &len, path, err) != 0)
        return -1;
    int rc = categories_parse(out, (const char *)buf, path, err);
    free(buf);
    return rc;
}

const char *categories_match(const categories *c, const char *module,
                             const char *function) {
    for (size_t i = 0; c != NULL && i < c->n; i++)
        if (fnmatch(c->rules[i].lib, module, 0) == 0 &&
            fnmatch(c->rules[i].fn, function, 0) == 0)
            return c->rules[i].category;
    return "other";
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
    free(c);
}
