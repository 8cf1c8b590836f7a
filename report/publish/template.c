#include "template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileio.h"

#define MAX_DEPTH 64

typedef enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED } node_kind;

typedef struct node {
    node_kind kind;
    char *s; /* text, or the tag's name */
    size_t n;
    int line, col;
    int code; /* a variable inside a fenced code block of the template */
    struct node *kids;
    size_t nkids, capkids;
} node;

struct template {
    char *name;
    node root;
};

static void node_clear(node *nd) {
    for (size_t i = 0; i < nd->nkids; i++)
        node_clear(&nd->kids[i]);
    free(nd->kids);
    free(nd->s);
}

void template_free(template *t) {
    if (t == NULL)
        return;
    node_clear(&t->root);
    free(t->name);
    free(t);
}

/* Append a child to 'parent'; returns it, or NULL when out of memory. */
static node *node_add(node *parent, node_kind kind, const char *s, size_t n, int line,
                      int col) {
    if (buf_reserve_items((void **)&parent->kids, &parent->capkids, parent->nkids,
                          sizeof *parent->kids, 8) != 0)
        return NULL;
    char *copy = malloc(n + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    node *nd = &parent->kids[parent->nkids++];
    *nd = (node){kind, copy, n, line, col, 0, NULL, 0, 0};
    return nd;
}

/* Line and column (1-based) of offset 'off' in 'text'. */
static void position(const char *text, size_t off, int *line, int *col) {
    int l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int valid_name(const char *s, size_t n) {
    if (n == 1 && s[0] == '.')
        return 1;
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || (c == '.' && s[i - 1] != '.');
        if (!ok)
            return 0;
    }
    return 1;
}

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/* Which lines of the template text are inside a fenced code block
 * (``` or ~~~, CommonMark's rule: closed by a run of the same character at
 * least as long). Advanced line by line up to each tag. */
typedef struct fence_scan {
    size_t pos;  /* start of the next line to look at */
    char ch;     /* fence character while inside one, else 0 */
    size_t len;  /* its run length */
} fence_scan;

/* Advance over the complete lines before 'upto'; returns 1 when 'upto' is
 * inside a fence. */
static int fence_inside(fence_scan *f, const char *text, size_t upto) {
    for (;;) {
        const char *nl = memchr(text + f->pos, '\n', upto - f->pos);
        if (nl == NULL)
            return f->ch != 0;
        size_t i = f->pos, end = (size_t)(nl - text), ind = 0;
        while (i < end && text[i] == ' ' && ind < 4)
            i++, ind++;
        size_t run = 0;
        char c = i < end ? text[i] : 0;
        while (ind < 4 && (c == '`' || c == '~') && i + run < end && text[i + run] == c)
            run++;
        if (run >= 3) {
            if (f->ch == 0) {
                f->ch = c;
                f->len = run;
            } else if (c == f->ch && run >= f->len) {
                f->ch = 0;
            }
        }
        f->pos = end + 1;
    }
}

/* The parser's state: the text, where the pending literal text starts, the
 * open sections and the fence scanner. */
typedef struct tparse {
    const char *text, *name;
    size_t len, text_start;
    node *stack[MAX_DEPTH + 1];
    size_t depth;
    fence_scan fence;
    error *err;
} tparse;

/* One tag as read: where it starts and ends (after the standalone rule,
 * 'end' may take the rest of the line), its sigil and its trimmed name. */
typedef struct tag {
    size_t at, end, text_end;
    int triple, line, col;
    char sigil;
    const char *nm;
    size_t nn;
} tag;

/* The start of the blanks before 'at' on its line; *alone is 1 when only
 * blanks stand between the line's start and 'at'. */
static size_t line_lead(const char *text, size_t at, int *alone) {
    size_t ls = at;
    while (ls > 0 && is_blank(text[ls - 1]))
        ls--;
    *alone = ls == 0 || text[ls - 1] == '\n';
    return ls;
}

/* Read the tag that opens at 'open': sigil, closer, trimmed and checked name,
 * and the standalone rule (a section, close or comment tag alone on its line
 * takes the line with it: leading blanks and the newline). -1 with ps->err. */
static int tag_read(tparse *ps, tag *tg, const char *open) {
    const char *text = ps->text;
    size_t len = ps->len;
    tg->at = (size_t)(open - text);
    position(text, tg->at, &tg->line, &tg->col);
    size_t p = tg->at + 2;
    tg->triple = p < len && text[p] == '{';
    tg->sigil = 0;
    if (tg->triple)
        p++;
    else if (p < len && strchr("#^/!&>=", text[p]) != NULL)
        tg->sigil = text[p++];
    const char *closer = tg->triple ? "}}}" : "}}";
    const char *close = memmem(text + p, len - p, closer, strlen(closer));
    if (close == NULL)
        return error_set(ps->err, ERR_INPUT, "%s:%d:%d: tag is never closed with '%s'",
                         ps->name, tg->line, tg->col, closer);
    tg->end = (size_t)(close - text) + strlen(closer);
    if (tg->sigil == '>' || tg->sigil == '=')
        return error_set(ps->err, ERR_INPUT, "%s:%d:%d: %s are not supported", ps->name,
                         tg->line, tg->col,
                         tg->sigil == '>' ? "partials ({{>...}})"
                                          : "delimiter changes ({{=...=}})");
    size_t ns = p, ne = (size_t)(close - text);
    while (ns < ne && (is_blank(text[ns]) || text[ns] == '\n'))
        ns++;
    while (ne > ns && (is_blank(text[ne - 1]) || text[ne - 1] == '\n'))
        ne--;
    if (tg->sigil != '!' && !valid_name(text + ns, ne - ns))
        return error_set(ps->err, ERR_INPUT, "%s:%d:%d: bad name '%.*s' in tag", ps->name,
                         tg->line, tg->col, (int)(ne - ns), text + ns);
    tg->nm = text + ns;
    tg->nn = ne - ns;
    tg->text_end = tg->at;
    if (tg->sigil == '#' || tg->sigil == '^' || tg->sigil == '/' || tg->sigil == '!') {
        int alone;
        size_t ls = line_lead(text, tg->at, &alone);
        size_t le = tg->end;
        while (le < len && is_blank(text[le]))
            le++;
        if (alone && (le == len || text[le] == '\n')) {
            tg->text_end = ls;
            tg->end = le < len ? le + 1 : le;
        }
    }
    return 0;
}

/* Open a section ({{#x}} or {{^x}}). */
static int tag_open(tparse *ps, const tag *tg) {
    if (ps->depth == MAX_DEPTH)
        return error_set(ps->err, ERR_INPUT, "%s:%d:%d: sections nested deeper than %d",
                         ps->name, tg->line, tg->col, MAX_DEPTH);
    node *s = node_add(ps->stack[ps->depth], tg->sigil == '#' ? N_SECTION : N_INVERTED,
                       tg->nm, tg->nn, tg->line, tg->col);
    if (s == NULL)
        return error_set(ps->err, ERR_NOMEM, "%s: out of memory", ps->name);
    ps->stack[++ps->depth] = s;
    return 0;
}

/* Close the innermost section ({{/x}}), which must be 'x'. */
static int tag_close(tparse *ps, const tag *tg) {
    const node *open = ps->stack[ps->depth];
    if (ps->depth == 0)
        return error_set(ps->err, ERR_INPUT, "%s:%d:%d: '{{/%.*s}}' closes no open section",
                         ps->name, tg->line, tg->col, (int)tg->nn, tg->nm);
    if (open->n != tg->nn || memcmp(open->s, tg->nm, tg->nn) != 0)
        return error_set(ps->err, ERR_INPUT,
                         "%s:%d:%d: '{{/%.*s}}' closes section '%s' opened at %d:%d",
                         ps->name, tg->line, tg->col, (int)tg->nn, tg->nm, open->s,
                         open->line, open->col);
    ps->depth--;
    return 0;
}

/* A variable ({{x}}, {{{x}}}, {{&x}}); inside a code fence it may not start
 * a line, where a value could close the fence with its first characters. */
static int tag_value(tparse *ps, const tag *tg) {
    node *v = node_add(ps->stack[ps->depth],
                       tg->triple || tg->sigil == '&' ? N_RAW : N_VAR, tg->nm, tg->nn,
                       tg->line, tg->col);
    if (v == NULL)
        return error_set(ps->err, ERR_NOMEM, "%s: out of memory", ps->name);
    v->code = fence_inside(&ps->fence, ps->text, tg->at);
    int alone;
    line_lead(ps->text, tg->at, &alone);
    if (v->code && alone)
        return error_set(ps->err, ERR_INPUT,
                         "%s:%d:%d: '%s' starts a line inside a code fence: put text "
                         "before it (e.g. '$ ')",
                         ps->name, tg->line, tg->col, v->s);
    return 0;
}

/* The literal text from ps->text_start up to 'upto' as a text node. */
static int text_flush(tparse *ps, node *parent, size_t upto, int line, int col) {
    if (upto > ps->text_start &&
        node_add(parent, N_TEXT, ps->text + ps->text_start, upto - ps->text_start, line,
                 col) == NULL)
        return error_set(ps->err, ERR_NOMEM, "%s: out of memory", ps->name);
    return 0;
}

int template_parse(template **out, const char *text, size_t len, const char *name,
                   error *err) {
    *out = NULL;
    template *t = calloc(1, sizeof *t);
    if (t == NULL || (t->name = strdup(name)) == NULL) {
        free(t);
        return error_set(err, ERR_NOMEM, "%s: out of memory", name);
    }
    tparse ps = {.text = text, .name = name, .len = len, .err = err};
    ps.stack[0] = &t->root;
    size_t pos = 0;
    while (pos < len) {
        const char *open = memmem(text + pos, len - pos, "{{", 2);
        if (open == NULL)
            break;
        tag tg = {0};
        if (tag_read(&ps, &tg, open) != 0 ||
            text_flush(&ps, ps.stack[ps.depth], tg.text_end, tg.line, tg.col) != 0)
            goto fail;
        int rc = 0;
        if (tg.sigil == '#' || tg.sigil == '^')
            rc = tag_open(&ps, &tg);
        else if (tg.sigil == '/')
            rc = tag_close(&ps, &tg);
        else if (tg.sigil != '!')
            rc = tag_value(&ps, &tg);
        if (rc != 0)
            goto fail;
        pos = ps.text_start = tg.end;
    }
    if (ps.depth > 0) {
        const node *open = ps.stack[ps.depth];
        error_set(err, ERR_INPUT, "%s:%d:%d: section '%s' is never closed", name, open->line,
                  open->col, open->s);
        goto fail;
    }
    int line, col;
    position(text, len, &line, &col);
    if (text_flush(&ps, &t->root, len, line, col) != 0)
        goto fail;
    *out = t;
    return 0;
fail:
    template_free(t);
    return -1;
}

int template_load(template **out, const char *path, error *err) {
    uint8_t *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (file_read_all(&text, &len, path, err) != 0)
        return -1;
    int rc = template_parse(out, (const char *)text, len, path, err);
    free(text);
    return rc;
}

/* Resolve a dotted path against the context stack: the first segment is
 * looked up from the innermost context outwards, the rest descend. */
static json_t *lookup(json_t **ctx, size_t nctx, const char *path) {
    if (strcmp(path, ".") == 0)
        return ctx[nctx - 1];
    const char *dot = strchr(path, '.');
    size_t first = dot ? (size_t)(dot - path) : strlen(path);
    char key[256];
    if (first >= sizeof key)
        return NULL;
    memcpy(key, path, first);
    key[first] = '\0';
    json_t *v = NULL;
    for (size_t i = nctx; i-- > 0;)
        if (json_is_object(ctx[i]) && (v = json_object_get(ctx[i], key)) != NULL)
            break;
    while (v != NULL && dot != NULL) {
        const char *seg = dot + 1;
        dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, seg, n);
        key[n] = '\0';
        v = json_is_object(v) ? json_object_get(v, key) : NULL;
    }
    return v;
}

