#include "chatpub.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "chatconn.h"

struct chatpub {
    natsConnection *nc;
    jsCtx *js;
    int64_t resent;
    /* JetStream: publishes the stream refused (no stream leader during a
     * fail-over), handed over by nats.c's reply thread and re-sent by
     * chatpub_complete on the publishing thread. */
    pthread_mutex_t mu;
    natsMsg **retry;
    int nretry, retry_cap;
    int64_t unkept; /* refused publishes that could not be kept (no memory) */
    char last_error[256];
};

int chatpub_open(chatpub **out, const char *url, error *err) {
    *out = NULL;
    chatpub *pub = calloc(1, sizeof *pub);
    if (pub == NULL)
        return error_set(err, ERR_NOMEM, "chatpub: out of memory");
    pthread_mutex_init(&pub->mu, NULL);
    natsStatus s = chatconn_connect(&pub->nc, url, 0, NULL, NULL, NULL);
    if (s != NATS_OK) {
        chatconn_error(err, url, s);
        chatpub_free(pub);
        return -1;
    }
    *out = pub;
    return 0;
}

/* Keep 'm' for re-sending (under pub->mu). Returns 0, or -1 out of memory. */
static int chatpub_keep_locked(chatpub *pub, natsMsg *m) {
    if (pub->nretry == pub->retry_cap) {
        int cap = pub->retry_cap ? 2 * pub->retry_cap : 256;
        natsMsg **r = realloc(pub->retry, (size_t)cap * sizeof *r);
        if (r == NULL)
            return -1;
        pub->retry = r;
        pub->retry_cap = cap;
    }
    pub->retry[pub->nretry++] = m;
    return 0;
}

/* A publish the stream refused (no leader during a fail-over): keep it for
 * chatpub_complete. Never re-send from here: this is the thread that
 * processes the acks, so a re-send that finds MaxPending publishes in flight
 * would wait for acks it alone can process, time out (StallWait), and the
 * event would be lost. */
static void chatpub_on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure) {
    (void)js;
    chatpub *pub = closure;
    pthread_mutex_lock(&pub->mu);
    snprintf(pub->last_error, sizeof pub->last_error, "%s",
             pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
    if (chatpub_keep_locked(pub, pae->Msg) == 0)
        pae->Msg = NULL; /* ours now */
    else
        pub->unkept++;
    pthread_mutex_unlock(&pub->mu);
}

int chatpub_open_js(chatpub **out, const char *url, error *err) {
    *out = NULL;
    chatpub *pub = calloc(1, sizeof *pub);
    if (pub == NULL)
        return error_set(err, ERR_NOMEM, "chatpub: out of memory");
    pthread_mutex_init(&pub->mu, NULL);
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

/* Re-send what is kept; its message id lets the stream drop a copy it stored
 * after all. A re-send that fails (MaxPending in flight) is kept again, and
 * so is the rest of the round: the next round comes after acks arrived. */
static void chatpub_resend(chatpub *pub) {
    pthread_mutex_lock(&pub->mu);
    natsMsg **r = pub->retry;
    int n = pub->nretry;
    pub->retry = NULL;
    pub->nretry = pub->retry_cap = 0;
    pthread_mutex_unlock(&pub->mu);
    int full = 0;
    for (int i = 0; i < n; i++) {
        if (!full && js_PublishMsgAsync(pub->js, &r[i], NULL) == NATS_OK) {
            pub->resent++;
            continue;
        }
        full = 1;
        pthread_mutex_lock(&pub->mu);
        if (chatpub_keep_locked(pub, r[i]) != 0) {
            pub->unkept++;
            natsMsg_Destroy(r[i]);
        }
        pthread_mutex_unlock(&pub->mu);
    }
    free(r);
}

int chatpub_complete(chatpub *pub, int timeout_ms, error *err) {
    if (pub->js == NULL)
        return chatpub_flush(pub, timeout_ms, err);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long backoff_ms = 50;
    for (;;) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 1000;
        natsStatus s = js_PublishAsyncComplete(pub->js, &po);
        natsMsgList pending = {0};
        /* Acks that never came (sent to a node that died): send again. */
        if (s == NATS_TIMEOUT &&
            js_PublishAsyncGetPendingList(&pending, pub->js) == NATS_OK) {
            pthread_mutex_lock(&pub->mu);
            for (int i = 0; i < pending.Count; i++)
                if (chatpub_keep_locked(pub, pending.Msgs[i]) == 0)
                    pending.Msgs[i] = NULL;
                else
                    pub->unkept++;
            pthread_mutex_unlock(&pub->mu);
            natsMsgList_Destroy(&pending);
        }
        char last[sizeof pub->last_error];
        pthread_mutex_lock(&pub->mu);
        int kept = pub->nretry;
        int64_t unkept = pub->unkept;
        memcpy(last, pub->last_error, sizeof last);
        pthread_mutex_unlock(&pub->mu);
        if (unkept > 0)
            return error_set(err, ERR_NOMEM,
                             "chatpub: out of memory keeping %lld publishes to re-send",
                             (long long)unkept);
        if (s == NATS_OK && kept == 0)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 > timeout_ms)
            return error_set(
                err, ERR_CHECK,
                "chatpub: %d JetStream publishes not acknowledged after %d ms "
                "(last error: %s)",
                kept, timeout_ms, last[0] ? last : "none");
        if (s == NATS_OK) {
            /* Refused at once (the stream has no leader yet): give the
             * election time (up to 1 s between rounds) instead of a storm
             * of re-sends that loads the nodes electing. */
            backoff_ms = backoff_ms < 500 ? 2 * backoff_ms : 1000;
            struct timespec d = {backoff_ms / 1000, (backoff_ms % 1000) * 1000000L};
            nanosleep(&d, NULL);
        }
        chatpub_resend(pub);
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
    for (int i = 0; i < pub->nretry; i++)
        natsMsg_Destroy(pub->retry[i]);
    free(pub->retry);
    pthread_mutex_destroy(&pub->mu);
    free(pub);
}
