/* chatlog: the chat log both architectures write to, so that the only
 * difference measured between them is the bus.
 *
 * Schema as in the bot, chat_log(id, username, message, timestamp), plus
 * event_id: the publisher's id of the event (NULL when it sent none), so that
 * storage across several services can be checked for "exactly once". One
 * prepared INSERT. Storage is configurable (":memory:" or a file, journal
 * mode, synchronous level, events per commit) and the effective settings, as
 * SQLite reports them back, are available for the run record.
 *
 * Latency: every committed event's delay from its own timestamp (when it was
 * published) to the end of its commit is recorded, so that batching's cost
 * in latency is measured from the events, not assumed. */
#ifndef OVERHEAD_CHATLOG_H
#define OVERHEAD_CHATLOG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct chatlog_config {
    const char *path;    /* ":memory:" or a file name (created fresh by the caller) */
    const char *journal; /* PRAGMA journal_mode value, e.g. "wal"; NULL keeps SQLite's */
    const char
        *synchronous; /* PRAGMA synchronous value, e.g. "normal"; NULL keeps SQLite's */
    int batch;        /* events per commit; 1 = autocommit every event (the bot) */
    int dedupe;       /* UNIQUE index on event_id and INSERT OR IGNORE: a redelivered
                         event (JetStream, at least once) is stored once */
    int busy_ms;      /* sqlite3_busy_timeout; 0 = none */
    int batch_ms;     /* with batch > 1: commit once the open transaction is this old
                         (ms, checked as events are added); 0 = no age limit */
    int delay_ms;     /* test hook: sleep this long before every commit (the known
                         delay the latency test looks for); 0 = none */
    int64_t expect;   /* events expected: reserves the latency record; 0 = grow */
} chatlog_config;

/* Publish-to-commit latency of the committed events, in microseconds. */
typedef struct chatlog_latency {
    int64_t n; /* events recorded (== committed unless memory ran out) */
    double p50_us, p99_us, max_us, mean_us;
} chatlog_latency;

typedef struct chatlog chatlog;

/* Open the database, apply the settings and create the table and the prepared
 * INSERT. On success *out is owned by the caller (chatlog_free). On error
 * *out is NULL and 'err' holds SQLite's message and the path. */
int chatlog_open(chatlog **out, const chatlog_config *cfg, error *err);

/* log_chat(): store one event ('event_id' < 0: NULL) published at
 * 'timestamp' (seconds since the epoch). With batch > 1 a transaction is
 * committed every 'batch' events or once it is batch_ms old; chatlog_flush
 * commits the rest. With dedupe, an event_id already stored is ignored and
 * counted (chatlog_duplicates). Returns 0 or -1 with 'err'. */
int chatlog_log(chatlog *log, int64_t event_id, const char *username, const char *message,
                double timestamp, error *err);

/* The same with explicit string lengths (the strings need no terminator). */
int chatlog_log_n(chatlog *log, int64_t event_id, const char *username,
                  size_t username_len, const char *message, size_t message_len,
                  double timestamp, error *err);

/* Events per commit (the configured batch). */
int chatlog_batch(const chatlog *log);

/* Events stored in the open transaction, not yet committed. */
int chatlog_pending(const chatlog *log);

/* Events committed so far (duplicates included). */
int64_t chatlog_committed(const chatlog *log);

/* The latency of the committed events (sorts a copy). Returns 0, or -1 with
 * ERR_NOMEM. */
int chatlog_latency_get(const chatlog *log, chatlog_latency *out, error *err);

/* Events ignored as already stored (dedupe only). */
int64_t chatlog_duplicates(const chatlog *log);

/* Commit an open batch, if any. Returns 0 or -1 with 'err'. */
int chatlog_flush(chatlog *log, error *err);

/* SELECT count(*) FROM chat_log into *out. Returns 0 or -1 with 'err'. */
int chatlog_count(int64_t *out, chatlog *log, error *err);

/* The effective settings as SQLite reports them (lower case, e.g. "wal",
 * "normal"); borrowed, valid until chatlog_free. */
const char *chatlog_journal(const chatlog *log);
const char *chatlog_synchronous(const chatlog *log);

/* Close the database (rolls back nothing: call chatlog_flush first). NULL is a no-op. */
void chatlog_free(chatlog *log);

#endif
