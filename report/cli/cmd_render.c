/* overhead render: publish an analysis JSON as Markdown + HTML + JSON, and
 * overhead index: rebuild the docs site's index of published reports. */
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publish.h"

#ifndef OVERHEAD_TEMPLATES_DIR
#define OVERHEAD_TEMPLATES_DIR "templates"
#endif

/* Template paths under 'dir' (static storage, valid until the next call). */
static publish_paths template_paths(const char *dir) {
    static char md[4096], page[4096], index[4096];
    snprintf(md, sizeof md, "%s/CPU_OVERHEAD_ANALYSIS.md.mustache", dir);
    snprintf(page, sizeof page, "%s/page.html", dir);
    snprintf(index, sizeof index, "%s/index.html", dir);
    return (publish_paths){md, page, index};
}

const char *cmd_templates_dir(void) {
    const char *env = getenv("OVERHEAD_TEMPLATES");
    return env && *env ? env : OVERHEAD_TEMPLATES_DIR;
}

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
    static const struct option longopts[] = {
        {"out-dir", required_argument, NULL, 'o'}, {"templates", required_argument, NULL, 't'},
        {"docs", required_argument, NULL, 'd'},    {"index-href", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *outdir = NULL, *tdir = cmd_templates_dir(), *docs = NULL;
    const char *href = "../../../index.html";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:d:h", longopts, NULL)) != -1) {
        switch (c) {
            case 'o': outdir = optarg; break;
            case 't': tdir = optarg; break;
            case 'd': docs = optarg; break;
            case 'i': href = optarg; break;
            case 'h': render_usage(stdout); return 0;
            default: render_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1 || outdir == NULL) {
        fprintf(stderr, "overhead render: %s\n",
                outdir == NULL ? "--out-dir is required" : "expected one ANALYSIS.json");
        render_usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    json_error_t jerr;
    json_t *analysis = json_load_file(path, 0, &jerr);
    if (analysis == NULL) {
        fprintf(stderr, "overhead render: %s:%d:%d: %s\n", path, jerr.line, jerr.column,
                jerr.text);
        return 2;
    }
    const char *schema = json_string_value(json_object_get(analysis, "schema"));
    if (schema == NULL || strcmp(schema, "overhead.analysis/1") != 0) {
        fprintf(stderr, "overhead render: %s: schema is '%s', expected 'overhead.analysis/1'\n",
                path, schema ? schema : "(missing)");
        json_decref(analysis);
        return 2;
    }
    publish_paths paths = template_paths(tdir);
    error err;
    error_clear(&err);
    int rc = publish_report(outdir, analysis, &paths, href, &err);
    if (rc == 0 && docs != NULL)
        rc = publish_index(docs, &paths, &err);
    json_decref(analysis);
    if (rc != 0) {
        fprintf(stderr, "overhead render: %s\n", err.text);
        return error_exit_code(&err);
    }
    return 0;
}

int cmd_index(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: overhead index [DOCS]\n\n"
               "Rebuild DOCS/index.html (default DOCS: docs) listing every report under\n"
               "DOCS/sprints/*/*/CPU_OVERHEAD_ANALYSIS.json, newest first.\n");
        return 0;
    }
    if (argc > 2) {
        fprintf(stderr, "usage: overhead index [DOCS]\n");
        return 2;
    }
    publish_paths paths = template_paths(cmd_templates_dir());
    error err;
    error_clear(&err);
    if (publish_index(argc == 2 ? argv[1] : "docs", &paths, &err) != 0) {
        fprintf(stderr, "overhead index: %s\n", err.text);
        return error_exit_code(&err);
    }
    return 0;
}
