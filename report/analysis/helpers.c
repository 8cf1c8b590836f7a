/* analysis helpers shared by every section: values at dotted JSON paths,
 * numbers formatted for the report, warnings. */

#include "an_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The value at a dotted path, or NULL. */
json_t *an_jget(json_t *v, const char *path) {
    char key[128];
    while (v != NULL && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (dot ? 1 : 0);
    }
    return v;
}

double an_jnum(json_t *v, const char *path) {
    json_t *x = an_jget(v, path);
    return json_is_number(x) ? json_number_value(x) : NAN;
}

const char *an_jstr(json_t *v, const char *path) {
    return json_string_value(an_jget(v, path));
}

#define KERNEL_TICK_HZ 250 /* CONFIG_HZ: CPU-time timers fire no faster (DESIGN.md) */

double an_sample_cap_hz(json_t *rec) {
    double req = an_jnum(rec, "sampling.requested_hz");
    const char *smp = an_jstr(rec, "sampling.sampler");
    if (smp != NULL && strcmp(smp, "task-clock") == 0 && req > 0)
        return req;
    return req > 0 && req < KERNEL_TICK_HZ ? req : KERNEL_TICK_HZ;
}

const char *an_sampler(ctx *c) {
    for (size_t i = 0; i < c->pn->n; i++) {
        const char *s = an_jstr(c->pn->t[i]->rec, "sampling.sampler");
        if (s != NULL)
            return s;
    }
    return "itimer";
}

/* Format with about three significant digits ("8.91", "22.4", "151"). */
json_t *an_fnum(double v) {
    char s[64];
    double a = fabs(v);
    if (isnan(v))
        return json_string("n/a");
    snprintf(s, sizeof s,
             a >= 100             ? "%.0f"
             : a >= 10            ? "%.1f"
             : a >= 0.1 || a == 0 ? "%.2f"
                                  : "%.3f",
             v);
    if (strcmp(s, "-0.00") == 0 || strcmp(s, "-0.000") == 0 || strcmp(s, "-0") == 0)
        memmove(s, s + 1, strlen(s));
    return json_string(s);
}

/* Like fnum with an explicit sign ("+4.2", "-0.31"). */
json_t *an_fsigned(double v) {
    json_t *s = an_fnum(v);
    const char *t = json_string_value(s);
    if (!isnan(v) && t[0] != '-' && strcmp(t, "0.00") != 0) {
        char buf[72];
        snprintf(buf, sizeof buf, "+%s", t);
        json_decref(s);
        return json_string(buf);
    }
    return s;
}

const char *an_fmt(double v, char *buf, size_t size) {
    json_t *s = an_fnum(v);
    snprintf(buf, size, "%s", json_string_value(s));
    json_decref(s);
    return buf;
}

void an_warn(ctx *c, const char *fmtstr, ...) __attribute__((format(printf, 2, 3)));
void an_warn(ctx *c, const char *fmtstr, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmtstr);
    vsnprintf(line, sizeof line, fmtstr, ap);
    va_end(ap);
    json_array_append_new(c->warnings, json_string(line));
}

int an_is_nats_arch(const char *arch) {
    return strncmp(arch, "nats", 4) == 0;
}

json_t *an_charts(ctx *c) {
    c->charts = json_object_get(c->a, "charts");
    if (c->charts == NULL) {
        c->charts = json_object();
        json_object_set_new(c->a, "charts", c->charts);
    }
    return c->charts;
}

int an_profile_load(ctx *c, const char *path, symprof **out) {
    if (symprof_load(out, path, c->err) != 0)
        return -1;
    const symprof *sp = *out;
    if (sp->nunnamed > 0 && sp->raw && !c->o->allow_unnamed) {
        error_set(c->err, ERR_INPUT,
                  "%s names %s%s, which %s missing or %s changed since the profile was "
                  "taken: its functions would be unnamed. Analyse where the binaries "
                  "are, from the symbolized copies (NAME.pb.gz, as a report's data/ "
                  "has), or with --allow-unnamed",
                  path, sp->unnamed[0], sp->nunnamed > 1 ? " and other binaries" : "",
                  sp->nunnamed > 1 ? "are" : "is", sp->nunnamed > 1 ? "have" : "has");
        symprof_free(*out);
        *out = NULL;
        return -1;
    }
    for (size_t i = 0; i < sp->nunnamed; i++) {
        if (c->unnamed == NULL && (c->unnamed = json_array()) == NULL)
            return error_set(c->err, ERR_NOMEM, "out of memory");
        int seen = 0;
        size_t k;
        json_t *v;
        json_array_foreach(c->unnamed, k, v) seen |=
            strcmp(json_string_value(v), sp->unnamed[i]) == 0;
        if (!seen)
            json_array_append_new(c->unnamed, json_string(sp->unnamed[i]));
    }
    return 0;
}

const char *an_count(size_t n, const char *one, const char *many, char *buf, size_t size) {
    if (n == 1)
        snprintf(buf, size, "one %s", one);
    else
        snprintf(buf, size, "%zu %s", n, many);
    return buf;
}
