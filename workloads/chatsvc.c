#include "chatsvc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <nats/nats.h>

struct chatsvc {
    natsConnection *nc;
    natsSubscription *sub;
    natsSubscription *end_sub; /* end marker (queue-group mode) */
    jsCtx *js;
    chatsvc_config cfg;
    chatlog *log;
    int end_seen;
    int64_t acked, reconnects;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int64_t expect;
    int64_t received, stored, malformed;
    int closed; /* the connection is closed (server gone, or we closed it) */
    int failed; /* storage failed in the handler */
    char fail_text[1100];
};

struct chatpub {
    natsConnection *nc;
    jsCtx *js;
    int64_t resent;
};

/* Copy nats.c's status text and last error into 'err'. */
static int chatsvc_nats_error(error *err, const char *what, natsStatus s) {
    const char *last = nats_GetLastError(NULL);
    return error_set(err, ERR_SYSTEM, "nats: %s: %s%s%s", what, natsStatus_GetText(s),
                     last ? ": " : "", last ? last : "");
}

/* Connection options shared by both sides: no reconnects (a lost server must
 * fail the trial, not stall it) unless 'reconnect' (JetStream, where a
 * client that reconnects loses nothing: up to 10 s of attempts every 100 ms),
 * 2 s connect timeout, closed callback. 'url' may list several servers. */
static natsStatus chatsvc_connect(natsConnection **nc, const char *url, int reconnect,
                                  natsConnectionHandler closed_cb,
                                  natsConnectionHandler reconnected_cb, void *closure) {
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK && strchr(url, ',') == NULL)
        s = natsOptions_SetURL(o, url);
    else if (s == NATS_OK) {
        /* natsOptions_SetURL takes one URL; a list goes through SetServers. */
        char copy[4096];
        const char *servers[16];
        int n = 0;
        snprintf(copy, sizeof copy, "%s", url);
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t != NULL && n < 16;
             t = strtok_r(NULL, ",", &save))
            servers[n++] = t;
        s = natsOptions_SetServers(o, servers, n);
        /* The first server listed is the one this client belongs to. */
        if (s == NATS_OK)
            s = natsOptions_SetNoRandomize(o, true);
    }
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(o, reconnect != 0);
    if (s == NATS_OK && reconnect) {
        s = natsOptions_SetMaxReconnect(o, 100);
        if (s == NATS_OK)
            s = natsOptions_SetReconnectWait(o, 100);
        if (s == NATS_OK && reconnected_cb != NULL)
            s = natsOptions_SetReconnectedCB(o, reconnected_cb, closure);
    }
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, 2000);
    if (s == NATS_OK && closed_cb != NULL)
        s = natsOptions_SetClosedCB(o, closed_cb, closure);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    return s;
}

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

/* Decode and validate one event and store it (not committed when a batch is
 * open). Returns 1 for a malformed event, 0 when handled (storage errors go
 * to 'err'). Does not destroy 'msg'. */
static int chatsvc_store(chatsvc *svc, natsMsg *msg, error *err) {
    json_error_t jerr;
    int bad = 0;
    json_t *ev =
        json_loadb(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), 0, &jerr);
    json_t *user = json_object_get(ev, "username");
    json_t *text = json_object_get(ev, "message");
    json_t *ts = json_object_get(ev, "timestamp");
    json_t *id = json_object_get(ev, "id");
    if (!json_is_string(user) || !json_is_string(text) || !json_is_number(ts) ||
        (id != NULL && !json_is_integer(id))) {
        bad = 1;
        /* Logged, counted, never fatal; the first few only, to keep logs short. */
        if (svc->malformed < 5)
            fprintf(stderr, "chatsvc: malformed event ignored (%s): %.60s\n",
                    ev == NULL ? jerr.text : "missing or mistyped field",
                    natsMsg_GetData(msg) ? natsMsg_GetData(msg) : "");
    } else {
        chatlog_log(svc->log, id ? (int64_t)json_integer_value(id) : -1,
                    json_string_value(user), json_string_value(text),
                    json_number_value(ts), err);
    }
    json_decref(ev);
    return bad;
}

