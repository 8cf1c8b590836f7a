/* opts: the option spec table parser (see opts.h). */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void opts_iter_init(opts_iter *it, int argc, char **argv) {
    memset(it, 0, sizeof *it);
    it->argc = argc;
    it->argv = argv;
    it->i = 1;
    it->split = -1;
}

/* 'v' for a message: at most 80 bytes, control characters and quotes as
 * C escapes, so that a hostile value cannot break the one-line message. */
static const char *opts_show(char *out, size_t size, const char *v) {
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)v; *c && n + 5 < size; c++) {
        if (c - (const unsigned char *)v >= 80) {
            n += (size_t)snprintf(out + n, size - n, "...");
            break;
        }
        if (*c == '\n')
            n += (size_t)snprintf(out + n, size - n, "\\n");
        else if (*c == '\t')
            n += (size_t)snprintf(out + n, size - n, "\\t");
        else if (*c < 0x20 || *c == 0x7f || *c == '\'' || *c == '\\')
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", *c);
        else
            out[n++] = (char)*c;
    }
    out[n < size ? n : size - 1] = '\0';
    return out;
}

/* The spec of a long option 'name' (length 'len'), or NULL. */
static const opt_spec *opts_find_long(const opt_spec *specs, const char *name,
                                      size_t len) {
    for (const opt_spec *s = specs; s->kind != OPT_KIND_END; s++)
        if (s->name != NULL && strlen(s->name) == len && strncmp(s->name, name, len) == 0)
            return s;
    return NULL;
}

static const opt_spec *opts_find_short(const opt_spec *specs, char letter) {
    for (const opt_spec *s = specs; s->kind != OPT_KIND_END; s++)
        if (s->letter != 0 && s->letter == letter)
            return s;
    return NULL;
}

static int opts_takes_value(const opt_spec *s) {
    return s->kind != OPT_KIND_FLAG && s->kind != OPT_KIND_HELP &&
           s->kind != OPT_KIND_REST;
}

/* One option at argv[it->i] (which starts with '-'): its spec and value. */
static int opts_option(opts_iter *it, const opt_spec *specs, const opt_spec **spec,
                       const char **value, error *err) {
    const char *a = it->argv[it->i++], *attached = NULL;
    const opt_spec *s;
    char shown[400];
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        s = opts_find_long(specs, a + 2, len);
        attached = eq ? eq + 1 : NULL;
        snprintf(it->opt, sizeof it->opt, "--%.*s", (int)(len < 60 ? len : 60), a + 2);
    } else {
        s = opts_find_short(specs, a[1]);
        attached = a[2] != '\0' ? a + 2 : NULL;
        snprintf(it->opt, sizeof it->opt, "-%c", a[1]);
        if (s != NULL && attached != NULL && !opts_takes_value(s))
            s = NULL; /* "-qx": no bundling of flags */
    }
    if (s == NULL)
        return error_set(err, ERR_INPUT, "unknown option '%s' (see 'overhead %s --help')",
                         opts_show(shown, sizeof shown, a), it->argv[0]);
    if (!opts_takes_value(s)) {
        if (attached != NULL)
            return error_set(err, ERR_INPUT, "%s takes no value", it->opt);
        *spec = s;
        *value = NULL;
        if (s->kind == OPT_KIND_REST && !it->rest) {
            it->rest = 1;
            it->split = it->npos;
        }
        return 1;
    }
    if (attached == NULL) {
        if (it->i >= it->argc)
            return error_set(err, ERR_INPUT, "%s needs a value", it->opt);
        attached = it->argv[it->i++];
    }
    *spec = s;
    *value = attached;
    return 1;
}

int opts_next(opts_iter *it, const opt_spec *specs, const opt_spec **spec,
              const char **value, error *err) {
    *spec = NULL;
    *value = NULL;
    while (it->i < it->argc) {
        const char *a = it->argv[it->i];
        if (!it->rest && strcmp(a, "--") == 0) {
            it->rest = 1;
            it->split = it->npos;
            it->i++;
            continue;
        }
        if (it->rest || a[0] != '-' || a[1] == '\0') {
            it->i++;
            it->npos++;
            *value = a;
            return 2;
        }
        return opts_option(it, specs, spec, value, err);
    }
    return 0;
}

/* "an integer 1..8", "a number > 0", ... for a bad value's message. */
static void opts_expected(char *out, size_t size, const opt_spec *s) {
    switch (s->kind) {
        case OPT_KIND_INT:
            snprintf(out, size, "an integer %lld..%lld", s->ilo, s->ihi);
            break;
        case OPT_KIND_DOUBLE:
            if (s->dhi >= 1e300)
                snprintf(out, size, "a number %s %g",
                         s->flags & OPT_OPEN_MIN ? ">" : ">=", s->dlo);
            else
                snprintf(out, size, "a number %g..%g", s->dlo, s->dhi);
            break;
        case OPT_KIND_CHOICE: {
            size_t k = (size_t)snprintf(out, size, "one of ");
            for (const char *c = s->choices; *c && k + 3 < size; c++)
                k += (size_t)snprintf(out + k, size - k, *c == '|' ? ", " : "%c", *c);
            break;
        }
        case OPT_KIND_LIST:
            snprintf(out, size, "a comma-separated list of %lld..%lld items", s->ilo,
                     s->ihi);
            break;
        default:
            snprintf(out, size, "a value");
            break;
    }
}

