/* publish: turn an analysis (overhead.analysis/1) into the published files,
 * CPU_OVERHEAD_ANALYSIS.{md,html,json} in one folder, and keep the docs
 * site's index of every published report up to date. All files are written
 * atomically (temp file + rename): a failure leaves the previous version. */
#ifndef OVERHEAD_PUBLISH_H
#define OVERHEAD_PUBLISH_H

#include <jansson.h>

#include "error.h"

typedef struct publish_paths {
    const char *md_template; /* templates/CPU_OVERHEAD_ANALYSIS.md.mustache */
    const char *page;        /* templates/page.html */
    const char *index_page;  /* templates/index.html */
} publish_paths;

/* Render 'analysis' with the templates and write the three files into
 * 'outdir' (created if missing). 'index_href' is the link from the page back
 * to the docs index, relative to outdir. Returns 0, or -1 with 'err' naming
 * the template or file at fault. */
int publish_report(const char *outdir, json_t *analysis, const publish_paths *paths,
                   const char *index_href, error *err);

/* Rebuild DOCS/index.html listing every DOCS/sprints/{active,done,...}/
 * <sprint>/CPU_OVERHEAD_ANALYSIS.json found, newest first, with its date,
 * headline and verdict. A report whose JSON cannot be read is listed as
 * unreadable rather than dropped. Returns 0 or -1 with 'err'. */
int publish_index(const char *docs, const publish_paths *paths, error *err);

/* mkdir -p. Returns 0 or -1 with 'err'. */
int publish_mkdirs(const char *path, error *err);

#endif
