#include "render.h"

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

#define CHART_W    720
#define FONT       "font-family=\"system-ui,sans-serif\" font-size=\"12\""
#define C_DIRECT   "#4c78a8"
#define C_NATS     "#f58518"
#define C_TARGET   "#d62728"
#define MARKER_PRE "<!-- chart:"

static const char *const palette[] = {"#4c78a8", "#f58518", "#54a24b", "#e45756",
                                      "#72b7b2", "#eeca3b", "#b279a2", "#9d755d",
                                      "#bab0ac", "#ff9da6"};

/* Escaped text content or attribute value. */
static void esc(buf *b, const char *s) {
    buf_html_escaped(b, s, strlen(s));
}

static double num(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A "nice" tick step so that about 'n' ticks cover [0, hi]. */
static double tick_step(double hi, int n) {
    if (!(hi > 0))
        return 1;
    double raw = hi / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return mag * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10);
}

/* Horizontal grid lines and y labels for a plot from y0 (bottom) up 'h'
 * pixels showing [0, ymax]. */
static void y_axis(buf *b, double x0, double x1, double y0, double h, double ymax,
                   const char *unit) {
    double step = tick_step(ymax, 5);
    for (double v = 0; v <= ymax * 1.0001; v += step) {
        double y = y0 - v / ymax * h;
        buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>",
                   x0, y, x1, y);
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>", x0 - 6, y + 4,
                   v);
    }
    buf_printf(b, "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" "
                  "text-anchor=\"middle\">",
               y0 - h / 2, y0 - h / 2);
    esc(b, unit);
    buf_puts(b, "</text>");
}

static void svg_open(buf *b, int w, int h, const char *title) {
    buf_printf(b, "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
                  "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" " FONT "><title>",
               w, h);
    esc(b, title);
    buf_puts(b, "</title>");
}

static void svg_close(buf *b, const char *caption) {
    buf_puts(b, "</svg><figcaption>");
    esc(b, caption);
    buf_puts(b, "</figcaption></figure>\n");
}

static void legend_item(buf *b, double x, double y, const char *color, const char *label) {
    buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>", x,
               y - 9, color);
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 14, y);
    esc(b, label);
    buf_puts(b, "</text>");
}

/* Per-trial CPU per event for each series, its median line, the CI band of
 * the NATS median implied by the overhead CI, and the target line. */
static int chart_trials(buf *b, json_t *c, error *err) {
    json_t *series = json_object_get(c, "series");
    if (!json_is_array(series) || json_array_size(series) == 0)
        return error_set(err, ERR_INPUT, "chart 'trials': no 'series' array");
    double ymax = 0;
    size_t ntrials = 0, i, j;
    json_t *s, *p;
    json_array_foreach(series, i, s) {
        json_array_foreach(json_object_get(s, "points"), j, p) {
            ymax = fmax(ymax, num(p, "value"));
            ntrials = (size_t)fmax((double)ntrials, num(p, "trial"));
        }
    }
    json_t *band = json_object_get(c, "band");
    ymax = fmax(ymax, fmax(num(band, "hi"), num(c, "target_value")));
    if (!(ymax > 0) || ntrials == 0)
        return error_set(err, ERR_INPUT, "chart 'trials': no positive trial values");
    ymax *= 1.1;
    const int W = CHART_W, H = 300;
    const double x0 = 60, x1 = W - 20, y0 = H - 50, h = H - 80;
    svg_open(b, W, H, "CPU per event in every trial");
    y_axis(b, x0, x1, y0, h, ymax, str(c, "unit"));
    double dx = (x1 - x0) / ((double)ntrials + 1);
    if (json_is_object(band)) {
        double ylo = y0 - num(band, "lo") / ymax * h, yhi = y0 - num(band, "hi") / ymax * h;
        buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                      "fill=\"" C_NATS "\" fill-opacity=\"0.15\"><title>",
                   x0, yhi, x1 - x0, fmax(ylo - yhi, 0.5));
        esc(b, str(band, "label"));
        buf_puts(b, "</title></rect>");
    }
    double tv = num(c, "target_value");
    if (tv > 0) {
        double y = y0 - tv / ymax * h;
        buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_TARGET
                      "\" stroke-dasharray=\"6 4\"/><text x=\"%.1f\" y=\"%.1f\" "
                      "text-anchor=\"end\" fill=\"" C_TARGET "\">",
                   x0, y, x1, y, x1, y - 4);
        esc(b, str(c, "target_label"));
        buf_puts(b, "</text>");
    }
    json_array_foreach(series, i, s) {
        const char *color = i == 0 ? C_DIRECT : i == 1 ? C_NATS : palette[(i + 2) % 10];
        double med = num(s, "median");
        if (med > 0) {
            double y = y0 - med / ymax * h;
            buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                       x0, y, x1, y, color);
        }
        json_array_foreach(json_object_get(s, "points"), j, p) {
            double v = num(p, "value"), t = num(p, "trial");
            if (!(v >= 0) || !(t >= 1))
                continue;
            int outlier = json_is_true(json_object_get(p, "outlier"));
            buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"%s><title>",
                       x0 + t * dx, y0 - v / ymax * h, outlier ? "white" : color,
                       outlier ? " stroke=\"black\"" : "");
            esc(b, str(s, "label"));
            buf_printf(b, ", trial %g: %.3g ", t, v);
            esc(b, str(c, "unit"));
            buf_puts(b, outlier ? " (outlier)</title></circle>" : "</title></circle>");
        }
        legend_item(b, x0 + 10 + 170 * (double)i, H - 12, color, str(s, "label"));
    }
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">trial</text>",
               (x0 + x1) / 2, y0 + 18);
    svg_close(b, str(c, "caption"));
    return 0;
}

