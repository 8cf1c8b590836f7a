/* Unit tests of the HTML renderer: GFM tables, safe mode, chart markers
 * replaced by SVG, and escaping of every piece of data that reaches HTML. */
#include "check.h"
#include "render.h"

#include <stdlib.h>

static json_t *load(const char *text) {
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    CHECK_MSG(v != NULL, "bad test JSON: %s", jerr.text);
    return v;
}

static const char *analysis_json =
    "{\"charts\": {"
    " \"trials\": {\"unit\": \"us/event\", \"caption\": \"c<1>\", \"target_value\": 10.5,"
    "   \"target_label\": \"target 5%\","
    "   \"band\": {\"lo\": 11, \"hi\": 13, \"label\": \"CI\"},"
    "   \"series\": [{\"label\": \"direct\", \"median\": 10,"
    "                 \"points\": [{\"trial\": 1, \"value\": 10}, {\"trial\": 2, \"value\": 9.5}]},"
    "               {\"label\": \"nats <script>\", \"median\": 12,"
    "                 \"points\": [{\"trial\": 1, \"value\": 12, \"outlier\": true}]}]},"
    " \"breakdown\": {\"unit\": \"us/event\", \"caption\": \"b\", \"items\": ["
    "   {\"label\": \"JSON & friends\", \"value\": 1.5}, {\"label\": \"SQLite\", \"value\": -0.5}]},"
    " \"sensitivity\": {\"unit\": \"us/event\", \"caption\": \"s\", \"groups\": ["
    "   {\"label\": \"memory\", \"bars\": [{\"label\": \"direct\", \"value\": 3},"
    "                                    {\"label\": \"nats\", \"value\": 12}]}]},"
    " \"flame\": {\"unit\": \"us/event\", \"caption\": \"f\", \"root\": {\"name\": \"all\","
    "   \"new\": 12, \"base\": 10, \"children\": [{\"name\": \"<script>alert(1)</script>\","
    "   \"new\": 8, \"base\": 2, \"children\": []}, {\"name\": \"sqlite3_step\", \"new\": 4,"
    "   \"base\": 8}]}}"
    "}}";

static void test_body(void) {
    json_t *a = load(analysis_json);
    const char *md = "# Report\n\n| fn | us |\n|---|---:|\n| a\\<b | 1 |\n\n"
                     "<!-- chart:trials -->\n![trials](charts/trials.svg)  \n*cap*\n\n"
                     "text <script>alert(1)</script>\n\n"
                     "<!-- chart:breakdown -->\n\n<!-- chart:sensitivity -->\n\n"
                     "<!-- chart:flame -->\n\n<!-- a plain comment -->\n";
    char *html = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(render_html_body(&html, md, strlen(md), a, &err) == 0, "%s", err.text);
    if (html != NULL) {
        CHECK(strstr(html, "<table>") != NULL);
        CHECK(strstr(html, "<td>a&lt;b</td>") != NULL);
        CHECK_MSG(strstr(html, "<script") == NULL, "unescaped script in:\n%s", html);
        CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL); /* flame name */
        CHECK(strstr(html, "nats &lt;script&gt;") != NULL);                   /* legend */
        CHECK(strstr(html, "JSON &amp; friends") != NULL);
        CHECK(strstr(html, "c&lt;1&gt;") != NULL);
        /* four charts, and the markers are gone */
        int svgs = 0;
        for (const char *p = html; (p = strstr(p, "<svg")) != NULL; p++)
            svgs++;
        CHECK_EQ_INT(svgs, 4);
        CHECK(strstr(html, "chart:") == NULL);
        CHECK(strstr(html, "raw HTML omitted") != NULL); /* safe mode kept */
        /* the Markdown's image of a chart gives way to the inline SVG */
        CHECK(strstr(html, "charts/trials.svg") == NULL);
        CHECK(strstr(html, "<figcaption>c&lt;1&gt;</figcaption>") != NULL);
        /* classes, not the obsolete align=; tables scroll in a container */
        CHECK(strstr(html, "align=") == NULL);
        CHECK(strstr(html, "<td class=\"num\">1</td>") != NULL);
        CHECK(strstr(html, "<div class=\"table-wrap\"><table>") != NULL);
        /* sqlite3_step's own time shrank (8 -> 4): its frame is blue */
        const char *f = strstr(html, "sqlite3_step\nNATS");
        f = f ? strstr(f, "fill=\"#") : NULL;
        unsigned r = 0, g = 0, bl = 0;
        CHECK(f != NULL && sscanf(f, "fill=\"#%2x%2x%2x", &r, &g, &bl) == 3);
        CHECK_MSG(bl > r + 60, "shrinking frame not blue: #%02x%02x%02x", r, g, bl);
    }
    free(html);
    json_decref(a);
}

