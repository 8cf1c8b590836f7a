#include "chatvariant.h"

#include <string.h>

static const chat_variant variants[] = {
    {"baseline", 1, 1, CHAT_ENC_JSON, 1,
     "the bot as deployed: JSON events, one autocommit per event, each received "
     "message destroyed right after its commit",
     "nothing"},
    {"gc64", 1, 64, CHAT_ENC_JSON, 0,
     "received messages are kept until 64 are committed and destroyed together, so "
     "nats.c's garbage-collector thread is woken about once per group instead of "
     "once per event",
     "nothing: same commits, same latency; up to 64 received (and already stored) "
     "messages stay in memory"},
    {"compact", 1, 1, CHAT_ENC_COMPACT, 0,
     "the bot writes a fixed binary layout into a reused buffer and the service "
     "reads it in place, instead of building and parsing jansson JSON trees",
     "JSON on the wire: other subscribers must know the layout, text is not checked "
     "for UTF-8, a new field needs a new layout version"},
    {"batch10", 10, 10, CHAT_ENC_JSON, 1,
     "one transaction per 10 events (committed sooner when the queue runs empty or "
     "the oldest event has waited 50 ms); messages destroyed together once 10 are "
     "committed",
     "per-event durability: a crash loses the open batch (up to 10 events received "
     "but not committed, and acknowledged to nobody); events wait for the batch"},
    {"batch100", 100, 100, CHAT_ENC_JSON, 1,
     "one transaction per 100 events (committed sooner when the queue runs empty or "
     "the oldest event has waited 50 ms); messages destroyed together once 100 "
     "are committed",
     "per-event durability: a crash loses the open batch (up to 100 events received "
     "but not committed, and acknowledged to nobody); events wait for the batch"},
    {"batch100-compact", 100, 100, CHAT_ENC_COMPACT, 0,
     "batch100 and compact together: how far the two largest changes go",
     "what batch100 and compact give up"},
};

const chat_variant *chatvariant_find(const char *name) {
    for (size_t i = 0; name != NULL && i < sizeof variants / sizeof variants[0]; i++)
        if (strcmp(variants[i].name, name) == 0)
            return &variants[i];
    return NULL;
}

const chat_variant *chatvariant_all(size_t *n) {
    *n = sizeof variants / sizeof variants[0];
    return variants;
}
