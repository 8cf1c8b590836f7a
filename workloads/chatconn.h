/* chatconn: the nats.c connection both sides of the bus open, and nats.c's
 * errors copied into ours. Internal to the workloads. */
#ifndef OVERHEAD_CHATCONN_H
#define OVERHEAD_CHATCONN_H

#include <nats/nats.h>

#include "error.h"

/* Connect to 'url' (one URL or a comma-separated list, the first being this
 * client's server): no reconnects (a lost server must fail the trial, not
 * stall it) unless 'reconnect' (JetStream, where a client that reconnects
 * loses nothing: up to 10 s of attempts every 100 ms), 2 s connect timeout,
 * optional closed and reconnected callbacks with 'closure'. */
natsStatus chatconn_connect(natsConnection **nc, const char *url, int reconnect,
                            natsConnectionHandler closed_cb,
                            natsConnectionHandler reconnected_cb, void *closure);

/* Copy nats.c's status text and last error into 'err'. Returns -1. */
int chatconn_error(error *err, const char *what, natsStatus s);

/* The same with a JetStream error code. Returns -1. */
int chatconn_js_error(error *err, const char *what, natsStatus s, jsErrCode jerr);

#endif