/* Count one handled event (under the lock). */
static void chatsvc_count(chatsvc *svc, int bad, const error *err) {
    svc->received++;
    if (bad)
        svc->malformed++;
    else if (err->kind == ERR_NONE)
        svc->stored++;
    else if (!svc->failed) {
        svc->failed = 1;
        snprintf(svc->fail_text, sizeof svc->fail_text, "%s", err->text);
    }
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
    natsMsg_Destroy(msg);
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

/* Copy a JetStream error into 'err'. */
static int chatsvc_js_error(error *err, const char *what, natsStatus s, jsErrCode jerr) {
    const char *last = nats_GetLastError(NULL);
    return error_set(err, ERR_SYSTEM, "nats: %s: %s (JetStream error %d)%s%s", what,
                     natsStatus_GetText(s), (int)jerr, last ? ": " : "",
                     last ? last : "");
}

/* Delete the stream if it exists, create it and the durable consumer. The
 * cluster may still be electing its JetStream leader: retry for 10 s. */
static int chatsvc_js_setup(chatsvc *svc, error *err) {
    jsStreamConfig sc;
    jsConsumerConfig cc;
    jsStreamInfo *si = NULL;
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    natsStatus s = NATS_OK;
    const char *subjects[] = {svc->cfg.subject};
    jsStreamConfig_Init(&sc);
    sc.Name = CHATPROTO_STREAM;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = svc->cfg.js_storage != NULL && strcmp(svc->cfg.js_storage, "memory") == 0
                     ? js_MemoryStorage
                     : js_FileStorage;
    sc.Replicas = svc->cfg.js_replicas > 0 ? svc->cfg.js_replicas : 1;
    jsConsumerConfig_Init(&cc);
    cc.Durable = CHATPROTO_DURABLE;
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = (int64_t)(CHATPROTO_ACK_WAIT_S * 1e9); /* redeliver after a lost ack */
    cc.MaxAckPending = 100000;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        js_DeleteStream(svc->js, CHATPROTO_STREAM, NULL, NULL);
        s = js_AddStream(&si, svc->js, &sc, NULL, &jerr);
        if (s == NATS_OK)
            s = js_AddConsumer(&ci, svc->js, CHATPROTO_STREAM, &cc, NULL, &jerr);
        jsStreamInfo_Destroy(si);
        jsConsumerInfo_Destroy(ci);
        si = NULL;
        ci = NULL;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (s == NATS_OK || now.tv_sec - t0.tv_sec >= 10)
            break;
        struct timespec d = {0, 100 * 1000000L};
        nanosleep(&d, NULL);
    }
    return s == NATS_OK
               ? 0
               : chatsvc_js_error(err, "create stream " CHATPROTO_STREAM, s, jerr);
}

int chatsvc_start(chatsvc **out, const char *url, const char *subject, chatlog *log,
                  error *err) {
    chatsvc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.url = url;
    cfg.subject = subject;
    return chatsvc_start_config(out, &cfg, log, err);
}

int chatsvc_start_config(chatsvc **out, const chatsvc_config *cfg, chatlog *log,
                         error *err) {
    *out = NULL;
    chatsvc *svc = calloc(1, sizeof *svc);
    if (svc == NULL)
        return error_set(err, ERR_NOMEM, "chatsvc: out of memory");
    pthread_mutex_init(&svc->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&svc->cond, &ca);
    pthread_condattr_destroy(&ca);
    svc->log = log;
    svc->cfg = *cfg;
    svc->expect = INT64_MAX;
    natsStatus s = chatsvc_connect(&svc->nc, cfg->url, cfg->jetstream, chatsvc_on_closed,
                                   chatsvc_on_reconnected, svc);
    if (s != NATS_OK) {
        chatsvc_nats_error(err, cfg->url, s);
        goto fail;
    }
    if (cfg->jetstream) {
        jsErrCode jerr = 0;
        jsSubOptions so;
        s = natsConnection_JetStream(&svc->js, svc->nc, NULL);
        if (s != NATS_OK) {
            chatsvc_nats_error(err, "JetStream context", s);
            goto fail;
        }
        if (cfg->js_admin && chatsvc_js_setup(svc, err) != 0)
            goto fail;
        jsSubOptions_Init(&so);
        so.Stream = CHATPROTO_STREAM;
        so.Consumer = CHATPROTO_DURABLE;
        s = js_PullSubscribe(&svc->sub, svc->js, cfg->subject, CHATPROTO_DURABLE, NULL,
                             &so, &jerr);
        if (s != NATS_OK) {
            chatsvc_js_error(err, "pull subscribe", s, jerr);
            goto fail;
        }
        *out = svc;
        return 0;
    }
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
    /* The server must know the interest before the first publish. */
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(svc->nc, 5000);
    if (s != NATS_OK) {
        chatsvc_nats_error(err, "subscribe", s);
        goto fail;
    }
    *out = svc;
    return 0;
fail:
    chatsvc_free(svc);
    return -1;
}

