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
    chatlog *log;
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
};

/* Copy nats.c's status text and last error into 'err'. */
static int chatsvc_nats_error(error *err, const char *what, natsStatus s) {
    const char *last = nats_GetLastError(NULL);
    return error_set(err, ERR_SYSTEM, "nats: %s: %s%s%s", what, natsStatus_GetText(s),
                     last ? ": " : "", last ? last : "");
}

/* Connection options shared by both sides: no reconnects (a lost server must
 * fail the trial, not stall it), 2 s connect timeout, closed callback. */
static natsStatus chatsvc_connect(natsConnection **nc, const char *url,
                                  natsConnectionHandler closed_cb, void *closure) {
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, url);
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(o, false);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, 2000);
    if (s == NATS_OK && closed_cb != NULL)
        s = natsOptions_SetClosedCB(o, closed_cb, closure);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    return s;
}

static void chatsvc_on_closed(natsConnection *nc, void *closure) {
    (void)nc;
    chatsvc *svc = closure;
    pthread_mutex_lock(&svc->mu);
    svc->closed = 1;
    pthread_cond_broadcast(&svc->cond);
    pthread_mutex_unlock(&svc->mu);
}

/* Decode and validate one event; store it. Runs on the delivery thread. */
static void chatsvc_on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
                           void *closure) {
    (void)nc;
    (void)sub;
    chatsvc *svc = closure;
    json_error_t jerr;
    error err;
    int bad = 0;
    error_clear(&err);
    json_t *ev =
        json_loadb(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), 0, &jerr);
    json_t *user = json_object_get(ev, "username");
    json_t *text = json_object_get(ev, "message");
    json_t *ts = json_object_get(ev, "timestamp");
    if (!json_is_string(user) || !json_is_string(text) || !json_is_number(ts)) {
        bad = 1;
        /* Logged, counted, never fatal; the first few only, to keep logs short. */
        if (svc->malformed < 5)
            fprintf(stderr, "chatsvc: malformed event ignored (%s): %.60s\n",
                    ev == NULL ? jerr.text : "missing or mistyped field",
                    natsMsg_GetData(msg) ? natsMsg_GetData(msg) : "");
    } else {
        chatlog_log(svc->log, json_string_value(user), json_string_value(text),
                    json_number_value(ts), &err);
    }
    json_decref(ev);
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&svc->mu);
    svc->received++;
    if (bad)
        svc->malformed++;
    else if (err.kind == ERR_NONE)
        svc->stored++;
    else if (!svc->failed) {
        svc->failed = 1;
        snprintf(svc->fail_text, sizeof svc->fail_text, "%s", err.text);
    }
    if (svc->received >= svc->expect || svc->failed)
        pthread_cond_broadcast(&svc->cond);
    pthread_mutex_unlock(&svc->mu);
}

int chatsvc_start(chatsvc **out, const char *url, const char *subject, chatlog *log,
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
    svc->expect = INT64_MAX;
    natsStatus s = chatsvc_connect(&svc->nc, url, chatsvc_on_closed, svc);
    if (s != NATS_OK) {
        chatsvc_nats_error(err, url, s);
        goto fail;
    }
    s = natsConnection_Subscribe(&svc->sub, svc->nc, subject, chatsvc_on_msg, svc);
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(svc->sub, -1, -1);
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

int chatsvc_wait(chatsvc *svc, int64_t expect, int stall_ms, error *err) {
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
        if (svc->received >= expect) {
            rc = 0;
            break;
        }
        int64_t dropped = 0;
        int pending = 0;
        natsSubscription_GetDropped(svc->sub, &dropped);
        natsSubscription_GetPending(svc->sub, &pending, NULL);
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
    pthread_mutex_lock(&svc->mu);
    out->received = svc->received;
    out->stored = svc->stored;
    out->malformed = svc->malformed;
    pthread_mutex_unlock(&svc->mu);
}

void chatsvc_free(chatsvc *svc) {
    if (svc == NULL)
        return;
    if (svc->sub != NULL) {
        natsSubscription_Unsubscribe(svc->sub);
        natsSubscription_Destroy(svc->sub);
    }
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
    natsStatus s = chatsvc_connect(&pub->nc, url, NULL, NULL);
    if (s != NATS_OK) {
        chatsvc_nats_error(err, url, s);
        free(pub);
        return -1;
    }
    *out = pub;
    return 0;
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
    natsConnection_Destroy(pub->nc);
    free(pub);
}

int chatsvc_encode(char *buf, size_t size, const char *username, const char *message,
                   double timestamp) {
    json_t *ev = json_pack("{s:s, s:s, s:f}", "username", username, "message", message,
                           "timestamp", timestamp);
    if (ev == NULL)
        return -1;
    size_t n = json_dumpb(ev, buf, size, JSON_COMPACT);
    json_decref(ev);
    return n == 0 || n > size ? -1 : (int)n;
}

void chatsvc_shutdown(void) {
    nats_CloseAndWait(2000);
}
