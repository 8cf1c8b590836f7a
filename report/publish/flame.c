/* flame: the differential flame graph as SVG. Frame widths follow the NATS
 * profile (per event), the root at the bottom; each frame's colour is its
 * *own* change (self time, NATS minus direct) on a diverging scale: red
 * grew, blue shrank, grey unchanged. Frames are written in pre-order with
 * their depth and both values as data attributes, so the page's script can
 * rebuild the tree to zoom, search and show the negated view (widths from
 * direct); without the script the SVG is a complete static picture, also as
 * a standalone file. */
#include "chart.h"

#include <math.h>
#include <string.h>

#define FRAME_H   18
#define FLAME_W   960
#define AXIS_H    72
#define CHAR_W    6.6 /* average advance of an 11 px sans-serif character */
#define MAX_DEPTH 254

typedef struct flame {
    buf *b;
    double scale;     /* units per us/event */
    double max_self;  /* largest |own change| of any frame */
    double min_value; /* frames below this in both profiles are left out */
    double bottom;    /* y of the root's bottom edge */
    int inverted;     /* leaf-first tree: a frame's own change is its change */
    const char *unit;
} flame;

static int flame_depth(json_t *n, int d) {
    int best = d;
    size_t i;
    json_t *k;
    if (d < MAX_DEPTH)
        json_array_foreach(json_object_get(n, "children"), i, k) {
            int kd = flame_depth(k, d + 1);
            best = kd > best ? kd : best;
        }
    return best;
}

static double value(json_t *n, const char *key) {
    double v = chart_num(n, key);
    return v > 0 ? v : 0;
}

/* The frame's own change: its self time in NATS minus in direct. In an
 * inverted (leaf-first) tree a frame is the time of one function reached
 * through one call path, so its own change is its whole change. */
static double own_change(json_t *n, int inverted) {
    double sn = value(n, "new"), sb = value(n, "base");
    if (inverted)
        return sn - sb;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(n, "children"), i, k) {
        sn -= value(k, "new");
        sb -= value(k, "base");
    }
    return fmax(sn, 0) - fmax(sb, 0);
}

/* The largest |own change| of the frames under 'n' (not 'n' itself: the
 * root's change is the whole overhead and would wash out every frame). */
static double max_own(json_t *n, int inverted, int d) {
    double m = 0;
    size_t i;
    json_t *k;
    if (d < MAX_DEPTH)
        json_array_foreach(json_object_get(n, "children"), i, k) {
            m = fmax(m, fmax(fabs(own_change(k, inverted)), max_own(k, inverted, d + 1)));
        }
    return m;
}

/* Diverging colour for a change t in [-1, 1]: the square root keeps small
 * changes visible, and any change of note gets at least a light tint. */
static void frame_color(char *out, size_t size, double t) {
    double a = sqrt(fmin(fabs(t), 1));
    if (a < 0.02) {
        snprintf(out, size, "#e4e4e4");
        return;
    }
    a = 0.2 + 0.8 * a;
    /* white -> #b2182b (grew) or -> #2166ac (shrank) */
    int r = t > 0 ? 178 : 33, g = t > 0 ? 24 : 102, bl = t > 0 ? 43 : 172;
    snprintf(out, size, "#%02x%02x%02x", (int)(255 + (r - 255) * a),
             (int)(255 + (g - 255) * a), (int)(255 + (bl - 255) * a));
}

/* The label that fits 'w' units: the whole name or its first characters
 * and an ellipsis; nothing when not even two characters fit. */
static void frame_label(buf *b, const char *name, double w, double x, double y) {
    double room = (w - 6) / CHAR_W;
    size_t len = strlen(name);
    if (room < 3)
        return;
    buf_printf(b, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + 13);
    if ((double)len <= room) {
        chart_esc(b, name);
    } else {
        size_t keep = (size_t)room - 1;
        while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
            keep--; /* never split a UTF-8 sequence */
        buf_html_escaped(b, name, keep);
        buf_puts(b, "\xE2\x80\xA6");
    }
    buf_puts(b, "</text>");
}