/* JetStream: fetch, store, commit, then ack, until the consumer's ack floor
 * reaches 'expect' (every event of the stream acked by some service). */
static int chatsvc_js_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err) {
    struct timespec last_progress, now;
    clock_gettime(CLOCK_MONOTONIC, &last_progress);
    uint64_t floor = 0;
    int64_t num_pending = -1, ack_pending = -1;
    for (;;) {
        natsMsgList list = {0};
        jsErrCode jerr = 0;
        natsStatus s = natsSubscription_Fetch(&list, svc->sub, 256, 200, &jerr);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (s == NATS_OK && list.Count > 0) {
            error serr;
            error_clear(&serr);
            int bad[256];
            for (int i = 0; i < list.Count; i++)
                bad[i] = chatsvc_store(svc, list.Msgs[i], &serr);
            /* Commit before any ack: an acked event is a stored event. */
            if (serr.kind == ERR_NONE)
                chatlog_flush(svc->log, &serr);
            pthread_mutex_lock(&svc->mu);
            for (int i = 0; i < list.Count; i++)
                chatsvc_count(svc, bad[i], &serr);
            pthread_mutex_unlock(&svc->mu);
            if (serr.kind != ERR_NONE) {
                natsMsgList_Destroy(&list);
                return error_set(err, ERR_SYSTEM, "chatsvc: storage failed: %s",
                                 serr.text);
            }
            for (int i = 0; i < list.Count; i++)
                if (natsMsg_Ack(list.Msgs[i], NULL) == NATS_OK)
                    svc->acked++;
            natsMsgList_Destroy(&list);
            last_progress = now;
            continue;
        }
        natsMsgList_Destroy(&list);
        if (s == NATS_TIMEOUT || s == NATS_OK) {
            jsConsumerInfo *ci = NULL;
            if (js_GetConsumerInfo(&ci, svc->js, CHATPROTO_STREAM, CHATPROTO_DURABLE,
                                   NULL, NULL) == NATS_OK) {
                floor = ci->AckFloor.Stream;
                num_pending = (int64_t)ci->NumPending;
                ack_pending = ci->NumAckPending;
                jsConsumerInfo_Destroy(ci);
                if (floor >= (uint64_t)expect && num_pending == 0 && ack_pending == 0)
                    return 0;
                if (ack_pending > 0)
                    last_progress = now; /* someone holds events: not a stall */
            }
        } else {
            /* Disconnected, reconnecting to another node: try again. */
            struct timespec d = {0, 50 * 1000000L};
            nanosleep(&d, NULL);
        }
        if (natsConnection_IsClosed(svc->nc))
            return error_set(err, ERR_SYSTEM,
                             "chatsvc: connection closed; stored %lld, stream ack floor "
                             "%llu of %lld",
                             (long long)svc->stored, (unsigned long long)floor,
                             (long long)expect);
        if ((now.tv_sec - last_progress.tv_sec) * 1000 +
                (now.tv_nsec - last_progress.tv_nsec) / 1000000 >=
            stall_ms)
            return error_set(err, ERR_CHECK,
                             "chatsvc: no progress for %d ms; stored %lld, stream ack "
                             "floor %llu of %lld, %lld not delivered, %lld unacked",
                             stall_ms, (long long)svc->stored, (unsigned long long)floor,
                             (long long)expect, (long long)num_pending,
                             (long long)ack_pending);
    }
}

