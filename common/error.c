#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void error_clear(error *err) {
    if (err == NULL)
        return;
    err->kind = ERR_NONE;
    err->text[0] = '\0';
}

static void error_vset(error *err, error_kind kind, int errnum, const char *fmt,
                       va_list ap) {
    if (err == NULL || err->kind != ERR_NONE)
        return;
    err->kind = kind;
    int n = vsnprintf(err->text, sizeof err->text, fmt, ap);
    if (errnum != 0 && n >= 0 && (size_t)n < sizeof err->text)
        snprintf(err->text + n, sizeof err->text - (size_t)n, ": %s", strerror(errnum));
}

int error_set(error *err, error_kind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, kind, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int error_errno(error *err, error_kind kind, int errnum, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, kind, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int error_exit_code(const error *err) {
    if (err == NULL || err->kind == ERR_NONE)
        return 0;
    return err->kind == ERR_INPUT ? 2 : 1;
}
