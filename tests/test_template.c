/* Unit tests of the template engine: every construct and every error. */
#include "check.h"
#include "template.h"

#include <stdlib.h>

/* Render 'text' with the JSON document 'data' and compare with 'want'. */
static void expect(const char *text, const char *data, template_lang lang, const char *want) {
    json_error_t jerr;
    json_t *root = json_loads(data, 0, &jerr);
    CHECK_MSG(root != NULL, "bad test data: %s", jerr.text);
    template *t = NULL;
    error err;
    error_clear(&err);
    char *out = NULL;
    if (template_parse(&t, text, strlen(text), "t.mustache", &err) == 0)
        template_render(&out, NULL, t, root, lang, &err);
    CHECK_MSG(out != NULL && strcmp(out, want) == 0, "template %s\n  got  [%s]\n  want [%s]\n  %s",
              text, out ? out : "(null)", want, err.text);
    free(out);
    template_free(t);
    json_decref(root);
}

/* Parsing or rendering must fail with exactly the message 'want'. */
static void expect_error(const char *text, const char *data, const char *want) {
    json_t *root = json_loads(data, 0, NULL);
    template *t = NULL;
    error err;
    error_clear(&err);
    char *out = NULL;
    int rc = template_parse(&t, text, strlen(text), "t.mustache", &err);
    if (rc == 0) {
        rc = template_render(&out, NULL, t, root, TEMPLATE_MARKDOWN, &err);
        CHECK(rc != 0 || out != NULL);
    } else {
        CHECK(t == NULL);
    }
    CHECK_MSG(rc != 0, "template %s rendered [%s], expected an error", text, out);
    CHECK(out == NULL);
    CHECK_EQ_INT(err.kind, ERR_INPUT);
    CHECK_EQ_STR(err.text, want);
    free(out);
    template_free(t);
    json_decref(root);
}