static void test_errors(void) {
    json_t *a = load("{\"charts\": {\"trials\": {\"series\": []}}}");
    char *html = NULL;
    error err;
    error_clear(&err);
    const char *md = "<!-- chart:trials -->\n";
    CHECK(render_html_body(&html, md, strlen(md), a, &err) != 0);
    CHECK(html == NULL);
    CHECK_EQ_STR(err.text, "chart 'trials': no 'series' array");
    error_clear(&err);
    md = "<!-- chart:pie -->\n";
    CHECK(render_html_body(&html, md, strlen(md), a, &err) != 0);
    CHECK_EQ_STR(err.text, "chart 'pie': no data in analysis.charts");
    error_clear(&err);
    CHECK(render_html_body(&html, md, strlen(md), NULL, &err) != 0);
    /* values whose span overflows to infinity: an error, never an endless tick loop */
    json_t *huge = load("{\"items\": [{\"label\": \"x\", \"value\": 1.7e308},"
                        " {\"label\": \"y\", \"value\": -1.7e308}]}");
    buf hb = BUF_INIT;
    error_clear(&err);
    CHECK(render_chart_svg(&hb, "breakdown", huge, &err) != 0);
    CHECK_EQ_STR(err.text, "chart 'breakdown': all values are zero or not finite");
    buf_free(&hb);
    json_decref(huge);
    buf b = BUF_INIT;
    error_clear(&err);
    json_t *obj = json_object();
    CHECK(render_chart_svg(&b, "pie", obj, &err) != 0);
    CHECK_EQ_STR(err.text, "chart 'pie': no such chart");
    json_decref(obj);
    buf_free(&b);
    json_decref(a);
}

static void test_page(void) {
    const char *page_text =
        "<title>{{title}}</title><a href=\"{{index_href}}\">i</a><main>{{{body}}}</main>";
    template *page = NULL;
    error err;
    error_clear(&err);
    CHECK(template_parse(&page, page_text, strlen(page_text), "page.html", &err) == 0);
    json_t *a = load("{\"title\": \"A & <B>\"}");
    char *out = NULL;
    CHECK(render_page(&out, page, a, "<p>x</p>", "../i.html", &err) == 0);
    CHECK_EQ_STR(out, "<title>A &amp; &lt;B&gt;</title><a href=\"../i.html\">i</a>"
                      "<main><p>x</p></main>");
    free(out);
    json_decref(a);
    template_free(page);
}

/* The rate chart: a log rate axis (ticks at the powers of ten), the band and
 * curve, the measured points with their intervals, the target line and the
 * crossing; every coordinate of a point follows from its rate and value. */
static void test_rate_chart(void) {
    json_t *c = load("{\"curve\": [{\"rate\": 10, \"pp\": 1, \"lo_pp\": 0, \"hi_pp\": 2},"
                     " {\"rate\": 1000, \"pp\": 30, \"lo_pp\": 25, \"hi_pp\": 35}],"
                     " \"points\": [{\"rate\": 100, \"pp\": 10, \"lo_pp\": 8, \"hi_pp\": 12}],"
                     " \"target_pp\": 5, \"crossing\": 60, \"team_rate\": null}");
    buf b = BUF_INIT;
    error err;
    error_clear(&err);
    CHECK_EQ_INT(render_chart_svg(&b, "rate", c, &err), 0);
    const char *svg = b.data ? b.data : "";
    /* x: 80 + (log10(r) - 1) / 2 * 580; y: 300 - (v - 0) / 40 * 260 (axis 0..40) */
    CHECK_MSG(strstr(svg, "<circle cx=\"370.0\" cy=\"235.0\"") != NULL, "%s", svg);
    CHECK(strstr(svg, ">10</text>") && strstr(svg, ">100</text>") && strstr(svg, ">1000</text>"));
    CHECK(strstr(svg, "target 5") != NULL);
    CHECK(strstr(svg, "target crossed") != NULL);
    CHECK(strstr(svg, "your rate") == NULL); /* no team rate given */
    CHECK(strstr(svg, "<polygon") != NULL && strstr(svg, "<polyline") != NULL);
    buf_free(&b);
    json_decref(c);
    c = load("{\"curve\": [{\"rate\": 10, \"pp\": 1}], \"points\": []}");
    error_clear(&err);
    CHECK(render_chart_svg(&b, "rate", c, &err) != 0);
    CHECK_EQ_STR(err.text, "chart 'rate': no 'curve' of two points or more");
    buf_free(&b);
    json_decref(c);
    c = load("{\"curve\": [{\"rate\": 0, \"pp\": 1}, {\"rate\": 0, \"pp\": 2}]}");
    error_clear(&err);
    CHECK(render_chart_svg(&b, "rate", c, &err) != 0);
    CHECK_EQ_STR(err.text, "chart 'rate': no positive, finite rate range");
    buf_free(&b);
    json_decref(c);
}

int main(void) {
    test_body();
    test_rate_chart();
    test_errors();
    test_page();
    return check_status();
}