static int truthy(const json_t *v) {
    switch (json_typeof(v)) {
        case JSON_OBJECT: return 1;
        case JSON_ARRAY: return json_array_size(v) > 0;
        case JSON_STRING: return json_string_length(v) > 0;
        case JSON_INTEGER: return json_integer_value(v) != 0;
        case JSON_REAL: return json_real_value(v) != 0;
        case JSON_TRUE: return 1;
        default: return 0;
    }
}

/* Whether text starting a line with s[0] would open a block: an ATX
 * heading, a list item, a fence (three backticks or tildes), a thematic
 * break or setext underline (a line of one of * - _ = and blanks). */
static int opens_block(const char *s, size_t n) {
    char c = s[0];
    if (c == '#')
        return 1;
    if (strchr("*-+_=`~", c) == NULL)
        return 0;
    if ((c == '*' || c == '-' || c == '+') && (n == 1 || is_blank(s[1])))
        return 1; /* a bullet */
    if ((c == '`' || c == '~') && n >= 3 && s[1] == c && s[2] == c)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] != c && !is_blank(s[i]))
            return 0;
    return c != '`' && c != '~';
}

/* Whether text appended to 'b' now would start a block: the current line
 * holds only blanks and container markers ("- ", "1. ", "> "), as where the
 * template writes "- {{x}}". */
