/* chatstore: one received event, decoded, stored and counted: what the
 * service's core-NATS half (chatsvc.c) and its JetStream half (chatjs.c)
 * both do, so that chatjs.c needs nothing from chatsvc.c (which starts it). */
#include "chatsvc_impl.h"

#include <stdio.h>

#include <jansson.h>

int chatsvc_store(chatsvc *svc, natsMsg *msg, error *err) {
    chat_event ev;
    json_t *doc = NULL;
    char why[200];
    const char *data = natsMsg_GetData(msg);
    if (chatcodec_decode(&ev, &doc, svc->cfg.encoding, data,
                         (size_t)natsMsg_GetDataLength(msg), why, sizeof why) != 0) {
        /* Logged, counted, never fatal; the first few only, to keep logs short. */
        if (svc->malformed < 5)
            fprintf(stderr, "chatsvc: malformed event ignored (%s): %.60s\n", why,
                    data ? data : "");
        return 1;
    }
    chatlog_log_n(svc->log, ev.id, ev.username, ev.username_len, ev.message,
                  ev.message_len, ev.timestamp, err);
    json_decref(doc);
    return 0;
}

void chatsvc_count(chatsvc *svc, int bad, const error *err) {
    svc->received++;
    if (bad)
        svc->malformed++;
    else if (err->kind != ERR_NONE && !svc->failed) {
        svc->failed = 1;
        snprintf(svc->fail_text, sizeof svc->fail_text, "%s", err->text);
    }
    svc->stored = chatlog_committed(svc->log);
    int64_t good = svc->received - svc->malformed;
    if (svc->cfg.on_half != NULL && svc->cfg.half_at > 0 && !svc->half_fired &&
        good >= svc->cfg.half_at) {
        svc->half_fired = 1;
        svc->cfg.on_half(svc->cfg.half_arg, good);
    }
}
