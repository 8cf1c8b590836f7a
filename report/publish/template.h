/* template: a Mustache subset over jansson values, for the report.
 *
 * Supported: variables with dotted paths ({{a.b.c}}, {{.}} for the current
 * value), sections ({{#x}}...{{/x}}: once per element of an array, once with
 * an object pushed as context, once for any other truthy value), inverted
 * sections ({{^x}}...{{/x}}: when x is missing, null, false, "", 0 or []),
 * comments ({{! ...}}), and raw variables ({{{x}}} or {{&x}}). Section and
 * comment tags alone on their line remove the whole line ("standalone").
 * Partials and delimiter changes are not supported and are errors.
 *
 * Escaping depends on the output language given to template_render.
 * TEMPLATE_HTML: {{x}} writes HTML entities; raw variables insert the text
 * as is (only for HTML the program made, e.g. the rendered body).
 * TEMPLATE_MARKDOWN: data can never open a block, raw HTML or a link.
 * Values become one line (newlines turn into spaces); at the start of a line
 * the markers of a heading, list, fence, rule or setext underline are
 * escaped and leading blanks dropped. {{x}} backslash-escapes every
 * character of inline markup or tables (\ ` * _ [ ] < > | & ~); a raw
 * variable, for texts the analysis composes, keeps emphasis and code spans
 * (* _ ` ~) and escapes \ < > & | [ ]. Inside a fenced code block of the
 * template a value is written literally (on one line), and a tag there may
 * not start its line (a parse error), so a value cannot close the fence.
 *
 * A variable whose path resolves to nothing is an error (a typo in a
 * template must not silently print nothing); a section over a missing path
 * is simply false. Every error names the template, line and column. */
#ifndef OVERHEAD_TEMPLATE_H
#define OVERHEAD_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

typedef struct template template;

typedef enum template_lang { TEMPLATE_MARKDOWN, TEMPLATE_HTML } template_lang;

/* Parse 'len' bytes of template text. 'name' (copied) is used in messages,
 * usually the file name. On success *out must be freed with template_free();
 * on error *out is NULL and 'err' says "NAME:LINE:COL: what" (ERR_INPUT). */
int template_parse(template **out, const char *text, size_t len, const char *name,
                   error *err);

/* Parse the template file at 'path'. Errors as template_parse, or naming the
 * file when it cannot be read. */
int template_load(template **out, const char *path, error *err);

/* Render 't' with 'data' as the root context. On success *out is a new
 * NUL-terminated string (free()) and *len its length (len may be NULL). On
 * error *out is NULL and 'err' says where in the template it went wrong. */
int template_render(char **out, size_t *len, const template *t, json_t *data,
                    template_lang lang, error *err);

void template_free(template *t);

#endif
