/* charts: the report's SVG charts other than the flame graph (flame.c).
 * Text is sized in viewBox units (12 by default); the page enlarges it on
 * narrow screens, so every layout here leaves room for text twice that
 * size: legends one per row, tick labels thinned to what fits. */
#include "chart.h"
#include "render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const chart_palette[10] = {"#4c78a8", "#f58518", "#54a24b", "#e45756",
                                       "#72b7b2", "#eeca3b", "#b279a2", "#9d755d",
                                       "#bab0ac", "#ff9da6"};

void chart_esc(buf *b, const char *s) {
    buf_html_escaped(b, s, strlen(s));
}

double chart_num(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *chart_str(json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

double chart_tick_step(double span, int n) {
    if (!(span > 0) || !isfinite(span))
        return 1;
    double raw = span / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = mag * (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10);
    /* denormal spans make mag 0, spans near DBL_MAX make it overflow */
    return step > 0 && isfinite(step) ? step : span;
}

const char *chart_series_color(size_t i) {
    return i == 0 ? C_DIRECT : i == 1 ? C_NATS : chart_palette[(i + 2) % 10];
}

void chart_open(buf *b, int w, int h, const char *cls, const char *title) {
    buf_printf(b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "width=\"%d\" height=\"%d\" class=\"%s\" role=\"img\" "
               "style=\"font:12px system-ui,sans-serif\"><title>",
               w, h, w, h, cls);
    chart_esc(b, title);
    buf_puts(b, "</title>");
}

void chart_close(buf *b) {
    buf_puts(b, "</svg>");
}

void chart_legend(buf *b, double x, double y, const char *color, const char *label) {
    buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>",
               x, y - 11, color);
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 18, y);
    chart_esc(b, label);
    buf_puts(b, "</text>");
}

/* The top of a value axis from 0 that contains 'hi' with a tick at or above
 * it; *step gets the tick step. */
static double axis_top(double hi, double *step) {
    *step = chart_tick_step(hi, 5);
    double top = ceil(hi / *step) * *step;
    top = top < hi * 1.02 ? top + *step : top;
    return isfinite(top) ? top : hi; /* no headroom left near DBL_MAX */
}

/* Horizontal grid lines and labels for a plot from y0 (bottom) up 'h'
 * pixels showing [0, top], and the rotated axis title. */
static void y_axis(buf *b, double x0, double x1, double y0, double h, double top,
                   double step, const char *title) {
    for (int tick = 0; tick <= CHART_MAX_TICKS; tick++) {
        double v = tick * step; /* counted: a step of 0 or inf ends */
        if (!(v <= top * 1.0001) || !isfinite(v))
            break;
        double y = y0 - v / top * h;
        buf_printf(
            b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>",
            x0, y, x1, y);
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>", x0 - 6,
                   y + 4, v);
    }
    buf_printf(b,
               "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
               "text-anchor=\"middle\" dominant-baseline=\"hanging\">",
               y0 - h / 2, y0 - h / 2);
    chart_esc(b, title);
    buf_puts(b, "</text>");
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Linear-interpolated quantile of sorted v[0..n). */
static double quantile(const double *v, size_t n, double p) {
    double pos = p * (double)(n - 1);
    size_t i = (size_t)pos;
    return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* One architecture's trials as a strip with a box (quartiles, median) and
 * whiskers (range), centred on x. */
static void strip_box(buf *b, json_t *s, const char *color, double x, double y0, double h,
                      double top) {
    json_t *pts = json_object_get(s, "points"), *p;
    size_t n = 0, j;
    double v[512];
    json_array_foreach(pts, j, p) {
        double val = chart_num(p, "value");
        if (val >= 0 && n < 512)
            v[n++] = val;
    }
    if (n == 0)
        return;
    qsort(v, n, sizeof v[0], cmp_double);
#define Y(val) (y0 - (val) / top * h)
    double q1 = quantile(v, n, 0.25), q2 = quantile(v, n, 0.5), q3 = quantile(v, n, 0.75);
    /* the strip left of x, the box and whiskers right of it */
    double bx = x + 13;
    buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
               bx, Y(v[0]), bx, Y(v[n - 1]), color);
    buf_printf(b,
               "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"%.1f\" fill=\"#fff\" "
               "stroke=\"%s\"/>",
               bx - 11, Y(q3), fmax(Y(q1) - Y(q3), 1), color);
    buf_printf(b,
               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"2.5\"/>",
               bx - 11, Y(q2), bx + 11, Y(q2), color);
    for (size_t k = 0; k < n; k++)
        buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                   x - 14 + 5.0 * (double)(k % 3), Y(v[k]), color);
