/* cli: shared helpers of the `overhead` commands (see cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef OVERHEAD_DATA_DIR
#define OVERHEAD_DATA_DIR "report/data"
#endif
#ifndef OVERHEAD_TEMPLATES_DIR
#define OVERHEAD_TEMPLATES_DIR "templates"
#endif

int cli_fail(const char *cmd, const error *err) {
    fprintf(stderr, "overhead %s: %s\n", cmd, err->text[0] ? err->text : "failed");
    int rc = error_exit_code(err);
    return rc != 0 ? rc : 1;
}

int cli_failf(const char *cmd, error_kind kind, const char *fmt, ...) {
    error err;
    error_clear(&err);
    err.kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.text, sizeof err.text, fmt, ap);
    va_end(ap);
    return cli_fail(cmd, &err);
}

void cli_warn(const char *cmd, const char *text) {
    fprintf(stderr, "overhead %s: warning: %s\n", cmd, text);
}

const char *cli_data_file(const char *name) {
    static char path[2][4096];
    static int slot;
    const char *env = getenv("OVERHEAD_DATA");
    slot ^= 1;
    snprintf(path[slot], sizeof path[slot], "%s/%s",
             env && *env ? env : OVERHEAD_DATA_DIR, name);
    return path[slot];
}

const char *cli_templates_dir(void) {
    const char *env = getenv("OVERHEAD_TEMPLATES");
    return env && *env ? env : OVERHEAD_TEMPLATES_DIR;
}

publish_paths cli_template_paths(const char *dir) {
    static char md[4096], page[4096], index[4096];
    snprintf(md, sizeof md, "%s/CPU_OVERHEAD_ANALYSIS.md.mustache", dir);
    snprintf(page, sizeof page, "%s/page.html", dir);
    snprintf(index, sizeof index, "%s/index.html", dir);
    return (publish_paths){md, page, index};
}

size_t cli_shell_quote(char *out, size_t size, const char *s) {
    size_t need = strlen(out);
#define PUT(c)                                                                           \
    do {                                                                                 \
        if (need + 1 < size)                                                             \
            out[need] = (c);                                                             \
        need++;                                                                          \
    } while (0)
    PUT('\'');
    for (const char *c = s; *c; c++) {
        if (*c == '\'') {
            PUT('\'');
            PUT('\\');
            PUT('\'');
        }
        PUT(*c);
    }
    PUT('\'');
#undef PUT
    if (size > 0)
        out[need < size ? need : size - 1] = '\0';
    return need;
}
