#include "chatpub.h"

#include <stdlib.h>
#include <stdio.h>
#include <time.h>

#include <nats/nats.h>

#include "chatconn.h"

struct chatpub {
    natsConnection *nc;
    jsCtx *js;
    int64_t resent;
};

int chatpub_open(chatpub **out, const char *url, error *err) {
    *out = NULL;
    chatpub *pub = calloc(1, sizeof *pub);
    if (pub == NULL)
        return error_set(err, ERR_NOMEM, "chatpub: out of memory");
    natsStatus s = chatconn_connect(&pub->nc, url, 0, NULL, NULL, NULL);
    if (s != NATS_OK) {
        chatconn_error(err, url, s);
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
    natsStatus s = chatconn_connect(&pub->nc, url, 1, NULL, NULL, NULL);
    if (s == NATS_OK)
        s = jsOptions_Init(&jo);
    if (s == NATS_OK) {
        jo.PublishAsync.MaxPending = 4096;
        jo.PublishAsync.ErrHandler = chatpub_on_pub_error;
        jo.PublishAsync.ErrHandlerClosure = pub;
        s = natsConnection_JetStream(&pub->js, pub->nc, &jo);
    }
    if (s != NATS_OK) {
        chatconn_error(err, url, s);
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
    return s == NATS_OK ? 0 : chatconn_error(err, "JetStream publish", s);
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
            return chatconn_error(err, "JetStream publish acks", s);
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
    return s == NATS_OK ? 0 : chatconn_error(err, "publish", s);
}

int chatpub_flush(chatpub *pub, int timeout_ms, error *err) {
    natsStatus s = natsConnection_FlushTimeout(pub->nc, timeout_ms);
    return s == NATS_OK ? 0 : chatconn_error(err, "flush", s);
}

void chatpub_free(chatpub *pub) {
    if (pub == NULL)
        return;
    jsCtx_Destroy(pub->js);
    natsConnection_Destroy(pub->nc);
    free(pub);
}
