/* nats.c links and works: publish one message through the fixture's real
 * nats-server (NATS_URL) and receive it on a second connection. */
#include "check.h"

#include <nats/nats.h>
#include <stdlib.h>

int main(void) {
    const char *url = getenv("NATS_URL");
    if (url == NULL || *url == '\0') {
        fprintf(stderr, "smoke_nats: NATS_URL is not set (run under the nats fixture)\n");
        return 1;
    }
    natsConnection *pub = NULL, *sub_conn = NULL;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    natsStatus s = natsConnection_ConnectTo(&sub_conn, url);
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&sub, sub_conn, "rosey.events.chat");
    if (s == NATS_OK)
        s = natsConnection_Flush(sub_conn); /* the server knows the interest now */
    if (s == NATS_OK)
        s = natsConnection_ConnectTo(&pub, url);
    if (s == NATS_OK)
        s = natsConnection_PublishString(pub, "rosey.events.chat", "{\"message\":\"hi\"}");
    if (s == NATS_OK)
        s = natsConnection_Flush(pub);
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&msg, sub, 5000);
    CHECK_MSG(s == NATS_OK, "%s (%s)", natsStatus_GetText(s), nats_GetLastError(NULL));
    if (msg != NULL) {
        CHECK_EQ_STR(natsMsg_GetSubject(msg), "rosey.events.chat");
        CHECK_EQ_STR(natsMsg_GetData(msg), "{\"message\":\"hi\"}");
    }
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(pub);
    natsConnection_Destroy(sub_conn);
    nats_Close();
    return check_status();
}
