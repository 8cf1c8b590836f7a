/* overhead version: this tool's version and the versions of the libraries
 * it was linked against, as they report themselves at run time. */
#include "commands.h"

#include <stdio.h>

#include <cmark-gfm.h>
#include <elfutils/libdwfl.h>
#include <jansson.h>
#include <nats/nats.h>
#include <sqlite3.h>

#include "cli.h"
#include "opts.h"

#ifndef OVERHEAD_VERSION
#define OVERHEAD_VERSION "unknown"
#endif
#ifndef OVERHEAD_GPERFTOOLS_VERSION
#define OVERHEAD_GPERFTOOLS_VERSION "unknown"
#endif

int cmd_version(int argc, char **argv) {
    const opt_spec specs[] = {OPT_HELP, OPT_END};
    error err;
    error_clear(&err);
    int rc = opts_parse(specs, argc, argv, NULL, &err);
    if (rc == OPTS_HELP) {
        printf("usage: overhead version\n\n"
               "Print the version of overhead and of the libraries it runs with.\n");
        return 0;
    }
    if (rc != OPTS_OK)
        return cli_fail("version", &err);
    printf("overhead %s\n", OVERHEAD_VERSION);
    printf("nats.c %s\n", nats_GetVersion());
    printf("sqlite %s\n", sqlite3_libversion());
    printf("jansson %s\n", jansson_version_str());
    printf("cmark-gfm %s\n", cmark_version_string());
    printf("elfutils %s\n", dwfl_version(NULL));
    printf("gperftools %s (build time)\n", OVERHEAD_GPERFTOOLS_VERSION);
    return 0;
}