static int at_block_start(const buf *b) {
    size_t i = b->len;
    while (i > 0 && b->data[i - 1] != '\n')
        i--;
    while (i < b->len) {
        const char *s = b->data + i;
        size_t d = 0;
        while (i + d < b->len && d < 9 && s[d] >= '0' && s[d] <= '9')
            d++;
        if (is_blank(s[0]) || s[0] == '>')
            i++;
        else if ((s[0] == '-' || s[0] == '*' || s[0] == '+') && i + 1 < b->len &&
                 is_blank(s[1]))
            i += 2;
        else if (d > 0 && i + d + 1 < b->len && (s[d] == '.' || s[d] == ')') &&
                 is_blank(s[d + 1]))
            i += d + 2;
        else
            return 0;
    }
    return 1;
}

/* Markdown text from data, escaped so that it can never open a block
 * (heading, list, quote, code, HTML block, table), raw HTML, a link or any
 * inline markup: one line (newlines become spaces); the characters of inline
 * markup and tables backslash-escaped; and where the value would start a
 * block (at_block_start), its block markers escaped and leading blanks
 * dropped. 'raw' (the
 * triple-brace form, for texts the analysis composes) keeps the emphasis
 * and code span characters * _ ` ~ and escapes the rest. */
static void put_markdown(buf *b, const char *s, size_t n, int raw) {
    const char *esc = raw ? "\\<>&|[]" : "\\`*_[]<>|&~";
    size_t i = 0;
    if (at_block_start(b)) {
        while (i < n && (is_blank(s[i]) || s[i] == '\n'))
            i++;
        size_t d = i;
        while (d < n && d - i < 9 && s[d] >= '0' && s[d] <= '9')
            d++;
        if (d > i && d < n && (s[d] == '.' || s[d] == ')') &&
            (d + 1 == n || is_blank(s[d + 1]))) {
            buf_append(b, s + i, d - i); /* "1." would start an ordered list */
            buf_append(b, "\\", 1);
            i = d;
        } else if (i < n && strchr(esc, s[i]) == NULL && opens_block(s + i, n - i)) {
            buf_append(b, "\\", 1);
        }
    }
    size_t start = i;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r') {
            buf_append(b, s + start, i - start);
            buf_puts(b, " ");
            start = i + 1;
        } else if (strchr(esc, c) != NULL) {
            buf_append(b, s + start, i - start);
            buf_append(b, "\\", 1);
            start = i; /* the character itself follows */
        }
    }
    buf_append(b, s + start, n - start);
}

