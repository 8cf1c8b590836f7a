/* error: the caller-owned error record every library function fills.
 *
 * Library code never prints and never exits: it returns a status and, when
 * 'err' is not NULL, describes the first failure here (later failures do not
 * overwrite it, so the root cause survives cleanup paths). */
#ifndef OVERHEAD_ERROR_H
#define OVERHEAD_ERROR_H

#include <stddef.h>

typedef enum error_kind {
    ERR_NONE = 0,
    ERR_INPUT,  /* bad input or usage: the caller's data is wrong (exit 2) */
    ERR_CHECK,  /* a check on measured data failed, e.g. lost events (exit 1) */
    ERR_SYSTEM, /* the environment failed: I/O, a child process, a server (exit 1) */
    ERR_NOMEM   /* out of memory (exit 1) */
} error_kind;

typedef struct error {
    error_kind kind;
    char text[1024]; /* one line, no trailing newline; names the file when there is one */
} error;

/* Initialise 'err' to "no error". 'err' may be NULL. */
void error_clear(error *err);

/* Record a failure of 'kind' with a printf-style message, unless 'err' is
 * NULL or already holds one (first error wins). Always returns -1 so that
 * callers can write `return error_set(err, ...);`. */
int error_set(error *err, error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like error_set, with ": strerror(errnum)" appended. Returns -1. */
int error_errno(error *err, error_kind kind, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The process exit status for an error: 0 none, 2 bad input, 1 otherwise. */
int error_exit_code(const error *err);

#endif