int chatsvc_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err) {
    if (svc->cfg.jetstream)
        return chatsvc_js_wait(svc, expect, stall_ms, err);
    int rc = -1;
    int64_t last = -1;
    struct timespec last_progress;
    clock_gettime(CLOCK_MONOTONIC, &last_progress);
    pthread_mutex_lock(&svc->mu);
    svc->expect = expect;
    for (;;) {
        if (svc->failed) {
            error_set(err, ERR_SYSTEM, "chatsvc: storage failed: %s", svc->fail_text);
            break;
        }
        int64_t dropped = 0, delivered = 0;
        int pending = 0;
        natsSubscription_GetDropped(svc->sub, &dropped);
        natsSubscription_GetPending(svc->sub, &pending, NULL);
        natsSubscription_GetDelivered(svc->sub, &delivered);
        /* Queue group: everything delivered before the end marker is in the
         * subscription's queue when the marker arrives (one connection, in
         * order); done once that queue is empty and the handler idle. */
        if (svc->cfg.end_marker
                ? svc->end_seen && pending == 0 && delivered == svc->received
                : svc->received >= expect) {
            rc = 0;
            break;
        }
        if (dropped > 0) {
            error_set(
                err, ERR_CHECK,
                "chatsvc: nats.c dropped %lld events (slow consumer); received %lld "
                "of %lld",
                (long long)dropped, (long long)svc->received, (long long)expect);
            break;
        }
        if (svc->closed) {
            error_set(err, ERR_SYSTEM,
                      "chatsvc: connection to nats-server closed; received %lld of %lld",
                      (long long)svc->received, (long long)expect);
            break;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (svc->received != last) {
            last = svc->received;
            last_progress = now;
        } else if ((now.tv_sec - last_progress.tv_sec) * 1000 +
                       (now.tv_nsec - last_progress.tv_nsec) / 1000000 >=
                   stall_ms) {
            error_set(err, ERR_CHECK,
                      "chatsvc: no event for %d ms; received %lld of %lld, %d pending",
                      stall_ms, (long long)svc->received, (long long)expect, pending);
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
    return rc;
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
    pthread_cond_destroy(&svc->cond);
    pthread_mutex_destroy(&svc->mu);
    free(svc);
}

int chatpub_open(chatpub **out, const char *url, error *err) {
    *out = NULL;
    chatpub *pub = calloc(1, sizeof *pub);
    if (pub == NULL)
        return error_set(err, ERR_NOMEM, "chatpub: out of memory");
    natsStatus s = chatsvc_connect(&pub->nc, url, 0, NULL, NULL, NULL);
    if (s != NATS_OK) {
        chatsvc_nats_error(err, url, s);
        free(pub);
        return -1;
    }
    *out = pub;
    return 0;
}

/* A publish the stream did not acknowledge (no leader during a fail-over, a
 * lost connection): send it again; its message id lets the stream drop it if
 * the first copy was stored after all. */
static void chatpub_on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure) {
    chatpub *pub = closure;
    struct timespec d = {0, 10 * 1000000L};
    nanosleep(&d, NULL);
    if (js_PublishMsgAsync(js, &(pae->Msg), NULL) == NATS_OK)
        pub->resent++;
}

int chatpub_open_js(chatpub **out, const char *url, error *err) {
    *out = NULL;
    chatpub *pub = calloc(1, sizeof *pub);
    if (pub == NULL)
        return error_set(err, ERR_NOMEM, "chatpub: out of memory");
    jsOptions jo;
    natsStatus s = chatsvc_connect(&pub->nc, url, 1, NULL, NULL, NULL);
    if (s == NATS_OK)
        s = jsOptions_Init(&jo);
    if (s == NATS_OK) {
        jo.PublishAsync.MaxPending = 4096;
        jo.PublishAsync.ErrHandler = chatpub_on_pub_error;
        jo.PublishAsync.ErrHandlerClosure = pub;
        s = natsConnection_JetStream(&pub->js, pub->nc, &jo);
    }
    if (s != NATS_OK) {
        chatsvc_nats_error(err, url, s);
        chatpub_free(pub);
        return -1;
    }
    *out = pub;
    return 0;
}

int chatpub_publish_id(chatpub *pub, const char *subject, int64_t event_id,
                       const char *data, int len, error *err) {
    if (pub->js == NULL)
        return chatpub_publish(pub, subject, data, len, err);
    char id[32];
    jsPubOptions po;
    jsPubOptions_Init(&po);
    if (event_id >= 0) {
        snprintf(id, sizeof id, "%lld", (long long)event_id);
        po.MsgId = id;
    }
    natsStatus s;
    /* A full window (MaxPending) or a reconnect in progress: wait and retry. */
    for (int tries = 0; tries < 500; tries++) {
        s = js_PublishAsync(pub->js, subject, data, len, &po);
        if (s != NATS_TIMEOUT)
            break;
    }
    return s == NATS_OK ? 0 : chatsvc_nats_error(err, "JetStream publish", s);
}

int chatpub_complete(chatpub *pub, int timeout_ms, error *err) {
    if (pub->js == NULL)
        return chatpub_flush(pub, timeout_ms, err);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 1000;
        natsStatus s = js_PublishAsyncComplete(pub->js, &po);
        if (s == NATS_OK)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 > timeout_ms)
            return chatsvc_nats_error(err, "JetStream publish acks", s);
        /* Acks that never came (sent to a node that died): send again. */
        natsMsgList pending = {0};
        if (js_PublishAsyncGetPendingList(&pending, pub->js) == NATS_OK) {
            for (int i = 0; i < pending.Count; i++) {
                natsMsg *m = pending.Msgs[i];
                pending.Msgs[i] = NULL;
                if (js_PublishMsgAsync(pub->js, &m, NULL) == NATS_OK)
                    pub->resent++;
                natsMsg_Destroy(m);
            }
            natsMsgList_Destroy(&pending);
        }
    }
}

