/* render: the report's HTML. cmark-gfm turns the Markdown into HTML in its
 * safe mode (raw HTML in the Markdown is omitted), and the SVG charts are
 * drawn here from the analysis JSON and put where the Markdown has a marker
 * block `<!-- chart:NAME -->` (an HTML comment, so invisible where the
 * Markdown itself is shown). Every piece of data written into SVG or HTML is
 * escaped. The renderer computes no statistics: it only lays out numbers
 * the analysis already holds (see docs/analysis-schema.md, "charts"). */
#ifndef OVERHEAD_RENDER_H
#define OVERHEAD_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "template.h"

/* Markdown -> HTML body. Each `<!-- chart:NAME -->` block becomes the SVG of
 * analysis.charts.NAME ('analysis' may be NULL when there are no markers).
 * On success *out is a new string (free()); on error *out is NULL and 'err'
 * names the chart and what is missing (ERR_INPUT). */
int render_html_body(char **out, const char *md, size_t len, json_t *analysis, error *err);

/* Append the SVG for chart 'name' ("trials", "breakdown", "sensitivity" or
 * "flame") drawn from 'chart'. Returns 0, or -1 with 'err' set when the name
 * is unknown or the data lacks a field the chart needs. */
int render_chart_svg(buf *out, const char *name, json_t *chart, error *err);

/* Append the docs index's trend chart: the headline overhead and its
 * interval of each report in 'rows' (the index rows, newest first, each
 * with "date", "sprint" and "trend": {value, lo, hi}), oldest on the left.
 * Appends nothing when no row has a trend. Returns 0, or -1 when out of
 * memory. */
int render_trend_svg(buf *out, json_t *rows);

/* The whole page: 'page' (an HTML template) rendered in HTML mode with the
 * analysis as context plus "body" (raw, already-safe HTML from
 * render_html_body) and "index_href" (the link back to the docs index).
 * On success *out is a new string (free()). */
int render_page(char **out, const template *page, json_t *analysis, const char *body_html,
                const char *index_href, error *err);

#endif
