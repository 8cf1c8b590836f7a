#include "render.h"

#include "chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm.h>
#ifdef CMARK_GFM_DECLARE_EXTENSIONS
#include <cmark-gfm/cmark-gfm-extension_api.h>
void cmark_gfm_core_extensions_ensure_registered(void);
#else
#include <cmark-gfm-core-extensions.h>
#endif

#define MARKER_PRE "<!-- chart:"

int render_chart_svg(buf *out, const char *name, json_t *chart, error *err) {
    if (!json_is_object(chart))
        return error_set(err, ERR_INPUT, "chart '%s': no data in analysis.charts", name);
    if (strcmp(name, "trials") == 0)
        return chart_trials(out, chart, err);
    if (strcmp(name, "breakdown") == 0)
        return chart_breakdown(out, chart, err);
    if (strcmp(name, "sensitivity") == 0)
        return chart_sensitivity(out, chart, err);
    if (strcmp(name, "flame") == 0)
        return chart_flame(out, chart, err);
    if (strcmp(name, "rate") == 0)
        return chart_rate(out, chart, err);
    return error_set(err, ERR_INPUT, "chart '%s': no such chart", name);
}

/* If 'n' is a chart marker block, the chart's name (into 'name'). */
static int chart_marker(cmark_node *n, char *name, size_t size) {
    if (cmark_node_get_type(n) != CMARK_NODE_HTML_BLOCK)
        return 0;
    const char *lit = cmark_node_get_literal(n);
    size_t pre = strlen(MARKER_PRE);
    if (lit == NULL || strncmp(lit, MARKER_PRE, pre) != 0)
        return 0;
    const char *end = strstr(lit + pre, " -->");
    size_t len = end ? (size_t)(end - lit - (ptrdiff_t)pre) : 0;
    if (end == NULL || len == 0 || len >= size)
        return 0;
    memcpy(name, lit + pre, len);
    name[len] = '\0';
    return 1;
}

/* The chart wrapped for the page: a figure with the SVG and its caption. */
static int chart_figure(buf *b, const char *name, json_t *chart, error *err) {
    buf_printf(b, "<figure class=\"chart-fig%s\" id=\"chart-", strcmp(name, "flame") == 0 ? " flame" : "");
    buf_html_escaped(b, name, strlen(name));
    buf_puts(b, "\">");
    if (render_chart_svg(b, name, chart, err) != 0)
        return -1;
    buf_puts(b, "<figcaption>");
    const char *cap = json_string_value(json_object_get(chart, "caption"));
    buf_html_escaped(b, cap ? cap : "", cap ? strlen(cap) : 0);
    buf_puts(b, "</figcaption></figure>\n");
    return 0;
}

/* 'n' if it is a paragraph that starts with the image of chart 'name'
 * (link "charts/NAME.svg"), the Markdown's stand-in for the inline chart. */
static cmark_node *chart_image_paragraph(cmark_node *n, const char *name) {
    if (n == NULL || cmark_node_get_type(n) != CMARK_NODE_PARAGRAPH)
        return NULL;
    cmark_node *img = cmark_node_first_child(n);
    if (img == NULL || cmark_node_get_type(img) != CMARK_NODE_IMAGE)
        return NULL;
    char want[128];
    snprintf(want, sizeof want, "charts/%s.svg", name);
    const char *url = cmark_node_get_url(img);
    if (url == NULL || strcmp(url, want) != 0)
        return NULL;
    cmark_node_unlink(n);
    return n;
}

/* cmark-gfm's HTML with the obsolete align= attributes of table cells
 * replaced by classes, and every table in its own scrolling container.
 * Data never contains these byte sequences: cmark escapes quotes and
 * angle brackets in text. Returns a new string or NULL. */