#undef Y
}

/* Per-trial CPU per event for each series, in run order, with its median
 * line, the CI band of the NATS median, the target line, and beside the
 * plot each series' distribution. */
int chart_trials(buf *b, json_t *c, error *err) {
    json_t *series = json_object_get(c, "series"), *s, *p;
    if (!json_is_array(series) || json_array_size(series) == 0)
        return error_set(err, ERR_INPUT, "chart 'trials': no 'series' array");
    double hi = 0, ntrials = 0;
    size_t i, j, ns = json_array_size(series);
    json_array_foreach(series, i, s) {
        json_array_foreach(json_object_get(s, "points"), j, p) {
            hi = fmax(hi, chart_num(p, "value"));
            ntrials = fmax(ntrials, chart_num(p, "trial"));
        }
    }
    json_t *band = json_object_get(c, "band");
    hi = fmax(hi, fmax(chart_num(band, "hi"), chart_num(c, "target_value")));
    if (!(hi > 0) || !isfinite(hi) || !(ntrials >= 1) || ntrials > 100000)
        return error_set(err, ERR_INPUT,
                         "chart 'trials': no positive, finite trial values");
    double step, top = axis_top(hi, &step);
    const int W = CHART_W;
    const double x0 = 80, x1 = W - 190, bx0 = x1 + 40, bx1 = W - 10, y0 = 250, h = 220;
    int H = (int)(y0 + 100 + 32 * (double)(ns + 1));
    chart_open(b, W, H, "chart", "CPU per stored event in every trial");
    const char *unit = chart_str(c, "unit");
    char title[128];
    snprintf(title, sizeof title, "CPU per event (%s)", unit);
    y_axis(b, x0, x1, y0, h, top, step, title);
    double dx = (x1 - x0) / (ntrials + 1);
    if (json_is_object(band) && isfinite(chart_num(band, "lo")) &&
        isfinite(chart_num(band, "hi"))) {
        double ylo = y0 - chart_num(band, "lo") / top * h;
        double yhi = y0 - chart_num(band, "hi") / top * h;
        buf_printf(
            b,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_NATS
            "\" fill-opacity=\"0.15\"><title>",
            x0, yhi, x1 - x0, fmax(ylo - yhi, 0.5));
        chart_esc(b, chart_str(band, "label"));
        buf_puts(b, "</title></rect>");
    }
    double tv = chart_num(c, "target_value");
    if (tv > 0)
        buf_printf(
            b,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_TARGET
            "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
            x0, y0 - tv / top * h, bx1, y0 - tv / top * h);
    /* Trial numbers: every k-th so that labels stay 44 units apart. */
    int every = (int)ceil(44 / dx);
    for (int t = 1; t <= (int)ntrials; t++)
        if ((t - 1) % every == 0)
            buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>",
                       x0 + t * dx, y0 + 26, t);
    buf_printf(
        b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">trial (run order)</text>",
        (x0 + x1) / 2, y0 + 56);
    buf_printf(b,
               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>",
               x0, y0, bx1, y0);
    double colw = (bx1 - bx0) / (double)ns;
    json_array_foreach(series, i, s) {
        const char *color = chart_series_color(i);
        double med = chart_num(s, "median");
        if (med > 0)
            buf_printf(
                b,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                x0, y0 - med / top * h, x1, y0 - med / top * h, color);
        json_array_foreach(json_object_get(s, "points"), j, p) {
            double v = chart_num(p, "value"), t = chart_num(p, "trial");
            if (!(v >= 0) || !(t >= 1))
                continue;
            int out = json_is_true(json_object_get(p, "outlier"));
            buf_printf(
                b,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"%s\" "
                "stroke-width=\"2\"><title>",
                x0 + t * dx, y0 - v / top * h, out ? "#fff" : color, color);
            chart_esc(b, chart_str(s, "label"));
            buf_printf(b, ", trial %g: %.3g ", t, v);
            chart_esc(b, unit);
            buf_puts(b, out ? " (outlier)</title></circle>" : "</title></circle>");
        }
        strip_box(b, s, color, bx0 + colw * ((double)i + 0.5), y0, h, top);
        char label[160];
        snprintf(label, sizeof label, "%s (median %.3g %s)", chart_str(s, "label"), med,
                 unit);
        label[utf8_prefix(label, strlen(label))] = '\0'; /* never cut inside a character */
        chart_legend(b, x0, y0 + 94 + 32 * (double)i, color, label);
    }
    double ly = y0 + 94 + 32 * (double)ns;
    buf_printf(b,
               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_TARGET
               "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"%.1f\" "
               "y=\"%.1f\">",
               x0, ly - 5, x0 + 12, ly - 5, x0 + 18, ly);
    chart_esc(b, chart_str(c, "target_label"));
    buf_puts(b, "; hollow: outlier</text>");
    chart_close(b);
    return 0;
}

