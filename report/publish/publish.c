#include "publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "jsonfile.h"
#include "fileio.h"
#include "render.h"
#include "template.h"

/* Whether a failure to create or write under a path is the caller's (a
 * path that cannot be a folder, or that we may not write): bad usage, exit
 * 2. Disk full and the like stay system errors. */
static error_kind path_error_kind(int e) {
    return e == EACCES || e == EPERM || e == EROFS || e == ENOTDIR || e == EEXIST ||
                   e == ENAMETOOLONG || e == ELOOP
               ? ERR_INPUT
               : ERR_SYSTEM;
}

int publish_mkdirs(const char *path, error *err) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return error_set(err, ERR_INPUT, "%s: path too long", path);
    for (char *p = tmp + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            struct stat sb;
            if (mkdir(tmp, 0755) != 0 && (errno != EEXIST || stat(tmp, &sb) != 0 ||
                                          !S_ISDIR(sb.st_mode))) {
                int e = errno == EEXIST ? ENOTDIR : errno;
                return error_errno(err, path_error_kind(e), e, "%s: cannot create directory",
                                   tmp);
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

/* One file of a report set. */
typedef struct set_file {
    const char *name;
    const char *text;
    size_t len;
} set_file;

/* Remove the folder 'dir' and everything under it: only our own temporary
 * or replaced set is ever passed here (depth-limited, symlinks not followed). */
static void remove_set_at(const char *dir, int depth) {
    DIR *d = depth < 8 ? opendir(dir) : NULL;
    struct dirent *e;
    char path[4096];
    struct stat sb;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_set_at(path, depth + 1);
        else
            unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static void remove_set(const char *dir) {
    remove_set_at(dir, 0);
}

/* Whether the set writes the top-level entry 'name' (a file, or the folder
 * of "charts/x.svg"): the set replaces it whole. */
static int is_set_file(const char *name, const set_file *files, size_t n) {
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (strncmp(files[i].name, name, len) == 0 &&
            (files[i].name[len] == '\0' || files[i].name[len] == '/'))
            return 1;
    return 0;
}

/* Recreate 'from' (a folder of the published set that the new set does not
 * write, e.g. data/) at 'to': folders made, files hard-linked, symlinks
 * copied. */
static int carry_tree(const char *from, const char *to, int depth, error *err) {
    if (depth > 8)
        return error_set(err, ERR_INPUT, "%s: folders nested too deep to keep", from);
    DIR *d = opendir(from);
    if (d == NULL)
        return error_errno(err, ERR_SYSTEM, errno, "%s: cannot read", from);
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char a[4096], b[4096], target[4096];
        struct stat sb;
        ssize_t tn;
        if (snprintf(a, sizeof a, "%s/%s", from, e->d_name) >= (int)sizeof a ||
            snprintf(b, sizeof b, "%s/%s", to, e->d_name) >= (int)sizeof b)
            rc = error_set(err, ERR_INPUT, "%s: path too long", from);
        else if (lstat(a, &sb) != 0)
            rc = error_errno(err, ERR_SYSTEM, errno, "%s: cannot stat", a);
        else if (S_ISDIR(sb.st_mode))
            rc = mkdir(b, 0755) != 0 ? error_errno(err, ERR_SYSTEM, errno, "%s: mkdir", b)
                                     : carry_tree(a, b, depth + 1, err);
        else if (S_ISREG(sb.st_mode))
            rc = link(a, b) != 0 ? error_errno(err, ERR_SYSTEM, errno, "%s: cannot keep", a)
                                 : 0;
        else if (S_ISLNK(sb.st_mode) && (tn = readlink(a, target, sizeof target - 1)) >= 0)
            rc = (target[tn] = '\0', symlink(target, b)) != 0
                     ? error_errno(err, ERR_SYSTEM, errno, "%s: cannot keep", a)
                     : 0;
        else
            rc = error_set(err, ERR_INPUT, "%s: not a file or folder; cannot keep it", a);
    }
    closedir(d);
    return rc;
}

/* Keep in 'tmp' what the published folder 'outdir' holds beyond the set
 * (e.g. data/ from `overhead report`), so that switching folders loses
 * nothing; what the set writes is left behind and replaced. */
static int carry_over(const char *outdir, const char *tmp, const set_file *files, size_t n,
                      error *err) {
    struct stat sb;
    if (lstat(outdir, &sb) != 0)
        return errno == ENOENT ? 0
                               : error_errno(err, path_error_kind(errno), errno,
                                             "%s: cannot read the published folder", outdir);
    if (!S_ISDIR(sb.st_mode))
        return error_set(err, ERR_INPUT, "%s: exists and is not a folder", outdir);
    DIR *d = opendir(outdir);
    if (d == NULL)
        return error_errno(err, path_error_kind(errno), errno,
                           "%s: cannot read the published folder", outdir);
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            is_set_file(e->d_name, files, n))
            continue;
        char from[4096], to[4096];
        if (snprintf(from, sizeof from, "%s/%s", outdir, e->d_name) >= (int)sizeof from ||
            snprintf(to, sizeof to, "%s/%s", tmp, e->d_name) >= (int)sizeof to)
            rc = error_set(err, ERR_INPUT, "%s: path too long", outdir);
        else if (lstat(from, &sb) != 0)
            rc = error_errno(err, ERR_SYSTEM, errno, "%s: cannot stat", from);
        else if (S_ISDIR(sb.st_mode))
            rc = mkdir(to, 0755) != 0
                     ? error_errno(err, ERR_SYSTEM, errno, "%s: cannot create", to)
                     : carry_tree(from, to, 1, err);
        else if (link(from, to) != 0)
            rc = error_errno(err, ERR_SYSTEM, errno, "%s: cannot keep '%s'", outdir,
                             e->d_name);
    }
    closedir(d);
    return rc;
}