int main(void) {
    const template_lang md = TEMPLATE_MARKDOWN, html = TEMPLATE_HTML;
    /* variables and dotted paths */
    expect("plain text", "{}", md, "plain text");
    expect("", "{}", md, "");
    expect("Hi {{name}}!", "{\"name\":\"Ann\"}", md, "Hi Ann!");
    expect("{{ a.b.c }}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", md, "deep");
    expect("{{n}} {{r}} {{t}} {{f}} [{{z}}]", "{\"n\":42,\"r\":2.5,\"t\":true,\"f\":false,\"z\":null}",
           md, "42 2.5 true false []");
    /* escaping: Markdown backslashes, HTML entities, raw forms */
    expect("{{s}}", "{\"s\":\"a_b*c|d<e>&`x`\\nnext\"}", md,
           "a\\_b\\*c\\|d\\<e\\>\\&\\`x\\` next");
    expect("{{s}}", "{\"s\":\"<script>&\\\"'\"}", html, "&lt;script&gt;&amp;&quot;&#39;");
    expect("{{{s}}}|{{&s}}", "{\"s\":\"<b>_x_</b>\"}", md, "\\<b\\>_x_\\</b\\>|\\<b\\>_x_\\</b\\>");
    expect("{{{s}}}|{{&s}}", "{\"s\":\"<b>_x_</b>\"}", html, "<b>_x_</b>|<b>_x_</b>");
    /* data can open no block, raw HTML or link (issue 14, item 8) */
    expect("{{{s}}}\n", "{\"s\":\"```\\n<script>x</script>\"}", md,
           "\\``` \\<script\\>x\\</script\\>\n");
    expect("{{{s}}}", "{\"s\":\"~~~ a\"}", md, "\\~~~ a");
    expect("{{{s}}}", "{\"s\":\"  <div>\"}", md, "\\<div\\>");
    expect("{{{s}}}", "{\"s\":\"**bold** `code` [x](y) a\\\\<b>\"}", md,
           "**bold** `code` \\[x\\](y) a\\\\\\<b\\>");
    expect("{{s}}", "{\"s\":\"# h\"}", md, "\\# h");
    expect("{{s}}", "{\"s\":\"12. x\"}", md, "12\\. x");
    expect("{{s}}", "{\"s\":\"- x\"}", md, "\\- x");
    expect("{{{s}}}", "{\"s\":\"* x\"}", md, "\\* x");
    expect("{{{s}}}", "{\"s\":\"===\"}", md, "\\===");
    expect("a {{s}} | {{s}}", "{\"s\":\"# -\"}", md, "a # - | # -"); /* mid-line */
    expect("> 2) {{s}}", "{\"s\":\"# -\"}", md, "> 2) \\# -");
    expect("- {{s}}\n1. {{{s}}}", "{\"s\":\"     ```x\"}", md, "- \\`\\`\\`x\n1. \\```x");
    expect("```\n$ {{{s}}} {{t}}\n```\n", "{\"s\":\"a<b>\\n```\",\"t\":\"*\"}", md,
           "```\n$ a<b> ``` *\n```\n");
    expect_error("```\n{{{s}}}\n```\n", "{}",
                 "t.mustache:2:1: 's' starts a line inside a code fence: put text before it "
                 "(e.g. '$ ')");
    expect("````\n```\n````\n{{s}}", "{\"s\":\"<\"}", md, "````\n```\n````\n\\<");
    /* sections over arrays, objects, scalars; the context stack */
    expect("{{#xs}}[{{.}}]{{/xs}}", "{\"xs\":[1,2,3]}", md, "[1][2][3]");
    expect("{{#xs}}{{name}}={{v}};{{/xs}}", "{\"v\":\"outer\",\"xs\":[{\"name\":\"a\",\"v\":1},{\"name\":\"b\"}]}",
           md, "a=1;b=outer;");
    expect("{{#o}}{{k}}{{/o}}", "{\"o\":{\"k\":\"in\"}}", md, "in");
    expect("{{#t}}yes{{/t}}{{#f}}no{{/f}}{{#e}}no{{/e}}{{#m}}no{{/m}}{{#z}}no{{/z}}",
           "{\"t\":true,\"f\":false,\"e\":[],\"z\":0}", md, "yes");
    expect("{{#s}}{{.}}{{/s}}", "{\"s\":\"str\"}", md, "str");
    expect("{{#a}}{{#b}}{{x}}{{/b}}{{/a}}", "{\"a\":{\"x\":1,\"b\":[{},{}]}}", md, "11");
    /* inverted sections */
    expect("{{^f}}none{{/f}}{{^e}}empty{{/e}}{{^m}}missing{{/m}}{{^t}}no{{/t}}",
           "{\"f\":false,\"e\":[],\"t\":1}", md, "noneemptymissing");
    /* comments */
    expect("a{{! a comment }}b", "{}", md, "ab");
    expect("a{{! multi\nline }}b", "{}", md, "ab");
    /* standalone tags remove their line */
    expect("| h |\n{{#xs}}\n| {{.}} |\n{{/xs}}\nend\n", "{\"xs\":[1,2]}", md,
           "| h |\n| 1 |\n| 2 |\nend\n");
    expect("  {{! note }}  \nline\n", "{}", md, "line\n");
    expect("x {{#t}}\ny{{/t}}\n", "{\"t\":true}", md, "x \ny\n"); /* not standalone */
    /* errors, with template line and column */
    expect_error("ok\n  {{name", "{}", "t.mustache:2:3: tag is never closed with '}}'");
    expect_error("{{{raw}}", "{}", "t.mustache:1:1: tag is never closed with '}}}'");
    expect_error("{{#a}}x", "{}", "t.mustache:1:1: section 'a' is never closed");
    expect_error("{{#a}}{{/b}}", "{}",
                 "t.mustache:1:7: '{{/b}}' closes section 'a' opened at 1:1");
    expect_error("x{{/a}}", "{}", "t.mustache:1:2: '{{/a}}' closes no open section");
    expect_error("{{> part}}", "{}", "t.mustache:1:1: partials ({{>...}}) are not supported");
    expect_error("{{=<% %>=}}", "{}",
                 "t.mustache:1:1: delimiter changes ({{=...=}}) are not supported");
    expect_error("{{a b}}", "{}", "t.mustache:1:1: bad name 'a b' in tag");
    expect_error("{{}}", "{}", "t.mustache:1:1: bad name '' in tag");
    expect_error("{{a..b}}", "{}", "t.mustache:1:1: bad name 'a..b' in tag");
    expect_error("line\n {{missing}}", "{}", "t.mustache:2:2: no value for 'missing'");
    expect_error("{{a.b}}", "{\"a\":{}}", "t.mustache:1:1: no value for 'a.b'");
    expect_error("{{o}}", "{\"o\":{}}", "t.mustache:1:1: 'o' is an object, not a value to print");
    expect_error("{{#xs}}{{.}}{{/xs}}", "{\"xs\":[[1]]}",
                 "t.mustache:1:8: '.' is an array, not a value to print");
    /* nesting deeper than the limit is refused, not a stack overflow */
    char deep[70 * 12 + 1] = "";
    for (int i = 0; i < 70; i++)
        strcat(deep, "{{#a}}");
    expect_error(deep, "{}", "t.mustache:1:385: sections nested deeper than 64");
    /* a missing file names the file */
    template *t = NULL;
    error err;
    error_clear(&err);
    CHECK(template_load(&t, "/nonexistent/x.mustache", &err) != 0);
    CHECK(t == NULL);
    CHECK(strstr(err.text, "/nonexistent/x.mustache: cannot open") == err.text);
    return check_status();
}