/* The overhead split into categories: one bar per category on a common
 * scale from zero (growth right, shrinkage left), its interval as a
 * whisker when the analysis gives one ("lo", "hi"). */
int chart_breakdown(buf *b, json_t *c, error *err) {
    json_t *items = json_object_get(c, "items"), *it;
    if (!json_is_array(items) || json_array_size(items) == 0)
        return error_set(err, ERR_INPUT, "chart 'breakdown': no 'items' array");
    double lo = 0, hi = 0;
    size_t i, n = json_array_size(items);
    json_array_foreach(items, i, it) {
        double v = chart_num(it, "value"), l = chart_num(it, "lo"),
               u = chart_num(it, "hi");
        lo = fmin(lo, fmin(v, isnan(l) ? 0 : l));
        hi = fmax(hi, fmax(v, isnan(u) ? 0 : u));
    }
    if (!(hi - lo > 0) || !isfinite(hi - lo))
        return error_set(err, ERR_INPUT,
                         "chart 'breakdown': all values are zero or not finite");
    double step = chart_tick_step(hi - lo, 6);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
    const int W = CHART_W;
    const double x0 = 20, x1 = W - 30, row = 56, top = 10;
    int H = (int)(top + row * (double)n + 80);
    double sc = (x1 - x0) / (hi - lo), zero = x0 - lo * sc, ybot = top + row * (double)n;
    const char *unit = chart_str(c, "unit");
    chart_open(b, W, H, "chart", "Where the overhead goes, by category");
    for (int tick = 0; tick <= CHART_MAX_TICKS; tick++) {
        double v = lo + tick * step; /* counted: a step of 0 or inf ends */
        if (!(v <= hi + step / 1000) || !isfinite(v))
            break;
        double x = x0 + (v - lo) * sc;
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>",
                   x, top, x, ybot + 4, fabs(v) < step / 1000 ? "#333" : "#ddd", x,
                   ybot + 26, fabs(v) < step / 1000 ? 0 : v);
    }
    json_array_foreach(items, i, it) {
        double v = chart_num(it, "value"), l = chart_num(it, "lo"),
               u = chart_num(it, "hi");
        if (isnan(v))
            continue;
        double y = top + row * (double)i, x = v >= 0 ? zero : zero + v * sc;
        char label[256], ci[96] = "";
        if (!isnan(l) && !isnan(u))
            snprintf(ci, sizeof ci, " (95%% CI %.3g to %.3g)", l, u);
        snprintf(label, sizeof label, "%s: %+.3g %s", chart_str(it, "label"), v, unit);
        label[utf8_prefix(label, strlen(label))] = '\0'; /* never cut inside a character */
        /* the interval in its own tspan: narrow pages hide it (the whisker
         * and the breakdown table show it) rather than cut the line off */
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x0, y + 22);
        chart_esc(b, label);
        buf_puts(b, "<tspan class=\"ci\">");
        chart_esc(b, ci);
        buf_puts(b, "</tspan>");
        size_t have = strlen(label);
        snprintf(label + have, sizeof label - have, "%s", ci);
        buf_printf(b,
                   "</text><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" "
                   "fill=\"%s\"><title>",
                   x, y + 30, fmax(fabs(v) * sc, 1), v >= 0 ? C_NATS : C_DIRECT);
        chart_esc(b, label);
        buf_puts(b, "</title></rect>");
        if (!isnan(l) && !isnan(u))
            buf_printf(b,
                       "<path d=\"M%.1f %.1fv10M%.1f %.1fH%.1fM%.1f %.1fv10\" "
                       "stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\"/>",
                       zero + l * sc, y + 34, zero + l * sc, y + 39, zero + u * sc,
                       zero + u * sc, y + 34);
    }
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (x0 + x1) / 2,
               ybot + 58);
    buf_puts(b, "change in CPU per event, NATS minus direct (");
    chart_esc(b, unit);
    buf_puts(b, ")</text>");
    chart_close(b);
    return 0;
}

