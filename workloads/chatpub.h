/* chatpub: the bot's publishing connection (core NATS or JetStream). Both
 * never reconnect on core NATS: a lost server is a failed trial. */
#ifndef OVERHEAD_CHATPUB_H
#define OVERHEAD_CHATPUB_H

#include <stdint.h>

#include "error.h"

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

#endif
