/* The JetStream half of the DatabaseService: a durable pull consumer, acks
 * sent only after the events' transaction is committed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chatconn.h"
#include "chatsvc_impl.h"

/* Delete the stream if it exists, create it and the durable consumer. The
 * cluster may still be electing its JetStream leader: retry for 10 s. */
int chatjs_setup(chatsvc *svc, error *err) {
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
               : chatconn_js_error(err, "create stream " CHATPROTO_STREAM, s, jerr);
}

int chatjs_subscribe(chatsvc *svc, error *err) {
    jsErrCode jerr = 0;
    jsSubOptions so;
    natsStatus s = natsConnection_JetStream(&svc->js, svc->nc, NULL);
    if (s != NATS_OK)
        return chatconn_error(err, "JetStream context", s);
    if (svc->cfg.js_admin && chatjs_setup(svc, err) != 0)
        return -1;
    jsSubOptions_Init(&so);
    so.Stream = CHATPROTO_STREAM;
    so.Consumer = CHATPROTO_DURABLE;
    s = js_PullSubscribe(&svc->sub, svc->js, svc->cfg.subject, CHATPROTO_DURABLE, NULL,
                         &so, &jerr);
    return s == NATS_OK ? 0 : chatconn_js_error(err, "pull subscribe", s, jerr);
}

/* Store a fetched list, commit, count, then ack (an acked event is a stored
 * event). Returns 0 or -1 with 'err' when storage failed. */
static int chatjs_handle(chatsvc *svc, natsMsgList *list, error *err) {
    error serr;
    error_clear(&serr);
    int bad[256];
    for (int i = 0; i < list->Count; i++)
        bad[i] = chatsvc_store(svc, list->Msgs[i], &serr);
    if (serr.kind == ERR_NONE)
        chatlog_flush(svc->log, &serr);
    pthread_mutex_lock(&svc->mu);
    for (int i = 0; i < list->Count; i++)
        chatsvc_count(svc, bad[i], &serr);
    pthread_mutex_unlock(&svc->mu);
    if (serr.kind != ERR_NONE)
        return error_set(err, ERR_SYSTEM, "chatsvc: storage failed: %s", serr.text);
    for (int i = 0; i < list->Count; i++)
        if (natsMsg_Ack(list->Msgs[i], NULL) == NATS_OK)
            svc->acked++;
    return 0;
}

/* Where the durable consumer stands. */
typedef struct chatjs_floor {
    uint64_t floor;
    int64_t num_pending, ack_pending;
} chatjs_floor;

/* Ask the server for the consumer's ack floor. Returns 1 when every event up
 * to 'expect' is acked, none is outstanding and the database holds 'expect'
 * events, 0 else (or when the server does not answer), -1 when the database
 * cannot be read ('err'). */
static int chatjs_done(chatsvc *svc, int64_t expect, chatjs_floor *f, error *err) {
    jsConsumerInfo *ci = NULL;
    if (js_GetConsumerInfo(&ci, svc->js, CHATPROTO_STREAM, CHATPROTO_DURABLE, NULL,
                           NULL) != NATS_OK)
        return 0;
    f->floor = ci->AckFloor.Stream;
    f->num_pending = (int64_t)ci->NumPending;
    f->ack_pending = ci->NumAckPending;
    jsConsumerInfo_Destroy(ci);
    if (f->floor < (uint64_t)expect || f->num_pending != 0 || f->ack_pending != 0)
        return 0;
    /* The stream may hold an event twice (its dedupe does not survive a
     * leader change) while the bot still re-sends another: the floor is not
     * proof alone. The services share one database with unique event ids:
     * count them. */
    int64_t rows = -1;
    if (chatlog_count(&rows, svc->log, err) != 0)
        return -1;
    return rows + svc->malformed >= expect;
}

static long chatjs_ms_since(const struct timespec *t, const struct timespec *now) {
    return (now->tv_sec - t->tv_sec) * 1000 + (now->tv_nsec - t->tv_nsec) / 1000000;
}

int chatjs_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err) {
    struct timespec last_progress, now;
    clock_gettime(CLOCK_MONOTONIC, &last_progress);
    chatjs_floor f = {0, -1, -1};
    for (;;) {
        natsMsgList list = {0};
        jsErrCode jerr = 0;
        natsStatus s = natsSubscription_Fetch(&list, svc->sub, 256, 200, &jerr);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (s == NATS_OK && list.Count > 0) {
            int rc = chatjs_handle(svc, &list, err);
            natsMsgList_Destroy(&list);
            if (rc != 0)
                return -1;
            last_progress = now;
            continue;
        }
        natsMsgList_Destroy(&list);
        if (s == NATS_TIMEOUT || s == NATS_OK) {
            int done = chatjs_done(svc, expect, &f, err);
            if (done != 0)
                return done > 0 ? 0 : -1;
            if (f.ack_pending > 0)
                last_progress = now; /* someone holds events: not a stall */
        } else {
            /* Disconnected, reconnecting to another node: try again. */
            struct timespec d = {0, 50 * 1000000L};
            nanosleep(&d, NULL);
        }
        if (natsConnection_IsClosed(svc->nc))
            return error_set(err, ERR_SYSTEM,
                             "chatsvc: connection closed; stored %lld, stream ack floor "
                             "%llu of %lld",
                             (long long)svc->stored, (unsigned long long)f.floor,
                             (long long)expect);
        if (chatjs_ms_since(&last_progress, &now) >= stall_ms)
            return error_set(err, ERR_CHECK,
                             "chatsvc: no progress for %d ms; stored %lld, stream ack "
                             "floor %llu of %lld, %lld not delivered, %lld unacked",
                             stall_ms, (long long)svc->stored,
                             (unsigned long long)f.floor, (long long)expect,
                             (long long)f.num_pending, (long long)f.ack_pending);
    }
}

int chatsvc_js_delete(const char *url, error *err) {
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsErrCode jerr = 0;
    jsOptions jo;
    natsStatus s = chatconn_connect(&nc, url, 0, NULL, NULL, NULL);
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
    int rc = s == NATS_OK ? 0 : chatconn_js_error(err, "delete stream", s, jerr);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return rc;
}