/* Put the complete folder 'tmp' in the place of 'outdir' in one step:
 * rename when there is none yet, else exchange the two (the old set ends
 * at 'tmp' and is removed). Where the file system cannot exchange, the old
 * folder is moved aside first and moved back if the second rename fails. */
static int switch_set(const char *tmp, const char *outdir, error *err) {
    if (rename(tmp, outdir) == 0)
        return 0;
    if (errno != EEXIST && errno != ENOTEMPTY)
        return error_errno(err, path_error_kind(errno), errno, "%s: cannot rename into place",
                           outdir);
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, outdir, RENAME_EXCHANGE) == 0) {
        remove_set(tmp);
        return 0;
    }
    char old[4096];
    if (snprintf(old, sizeof old, "%s.old-XXXXXX", tmp) >= (int)sizeof old ||
        mkdtemp(old) == NULL || rename(outdir, old) != 0)
        return error_errno(err, ERR_SYSTEM, errno, "%s: cannot move the previous set aside",
                           outdir);
    if (rename(tmp, outdir) != 0) {
        int e = errno;
        rename(old, outdir);
        return error_errno(err, ERR_SYSTEM, e, "%s: cannot rename into place", outdir);
    }
    remove_set(old);
    return 0;
}

/* Write files[0..n-1] as one set into 'outdir': all of them go into a new
 * hidden sibling folder, which then replaces 'outdir' in one rename. On any
 * failure the previous set is untouched and the temporary folder removed. */
static int publish_set(const char *outdir, const set_file *files, size_t n, error *err) {
    char dir[4096], tmp[4096];
    size_t len = strlen(outdir);
    while (len > 1 && outdir[len - 1] == '/')
        len--;
    if (len >= sizeof dir || len == 0)
        return error_set(err, ERR_INPUT, "%s: bad output folder", outdir);
    memcpy(dir, outdir, len);
    dir[len] = '\0';
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return error_set(err, ERR_INPUT, "%s: name the output folder itself", outdir);
    if (snprintf(tmp, sizeof tmp, "%.*s.%s.new-XXXXXX", slash ? (int)(slash - dir + 1) : 0,
                 dir, base) >= (int)sizeof tmp)
        return error_set(err, ERR_INPUT, "%s: path too long", outdir);
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        int rc = publish_mkdirs(dir, err);
        *slash = '/';
        if (rc != 0)
            return -1;
    }
    if (mkdtemp(tmp) == NULL)
        return error_errno(err, path_error_kind(errno), errno,
                           "%s: cannot create a folder next to it", outdir);
    int rc = chmod(tmp, 0755) != 0
                 ? error_errno(err, ERR_SYSTEM, errno, "%s: cannot set permissions", tmp)
                 : carry_over(dir, tmp, files, n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[4096];
        char *slash_in = NULL;
        if (snprintf(path, sizeof path, "%s/%s", tmp, files[i].name) >= (int)sizeof path) {
            rc = error_set(err, ERR_INPUT, "%s: path too long", outdir);
            break;
        }
        if ((slash_in = strrchr(path, '/')) > path + strlen(tmp)) {
            *slash_in = '\0'; /* charts/x.svg: its folder first */
            rc = publish_mkdirs(path, err);
            *slash_in = '/';
        }
        if (rc == 0)
            rc = file_write_atomic(path, files[i].text, files[i].len, err);
    }
    if (rc == 0)
        rc = switch_set(tmp, dir, err);
    if (rc != 0)
        remove_set(tmp);
    return rc;
}

