#include "chatsvc_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "chatconn.h"

static void chatsvc_on_reconnected(natsConnection *nc, void *closure) {
    (void)nc;
    chatsvc *svc = closure;
    pthread_mutex_lock(&svc->mu);
    svc->reconnects++;
    pthread_mutex_unlock(&svc->mu);
}

static void chatsvc_on_closed(natsConnection *nc, void *closure) {
    (void)nc;
    chatsvc *svc = closure;
    pthread_mutex_lock(&svc->mu);
    svc->closed = 1;
    pthread_cond_broadcast(&svc->cond);
    pthread_mutex_unlock(&svc->mu);
}

/* Destroy every held message (their events are committed). */
static void chatsvc_release_held(chatsvc *svc) {
    for (int i = 0; i < svc->nheld; i++)
        natsMsg_Destroy(svc->held[i]);
    svc->nheld = 0;
}

/* After one event: commit the open batch when the subscription's queue is
 * empty, and destroy the held messages once their events are committed and
 * a group is full. A held message costs only memory: its event is committed,
 * so holding it delays nothing, even when the bus is quiet. Baseline:
 * destroy 'msg' now (its event was committed by its own INSERT). */
static void chatsvc_settle(chatsvc *svc, natsMsg *msg, error *err) {
    if (!svc->settle) {
        natsMsg_Destroy(msg);
        return;
    }
    if (svc->nheld == svc->held_cap) /* only after a failed commit */
        chatsvc_release_held(svc);
    svc->held[svc->nheld++] = msg;
    if (chatlog_pending(svc->log) > 0 && err->kind == ERR_NONE) {
        int pending = 0;
        natsSubscription_GetPending(svc->sub, &pending, NULL);
        if (pending == 0)
            chatlog_flush(svc->log, err);
    }
    if (chatlog_pending(svc->log) == 0 && svc->nheld >= svc->cfg.destroy_group)
        chatsvc_release_held(svc);
}

/* Core NATS: one event on the delivery thread. */
static void chatsvc_on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
                           void *closure) {
    (void)nc;
    (void)sub;
    chatsvc *svc = closure;
    error err;
    error_clear(&err);
    int bad = chatsvc_store(svc, msg, &err);
    chatsvc_settle(svc, msg, &err);
    pthread_mutex_lock(&svc->mu);
    chatsvc_count(svc, bad, &err);
    if (svc->received >= svc->expect || svc->failed || svc->end_seen)
        pthread_cond_broadcast(&svc->cond);
    pthread_mutex_unlock(&svc->mu);
}

/* The bot's end marker (queue-group mode). */
static void chatsvc_on_end(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
                           void *closure) {
    (void)nc;
    (void)sub;
    chatsvc *svc = closure;
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&svc->mu);
    svc->end_seen = 1;
    pthread_cond_broadcast(&svc->cond);
    pthread_mutex_unlock(&svc->mu);
}

/* The service's state, before connecting. */
static chatsvc *chatsvc_new(const chatsvc_config *cfg, chatlog *log) {
    chatsvc *svc = calloc(1, sizeof *svc);
    if (svc == NULL)
        return NULL;
    pthread_mutex_init(&svc->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&svc->cond, &ca);
    pthread_condattr_destroy(&ca);
    svc->log = log;
    svc->cfg = *cfg;
    if (svc->cfg.destroy_group < 1)
        svc->cfg.destroy_group = 1;
    svc->expect = INT64_MAX;
    svc->settle = svc->cfg.destroy_group > 1 || chatlog_batch(log) > 1;
    if (svc->settle) {
        svc->held_cap = svc->cfg.destroy_group + chatlog_batch(log);
        svc->held = calloc((size_t)svc->held_cap, sizeof *svc->held);
        if (svc->held == NULL) {
            chatsvc_free(svc);
            return NULL;
        }
    }
    return svc;
}

/* Core NATS: subscribe (queue group or not) without pending limits, the end
 * marker's subscription, and a flush so that the server knows the interest
 * before the first publish. */
static int chatsvc_subscribe(chatsvc *svc, error *err) {
    const chatsvc_config *cfg = &svc->cfg;
    natsStatus s;
    if (cfg->queue != NULL)
        s = natsConnection_QueueSubscribe(&svc->sub, svc->nc, cfg->subject, cfg->queue,
                                          chatsvc_on_msg, svc);
    else
        s = natsConnection_Subscribe(&svc->sub, svc->nc, cfg->subject, chatsvc_on_msg,
                                     svc);
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(svc->sub, -1, -1);
    if (s == NATS_OK && cfg->end_marker) {
        char end[512];
        snprintf(end, sizeof end, "%s.end", cfg->subject);
        s = natsConnection_Subscribe(&svc->end_sub, svc->nc, end, chatsvc_on_end, svc);
    }
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(svc->nc, 5000);
    return s == NATS_OK ? 0 : chatconn_error(err, "subscribe", s);
}

int chatsvc_start_config(chatsvc **out, const chatsvc_config *cfg, chatlog *log,
                         error *err) {
    *out = NULL;
    chatsvc *svc = chatsvc_new(cfg, log);
    if (svc == NULL)
        return error_set(err, ERR_NOMEM, "chatsvc: out of memory");
    natsStatus s = chatconn_connect(&svc->nc, cfg->url, cfg->jetstream, chatsvc_on_closed,
                                    chatsvc_on_reconnected, svc);
    if (s != NATS_OK) {
        chatconn_error(err, cfg->url, s);
        goto fail;
    }
    if ((cfg->jetstream ? chatjs_subscribe(svc, err) : chatsvc_subscribe(svc, err)) != 0)
        goto fail;
    *out = svc;
    return 0;
fail:
    chatsvc_free(svc);
    return -1;
}