static void flame_frame(flame *f, json_t *n, double x, int depth) {
    double nv = value(n, "new"), bv = value(n, "base");
    if ((nv < f->min_value && bv < f->min_value) || depth > MAX_DEPTH)
        return;
    double w = nv * f->scale, y = f->bottom - FRAME_H * (depth + 1);
    double own = depth == 0 ? 0 : own_change(n, f->inverted);
    char color[16];
    frame_color(color, sizeof color, f->max_self > 0 ? own / f->max_self : 0);
    const char *name = chart_str(n, "name");
    buf_printf(f->b,
               "<g class=\"fr\" data-d=\"%d\" data-n=\"%.6g\" data-b=\"%.6g\"><title>",
               depth, nv, bv);
    chart_esc(f->b, name);
    buf_printf(f->b, "\nNATS %.4g, direct %.4g, change %+.4g, own change %+.4g ", nv, bv,
               nv - bv, own);
    chart_esc(f->b, f->unit);
    buf_printf(f->b,
               "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
               "fill=\"%s\"/>",
               x, y, w, FRAME_H - 1, color);
    frame_label(f->b, name, w, x, y);
    buf_puts(f->b, "</g>");
    size_t i;
    json_t *k;
    double cx = x;
    json_array_foreach(json_object_get(n, "children"), i, k) {
        flame_frame(f, k, cx, depth + 1);
        cx += value(k, "new") * f->scale;
    }
}

/* The x axis under the root: 0 to the root's value in 'unit'. */
static void flame_axis(flame *f, double total, double x0, double x1) {
    double step = chart_tick_step(total, 6), y = f->bottom + 2;
    buf_printf(f->b, "<g class=\"axis\" font-size=\"12\">");
    for (int tick = 0; tick <= CHART_MAX_TICKS; tick++) {
        double v = tick * step; /* counted: a step of 0 or inf ends */
        if (!(v <= total * 1.0001) || !isfinite(v))
            break;
        double x = x0 + v * f->scale;
        buf_printf(
            f->b,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%g</text>",
            x, y, x, y + 5, x, y + 18,
            x < x0 + 20   ? "start"
            : x > x1 - 20 ? "end"
                          : "middle",
            v);
    }
    buf_printf(f->b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (x0 + x1) / 2,
               y + 36);
    buf_puts(f->b, "CPU per event in the NATS profile (");
    chart_esc(f->b, f->unit);
    buf_puts(f->b, ")</text>");
    char c[16];
    double ly = y + 62;
    buf_printf(f->b, "<text x=\"%.1f\" y=\"%.1f\">frame's own change: shrank</text>",
               x0 + 4, ly);
    static const double ts[] = {-1, -0.3, 0, 0.3, 1};
    for (int i = 0; i < 5; i++) {
        frame_color(c, sizeof c, ts[i]);
        buf_printf(f->b,
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"28\" height=\"14\" fill=\"%s\"/>",
                   x0 + 190 + 30 * i, ly - 11, c);
    }
    buf_printf(f->b, "<text x=\"%.1f\" y=\"%.1f\">grew (largest change %.3g ", x0 + 346,
               ly, f->max_self);
    chart_esc(f->b, f->unit);
    buf_puts(f->b, ")</text></g>");
}

int chart_flame(buf *b, json_t *c, error *err) {
    json_t *root = json_object_get(c, "root");
    if (!json_is_object(root) || !(chart_num(root, "new") > 0) ||
        !isfinite(chart_num(root, "new")))
        return error_set(err, ERR_INPUT,
                         "chart 'flame': no 'root' with a positive, finite 'new'");
    double total = chart_num(root, "new");
    flame f = {.b = b, .unit = chart_str(c, "unit"), .min_value = total * 1e-4};
    f.inverted = json_is_true(json_object_get(c, "inverted"));
    f.max_self = max_own(root, f.inverted, 0);
    int depth = flame_depth(root, 0);
    const double x0 = 0, x1 = FLAME_W;
    int H = FRAME_H * (depth + 1) + AXIS_H;
    f.bottom = H - AXIS_H;
    f.scale = (x1 - x0) / total;
    chart_open(b, FLAME_W, H, "chart flame",
               "Differential flame graph, NATS against direct");
    buf_puts(b, "<g class=\"frames\" font-size=\"11\">");
    flame_frame(&f, root, x0, 0);
    buf_puts(b, "</g>");
    flame_axis(&f, total, x0, x1);
    chart_close(b);
    return 0;
}
