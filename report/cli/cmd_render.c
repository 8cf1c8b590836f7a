/* overhead render: publish an analysis JSON as Markdown + HTML + JSON, and
 * overhead index: rebuild the docs site's index of published reports. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "publish.h"
#include "jsonfile.h"

#ifndef OVERHEAD_TEMPLATES_DIR
#define OVERHEAD_TEMPLATES_DIR "templates"
#endif

static void render_usage(FILE *out) {
    fprintf(out,
            "usage: overhead render [options] ANALYSIS.json\n\n"
            "Render an analysis (schema overhead.analysis/1, from 'overhead analyze') into\n"
            "CPU_OVERHEAD_ANALYSIS.md, .html and .json in the output directory, then\n"
            "rebuild the docs index when --docs is given. Files are written atomically.\n\n"
            "options:\n"
            "  -o, --out-dir DIR     where to write the three files (required)\n"
            "  -t, --templates DIR   templates folder (default: $OVERHEAD_TEMPLATES or\n"
            "                        %s)\n"
            "  -d, --docs DIR        docs site root whose index.html to rebuild\n"
            "      --index-href URL  link from the page to the index (default: computed\n"
            "                        from --docs, else ../../../index.html)\n"
            "  -h, --help            this help\n",
            OVERHEAD_TEMPLATES_DIR);
}

int cmd_render(int argc, char **argv) {
    const char *outdir = NULL, *tdir = cli_templates_dir(), *docs = NULL;
    const char *href = "../../../index.html";
    const opt_spec specs[] = {
        OPT_STRING("out-dir", 'o', &outdir), OPT_STRING("templates", 't', &tdir),
        OPT_STRING("docs", 'd', &docs),      OPT_STRING("index-href", 0, &href),
        OPT_HELP,                            OPT_END,
    };
    opts_args args = {0};
    error err;
    error_clear(&err);
    int rc = opts_parse(specs, argc, argv, &args, &err);
    if (rc == OPTS_OK && outdir == NULL)
        rc = error_set(&err, ERR_INPUT, "--out-dir is required");
    if (rc == OPTS_OK && args.n != 1)
        rc = error_set(&err, ERR_INPUT, "expected one ANALYSIS.json");
    const char *path = rc == OPTS_OK ? args.v[0] : NULL;
    opts_args_free(&args);
    if (rc == OPTS_HELP)
        render_usage(stdout);
    if (rc != OPTS_OK)
        return rc == OPTS_HELP ? 0 : cli_fail("render", &err);
    json_t *analysis = NULL;
    if (jsonfile_load(&analysis, path, 0, &err) != 0)
        return cli_fail("render", &err);
    const char *schema = json_string_value(json_object_get(analysis, "schema"));
    if (schema == NULL || strcmp(schema, "overhead.analysis/1") != 0) {
        rc = cli_failf("render", ERR_INPUT, "%s: schema is '%s', expected 'overhead.analysis/1'",
                       path, schema ? schema : "(missing)");
        json_decref(analysis);
        return rc;
    }
    publish_paths paths = cli_template_paths(tdir);
    rc = publish_report(outdir, analysis, &paths, href, &err);
    if (rc == 0 && docs != NULL)
        rc = publish_index(docs, &paths, &err);
    json_decref(analysis);
    return rc != 0 ? cli_fail("render", &err) : 0;
}

int cmd_index(int argc, char **argv) {
    const opt_spec specs[] = {OPT_HELP, OPT_END};
    opts_args args = {0};
    error err;
    error_clear(&err);
    int rc = opts_parse(specs, argc, argv, &args, &err);
    if (rc == OPTS_OK && args.n > 1)
        rc = error_set(&err, ERR_INPUT, "usage: overhead index [DOCS]");
    const char *docs = rc == OPTS_OK && args.n == 1 ? args.v[0] : "docs";
    opts_args_free(&args);
    if (rc == OPTS_HELP) {
        printf("usage: overhead index [DOCS]\n\n"
               "Rebuild DOCS/index.html (default DOCS: docs) listing every report under\n"
               "DOCS/sprints/*/*/CPU_OVERHEAD_ANALYSIS.json, newest first.\n");
        return 0;
    }
    if (rc != OPTS_OK)
        return cli_fail("index", &err);
    publish_paths paths = cli_template_paths(cli_templates_dir());
    if (publish_index(docs, &paths, &err) != 0)
        return cli_fail("index", &err);
    return 0;
}
