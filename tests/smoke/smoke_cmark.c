/* cmark-gfm links with its GFM extensions: a table renders to <table>, and
 * raw HTML is omitted by default (safe mode). */
#include "check.h"

#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>
#ifdef CMARK_GFM_DECLARE_EXTENSIONS
#include <cmark-gfm/cmark-gfm-extension_api.h>
void cmark_gfm_core_extensions_ensure_registered(void);
#else
#include <cmark-gfm-core-extensions.h>
#endif

int main(void) {
    cmark_gfm_core_extensions_ensure_registered();
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    CHECK(table != NULL);
    if (table == NULL)
        return check_status();
    const char *md = "| arch | us/event |\n|---|---:|\n| direct | 2.9 |\n\n<script>x</script>\n";
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_parser_attach_syntax_extension(p, table);
    cmark_parser_feed(p, md, strlen(md));
    cmark_node *doc = cmark_parser_finish(p);
    char *html = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));
    CHECK(html != NULL);
    CHECK_MSG(strstr(html, "<table>") != NULL, "%s", html);
    CHECK_MSG(strstr(html, "<td align=\"right\">2.9</td>") != NULL, "%s", html);
    CHECK_MSG(strstr(html, "<script>") == NULL, "raw HTML leaked: %s", html);
    free(html);
    cmark_node_free(doc);
    cmark_parser_free(p);
    return check_status();
}
