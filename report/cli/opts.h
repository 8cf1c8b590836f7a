/* opts: the one option parser of the `overhead` commands.
 *
 * A command describes its options in a table of opt_spec (long name, short
 * letter, kind, destination, range) ended by OPT_END, and calls opts_parse:
 * it stores every value in its destination after checking it, collects the
 * positional arguments, and on bad input fills 'err' (ERR_INPUT) with one
 * uniform line, e.g. "--trials: bad value '0' (expected an integer 1..1000)",
 * for cli_fail() to print as "overhead run: ..." with exit status 2.
 *
 * Accepted forms: --name VALUE, --name=VALUE, -x VALUE, -xVALUE; options and
 * positional arguments may be mixed; "--" ends the options; after an
 * OPT_REST option every argument is positional. Values may start with '-'
 * (-n -5 is a bad value, not a missing one). */
#ifndef OVERHEAD_OPTS_H
#define OVERHEAD_OPTS_H

#include <stddef.h>

#include "error.h"

typedef enum opt_kind {
    OPT_KIND_END = 0,
    OPT_KIND_FLAG,   /* no value: stores 'ilo' into an int */
    OPT_KIND_INT,    /* an integer in ilo..ihi into an integer of 'size' bytes */
    OPT_KIND_DOUBLE, /* a finite number in dlo..dhi into a double */
    OPT_KIND_STRING, /* any string (or one 'check' accepts) into a const char * */
    OPT_KIND_CHOICE, /* one of 'choices' ("a|b|c") into a const char * */
    OPT_KIND_LIST,   /* a comma-separated list of ilo..ihi items into an opt_list */
    OPT_KIND_HELP,   /* opts_parse returns OPTS_HELP */
    OPT_KIND_REST    /* stores 1 into an int; every later argument is positional */
} opt_kind;

/* OPT_KIND_DOUBLE: the lower bound is excluded ("a number > 0"). */
#define OPT_OPEN_MIN 1

#define OPT_LIST_MAX   16
#define OPT_LIST_CHARS 512

/* The value of an OPT_KIND_LIST option: items point into 'buf'. */
typedef struct opt_list {
    const char *items[OPT_LIST_MAX];
    int n;
    char buf[OPT_LIST_CHARS];
} opt_list;

typedef struct opt_spec {
    const char *name; /* long name without "--", or NULL */
    char letter;      /* short option letter, or 0 */
    opt_kind kind;
    void *dest;
    size_t size;         /* OPT_KIND_INT: sizeof *dest (4 or 8) */
    long long ilo, ihi;  /* INT: range; LIST: item count; FLAG: value stored */
    double dlo, dhi;     /* DOUBLE: range */
    int flags;           /* OPT_OPEN_MIN */
    const char *choices; /* CHOICE: "a|b|c" */
    /* STRING: NULL, or returns 0 when 'value' is acceptable, else -1 with
     * *expected set to what is expected (for the message). */
    int (*check)(const char *value, const char **expected);
} opt_spec;

/* The table entries. 'p' is the destination's address. */
#define OPT_FLAG(n, l, p, v)                                                             \
    { .name = (n), .letter = (l), .kind = OPT_KIND_FLAG, .dest = (p), .ilo = (v) }
#define OPT_INT(n, l, p, lo, hi)                                                         \
    {                                                                                    \
        .name = (n), .letter = (l), .kind = OPT_KIND_INT, .dest = (p),                   \
        .size = sizeof *(p), .ilo = (lo), .ihi = (hi)                                    \
    }
#define OPT_DOUBLE(n, l, p, lo, hi)                                                      \
    {                                                                                    \
        .name = (n), .letter = (l), .kind = OPT_KIND_DOUBLE, .dest = (p), .dlo = (lo),   \
        .dhi = (hi)                                                                      \
    }
#define OPT_POSITIVE(n, l, p)                                                            \
    {                                                                                    \
        .name = (n), .letter = (l), .kind = OPT_KIND_DOUBLE, .dest = (p), .dlo = 0,      \
        .dhi = 1e300, .flags = OPT_OPEN_MIN                                              \
    }
#define OPT_STRING(n, l, p)                                                              \
    { .name = (n), .letter = (l), .kind = OPT_KIND_STRING, .dest = (p) }
#define OPT_CHECKED(n, l, p, fn)                                                         \
    { .name = (n), .letter = (l), .kind = OPT_KIND_STRING, .dest = (p), .check = (fn) }
#define OPT_CHOICE(n, l, p, c)                                                           \
    { .name = (n), .letter = (l), .kind = OPT_KIND_CHOICE, .dest = (p), .choices = (c) }
#define OPT_LIST(n, l, p, lo, hi)                                                        \
    {                                                                                    \
        .name = (n), .letter = (l), .kind = OPT_KIND_LIST, .dest = (p), .ilo = (lo),     \
        .ihi = (hi)                                                                      \
    }
#define OPT_HELP                                                                         \
    { .name = "help", .letter = 'h', .kind = OPT_KIND_HELP }
#define OPT_REST(n, p)                                                                   \
    { .name = (n), .kind = OPT_KIND_REST, .dest = (p) }
#define OPT_END                                                                          \
    { .kind = OPT_KIND_END }

/* The arguments that are not options, borrowed from argv. */
typedef struct opts_args {
    char **v; /* owned array (free with opts_args_free), borrowed strings */
    int n;
    int split; /* how many came before "--" or the OPT_REST option, or -1 */
} opts_args;

enum { OPTS_OK = 0, OPTS_HELP = 1 };

/* Parse argv[1..argc-1] against 'specs' (ended by OPT_END). Returns OPTS_OK
 * with every given value stored and 'args' (may be NULL when the command
 * takes none: then a positional argument is an error) filled; OPTS_HELP when
 * -h/--help came before any error; -1 with 'err' (ERR_INPUT, or ERR_NOMEM)
 * otherwise. Values given before the error may have been stored. argv is
 * not modified. Free 'args' with opts_args_free in every case. */
int opts_parse(const opt_spec *specs, int argc, char **argv, opts_args *args, error *err);

void opts_args_free(opts_args *args);

/* Iterate over argv as opts_parse does, without storing anything: returns
 * 1 with *spec and *value (NULL for options without one) for an option, 2
 * with *value for a positional argument, 0 at the end, -1 with 'err'.
 * Start with it->i = 1, the rest zero. */
typedef struct opts_iter {
    int argc;
    char **argv;
    int i;
    int rest;     /* only positional arguments from here on */
    int npos;     /* positional arguments so far */
    int split;    /* npos when "--" or the OPT_REST option was seen, or -1 */
    char opt[64]; /* the option as typed, without "=value" (for messages) */
} opts_iter;

void opts_iter_init(opts_iter *it, int argc, char **argv);
int opts_next(opts_iter *it, const opt_spec *specs, const opt_spec **spec,
              const char **value, error *err);

#endif
