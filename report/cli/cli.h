/* cli: what the `overhead` commands share besides option parsing (opts.h):
 * printing a command's error, where the data files and templates are, and
 * quoting for a shell command line. */
#ifndef OVERHEAD_CLI_H
#define OVERHEAD_CLI_H

#include <stddef.h>

#include "error.h"
#include "publish.h"

/* Print "overhead CMD: <err's text>" on stderr and return the command's exit
 * status for it: error_exit_code(err), and 1 when err holds no error kind
 * (a command that fails never exits 0). The one way a command reports
 * its failure. */
int cli_fail(const char *cmd, const error *err);

/* cli_fail with a message built here, as an error of 'kind'. */
int cli_failf(const char *cmd, error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print "overhead CMD: warning: TEXT" on stderr. */
void cli_warn(const char *cmd, const char *text);

/* The path of a data file (categories.tsv, functions.tsv): $OVERHEAD_DATA,
 * else the source tree's report/data folder. Two results may be held at once. */
const char *cli_data_file(const char *name);

/* The templates folder: $OVERHEAD_TEMPLATES, else the source tree's. */
const char *cli_templates_dir(void);

/* The template paths under 'dir' (static storage, valid until the next call). */
publish_paths cli_template_paths(const char *dir);

/* Append 's' to the string in out[0..size) as one shell word: in single
 * quotes, each quote in 's' written '\''. Returns the length the whole
 * string needs (like snprintf: >= size means it was cut); the output is
 * always terminated. */
size_t cli_shell_quote(char *out, size_t size, const char *s);

#endif
