/* chatsvc_impl: the service's state, shared by its core-NATS half
 * (chatsvc.c), its JetStream half (chatjs.c) and the event handling both use
 * (chatstore.c). Internal. Calls go chatsvc.c -> chatjs.c -> chatstore.c. */
#ifndef OVERHEAD_CHATSVC_IMPL_H
#define OVERHEAD_CHATSVC_IMPL_H

#include <pthread.h>

#include <nats/nats.h>

#include "chatsvc.h"

struct chatsvc {
    natsConnection *nc;
    natsSubscription *sub;
    natsSubscription *end_sub; /* end marker (queue-group mode) */
    jsCtx *js;
    chatsvc_config cfg;
    chatlog *log;
    /* Received messages not yet destroyed (delivery thread only): released
     * after their commit, in groups of cfg.destroy_group. */
    natsMsg **held;
    int nheld, held_cap;
    int settle; /* batching or grouping: look at the queue after each event */
    int end_seen;
    int64_t acked, reconnects;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int64_t expect;
    int64_t received, stored, malformed;
    int half_fired; /* cfg.on_half was called */
    int closed; /* the connection is closed (server gone, or we closed it) */
    int failed; /* storage failed in the handler */
    char fail_text[1100];
};

/* chatstore.c: decode and validate one event and store it (not committed when a batch is
 * open). Returns 1 for a malformed event, 0 when handled (storage errors go
 * to 'err'). Does not destroy 'msg'. */
int chatsvc_store(chatsvc *svc, natsMsg *msg, error *err);

/* Count one handled event (under the lock): received, malformed, stored
 * (committed so far), or the first storage failure. */
void chatsvc_count(chatsvc *svc, int bad, const error *err);

/* JetStream: re-create the stream and the durable consumer. */
int chatjs_setup(chatsvc *svc, error *err);

/* JetStream: pull subscribe to the durable consumer. */
int chatjs_subscribe(chatsvc *svc, error *err);

/* JetStream: fetch, store, commit, then ack until the consumer's ack floor
 * reaches 'expect'. */
int chatjs_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err);

#endif