static int opts_int(const opt_spec *s, const char *v) {
    char *end = NULL;
    if (isspace((unsigned char)*v))
        return -1; /* strtoll would skip it */
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < s->ilo || x > s->ihi)
        return -1;
    if (s->size == sizeof(int32_t)) {
        int32_t y = (int32_t)x;
        memcpy(s->dest, &y, sizeof y);
    } else if (s->size == sizeof(int64_t)) {
        int64_t y = (int64_t)x;
        memcpy(s->dest, &y, sizeof y);
    } else {
        return -1;
    }
    return 0;
}

static int opts_double(const opt_spec *s, const char *v) {
    char *end = NULL;
    if (isspace((unsigned char)*v))
        return -1;
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(x) || x > s->dhi)
        return -1;
    if ((s->flags & OPT_OPEN_MIN) ? !(x > s->dlo) : !(x >= s->dlo))
        return -1;
    *(double *)s->dest = x;
    return 0;
}

static int opts_choice(const opt_spec *s, const char *v) {
    size_t len = strlen(v);
    for (const char *c = s->choices; *c;) {
        size_t n = strcspn(c, "|");
        if (n == len && len > 0 && strncmp(c, v, n) == 0) {
            *(const char **)s->dest = v;
            return 0;
        }
        c += n + (c[n] == '|');
    }
    return -1;
}

static int opts_list(const opt_spec *s, const char *v) {
    opt_list *l = s->dest;
    if (strlen(v) >= sizeof l->buf)
        return -1;
    memcpy(l->buf, v, strlen(v) + 1);
    l->n = 0;
    for (char *save = NULL, *t = strtok_r(l->buf, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        if (l->n >= s->ihi || l->n >= OPT_LIST_MAX)
            return -1;
        l->items[l->n++] = t;
    }
    return l->n >= s->ilo ? 0 : -1;
}

/* Check 'v' against 's' and store it; -1 with the uniform message. */
static int opts_store(const opt_spec *s, const char *opt, const char *v, error *err) {
    const char *why = NULL;
    int rc = 0;
    switch (s->kind) {
        case OPT_KIND_FLAG:
            *(int *)s->dest = (int)s->ilo;
            return 0;
        case OPT_KIND_REST:
            *(int *)s->dest = 1;
            return 0;
        case OPT_KIND_INT:
            rc = opts_int(s, v);
            break;
        case OPT_KIND_DOUBLE:
            rc = opts_double(s, v);
            break;
        case OPT_KIND_CHOICE:
            rc = opts_choice(s, v);
            break;
        case OPT_KIND_LIST:
            rc = opts_list(s, v);
            break;
        case OPT_KIND_STRING:
            rc = s->check != NULL ? s->check(v, &why) : 0;
            if (rc == 0)
                *(const char **)s->dest = v;
            break;
        default:
            return 0;
    }
    if (rc == 0)
        return 0;
    char shown[400], expected[200];
    if (why != NULL)
        snprintf(expected, sizeof expected, "%s", why);
    else
        opts_expected(expected, sizeof expected, s);
    return error_set(err, ERR_INPUT, "%s: bad value '%s' (expected %s)", opt,
                     opts_show(shown, sizeof shown, v), expected);
}

int opts_parse(const opt_spec *specs, int argc, char **argv, opts_args *args,
               error *err) {
    opts_iter it;
    const opt_spec *s;
    const char *v;
    int r;
    char shown[400];
    if (args != NULL) {
        args->n = 0;
        args->split = -1;
        args->v = calloc((size_t)(argc > 0 ? argc : 1), sizeof *args->v);
        if (args->v == NULL)
            return error_set(err, ERR_NOMEM, "out of memory");
    }
    opts_iter_init(&it, argc, argv);
    while ((r = opts_next(&it, specs, &s, &v, err)) > 0) {
        if (r == 2) {
            if (args == NULL)
                return error_set(err, ERR_INPUT, "unexpected argument '%s'",
                                 opts_show(shown, sizeof shown, v));
            args->v[args->n++] = (char *)v;
        } else if (s->kind == OPT_KIND_HELP) {
            return OPTS_HELP;
        } else if (opts_store(s, it.opt, v, err) != 0) {
            return -1;
        }
    }
    if (args != NULL)
        args->split = it.split;
    return r;
}

void opts_args_free(opts_args *args) {
    if (args == NULL)
        return;
    free(args->v);
    args->v = NULL;
    args->n = 0;
}
