#include "chatconn.h"

#include <stdio.h>
#include <string.h>

int chatconn_error(error *err, const char *what, natsStatus s) {
    const char *last = nats_GetLastError(NULL);
    return error_set(err, ERR_SYSTEM, "nats: %s: %s%s%s", what, natsStatus_GetText(s),
                     last ? ": " : "", last ? last : "");
}

int chatconn_js_error(error *err, const char *what, natsStatus s, jsErrCode jerr) {
    const char *last = nats_GetLastError(NULL);
    return error_set(err, ERR_SYSTEM, "nats: %s: %s (JetStream error %d)%s%s", what,
                     natsStatus_GetText(s), (int)jerr, last ? ": " : "",
                     last ? last : "");
}

/* One URL, or a list through SetServers (natsOptions_SetURL takes one). */
static natsStatus chatconn_servers(natsOptions *o, const char *url) {
    if (strchr(url, ',') == NULL)
        return natsOptions_SetURL(o, url);
    char copy[4096];
    const char *servers[16];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", url);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t != NULL && n < 16;
         t = strtok_r(NULL, ",", &save))
        servers[n++] = t;
    natsStatus s = natsOptions_SetServers(o, servers, n);
    /* The first server listed is the one this client belongs to. */
    return s == NATS_OK ? natsOptions_SetNoRandomize(o, true) : s;
}

natsStatus chatconn_connect(natsConnection **nc, const char *url, int reconnect,
                            natsConnectionHandler closed_cb,
                            natsConnectionHandler reconnected_cb, void *closure) {
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = chatconn_servers(o, url);
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