/* Grouped bars: per storage setting, CPU per event of each architecture. */
int chart_sensitivity(buf *b, json_t *c, error *err) {
    json_t *groups = json_object_get(c, "groups"), *g, *bar;
    if (!json_is_array(groups) || json_array_size(groups) == 0)
        return error_set(err, ERR_INPUT, "chart 'sensitivity': no 'groups' array");
    double hi = 0;
    size_t i, j, nbars = 0;
    json_array_foreach(groups, i, g) {
        json_array_foreach(json_object_get(g, "bars"), j, bar) {
            hi = fmax(hi, chart_num(bar, "value"));
        }
        nbars = json_array_size(json_object_get(g, "bars")) > nbars
                    ? json_array_size(json_object_get(g, "bars"))
                    : nbars;
    }
    if (!(hi > 0) || !isfinite(hi))
        return error_set(err, ERR_INPUT,
                         "chart 'sensitivity': no positive, finite values");
    double step, top = axis_top(hi, &step);
    const int W = CHART_W;
    const double x0 = 80, x1 = W - 20, y0 = 250, h = 220;
    int H = (int)(y0 + 84 + 32 * (double)nbars);
    const char *unit = chart_str(c, "unit");
    char title[128];
    snprintf(title, sizeof title, "CPU per event (%s)", unit);
    chart_open(b, W, H, "chart", "CPU per event by storage setting");
    y_axis(b, x0, x1, y0, h, top, step, title);
    double gw = (x1 - x0) / (double)json_array_size(groups);
    json_array_foreach(groups, i, g) {
        json_t *bars = json_object_get(g, "bars");
        size_t nb = json_array_size(bars);
        double bw = (gw * 0.7) / (double)(nb ? nb : 1);
        json_array_foreach(bars, j, bar) {
            double v = chart_num(bar, "value");
            if (!(v >= 0))
                continue;
            double x = x0 + gw * (double)i + gw * 0.15 + bw * (double)j,
                   y = y0 - v / top * h;
            buf_printf(b,
                       "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"%s\"><title>",
                       x, y, bw - 2, y0 - y, chart_series_color(j));
            chart_esc(b, chart_str(g, "label"));
            buf_puts(b, ", ");
            chart_esc(b, chart_str(bar, "label"));
            buf_printf(b, ": %.3g ", v);
            chart_esc(b, unit);
            buf_printf(b,
                       "</title></rect><text x=\"%.1f\" y=\"%.1f\" "
                       "text-anchor=\"middle\">%.3g</text>",
                       x + bw / 2 - 1, y - 4, v);
        }
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                   x0 + gw * ((double)i + 0.5), y0 + 26);
        chart_esc(b, chart_str(g, "label"));
        buf_puts(b, "</text>");
        const char *note = chart_str(g, "note");
        if (*note) {
            buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                       x0 + gw * ((double)i + 0.5), y0 + 54);
            chart_esc(b, note);
            buf_puts(b, "</text>");
        }
    }
    json_t *first = json_object_get(json_array_get(groups, 0), "bars");
    json_array_foreach(first, j, bar) {
        chart_legend(b, x0, y0 + 88 + 32 * (double)j, chart_series_color(j),
                     chart_str(bar, "label"));
    }
    chart_close(b);
    return 0;
}