/* Text inside a fenced code block: literal, so only kept on one line (the
 * template ensures the line does not start with the value). */
static void put_code(buf *b, const char *s, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\r') {
            buf_append(b, s + start, i - start);
            buf_puts(b, " ");
            start = i + 1;
        }
    }
    buf_append(b, s + start, n - start);
}

/* Append the scalar 'v' to 'b' escaped for 'lang': in HTML, entities (or
 * as it is when 'raw'); in Markdown, see put_markdown and put_code. */
static int put_value(buf *b, const json_t *v, int raw, int code, template_lang lang) {
    char num[64];
    const char *s = num;
    size_t n;
    switch (json_typeof(v)) {
        case JSON_STRING:
            s = json_string_value(v);
            n = json_string_length(v);
            break;
        case JSON_INTEGER:
            n = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                                 json_integer_value(v));
            break;
        case JSON_REAL:
            n = (size_t)snprintf(num, sizeof num, "%.15g", json_real_value(v));
            break;
        case JSON_TRUE: s = "true"; n = 4; break;
        case JSON_FALSE: s = "false"; n = 5; break;
        case JSON_NULL: s = ""; n = 0; break;
        default: return -1;
    }
    if (lang == TEMPLATE_HTML && raw)
        buf_append(b, s, n);
    else if (lang == TEMPLATE_HTML)
        buf_html_escaped(b, s, n);
    else if (code)
        put_code(b, s, n);
    else
        put_markdown(b, s, n, raw);
    return 0;
}

