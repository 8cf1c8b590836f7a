/* Fuzz target for the template + render path: an analysis JSON (any bytes)
 * goes through the report's own templates to Markdown, HTML body and page,
 * as `overhead render` does. Whatever the data, it must either fail with a
 * message or produce
 *   - Markdown in which data opened no code fence, HTML block or chart
 *     marker: the fence and marker lines are exactly the template's own;
 *   - HTML in which every '<' starts a tag the renderer writes itself (no raw
 *     HTML from data, not even omitted by cmark's safe mode), valid UTF-8.
 * Built with libFuzzer (cmake -DFUZZ=ON, clang), or with fuzz/replay.c,
 * which replays fuzz/corpus-render under ctest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "render.h"
#include "template.h"

#ifndef FUZZ_TEMPLATES_DIR
#define FUZZ_TEMPLATES_DIR "templates"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tags the renderer itself writes (cmark's HTML and our SVG); the page
 * template adds "script" (its own, fixed code), never from data. */
static const char *const allowed_tags[] = {
    "p",          "h1",     "h2",         "h3",   "h4",       "h5",    "h6",   "table",
    "thead",      "tbody",  "tr",         "th",   "td",       "ul",    "ol",   "li",
    "strong",     "em",     "code",       "pre",  "hr",       "br",    "a",    "del",
    "blockquote", "figure", "figcaption", "svg",  "title",    "line",  "text", "rect",
    "circle",     "g",      "html",       "head", "meta",     "style", "body", "main",
    "header",     "span",   "div",        "path", "polyline", "tspan", NULL};

/* Abort (a finding) saying which check failed. */
#define fail_if(bad)                                                                     \
    do {                                                                                 \
        if (bad) {                                                                       \
            fprintf(stderr, "fuzz_render.c:%d: check failed: %s\n", __LINE__, #bad);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Every '<' opens an allowed tag (or closes one); the text is valid UTF-8. */
static void check_html(const char *html, int page) {
    size_t n = strlen(html);
    fail_if(utf8_prefix(html, n) != n);
    for (const char *p = html; (p = strchr(p, '<')) != NULL; p++) {
        const char *q = p + 1;
        if (*q == '/')
            q++;
        if (page && strncmp(q, "!DOCTYPE html>", 14) == 0)
            continue;
        if (page && strncmp(q, "script>", 7) == 0) {
            /* the page template's own code: skip to its end */
            const char *end = strstr(q, "</script>");
            fail_if(end == NULL);
            p = end + 1;
            continue;
        }
        size_t len = strspn(q, "abcdefghijklmnopqrstuvwxyz0123456789");
        int ok = 0;
        for (size_t i = 0; allowed_tags[i] != NULL && !ok; i++)
            ok = strlen(allowed_tags[i]) == len && strncmp(q, allowed_tags[i], len) == 0;
        if (!ok || (q[len] != '>' && q[len] != ' ' && q[len] != '/'))
            fprintf(stderr, "unexpected tag: %.40s\n", p);
        fail_if(!ok || (q[len] != '>' && q[len] != ' ' && q[len] != '/'));
    }
}

/* Count the lines of 'text' that start with 'prefix'. */
static size_t count_lines(const char *text, size_t len, const char *prefix) {
    size_t n = 0, pl = strlen(prefix);
    for (size_t i = 0; i < len; i++)
        if ((i == 0 || text[i - 1] == '\n') && len - i >= pl &&
            memcmp(text + i, prefix, pl) == 0)
            n++;
    return n;
}

/* Data opened no fence, HTML block or marker: only the template's own lines
 * start with ``` or ~~~ or '<' (the chart markers, at most once each). */
static void check_markdown(const char *md, size_t len, size_t fences) {
    fail_if(count_lines(md, len, "```") != fences || count_lines(md, len, "~~~") != 0);
    fail_if(count_lines(md, len, "    ") != 0 || count_lines(md, len, "\t") != 0);
    static const char *const markers[] = {
        "<!-- chart:trials -->\n", "<!-- chart:breakdown -->\n", "<!-- chart:flame -->\n",
        "<!-- chart:sensitivity -->\n"};
    size_t ok = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t k = count_lines(md, len, markers[i]);
        fail_if(k > 1);
        ok += k;
    }
    fail_if(count_lines(md, len, "<") != ok);
}

static template *load(const char *name, size_t *fences) {
    char path[4096];
    error err;
    error_clear(&err);
    template *t = NULL;
    snprintf(path, sizeof path, "%s/%s", FUZZ_TEMPLATES_DIR, name);
    if (template_load(&t, path, &err) != 0)
        abort(); /* the build's own templates must load */
    if (fences != NULL) {
        /* A template without data: count its fence lines from the file. */
        FILE *f = fopen(path, "r");
        char line[4096];
        *fences = 0;
        while (f != NULL && fgets(line, sizeof line, f) != NULL)
            *fences += strncmp(line, "```", 3) == 0;
        if (f != NULL)
            fclose(f);
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static template *md_t, *page_t;
    static size_t fences;
    if (md_t == NULL) {
        md_t = load("CPU_OVERHEAD_ANALYSIS.md.mustache", &fences);
        page_t = load("page.html", NULL);
    }
    json_t *a = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(a)) {
        json_decref(a);
        return 0;
    }
    char *md = NULL, *body = NULL, *page = NULL;
    size_t md_len = 0;
    error err;
    error_clear(&err);
    if (template_render(&md, &md_len, md_t, a, TEMPLATE_MARKDOWN, &err) == 0) {
        check_markdown(md, md_len, fences);
        if (render_html_body(&body, md, md_len, a, &err) == 0) {
            check_html(body, 0);
            if (render_page(&page, page_t, a, body, "../index.html", &err) == 0)
                check_html(page, 1);
        }
    }
    /* A failure says what went wrong. */
    fail_if((md == NULL || body == NULL || page == NULL) &&
            (err.kind == ERR_NONE || err.text[0] == '\0'));
    free(md);
    free(body);
    free(page);
    json_decref(a);
    return 0;
}