/* The overhead split into categories as one stacked horizontal bar;
 * negative items (costs that shrank) stack leftwards from zero. */
static int chart_breakdown(buf *b, json_t *c, error *err) {
    json_t *items = json_object_get(c, "items");
    if (!json_is_array(items) || json_array_size(items) == 0)
        return error_set(err, ERR_INPUT, "chart 'breakdown': no 'items' array");
    double pos = 0, neg = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        double v = num(it, "value");
        if (v > 0)
            pos += v;
        else if (v < 0)
            neg -= v;
    }
    if (!(pos + neg > 0))
        return error_set(err, ERR_INPUT, "chart 'breakdown': all values are zero");
    const int W = CHART_W;
    int rows = (int)(json_array_size(items) + 1) / 2;
    int H = 90 + 18 * rows;
    const double x0 = 20, x1 = W - 20, scale = (x1 - x0) / (pos + neg);
    double zero = x0 + neg * scale, right = zero, left = zero;
    svg_open(b, W, H, "Where the overhead goes");
    json_array_foreach(items, i, it) {
        double v = num(it, "value");
        const char *color = palette[i % 10];
        if (!(v != 0) || isnan(v))
            continue;
        double w = fabs(v) * scale, x = v > 0 ? right : left - w;
        if (v > 0)
            right += w;
        else
            left -= w;
        buf_printf(b, "<rect x=\"%.1f\" y=\"20\" width=\"%.1f\" height=\"30\" fill=\"%s\"%s>"
                      "<title>",
                   x, w, color, v < 0 ? " fill-opacity=\"0.5\"" : "");
        esc(b, str(it, "label"));
        buf_printf(b, ": %+.3g ", v);
        esc(b, str(c, "unit"));
        buf_puts(b, "</title></rect>");
    }
    buf_printf(b, "<line x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"56\" stroke=\"black\"/>", zero,
               zero);
    json_array_foreach(items, i, it) {
        char label[256];
        snprintf(label, sizeof label, "%s %+.3g", str(it, "label"), num(it, "value"));
        legend_item(b, x0 + (double)(i % 2) * (W / 2.0), 78 + 18 * (double)(i / 2),
                    palette[i % 10], label);
    }
    svg_close(b, str(c, "caption"));
    return 0;
}

/* Grouped bars: per storage setting, CPU per event of each architecture. */
static int chart_sensitivity(buf *b, json_t *c, error *err) {
    json_t *groups = json_object_get(c, "groups");
    if (!json_is_array(groups) || json_array_size(groups) == 0)
        return error_set(err, ERR_INPUT, "chart 'sensitivity': no 'groups' array");
    double ymax = 0;
    size_t i, j;
    json_t *g, *bar;
    json_array_foreach(groups, i, g) {
        json_array_foreach(json_object_get(g, "bars"), j, bar) {
            ymax = fmax(ymax, num(bar, "value"));
        }
    }
    if (!(ymax > 0))
        return error_set(err, ERR_INPUT, "chart 'sensitivity': no positive values");
    ymax *= 1.15;
    const int W = CHART_W, H = 300;
    const double x0 = 60, x1 = W - 20, y0 = H - 50, h = H - 80;
    svg_open(b, W, H, "CPU per event by storage setting");
    y_axis(b, x0, x1, y0, h, ymax, str(c, "unit"));
    double gw = (x1 - x0) / (double)json_array_size(groups);
    json_array_foreach(groups, i, g) {
        json_t *bars = json_object_get(g, "bars");
        size_t nb = json_array_size(bars);
        double bw = (gw * 0.7) / (double)(nb ? nb : 1);
        json_array_foreach(bars, j, bar) {
            double v = num(bar, "value");
            if (!(v >= 0))
                continue;
            double x = x0 + gw * (double)i + gw * 0.15 + bw * (double)j, y = y0 - v / ymax * h;
            buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"%s\"><title>",
                       x, y, bw - 2, y0 - y, j == 0 ? C_DIRECT : C_NATS);
            esc(b, str(g, "label"));
            buf_puts(b, ", ");
            esc(b, str(bar, "label"));
            buf_printf(b, ": %.3g</title></rect>", v);
        }
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                   x0 + gw * ((double)i + 0.5), y0 + 16);
        esc(b, str(g, "label"));
        buf_puts(b, "</text>");
        const char *note = str(g, "note");
        if (*note) {
            buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                       x0 + gw * ((double)i + 0.5), y0 + 30);
            esc(b, note);
            buf_puts(b, "</text>");
        }
    }
    json_t *first = json_object_get(json_array_get(groups, 0), "bars");
    json_array_foreach(first, j, bar) {
        legend_item(b, x0 + 10 + 170 * (double)j, H - 8, j == 0 ? C_DIRECT : C_NATS,
                    str(bar, "label"));
    }
    svg_close(b, str(c, "caption"));
    return 0;
}

