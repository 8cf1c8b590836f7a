#include "publish.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "render.h"
#include "template.h"

int publish_mkdirs(const char *path, error *err) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return error_set(err, ERR_INPUT, "%s: path too long", path);
    for (char *p = tmp + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return error_errno(err, ERR_SYSTEM, errno, "%s: cannot create directory", tmp);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

/* Write 'text' to DIR/NAME atomically. */
static int write_in(const char *dir, const char *name, const char *text, size_t len,
                    error *err) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return error_set(err, ERR_INPUT, "%s: path too long", dir);
    return file_write_atomic(path, text, len, err);
}

/* The standalone SVG files of the charts the Markdown shows (its
 * `<!-- chart:NAME -->` markers), as charts/NAME.svg beside the report so
 * that the Markdown's image links work wherever it is read. */
static int write_charts(const char *outdir, const char *md, json_t *analysis, error *err) {
    static const char *const names[] = {"trials", "breakdown", "sensitivity", "flame"};
    char dir[4096], marker[64], file[64];
    if (snprintf(dir, sizeof dir, "%s/charts", outdir) >= (int)sizeof dir)
        return error_set(err, ERR_INPUT, "%s: path too long", outdir);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(marker, sizeof marker, "<!-- chart:%s -->", names[i]);
        if (strstr(md, marker) == NULL)
            continue;
        buf svg = BUF_INIT;
        buf_puts(&svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        int rc = render_chart_svg(&svg, names[i],
                                  json_object_get(json_object_get(analysis, "charts"), names[i]),
                                  err);
        buf_puts(&svg, "\n");
        snprintf(file, sizeof file, "%s.svg", names[i]);
        if (rc == 0 && svg.failed)
            rc = error_set(err, ERR_NOMEM, "chart '%s': out of memory", names[i]);
        if (rc == 0)
            rc = publish_mkdirs(dir, err) != 0 || write_in(dir, file, svg.data, svg.len, err) != 0
                     ? -1
                     : 0;
        buf_free(&svg);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int publish_report(const char *outdir, json_t *analysis, const publish_paths *paths,
                   const char *index_href, error *err) {
    int rc = -1;
    template *md_t = NULL, *page_t = NULL;
    char *md = NULL, *body = NULL, *html = NULL, *json = NULL;
    size_t md_len = 0;
    if (template_load(&md_t, paths->md_template, err) != 0 ||
        template_load(&page_t, paths->page, err) != 0)
        goto done;
    if (template_render(&md, &md_len, md_t, analysis, TEMPLATE_MARKDOWN, err) != 0)
        goto done;
    if (render_html_body(&body, md, md_len, analysis, err) != 0)
        goto done;
    if (render_page(&html, page_t, analysis, body, index_href, err) != 0)
        goto done;
    /* As `overhead analyze` prints it, newline included: re-analysing the
     * published data/ gives this file byte for byte. */
    json = json_dumps(analysis, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *nl = json ? realloc(json, strlen(json) + 2) : NULL;
    if (nl != NULL) {
        json = nl;
        strcat(json, "\n");
    }
    if (json == NULL || nl == NULL) {
        error_set(err, ERR_NOMEM, "%s: cannot serialise the analysis", outdir);
        goto done;
    }
    /* Everything is rendered before anything is written: a template error
     * leaves the previous report untouched. */
    if (publish_mkdirs(outdir, err) != 0 ||
        write_in(outdir, "CPU_OVERHEAD_ANALYSIS.json", json, strlen(json), err) != 0 ||
        write_in(outdir, "CPU_OVERHEAD_ANALYSIS.md", md, md_len, err) != 0 ||
        write_in(outdir, "CPU_OVERHEAD_ANALYSIS.html", html, strlen(html), err) != 0 ||
        write_charts(outdir, md, analysis, err) != 0)
        goto done;
    rc = 0;
done:
    template_free(md_t);
    template_free(page_t);
    free(md);
    free(body);
    free(html);
    free(json);
    return rc;
}

/* Newest first by date, then by directory. */
static int cmp_reports(const void *pa, const void *pb) {
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    const char *da = json_string_value(json_object_get(a, "date"));
    const char *db = json_string_value(json_object_get(b, "date"));
    int c = strcmp(db ? db : "", da ? da : "");
    if (c != 0)
        return c;
    return strcmp(json_string_value(json_object_get(a, "dir")),
                  json_string_value(json_object_get(b, "dir")));
}

/* The index row for one published report directory 'rel' (relative to docs). */
static json_t *index_row(const char *docs, const char *rel, const char *sprint) {
    char path[4096];
    json_error_t jerr = {.text = "path too long"};
    json_t *a = NULL;
    if (snprintf(path, sizeof path, "%s/%s/CPU_OVERHEAD_ANALYSIS.json", docs, rel) <
        (int)sizeof path)
        a = json_load_file(path, 0, &jerr);
    json_t *h = json_object_get(a, "headline");
    const char *date = json_string_value(json_object_get(a, "generated"));
    const char *verdict = json_string_value(json_object_get(h, "verdict"));
    const char *pct = json_string_value(json_object_get(h, "overhead_pct"));
    const char *lo = json_string_value(json_object_get(h, "ci_lo_pct"));
    const char *hi = json_string_value(json_object_get(h, "ci_hi_pct"));
    char headline[512];
    if (a == NULL || pct == NULL || verdict == NULL)
        snprintf(headline, sizeof headline, "unreadable analysis: %s",
                 a == NULL ? jerr.text : "no headline");
    else
        snprintf(headline, sizeof headline, "%s%% per-event overhead (95%% CI %s%% to %s%%)",
                 pct, lo ? lo : "?", hi ? hi : "?");
    json_t *rec = json_object_get(a, "recommendation");
    const char *decision = json_string_value(json_object_get(rec, "decision"));
    const char *rate_verdict =
        json_string_value(json_object_get(json_object_get(a, "chat_rate"), "verdict"));
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "date", date ? date : "",
                            "sprint", sprint, "headline", headline, "verdict",
                            verdict ? verdict : "UNKNOWN", "dir", rel, "decision",
                            decision ? decision : "");
    if (row != NULL && rate_verdict != NULL)
        json_object_set_new(row, "rate_verdict", json_string(rate_verdict));
    struct stat sb;
    if (row != NULL &&
        snprintf(path, sizeof path, "%s/%s/data/README.md", docs, rel) < (int)sizeof path &&
        stat(path, &sb) == 0)
        json_object_set_new(row, "has_data", json_true());
    /* The trend chart's numbers, when the headline has them. */
    char *end;
    if (row != NULL && pct != NULL && lo != NULL && hi != NULL) {
        double v = strtod(pct, &end), l = strtod(lo, &end), h = strtod(hi, &end);
        json_object_set_new(row, "trend",
                            json_pack("{s:f, s:f, s:f}", "value", v, "lo", l, "hi", h));
    }
    json_decref(a);
    return row;
}

int publish_index(const char *docs, const publish_paths *paths, error *err) {
    int rc = -1;
    template *t = NULL;
    char *html = NULL;
    json_t *rows = json_array();
    char sprints[4096];
    snprintf(sprints, sizeof sprints, "%s/sprints", docs);
    DIR *top = opendir(sprints);
    if (rows == NULL) {
        error_set(err, ERR_NOMEM, "%s: out of memory", docs);
        goto done;
    }
    /* docs/sprints/<state>/<sprint>/CPU_OVERHEAD_ANALYSIS.json */
    struct dirent *st;
    while (top != NULL && (st = readdir(top)) != NULL) {
        if (st->d_name[0] == '.')
            continue;
        char state_dir[4096];
        if (snprintf(state_dir, sizeof state_dir, "%s/%s", sprints, st->d_name) >=
            (int)sizeof state_dir)
            continue;
        DIR *sd = opendir(state_dir);
        struct dirent *sp;
        while (sd != NULL && (sp = readdir(sd)) != NULL) {
            if (sp->d_name[0] == '.')
                continue;
            char rel[1024], probe[4096];
            struct stat sb;
            if (snprintf(rel, sizeof rel, "sprints/%s/%s", st->d_name, sp->d_name) >=
                    (int)sizeof rel ||
                snprintf(probe, sizeof probe, "%s/%s/CPU_OVERHEAD_ANALYSIS.json", docs, rel) >=
                    (int)sizeof probe ||
                stat(probe, &sb) != 0)
                continue;
            json_t *row = index_row(docs, rel, sp->d_name);
            if (row == NULL || json_array_append_new(rows, row) != 0) {
                closedir(sd);
                error_set(err, ERR_NOMEM, "%s: out of memory", docs);
                goto done;
            }
        }
        if (sd != NULL)
            closedir(sd);
    }
    size_t n = json_array_size(rows);
    json_t **items = malloc((n ? n : 1) * sizeof *items);
    if (items == NULL) {
        error_set(err, ERR_NOMEM, "%s: out of memory", docs);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(rows, i));
    qsort(items, n, sizeof *items, cmp_reports);
    json_array_clear(rows);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(rows, items[i]);
    free(items);
    json_t *ctx = json_pack("{s:O}", "reports", rows);
    buf trend = BUF_INIT;
    if (ctx != NULL && render_trend_svg(&trend, rows) == 0 && trend.len > 0)
        json_object_set_new(ctx, "trend_svg", json_string(trend.data));
    buf_free(&trend);
    if (template_load(&t, paths->index_page, err) == 0 &&
        template_render(&html, NULL, t, ctx, TEMPLATE_HTML, err) == 0 &&
        publish_mkdirs(docs, err) == 0 && write_in(docs, "index.html", html, strlen(html), err) == 0)
        rc = 0;
    json_decref(ctx);
done:
    if (top != NULL)
        closedir(top);
    template_free(t);
    free(html);
    json_decref(rows);
    return rc;
}