int64_t chatpub_resent(const chatpub *pub) {
    return pub->resent;
}

int chatpub_publish(chatpub *pub, const char *subject, const char *data, int len,
                    error *err) {
    natsStatus s = natsConnection_Publish(pub->nc, subject, data, len);
    return s == NATS_OK ? 0 : chatsvc_nats_error(err, "publish", s);
}

int chatpub_flush(chatpub *pub, int timeout_ms, error *err) {
    natsStatus s = natsConnection_FlushTimeout(pub->nc, timeout_ms);
    return s == NATS_OK ? 0 : chatsvc_nats_error(err, "flush", s);
}

void chatpub_free(chatpub *pub) {
    if (pub == NULL)
        return;
    jsCtx_Destroy(pub->js);
    natsConnection_Destroy(pub->nc);
    free(pub);
}

int chatsvc_encode(char *buf, size_t size, const char *username, const char *message,
                   double timestamp) {
    return chatsvc_encode_id(buf, size, -1, username, message, timestamp);
}

int chatsvc_encode_id(char *buf, size_t size, int64_t id, const char *username,
                      const char *message, double timestamp) {
    json_t *ev = json_pack("{s:s, s:s, s:f}", "username", username, "message", message,
                           "timestamp", timestamp);
    if (ev != NULL && id >= 0)
        json_object_set_new(ev, "id", json_integer((json_int_t)id));
    if (ev == NULL)
        return -1;
    size_t n = json_dumpb(ev, buf, size, JSON_COMPACT);
    json_decref(ev);
    return n == 0 || n > size ? -1 : (int)n;
}

int chatsvc_js_delete(const char *url, error *err) {
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsErrCode jerr = 0;
    jsOptions jo;
    natsStatus s = chatsvc_connect(&nc, url, 0, NULL, NULL, NULL);
    if (s == NATS_OK)
        s = jsOptions_Init(&jo);
    if (s == NATS_OK) {
        jo.Wait = 10000;
        s = natsConnection_JetStream(&js, nc, &jo);
    }
    /* A cluster that just lost a node may need a new stream leader before
     * it can delete the stream: a few tries. */
    for (int tries = 1; s == NATS_OK; tries++) {
        s = js_DeleteStream(js, CHATPROTO_STREAM, NULL, &jerr);
        if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr)
            s = NATS_OK;
        if (s == NATS_OK || tries == 4)
            break;
        s = NATS_OK; /* try again */
    }
    int rc = s == NATS_OK ? 0 : chatsvc_js_error(err, "delete stream", s, jerr);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return rc;
}

void chatsvc_shutdown(void) {
    nats_CloseAndWait(2000);
}
