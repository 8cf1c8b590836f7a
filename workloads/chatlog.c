#include "chatlog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sqlite3.h>

struct chatlog {
    sqlite3 *db;
    sqlite3_stmt *insert;
    int batch;
    int batch_ms;
    int delay_ms;
    int in_batch;       /* events in the open transaction */
    double batch_start; /* monotonic seconds when it began */
    double *open_ts;    /* the open transaction's event timestamps [batch] */
    double *lat_us;     /* latency of every committed event */
    size_t nlat, lat_cap;
    int64_t committed;
    int64_t duplicates;
    char journal[32];
    char synchronous[16];
};

/* Run one statement that returns no rows we need. */
static int chatlog_exec(chatlog *log, const char *sql, error *err) {
    char *msg = NULL;
    if (sqlite3_exec(log->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        error_set(err, ERR_SYSTEM, "sqlite: %s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Run a PRAGMA query and copy its one text result, lower-cased, into 'buf'. */
static int chatlog_pragma(chatlog *log, const char *sql, char *buf, size_t size,
                          error *err) {
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(log->db, sql, -1, &st, NULL) != SQLITE_OK) {
        error_set(err, ERR_SYSTEM, "sqlite: %s: %s", sql, sqlite3_errmsg(log->db));
        goto done;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        error_set(err, ERR_SYSTEM, "sqlite: %s: %s", sql, sqlite3_errmsg(log->db));
        goto done;
    }
    const unsigned char *v = sqlite3_column_text(st, 0);
    snprintf(buf, size, "%s", v ? (const char *)v : "");
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}

static const char *const synchronous_names[] = {"off", "normal", "full", "extra"};

int chatlog_open(chatlog **out, const chatlog_config *cfg, error *err) {
    chatlog *log = NULL;
    char sql[128];
    *out = NULL;
    if (cfg->batch < 1)
        return error_set(err, ERR_INPUT, "chatlog: batch size must be >= 1, not %d",
                         cfg->batch);
    log = calloc(1, sizeof *log);
    if (log == NULL)
        return error_set(err, ERR_NOMEM, "chatlog: out of memory");
    log->batch = cfg->batch;
    log->batch_ms = cfg->batch_ms;
    log->delay_ms = cfg->delay_ms;
    log->open_ts = malloc((size_t)cfg->batch * sizeof *log->open_ts);
    log->lat_cap = cfg->expect > 0 ? (size_t)cfg->expect : 1024;
    log->lat_us = malloc(log->lat_cap * sizeof *log->lat_us);
    if (log->open_ts == NULL || log->lat_us == NULL) {
        error_set(err, ERR_NOMEM, "chatlog: out of memory");
        goto fail;
    }
    if (sqlite3_open(cfg->path, &log->db) != SQLITE_OK) {
        error_set(err, ERR_SYSTEM, "sqlite: cannot open %s: %s", cfg->path,
                  log->db ? sqlite3_errmsg(log->db) : "out of memory");
        goto fail;
    }
    if (cfg->busy_ms > 0)
        sqlite3_busy_timeout(log->db, cfg->busy_ms);
    if (cfg->journal != NULL) {
        snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s", cfg->journal);
        if (chatlog_pragma(log, sql, log->journal, sizeof log->journal, err) != 0)
            goto fail;
    }
    if (cfg->synchronous != NULL) {
        snprintf(sql, sizeof sql, "PRAGMA synchronous=%s", cfg->synchronous);
        if (chatlog_exec(log, sql, err) != 0)
            goto fail;
    }
    char sync_num[16];
    if (chatlog_pragma(log, "PRAGMA journal_mode", log->journal, sizeof log->journal,
                       err) != 0 ||
        chatlog_pragma(log, "PRAGMA synchronous", sync_num, sizeof sync_num, err) != 0)
        goto fail;
    int level = atoi(sync_num);
    snprintf(log->synchronous, sizeof log->synchronous, "%s",
             level >= 0 && level <= 3 ? synchronous_names[level] : sync_num);
    if (cfg->journal != NULL && strcasecmp(log->journal, cfg->journal) != 0 &&
        strcmp(cfg->path, ":memory:") != 0) {
        error_set(err, ERR_INPUT, "sqlite: %s: journal_mode=%s was not accepted (got %s)",
                  cfg->path, cfg->journal, log->journal);
        goto fail;
    }
    if (chatlog_exec(log,
                     "CREATE TABLE IF NOT EXISTS chat_log ("
                     "id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL, "
                     "message TEXT NOT NULL, timestamp REAL NOT NULL, event_id INTEGER)",
                     err) != 0)
        goto fail;
    if (cfg->dedupe && chatlog_exec(log,
                                    "CREATE UNIQUE INDEX IF NOT EXISTS chat_log_event_id "
                                    "ON chat_log (event_id)",
                                    err) != 0)
        goto fail;
    if (sqlite3_prepare_v2(log->db,
                           cfg->dedupe
                               ? "INSERT OR IGNORE INTO chat_log (username, "
                                 "message, timestamp, event_id) VALUES (?, ?, ?, ?)"
                               : "INSERT INTO chat_log (username, message, "
                                 "timestamp, event_id) VALUES (?, ?, ?, ?)",
                           -1, &log->insert, NULL) != SQLITE_OK) {
        error_set(err, ERR_SYSTEM, "sqlite: prepare INSERT: %s", sqlite3_errmsg(log->db));
        goto fail;
    }
    *out = log;
    return 0;
fail:
    chatlog_free(log);
    return -1;
}

static double chatlog_clock(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Record the latency of 'n' events just committed, published at ts[0..n). A
 * record that cannot grow stops growing: n < committed shows it. */
static void chatlog_committed_now(chatlog *log, const double *ts, int n) {
    double now = chatlog_clock(CLOCK_REALTIME);
    log->committed += n;
    if (log->nlat + (size_t)n > log->lat_cap) {
        size_t cap = log->lat_cap * 2 + (size_t)n;
        double *p = realloc(log->lat_us, cap * sizeof *p);
        if (p == NULL)
            return;
        log->lat_us = p;
        log->lat_cap = cap;
    }
    for (int i = 0; i < n; i++)
        log->lat_us[log->nlat++] = (now - ts[i]) * 1e6;
}

/* The test hook: a known delay before a commit. */
static void chatlog_delay(const chatlog *log) {
    if (log->delay_ms <= 0)
        return;
    struct timespec d = {log->delay_ms / 1000, (long)(log->delay_ms % 1000) * 1000000L};
    while (nanosleep(&d, &d) != 0)
        ;
}

int chatlog_log(chatlog *log, int64_t event_id, const char *username, const char *message,
                double timestamp, error *err) {
    return chatlog_log_n(log, event_id, username, strlen(username), message,
                         strlen(message), timestamp, err);
}

int chatlog_log_n(chatlog *log, int64_t event_id, const char *username,
                  size_t username_len, const char *message, size_t message_len,
                  double timestamp, error *err) {
    if (log->batch > 1 && log->in_batch == 0) {
        if (chatlog_exec(log, "BEGIN", err) != 0)
            return -1;
        if (log->batch_ms > 0)
            log->batch_start = chatlog_clock(CLOCK_MONOTONIC);
    }
    sqlite3_bind_text(log->insert, 1, username, (int)username_len, SQLITE_STATIC);
    sqlite3_bind_text(log->insert, 2, message, (int)message_len, SQLITE_STATIC);
    sqlite3_bind_double(log->insert, 3, timestamp);
    if (event_id >= 0)
        sqlite3_bind_int64(log->insert, 4, event_id);
    if (log->batch == 1)
        chatlog_delay(log);
    int rc = sqlite3_step(log->insert);
    if (rc == SQLITE_DONE && sqlite3_changes(log->db) == 0)
        log->duplicates++;
    sqlite3_reset(log->insert);
    sqlite3_clear_bindings(log->insert);
    if (rc != SQLITE_DONE)
        return error_set(err, ERR_SYSTEM, "sqlite: INSERT: %s", sqlite3_errmsg(log->db));
    if (log->batch == 1) {
        chatlog_committed_now(log, &timestamp, 1);
        return 0;
    }
    log->open_ts[log->in_batch++] = timestamp;
    if (log->in_batch >= log->batch ||
        (log->batch_ms > 0 &&
         chatlog_clock(CLOCK_MONOTONIC) - log->batch_start >= log->batch_ms / 1e3))
        return chatlog_flush(log, err);
    return 0;
}

int chatlog_flush(chatlog *log, error *err) {
    if (log->in_batch == 0)
        return 0;
    int n = log->in_batch;
    log->in_batch = 0;
    chatlog_delay(log);
    if (chatlog_exec(log, "COMMIT", err) != 0)
        return -1;
    chatlog_committed_now(log, log->open_ts, n);
    return 0;
}

int chatlog_batch(const chatlog *log) {
    return log->batch;
}

int chatlog_pending(const chatlog *log) {
    return log->in_batch;
}

int64_t chatlog_committed(const chatlog *log) {
    return log->committed;
}

static int chatlog_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted v[0..n), n > 0. */
static double chatlog_rank(const double *v, size_t n, double p) {
    size_t k = (size_t)(p * (double)n + 0.999999);
    return v[k == 0 ? 0 : k > n ? n - 1 : k - 1];
}

int chatlog_latency_get(const chatlog *log, chatlog_latency *out, error *err) {
    memset(out, 0, sizeof *out);
    out->n = (int64_t)log->nlat;
    if (log->nlat == 0)
        return 0;
    double *v = malloc(log->nlat * sizeof *v);
    if (v == NULL)
        return error_set(err, ERR_NOMEM, "chatlog: out of memory");
    memcpy(v, log->lat_us, log->nlat * sizeof *v);
    qsort(v, log->nlat, sizeof *v, chatlog_cmp);
    double sum = 0;
    for (size_t i = 0; i < log->nlat; i++)
        sum += v[i];
    out->p50_us = chatlog_rank(v, log->nlat, 0.50);
    out->p99_us = chatlog_rank(v, log->nlat, 0.99);
    out->max_us = v[log->nlat - 1];
    out->mean_us = sum / (double)log->nlat;
    free(v);
    return 0;
}

int chatlog_count(int64_t *out, chatlog *log, error *err) {
    sqlite3_stmt *st = NULL;
    int rc = -1;
    *out = -1;
    if (sqlite3_prepare_v2(log->db, "SELECT count(*) FROM chat_log", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        error_set(err, ERR_SYSTEM, "sqlite: SELECT count(*): %s",
                  sqlite3_errmsg(log->db));
        goto done;
    }
    *out = sqlite3_column_int64(st, 0);
    rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}

int64_t chatlog_duplicates(const chatlog *log) {
    return log->duplicates;
}

const char *chatlog_journal(const chatlog *log) {
    return log->journal;
}

const char *chatlog_synchronous(const chatlog *log) {
    return log->synchronous;
}

void chatlog_free(chatlog *log) {
    if (log == NULL)
        return;
    sqlite3_finalize(log->insert);
    sqlite3_close(log->db);
    free(log->open_ts);
    free(log->lat_us);
    free(log);
}
