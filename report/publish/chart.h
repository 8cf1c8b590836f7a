/* chart: helpers shared by the SVG charts (render.c, charts.c, flame.c);
 * private to publish/. Every chart is written as one standalone <svg>
 * element that scales with its viewBox; the page wraps it in a <figure>. */
#ifndef OVERHEAD_CHART_H
#define OVERHEAD_CHART_H

#include <jansson.h>

#include "buf.h"
#include "error.h"

#define CHART_W  720
/* No axis draws more ticks than this, whatever its step (issue 14, item 1). */
#define CHART_MAX_TICKS 40
#define C_DIRECT "#4c78a8"
#define C_NATS   "#f58518"
#define C_TARGET "#d62728"

extern const char *const chart_palette[10];

/* Escaped text content or attribute value. */
void chart_esc(buf *b, const char *s);
/* The number at 'key', or NAN. */
double chart_num(json_t *o, const char *key);
/* The string at 'key', or "". */
const char *chart_str(json_t *o, const char *key);
/* A "nice" tick step so that about 'n' ticks cover [0, span]. */
double chart_tick_step(double span, int n);
/* The colour of series 'i' (direct first, then NATS, then the palette). */
const char *chart_series_color(size_t i);

/* <svg ...><title>TITLE</title>: 'cls' is the svg's class ("chart" or
 * "chart flame"); the size follows the viewBox. */
void chart_open(buf *b, int w, int h, const char *cls, const char *title);
void chart_close(buf *b);
/* A legend swatch and its label, text baseline at y. */
void chart_legend(buf *b, double x, double y, const char *color, const char *label);

int chart_trials(buf *b, json_t *c, error *err);
int chart_breakdown(buf *b, json_t *c, error *err);
int chart_sensitivity(buf *b, json_t *c, error *err);
int chart_flame(buf *b, json_t *c, error *err);
int chart_rate(buf *b, json_t *c, error *err);

#endif