/* One look at the service under its lock: 1 done, -1 failed ('err'), 0 not
 * yet. Every received event must also be committed (or malformed). */
static int chatsvc_check(chatsvc *svc, int64_t expect, error *err) {
    if (svc->failed)
        return error_set(err, ERR_SYSTEM, "chatsvc: storage failed: %s", svc->fail_text);
    int64_t dropped = 0, delivered = 0;
    int pending = 0;
    natsSubscription_GetDropped(svc->sub, &dropped);
    natsSubscription_GetPending(svc->sub, &pending, NULL);
    natsSubscription_GetDelivered(svc->sub, &delivered);
    int settled = svc->stored + svc->malformed >= svc->received;
    /* Queue group: everything delivered before the end marker is in the
     * subscription's queue when the marker arrives (one connection, in
     * order); done once that queue is empty and the handler idle. */
    if (settled &&
        (svc->cfg.end_marker ? svc->end_seen && pending == 0 && delivered == svc->received
                             : svc->received >= expect))
        return 1;
    if (dropped > 0)
        return error_set(err, ERR_CHECK,
                         "chatsvc: nats.c dropped %lld events (slow consumer); received "
                         "%lld of %lld",
                         (long long)dropped, (long long)svc->received, (long long)expect);
    if (svc->closed)
        return error_set(
            err, ERR_SYSTEM,
            "chatsvc: connection to nats-server closed; received %lld of %lld",
            (long long)svc->received, (long long)expect);
    return 0;
}

static long chatsvc_ms_since(const struct timespec *t, const struct timespec *now) {
    return (now->tv_sec - t->tv_sec) * 1000 + (now->tv_nsec - t->tv_nsec) / 1000000;
}

int chatsvc_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err) {
    if (svc->cfg.jetstream)
        return chatjs_wait(svc, expect, stall_ms, err);
    int rc;
    int64_t last = -1;
    struct timespec last_progress, now;
    clock_gettime(CLOCK_MONOTONIC, &last_progress);
    pthread_mutex_lock(&svc->mu);
    svc->expect = expect;
    while ((rc = chatsvc_check(svc, expect, err)) == 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (svc->received != last) {
            last = svc->received;
            last_progress = now;
        } else if (chatsvc_ms_since(&last_progress, &now) >= stall_ms) {
            int pending = 0;
            natsSubscription_GetPending(svc->sub, &pending, NULL);
            rc = error_set(err, ERR_CHECK,
                           "chatsvc: no event for %d ms; received %lld of %lld, %lld "
                           "committed, %d pending",
                           stall_ms, (long long)svc->received, (long long)expect,
                           (long long)svc->stored, pending);
            break;
        }
        /* Woken by the handler on completion, by the closed callback, or every
         * 100 ms to look at the dropped/pending counts and the stall clock. */
        struct timespec until = now;
        until.tv_nsec += 100 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&svc->cond, &svc->mu, &until);
    }
    pthread_mutex_unlock(&svc->mu);
    return rc > 0 ? 0 : -1;
}

void chatsvc_get_stats(chatsvc *svc, chatsvc_stats *out) {
    memset(out, 0, sizeof *out);
    int pending = 0;
    if (svc->sub != NULL) {
        natsSubscription_GetDropped(svc->sub, &out->dropped);
        natsSubscription_GetPending(svc->sub, &pending, NULL);
    }
    out->pending = pending;
    out->duplicates = chatlog_duplicates(svc->log);
    pthread_mutex_lock(&svc->mu);
    out->acked = svc->acked;
    out->reconnects = svc->reconnects;
    out->received = svc->received;
    out->stored = svc->stored;
    out->malformed = svc->malformed;
    pthread_mutex_unlock(&svc->mu);
}

void chatsvc_free(chatsvc *svc) {
    if (svc == NULL)
        return;
    if (svc->end_sub != NULL) {
        natsSubscription_Unsubscribe(svc->end_sub);
        natsSubscription_Destroy(svc->end_sub);
    }
    if (svc->sub != NULL) {
        /* Unsubscribing a JetStream subscription would delete the durable
         * consumer the other services still use: only destroy it. */
        if (!svc->cfg.jetstream)
            natsSubscription_Unsubscribe(svc->sub);
        natsSubscription_Destroy(svc->sub);
    }
    jsCtx_Destroy(svc->js);
    if (svc->nc != NULL) {
        natsConnection_Close(svc->nc);
        /* The closed callback uses 'svc': wait (bounded) until it has run. */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += 2;
        pthread_mutex_lock(&svc->mu);
        while (!svc->closed)
            if (pthread_cond_timedwait(&svc->cond, &svc->mu, &until) == ETIMEDOUT)
                break;
        pthread_mutex_unlock(&svc->mu);
        natsConnection_Destroy(svc->nc);
    }
    chatsvc_release_held(svc);
    free(svc->held);
    pthread_cond_destroy(&svc->cond);
    pthread_mutex_destroy(&svc->mu);
    free(svc);
}

void chatsvc_shutdown(void) {
    nats_CloseAndWait(2000);
}