/* The docs index's trend: each report's headline with its interval, in
 * publication order. */
int render_trend_svg(buf *b, json_t *rows) {
    size_t n = json_array_size(rows), m = 0, i;
    double lo = 0, hi = 0;
    for (i = 0; i < n; i++) {
        json_t *t = json_object_get(json_array_get(rows, i), "trend");
        if (!json_is_object(t))
            continue;
        m++;
        lo = fmin(lo, fmin(chart_num(t, "lo"), chart_num(t, "value")));
        hi = fmax(hi, fmax(chart_num(t, "hi"), chart_num(t, "value")));
    }
    if (m == 0 || !(hi - lo > 0) || !isfinite(hi - lo))
        return 0;
    double step = chart_tick_step(hi - lo, 5);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
    const int W = CHART_W, H = 320;
    const double x0 = 90, x1 = W - 20, y0 = 240, h = 220;
    double dx = (x1 - x0) / (double)m, sc = h / (hi - lo);
    chart_open(b, W, H, "chart trend", "Per-event overhead of every published report");
    for (int tick = 0; tick <= CHART_MAX_TICKS; tick++) {
        double v = lo + tick * step; /* counted: a step of 0 or inf ends */
        if (!(v <= hi + step / 1000) || !isfinite(v))
            break;
        double y = y0 - (v - lo) * sc;
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>",
                   x0, y, x1, y, fabs(v) < step / 1000 ? "#333" : "#ddd", x0 - 6, y + 4,
                   fabs(v) < step / 1000 ? 0 : v);
    }
    buf_printf(
        b,
        "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
        "text-anchor=\"middle\" dominant-baseline=\"hanging\">overhead (%%)</text>",
        y0 - h / 2, y0 - h / 2);
    int every = (int)ceil(150 / dx);
    size_t k = 0;
    double px = 0, py = 0;
    for (i = n; i-- > 0;) {
        json_t *r = json_array_get(rows, i), *t = json_object_get(r, "trend");
        if (!json_is_object(t))
            continue;
        double x = x0 + dx * ((double)k + 0.5),
               y = y0 - (chart_num(t, "value") - lo) * sc;
        if (k > 0)
            buf_printf(b,
                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"" C_NATS "\"/>",
                       px, py, x, y);
        buf_printf(
            b,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
            "stroke-width=\"1.5\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
            "fill=\"" C_NATS "\"><title>",
            x, y0 - (chart_num(t, "hi") - lo) * sc, x,
            y0 - (chart_num(t, "lo") - lo) * sc, x, y);
        chart_esc(b, chart_str(r, "sprint"));
        buf_printf(b, ": %.4g%% (95%% CI %.4g%% to %.4g%%)</title></circle>",
                   chart_num(t, "value"), chart_num(t, "lo"), chart_num(t, "hi"));
        if (k % (size_t)every == 0) {
            char date[16];
            snprintf(date, sizeof date, "%.10s", chart_str(r, "date"));
            buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x,
                       y0 + 28);
            chart_esc(b, date);
            buf_puts(b, "</text>");
        }
        px = x;
        py = y;
        k++;
    }
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">report date</text>",
               (x0 + x1) / 2, y0 + 62);
    chart_close(b);
    return b->failed ? -1 : 0;
}
