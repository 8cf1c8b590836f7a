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
#include "chatproto.h"
#include "error.h"

typedef struct chatsvc chatsvc;

/* How the service gets its events. */
typedef struct chatsvc_config {
    const char *url;     /* one URL or a comma-separated list (cluster) */
    const char *subject; /* the chat subject */
    const char *queue;   /* queue group (natsConnection_QueueSubscribe), or NULL */
    /* Complete on the bot's end marker (a message on SUBJECT.end, which every
     * member of the group receives) once every event delivered before it is
     * processed, instead of after 'expect' events: a queue-group member does
     * not know its share. */
    int end_marker;
    /* JetStream: pull from the durable consumer CHATPROTO_DURABLE of stream
     * CHATPROTO_STREAM with explicit acks, each ack sent only after the event's
     * transaction is committed. Completion: the consumer's ack floor reaches
     * 'expect' (events across the whole group). Reconnects are allowed. */
    int jetstream;
    int js_admin;           /* delete and re-create the stream and consumer first */
    int js_replicas;        /* stream replicas (js_admin) */
    const char *js_storage; /* "file" or "memory" (js_admin) */
} chatsvc_config;

typedef struct chatsvc_stats {
    int64_t received;   /* messages delivered to the handler */
    int64_t stored;     /* log_chat() succeeded */
    int64_t malformed;  /* not JSON, or a field missing or of the wrong type */
    int64_t dropped;    /* nats.c slow-consumer drops (natsSubscription_GetDropped) */
    int64_t pending;    /* still queued in nats.c when the wait ended */
    int64_t acked;      /* JetStream: acks sent (after commit) */
    int64_t duplicates; /* redelivered events already stored (dedupe) */
    int64_t reconnects; /* JetStream: reconnections to another node */
} chatsvc_stats;

/* Connect to 'url', subscribe to 'subject' and flush. Events are stored in
 * 'log' (borrowed; it must outlive the service and is used only from the
 * delivery thread until chatsvc_wait returns). On success *out is owned by the
 * caller (chatsvc_free). */
int chatsvc_start(chatsvc **out, const char *url, const char *subject, chatlog *log,
                  error *err);

/* The same with every option of chatsvc_config. */
int chatsvc_start_config(chatsvc **out, const chatsvc_config *cfg, chatlog *log,
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

/* A JetStream publisher: asynchronous publishes, each with a Nats-Msg-Id
 * (the stream drops duplicates) and re-sent when its ack fails or never
 * comes; reconnects to the other servers of 'url'. */
int chatpub_open_js(chatpub **out, const char *url, error *err);

/* Publish one event with id 'event_id' (JetStream publishers use it as the
 * message id). Returns 0 or -1 with nats.c's message. */
int chatpub_publish_id(chatpub *pub, const char *subject, int64_t event_id,
                       const char *data, int len, error *err);

/* JetStream: wait until every publish is acknowledged by the stream,
 * re-sending what failed, for at most 'timeout_ms'. Core NATS: flush. */
int chatpub_complete(chatpub *pub, int timeout_ms, error *err);

/* Publishes re-sent after a failed or missing ack (JetStream). */
int64_t chatpub_resent(const chatpub *pub);

/* Publish 'len' bytes to 'subject'. Returns 0 or -1 with nats.c's message. */
int chatpub_publish(chatpub *pub, const char *subject, const char *data, int len,
                    error *err);

/* Flush everything published to the server (timeout in ms). */
int chatpub_flush(chatpub *pub, int timeout_ms, error *err);

/* Close and free. NULL is a no-op. */
void chatpub_free(chatpub *pub);

/* Delete the stream CHATPROTO_STREAM (and so its consumer) through 'url'; a
 * stream that does not exist is not an error. Returns 0 or -1 with 'err'. */
int chatsvc_js_delete(const char *url, error *err);

/* Release nats.c's global state, waiting (bounded) for its threads. */
void chatsvc_shutdown(void);

/* JSON-encode one chat event into 'buf' (jansson). Returns the length, or -1
 * when it does not fit. */
int chatsvc_encode(char *buf, size_t size, const char *username, const char *message,
                   double timestamp);

/* The same with the event's id ("id"; omitted when < 0). */
int chatsvc_encode_id(char *buf, size_t size, int64_t id, const char *username,
                      const char *message, double timestamp);

#endif