/* Write 'text' to DIR/NAME atomically. */
static int write_in(const char *dir, const char *name, const char *text, size_t len,
                    error *err) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return error_set(err, ERR_INPUT, "%s: path too long", dir);
    return file_write_atomic(path, text, len, err);
}

#define CHARTS 5
static const char *const chart_names[CHARTS] = {"trials", "breakdown", "sensitivity",
                                                "flame", "rate"};
static const char *const chart_files[CHARTS] = {"charts/trials.svg", "charts/breakdown.svg",
                                                "charts/sensitivity.svg", "charts/flame.svg",
                                                "charts/rate.svg"};

/* The standalone SVG files of the charts the Markdown shows (its
 * `<!-- chart:NAME -->` markers), for charts/NAME.svg beside the report so
 * that the Markdown's image links work wherever it is read. charts[i] is
 * for chart_files[which[i]], i < *n (the caller frees them, also on error):
 * a chart the Markdown does not show leaves no gap, and no file of it. */
static int render_charts(buf charts[CHARTS], size_t which[CHARTS], size_t *n, const char *md,
                         json_t *analysis, error *err) {
    char marker[64];
    *n = 0;
    for (size_t i = 0; i < CHARTS; i++) {
        snprintf(marker, sizeof marker, "<!-- chart:%s -->", chart_names[i]);
        if (strstr(md, marker) == NULL)
            continue;
        which[*n] = i;
        buf *svg = &charts[(*n)++];
        buf_puts(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        int rc = render_chart_svg(
            svg, chart_names[i],
            json_object_get(json_object_get(analysis, "charts"), chart_names[i]), err);
        buf_puts(svg, "\n");
        if (rc == 0 && svg->failed)
            rc = error_set(err, ERR_NOMEM, "chart '%s': out of memory", chart_names[i]);
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
    size_t md_len = 0, ncharts = 0;
    buf charts[CHARTS] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    size_t which[CHARTS];
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
    /* Everything is rendered before anything is written, and the files
     * (charts included) replace the previous ones together or not at all. */
    if (render_charts(charts, which, &ncharts, md, analysis, err) != 0)
        goto done;
    set_file files[3 + CHARTS];
    size_t nfiles = 0;
    files[nfiles++] = (set_file){"CPU_OVERHEAD_ANALYSIS.json", json, strlen(json)};
    files[nfiles++] = (set_file){"CPU_OVERHEAD_ANALYSIS.md", md, md_len};
    files[nfiles++] = (set_file){"CPU_OVERHEAD_ANALYSIS.html", html, strlen(html)};
    for (size_t i = 0; i < ncharts; i++)
        files[nfiles++] = (set_file){chart_files[which[i]], charts[i].data, charts[i].len};
    if (publish_set(outdir, files, nfiles, err) != 0)
        goto done;
    rc = 0;
done:
    template_free(md_t);
    template_free(page_t);
    free(md);
    free(body);
    free(html);
    free(json);
    for (size_t i = 0; i < CHARTS; i++)
        buf_free(&charts[i]);
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

/* 'n' bytes of 's' as a JSON string, invalid UTF-8 (a folder name in
 * another encoding) shown as U+FFFD. NULL when out of memory. */
static json_t *utf8_string(const char *s, size_t n) {
    buf b = BUF_INIT;
    buf_utf8_valid(&b, s, n);
    size_t len = 0;
    char *text = buf_detach(&b, &len);
    json_t *v = text ? json_stringn(text, len) : NULL;
    free(text);
    return v;
}

/* Read the analysis at 'path' (bounded: a FIFO or device in docs/ must not
 * hang the index). NULL with 'why' set when it cannot be read or parsed. */
static json_t *index_load(const char *path, char *why, size_t size) {
    uint8_t *text = NULL;
    size_t len = 0;
    error e;
    error_clear(&e);
    json_error_t jerr;
    json_t *a = NULL;
    if (file_read_all(&text, &len, path, &e) != 0) {
        const char *colon = strstr(e.text, ": ");
        snprintf(why, size, "%.200s", colon ? colon + 2 : e.text);
    } else if ((a = json_loadb((const char *)text, len, 0, &jerr)) == NULL) {
        snprintf(why, size, "%s", jerr.text);
    }
    free(text);
    return a;
}

/* The index row for one published report directory 'rel' (relative to
 * docs): display texts are valid UTF-8 whatever the folder's name, and
 * "href" is 'rel' percent-encoded for the links. */
static json_t *index_row(const char *docs, const char *rel, const char *sprint) {
    char path[4096], why[256] = "path too long";
    json_t *a = NULL;
    if (snprintf(path, sizeof path, "%s/%s/CPU_OVERHEAD_ANALYSIS.json", docs, rel) <
        (int)sizeof path)
        a = index_load(path, why, sizeof why);
    json_t *h = json_object_get(a, "headline");
    const char *date = json_string_value(json_object_get(a, "generated"));
    const char *verdict = json_string_value(json_object_get(h, "verdict"));
    const char *pct = json_string_value(json_object_get(h, "overhead_pct"));
    const char *lo = json_string_value(json_object_get(h, "ci_lo_pct"));
    const char *hi = json_string_value(json_object_get(h, "ci_hi_pct"));
    buf headline = BUF_INIT, href = BUF_INIT;
    if (a == NULL || pct == NULL || verdict == NULL)
        buf_printf(&headline, "unreadable analysis: %s", a == NULL ? why : "no headline");
    else
        buf_printf(&headline, "%s%% per-event overhead (95%% CI %s%% to %s%%)", pct,
                   lo ? lo : "?", hi ? hi : "?");
    json_t *rec = json_object_get(a, "recommendation");
    const char *decision = json_string_value(json_object_get(rec, "decision"));
    const char *rate_verdict =
        json_string_value(json_object_get(json_object_get(a, "chat_rate"), "verdict"));
    buf_url_escaped(&href, rel, strlen(rel));
    json_t *row = json_object();
    if (row == NULL || headline.failed || href.failed ||
        json_object_set_new(row, "date", utf8_string(date ? date : "", date ? strlen(date) : 0)) ||
        json_object_set_new(row, "sprint", utf8_string(sprint, strlen(sprint))) ||
        json_object_set_new(row, "headline", utf8_string(headline.data ? headline.data : "",
                                                         headline.len)) ||
        json_object_set_new(row, "verdict", json_string(verdict ? verdict : "UNKNOWN")) ||
        json_object_set_new(row, "dir", utf8_string(rel, strlen(rel))) ||
        json_object_set_new(row, "href", json_stringn(href.data ? href.data : "", href.len)) ||
        json_object_set_new(row, "decision", json_string(decision ? decision : ""))) {
        json_decref(row);
        row = NULL;
    }
    buf_free(&headline);
    buf_free(&href);
    if (row != NULL && rate_verdict != NULL)
        json_object_set_new(row, "rate_verdict", json_string(rate_verdict));
    /* The verdict at the team's own rate (--team-rate), from the rate model. */
    json_t *team = json_object_get(json_object_get(a, "rate_model"), "team");
    const char *team_verdict = json_string_value(json_object_get(team, "verdict"));
    double team_rate = json_number_value(json_object_get(team, "rate"));
    if (row != NULL && team_verdict != NULL && team_rate > 0) {
        char r[32];
        snprintf(r, sizeof r, "%g", team_rate);
        json_object_set_new(row, "team_verdict", json_string(team_verdict));
        json_object_set_new(row, "team_rate", json_string(r));
    }
    /* The host the figures hold for: the analysis's hardware line, or for
     * older reports the CPU row of its environment table. */
    const char *hw =
        json_string_value(json_object_get(json_object_get(a, "hardware"), "text"));
    json_t *env = json_object_get(a, "environment"), *e;
    size_t k;
    json_array_foreach(env, k, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        if (hw == NULL && name != NULL && strncmp(name, "CPU", 3) == 0)
            hw = json_string_value(json_object_get(e, "value"));
    }
    if (row != NULL && hw != NULL)
        json_object_set_new(row, "hardware", utf8_string(hw, strlen(hw)));
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
                            json_pack("{s:o, s:o, s:o}", "value", jsonfile_num(v), "lo",
                                      jsonfile_num(l), "hi", jsonfile_num(h)));
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
