/* chart_rate: the overhead against event rate (analysis "charts.rate"): the
 * rate model's curve with its band, the overhead measured at each rate with
 * its interval, the target line, the crossing and the team's rate, on a
 * logarithmic rate axis. */
#include "chart.h"

#include <math.h>
#include <stdio.h>

/* Plot geometry, shared by the helpers below. */
typedef struct rate_plot {
    double x0, x1, y0, h; /* left, right, bottom, height */
    double lmin, lmax;    /* log10 of the rate range */
    double vlo, vhi;      /* value range, points of one core */
} rate_plot;

static double px(const rate_plot *p, double rate) {
    return p->x0 + (log10(rate) - p->lmin) / (p->lmax - p->lmin) * (p->x1 - p->x0);
}

static double py(const rate_plot *p, double v) {
    return p->y0 - (v - p->vlo) / (p->vhi - p->vlo) * p->h;
}

/* Range of the finite values of 'key' over the array 'a' into [*lo, *hi]. */
static void widen(json_t *a, const char *key, double *lo, double *hi) {
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        double v = chart_num(e, key);
        if (isfinite(v)) {
            *lo = fmin(*lo, v);
            *hi = fmax(*hi, v);
        }
    }
}

static void axes(buf *b, const rate_plot *p) {
    double step = chart_tick_step(p->vhi - p->vlo, 5);
    for (int k = 0; k <= CHART_MAX_TICKS; k++) {
        double v = ceil(p->vlo / step) * step + k * step;
        if (!(v <= p->vhi * 1.0001 + 1e-12) || !isfinite(v))
            break;
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>",
                   p->x0, py(p, v), p->x1, py(p, v), p->x0 - 6, py(p, v) + 4, v);
    }
    for (int e = (int)ceil(p->lmin - 1e-9); e <= (int)floor(p->lmax + 1e-9); e++) {
        double x = px(p, pow(10, e));
        char lab[32];
        if (e >= 6 || e < 0)
            snprintf(lab, sizeof lab, "1e%d", e);
        else
            snprintf(lab, sizeof lab, "%.0f", pow(10, e));
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                   x, p->y0, x, p->y0 - p->h, x, p->y0 + 18, lab);
    }
    buf_printf(b,
               "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">events per second "
               "(log scale)</text>",
               (p->x0 + p->x1) / 2, p->y0 + 40);
    buf_printf(b,
               "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
               "text-anchor=\"middle\" dominant-baseline=\"hanging\">overhead, points of "
               "one core</text>",
               p->y0 - p->h / 2, p->y0 - p->h / 2);
}

/* A vertical marker at 'rate' labelled 'label' (skipped outside the axis). */
static void marker(buf *b, const rate_plot *p, double rate, const char *color,
                   const char *label, double label_y) {
    if (!(rate > 0) || log10(rate) < p->lmin || log10(rate) > p->lmax)
        return;
    double x = px(p, rate);
    buf_printf(b,
               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
               "fill=\"%s\">",
               x, p->y0, x, p->y0 - p->h, color, x + (x > (p->x0 + p->x1) / 2 ? -4 : 4),
               label_y, x > (p->x0 + p->x1) / 2 ? "end" : "start", color);
    chart_esc(b, label);
    buf_puts(b, "</text>");
}