/* Differential flame graph state: frame widths follow the new profile
 * (per event), colours the change against the base. */
typedef struct flame {
    buf *b;
    double scale; /* pixels per unit */
    double max_delta;
    int max_depth;
    double x0, bottom;
    const char *unit;
} flame;

static int flame_depth(json_t *n, int d) {
    int best = d;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(n, "children"), i, k) {
        if (d < 200) {
            int kd = flame_depth(k, d + 1);
            best = kd > best ? kd : best;
        }
    }
    return best;
}

static double flame_max_delta(json_t *n, int d) {
    double m = fabs(num(n, "new") - num(n, "base"));
    size_t i;
    json_t *k;
    if (d < 200)
        json_array_foreach(json_object_get(n, "children"), i, k) {
            m = fmax(m, flame_max_delta(k, d + 1));
        }
    return m;
}

static void flame_frame(flame *f, json_t *n, double x, int depth) {
    double nv = num(n, "new"), bv = num(n, "base");
    if (!(nv > 0) || depth > 200)
        return;
    double w = nv * f->scale;
    if (w < 0.3)
        return;
    double y = f->bottom - 17.0 * (depth + 1);
    double d = isnan(bv) ? nv : nv - bv, t = f->max_delta > 0 ? d / f->max_delta : 0;
    t = fmax(-1, fmin(1, t));
    int r = t > 0 ? 255 : (int)(255 * (1 + t)), bl = t < 0 ? 255 : (int)(255 * (1 - t));
    int gr = (int)(255 * (1 - fabs(t)));
    const char *name = str(n, "name");
    buf_printf(f->b, "<g><title>");
    esc(f->b, name);
    buf_printf(f->b, "\nNATS %.4g, direct %.4g, change %+.4g ", nv, isnan(bv) ? 0 : bv, d);
    esc(f->b, f->unit);
    buf_printf(f->b, "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"16\" "
                     "fill=\"rgb(%d,%d,%d)\" stroke=\"#fff\" stroke-width=\"0.5\"/>",
               x, y, w, r, gr, bl);
    size_t fit = (size_t)((w - 6) / 7);
    if (fit >= 3) {
        size_t len = strlen(name);
        buf_printf(f->b, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"11\">", x + 3, y + 12);
        if (len <= fit) {
            esc(f->b, name);
        } else {
            buf_html_escaped(f->b, name, fit - 2);
            buf_puts(f->b, "..");
        }
        buf_puts(f->b, "</text>");
    }
    buf_puts(f->b, "</g>");
    size_t i;
    json_t *k;
    double cx = x;
    json_array_foreach(json_object_get(n, "children"), i, k) {
        flame_frame(f, k, cx, depth + 1);
        double kv = num(k, "new");
        if (kv > 0)
            cx += kv * f->scale;
    }
}

static int chart_flame(buf *b, json_t *c, error *err) {
    json_t *root = json_object_get(c, "root");
    if (!json_is_object(root) || !(num(root, "new") > 0))
        return error_set(err, ERR_INPUT, "chart 'flame': no 'root' with a positive 'new'");
    flame f = {.b = b, .unit = str(c, "unit"), .x0 = 10};
    f.max_depth = flame_depth(root, 0);
    /* Colour scale from the frames below the root: the root's change is the
     * whole overhead and would wash every other frame out. */
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(root, "children"), i, k) {
        f.max_delta = fmax(f.max_delta, flame_max_delta(k, 1));
    }
    const int W = CHART_W + 240;
    int H = 17 * (f.max_depth + 1) + 50;
    f.bottom = H - 30;
    f.scale = (W - 20) / num(root, "new");
    svg_open(b, W, H, "Differential flame graph, NATS against direct");
    flame_frame(&f, root, f.x0, 0);
    legend_item(b, 10, H - 8, "rgb(255,90,90)", "grew with NATS");
    legend_item(b, 170, H - 8, "rgb(90,90,255)", "shrank");
    svg_close(b, str(c, "caption"));
    return 0;
}

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
        if (render_chart_svg(&svg, name, chart, err) != 0)
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
        cmark_node_replace(markers[i], block);
        cmark_node_free(markers[i]);
        svg.len = 0;
    }
    *out = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));
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