static char *html_classes(const char *html) {
    static const char *const from[] = {" align=\"right\"", " align=\"center\"",
                                       " align=\"left\"", "<table>", "</table>"};
    static const char *const to[] = {" class=\"num\"", " class=\"center\"", "",
                                     "<div class=\"table-wrap\"><table>", "</table></div>"};
    buf b = BUF_INIT;
    const char *p = html;
    while (*p) {
        size_t k = 0;
        for (; k < sizeof from / sizeof from[0]; k++)
            if (strncmp(p, from[k], strlen(from[k])) == 0)
                break;
        if (k < sizeof from / sizeof from[0]) {
            buf_puts(&b, to[k]);
            p += strlen(from[k]);
        } else {
            const char *next = strpbrk(p + 1, " <");
            size_t n = next ? (size_t)(next - p) : strlen(p);
            buf_append(&b, p, n);
            p += n;
        }
    }
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

int render_html_body(char **out, const char *md, size_t len, json_t *analysis, error *err) {
    *out = NULL;
    int rc = -1;
    buf svg = BUF_INIT;
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_node *doc = NULL;
    cmark_iter *it = NULL;
    if (p == NULL)
        return error_set(err, ERR_NOMEM, "markdown: out of memory");
    const char *exts[] = {"table", "strikethrough", "autolink"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
        if (e == NULL) {
            error_set(err, ERR_SYSTEM, "cmark-gfm: extension '%s' is not available", exts[i]);
            goto done;
        }
        cmark_parser_attach_syntax_extension(p, e);
    }
    cmark_parser_feed(p, md, len);
    doc = cmark_parser_finish(p);
    if (doc == NULL) {
        error_set(err, ERR_NOMEM, "markdown: out of memory");
        goto done;
    }
    /* Collect markers first: replacing nodes while iterating is unsafe. */
    cmark_node *markers[64];
    size_t nmarkers = 0;
    it = cmark_iter_new(doc);
    cmark_event_type ev;
    char name[64];
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE)
        if (ev == CMARK_EVENT_ENTER && nmarkers < 64 &&
            chart_marker(cmark_iter_get_node(it), name, sizeof name))
            markers[nmarkers++] = cmark_iter_get_node(it);
    for (size_t i = 0; i < nmarkers; i++) {
        chart_marker(markers[i], name, sizeof name);
        json_t *chart = json_object_get(json_object_get(analysis, "charts"), name);
        if (chart_figure(&svg, name, chart, err) != 0)
            goto done;
        cmark_node *block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        const char *text = svg.data ? svg.data : "";
        /* Custom blocks are written as they are, also in safe mode: that is
         * the one way our own (escaped) SVG enters the page. */
        if (block == NULL || svg.failed || !cmark_node_set_on_enter(block, text)) {
            cmark_node_free(block);
            error_set(err, ERR_NOMEM, "chart '%s': out of memory", name);
            goto done;
        }
        cmark_node *img = chart_image_paragraph(cmark_node_next(markers[i]), name);
        cmark_node_replace(markers[i], block);
        cmark_node_free(markers[i]);
        if (img != NULL)
            cmark_node_free(img); /* the inline SVG replaces the Markdown's image */
        svg.len = 0;
    }
    char *html = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));
    if (html == NULL) {
        error_set(err, ERR_NOMEM, "markdown: out of memory");
        goto done;
    }
    *out = html_classes(html);
    free(html);
    if (*out == NULL) {
        error_set(err, ERR_NOMEM, "markdown: out of memory");
        goto done;
    }
    rc = 0;
done:
    cmark_iter_free(it);
    cmark_node_free(doc);
    cmark_parser_free(p);
    buf_free(&svg);
    return rc;
}

int render_page(char **out, const template *page, json_t *analysis, const char *body_html,
                const char *index_href, error *err) {
    *out = NULL;
    json_t *ctx = json_is_object(analysis) ? json_deep_copy(analysis) : json_object();
    if (ctx == NULL || json_object_set_new(ctx, "body", json_string_nocheck(body_html)) != 0 ||
        json_object_set_new(ctx, "index_href", json_string(index_href)) != 0) {
        json_decref(ctx);
        return error_set(err, ERR_NOMEM, "page: out of memory");
    }
    int rc = template_render(out, NULL, page, ctx, TEMPLATE_HTML, err);
    json_decref(ctx);
    return rc;
}