int chart_rate(buf *b, json_t *c, error *err) {
    json_t *curve = json_object_get(c, "curve"), *pts = json_object_get(c, "points"), *e;
    if (!json_is_array(curve) || json_array_size(curve) < 2)
        return error_set(err, ERR_INPUT, "chart 'rate': no 'curve' of two points or more");
    /* The right margin holds half of the last tick label ("10000") at the
     * doubled text size of a narrow screen. */
    rate_plot p = {80, CHART_W - 60, 300, 260, INFINITY, -INFINITY, 0, 0};
    double rlo = INFINITY, rhi = -INFINITY, target = chart_num(c, "target_pp");
    widen(curve, "rate", &rlo, &rhi);
    widen(pts, "rate", &rlo, &rhi);
    widen(curve, "lo_pp", &p.vlo, &p.vhi);
    widen(curve, "hi_pp", &p.vlo, &p.vhi);
    widen(pts, "lo_pp", &p.vlo, &p.vhi);
    widen(pts, "hi_pp", &p.vlo, &p.vhi);
    if (isfinite(target))
        p.vhi = fmax(p.vhi, target);
    if (!(rlo > 0) || !(rhi > rlo) || !isfinite(rhi) || !(p.vhi > p.vlo) ||
        !isfinite(p.vhi - p.vlo))
        return error_set(err, ERR_INPUT, "chart 'rate': no positive, finite rate range");
    p.lmin = floor(log10(rlo));
    p.lmax = ceil(log10(rhi));
    if (p.lmax - p.lmin < 1)
        p.lmax = p.lmin + 1;
    double step = chart_tick_step(p.vhi - p.vlo, 5);
    p.vlo = floor(p.vlo / step) * step;
    p.vhi = ceil(p.vhi * 1.02 / step) * step;
    const int H = 440;
    chart_open(b, CHART_W, H, "chart", "Overhead against event rate");
    axes(b, &p);
    /* The band, then the curve. */
    size_t i, n = json_array_size(curve);
    buf_puts(b, "<polygon fill=\"" C_NATS "\" fill-opacity=\"0.18\" points=\"");
    for (i = 0; i < n; i++) {
        json_t *q = json_array_get(curve, i);
        if (isfinite(chart_num(q, "hi_pp")))
            buf_printf(b, "%.1f,%.1f ", px(&p, chart_num(q, "rate")),
                       py(&p, chart_num(q, "hi_pp")));
    }
    for (i = n; i-- > 0;) {
        json_t *q = json_array_get(curve, i);
        if (isfinite(chart_num(q, "lo_pp")))
            buf_printf(b, "%.1f,%.1f ", px(&p, chart_num(q, "rate")),
                       py(&p, chart_num(q, "lo_pp")));
    }
    buf_puts(b, "\"/><polyline fill=\"none\" stroke=\"" C_NATS "\" stroke-width=\"2\" "
                "points=\"");
    json_array_foreach(curve, i, e) {
        if (isfinite(chart_num(e, "pp")))
            buf_printf(b, "%.1f,%.1f ", px(&p, chart_num(e, "rate")),
                       py(&p, chart_num(e, "pp")));
    }
    buf_puts(b, "\"/>");
    if (isfinite(target)) {
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_TARGET
                   "\" stroke-dasharray=\"6 4\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"" C_TARGET
                   "\">target %g</text>",
                   p.x0, py(&p, target), p.x1, py(&p, target), p.x0 + 4, py(&p, target) - 5,
                   target);
    }
    /* Measured overhead per rate with its interval. */
    json_array_foreach(pts, i, e) {
        double r = chart_num(e, "rate"), v = chart_num(e, "pp");
        double lo = chart_num(e, "lo_pp"), hi = chart_num(e, "hi_pp");
        if (!(r > 0) || !isfinite(v))
            continue;
        if (isfinite(lo) && isfinite(hi))
            buf_printf(b,
                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
                       "stroke-width=\"1.5\"/>",
                       px(&p, r), py(&p, lo), px(&p, r), py(&p, hi));
        buf_printf(b,
                   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#222\"><title>%.4g "
                   "events/s: %.3g points</title></circle>",
                   px(&p, r), py(&p, v), r, v);
    }
    marker(b, &p, chart_num(c, "crossing"), C_TARGET, "target crossed", p.y0 - p.h + 14);
    marker(b, &p, chart_num(c, "team_rate"), "#54a24b", "your rate", p.y0 - p.h + 30);
    chart_legend(b, p.x0, p.y0 + 68, "#222", "measured (NATS minus direct, 95% interval)");
    chart_legend(b, p.x0, p.y0 + 92, C_NATS, "model and its 95% band");
    chart_close(b);
    return 0;
}
