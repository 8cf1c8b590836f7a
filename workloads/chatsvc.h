/* chatsvc: the DatabaseService of the NATS architecture, and the bot's
 * publishing connection.
 *
 * The service subscribes to the chat subject with unlimited pending limits
 * (nats.c's default 65,536-message limit drops events under load, see
 * DESIGN.md), flushes so the server knows the interest before anything is
 * published, decodes each event with jansson, validates it and calls
 * log_chat(). Malformed events are counted, never fatal. Completion is a
 * condition wait that also watches dropped and pending counts and the
 * connection: a dead server ends the wait within the stall timeout.
 * Both connections never reconnect: a lost server is a failed trial. */
#ifndef OVERHEAD_CHATSVC_H
#define OVERHEAD_CHATSVC_H

#include <stdint.h>

#include "chatlog.h"
#include "error.h"

typedef struct chatsvc chatsvc;

typedef struct chatsvc_stats {
    int64_t received;  /* messages delivered to the handler */
    int64_t stored;    /* log_chat() succeeded */
    int64_t malformed; /* not JSON, or a field missing or of the wrong type */
    int64_t dropped;   /* nats.c slow-consumer drops (natsSubscription_GetDropped) */
    int64_t pending;   /* still queued in nats.c when the wait ended */
} chatsvc_stats;

/* Connect to 'url', subscribe to 'subject' and flush. Events are stored in
 * 'log' (borrowed; it must outlive the service and is used only from the
 * delivery thread until chatsvc_wait returns). On success *out is owned by the
 * caller (chatsvc_free). */
int chatsvc_start(chatsvc **out, const char *url, const char *subject, chatlog *log,
                  error *err);

/* Wait until 'expect' events were received, or fail: dropped events, a
 * closed connection, a storage error, or no new event for 'stall_ms'.
 * Returns 0 or -1 with 'err' (ERR_CHECK for lost events, ERR_SYSTEM else). */
int chatsvc_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err);

/* The counters so far. */
void chatsvc_get_stats(chatsvc *svc, chatsvc_stats *out);

/* Unsubscribe, close and free. NULL is a no-op. */
void chatsvc_free(chatsvc *svc);

/* The bot's side. */
typedef struct chatpub chatpub;

/* Connect a publisher to 'url' (no reconnects). *out owned by the caller. */
int chatpub_open(chatpub **out, const char *url, error *err);

/* Publish 'len' bytes to 'subject'. Returns 0 or -1 with nats.c's message. */
int chatpub_publish(chatpub *pub, const char *subject, const char *data, int len,
                    error *err);

/* Flush everything published to the server (timeout in ms). */
int chatpub_flush(chatpub *pub, int timeout_ms, error *err);

/* Close and free. NULL is a no-op. */
void chatpub_free(chatpub *pub);

/* Release nats.c's global state, waiting (bounded) for its threads. */
void chatsvc_shutdown(void);

/* JSON-encode one chat event into 'buf' (jansson). Returns the length, or -1
 * when it does not fit. */
int chatsvc_encode(char *buf, size_t size, const char *username, const char *message,
                   double timestamp);

#endif
