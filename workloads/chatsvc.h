/* chatsvc: the DatabaseService of the NATS architecture (the bot's side is
 * chatpub).
 *
 * The service subscribes to the chat subject with unlimited pending limits
 * (nats.c's default 65,536-message limit drops events under load, see
 * DESIGN.md), flushes so the server knows the interest before anything is
 * published, decodes each event (chatcodec), validates it and calls
 * log_chat(). Malformed events are counted, never fatal. Completion is a
 * condition wait that also watches dropped and pending counts and the
 * connection: a dead server ends the wait within the stall timeout. The
 * connection never reconnects (except JetStream): a lost server is a failed
 * trial.
 *
 * Batching and grouped release (the variants of chatvariant.h): when the
 * chat log batches commits, the open transaction is also committed as soon
 * as nats.c's queue for the subscription is empty, so a quiet bus never
 * leaves events uncommitted. Received messages are destroyed only after
 * their events are committed, 'destroy_group' at a time (the rest when the
 * service is freed): each natsMsg_Destroy hands the message to nats.c's
 * garbage-collector thread and wakes it when it is idle, so a group costs
 * about one wake-up instead of one per event. */
#ifndef OVERHEAD_CHATSVC_H
#define OVERHEAD_CHATSVC_H

#include <stdint.h>

#include "chatcodec.h"
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
     * 'expect' (events across the whole group) and the database, shared by the
     * group, holds 'expect' events. Reconnects are allowed. */
    int jetstream;
    int js_admin;           /* delete and re-create the stream and consumer first */
    int js_replicas;        /* stream replicas (js_admin) */
    const char *js_storage; /* "file" or "memory" (js_admin) */
    chat_encoding encoding; /* how events are decoded */
    int destroy_group;      /* messages destroyed together after commit; 0 or 1:
                               each right after its own commit */
    /* Called once, on the delivery thread under the service's lock, when
     * 'half_at' well-formed events have been handled (0 or NULL: never): the
     * measured window's half-way point (wl_window_half). */
    int64_t half_at;
    void (*on_half)(void *arg, int64_t handled);
    void *half_arg;
} chatsvc_config;

typedef struct chatsvc_stats {
    int64_t received;   /* messages delivered to the handler */
    int64_t stored;     /* log_chat() succeeded and the transaction committed */
    int64_t malformed;  /* not JSON, or a field missing or of the wrong type */
    int64_t dropped;    /* nats.c slow-consumer drops (natsSubscription_GetDropped) */
    int64_t pending;    /* still queued in nats.c when the wait ended */
    int64_t acked;      /* JetStream: acks sent (after commit) */
    int64_t duplicates; /* redelivered events already stored (dedupe) */
    int64_t reconnects; /* JetStream: reconnections to another node */
} chatsvc_stats;

/* Connect to cfg->url, subscribe to cfg->subject and flush. Events are
 * stored in 'log' (borrowed; it must outlive the service and is used only
 * from the delivery thread until chatsvc_wait returns). On success *out is
 * owned by the caller (chatsvc_free). */
int chatsvc_start_config(chatsvc **out, const chatsvc_config *cfg, chatlog *log,
                         error *err);

/* Wait until 'expect' events were received and committed, or fail: dropped
 * events, a closed connection, a storage error, or no new event for 'stall_ms'.
 * Returns 0 or -1 with 'err' (ERR_CHECK for lost events, ERR_SYSTEM else). */
int chatsvc_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err);

/* The counters so far. */
void chatsvc_get_stats(chatsvc *svc, chatsvc_stats *out);

/* Unsubscribe, close and free. NULL is a no-op. */
void chatsvc_free(chatsvc *svc);

/* Delete the stream CHATPROTO_STREAM (and so its consumer) through 'url'; a
 * stream that does not exist is not an error. Returns 0 or -1 with 'err'. */
int chatsvc_js_delete(const char *url, error *err);

/* Release nats.c's global state, waiting (bounded) for its threads. */
void chatsvc_shutdown(void);

#endif