typedef struct render_state {
    const template *t;
    template_lang lang;
    buf out;
    json_t *ctx[MAX_DEPTH + 2];
    size_t nctx;
    error *err;
} render_state;

static int render_nodes(render_state *st, const node *parent);

/* Render a section's children with 'v' pushed as the context. */
static int render_with(render_state *st, const node *nd, json_t *v) {
    st->ctx[st->nctx++] = v;
    int rc = render_nodes(st, nd);
    st->nctx--;
    return rc;
}

static int render_nodes(render_state *st, const node *parent) {
    for (size_t i = 0; i < parent->nkids; i++) {
        const node *nd = &parent->kids[i];
        if (nd->kind == N_TEXT) {
            buf_append(&st->out, nd->s, nd->n);
            continue;
        }
        json_t *v = lookup(st->ctx, st->nctx, nd->s);
        switch (nd->kind) {
            case N_VAR:
            case N_RAW:
                if (v == NULL)
                    return error_set(st->err, ERR_INPUT, "%s:%d:%d: no value for '%s'",
                                     st->t->name, nd->line, nd->col, nd->s);
                if (put_value(&st->out, v, nd->kind == N_RAW, nd->code, st->lang) != 0)
                    return error_set(st->err, ERR_INPUT,
                                     "%s:%d:%d: '%s' is %s, not a value to print",
                                     st->t->name, nd->line, nd->col, nd->s,
                                     json_is_object(v) ? "an object" : "an array");
                break;
            case N_SECTION:
                if (v == NULL || !truthy(v))
                    break;
                if (json_is_array(v)) {
                    size_t k;
                    json_t *el;
                    json_array_foreach(v, k, el) {
                        if (render_with(st, nd, el) != 0)
                            return -1;
                    }
                } else if (render_with(st, nd, v) != 0) {
                    return -1;
                }
                break;
            case N_INVERTED:
                if ((v == NULL || !truthy(v)) && render_nodes(st, nd) != 0)
                    return -1;
                break;
            default:
                break;
        }
    }
    return 0;
}

int template_render(char **out, size_t *len, const template *t, json_t *data,
                    template_lang lang, error *err) {
    *out = NULL;
    render_state st = {.t = t, .lang = lang, .out = BUF_INIT, .nctx = 1, .err = err};
    st.ctx[0] = data;
    if (render_nodes(&st, &t->root) != 0) {
        buf_free(&st.out);
        return -1;
    }
    *out = buf_detach(&st.out, len);
    if (*out == NULL)
        return error_set(err, ERR_NOMEM, "%s: out of memory", t->name);
    return 0;
}
