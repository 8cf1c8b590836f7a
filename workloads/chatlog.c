#include "chatlog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

struct chatlog {
    sqlite3 *db;
    sqlite3_stmt *insert;
    int batch;
    int in_batch; /* events in the open transaction */
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

int chatlog_log(chatlog *log, int64_t event_id, const char *username, const char *message,
                double timestamp, error *err) {
    if (log->batch > 1 && log->in_batch == 0 && chatlog_exec(log, "BEGIN", err) != 0)
        return -1;
    sqlite3_bind_text(log->insert, 1, username, -1, SQLITE_STATIC);
    sqlite3_bind_text(log->insert, 2, message, -1, SQLITE_STATIC);
    sqlite3_bind_double(log->insert, 3, timestamp);
    if (event_id >= 0)
        sqlite3_bind_int64(log->insert, 4, event_id);
    int rc = sqlite3_step(log->insert);
    if (rc == SQLITE_DONE && sqlite3_changes(log->db) == 0)
        log->duplicates++;
    sqlite3_reset(log->insert);
    sqlite3_clear_bindings(log->insert);
    if (rc != SQLITE_DONE)
        return error_set(err, ERR_SYSTEM, "sqlite: INSERT: %s", sqlite3_errmsg(log->db));
    if (log->batch > 1 && ++log->in_batch >= log->batch)
        return chatlog_flush(log, err);
    return 0;
}

int chatlog_flush(chatlog *log, error *err) {
    if (log->in_batch == 0)
        return 0;
    log->in_batch = 0;
    return chatlog_exec(log, "COMMIT", err);
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
    free(log);
}
