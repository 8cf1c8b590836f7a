#include "chatvariant.h"

#include <string.h>

/* batch10, batch100: one transaction per n events. */
#define BATCH_VARIANT(n)                                                                 \
    {.name = "batch" #n,                                                                 \
     .batch = n,                                                                         \
     .destroy_group = n,                                                                 \
     .encoding = CHAT_ENC_JSON,                                                          \
     .direct = 1,                                                                        \
     .changes = "one transaction per " #n " events, committed sooner when no event is "  \
                "waiting or the oldest has waited 50 ms; received messages destroyed "   \
                "together once " #n " are committed",                                    \
     .gives_up = "per-event durability: a crash loses the open batch (up to " #n         \
                 " events received but not committed, and acknowledged to nobody); "     \
                 "each event waits for its batch's commit (at most 50 ms more while "    \
                 "events keep coming)",                                                  \
     .code_change = "log_chat() opens a transaction with the first event and commits "   \
                    "it after " #n ", on an empty queue or after 50 ms, instead of one " \
                    "autocommit per INSERT"}

static const chat_variant variants[] = {
    {.name = "baseline",
     .batch = 1,
     .destroy_group = 1,
     .encoding = CHAT_ENC_JSON,
     .direct = 1,
     .changes = "the bot as deployed: JSON events, one autocommit per event, each "
                "received message destroyed right after its commit",
     .gives_up = "nothing",
     .code_change = "none"},
    {.name = "gc64",
     .batch = 1,
     .destroy_group = 64,
     .encoding = CHAT_ENC_JSON,
     .changes = "received messages are kept until 64 are committed and destroyed "
                "together, so nats.c's garbage-collector thread is woken about once per "
                "group instead of once per event",
     .gives_up = "nothing: same commits, same latency; up to 64 received (and already "
                 "stored) messages stay in memory",
     .code_change = "the message handler keeps each natsMsg in an array after its "
                    "INSERT and calls natsMsg_Destroy on all 64 at once"},
    {.name = "compact",
     .batch = 1,
     .destroy_group = 1,
     .encoding = CHAT_ENC_COMPACT,
     .changes = "the bot writes a fixed binary layout into a reused buffer and the "
                "service reads it in place, instead of building and parsing jansson "
                "JSON trees",
     .gives_up = "JSON on the wire: other subscribers must know the layout, text is "
                 "not checked for UTF-8, a new field needs a new layout version",
     .code_change = "json_pack/json_dumpb and json_loadb are replaced by a 24-byte "
                    "header (lengths, id, timestamp) and the two strings, bound to the "
                    "INSERT straight from the message buffer"},
    BATCH_VARIANT(10),
    BATCH_VARIANT(100),
    {.name = "batch100-compact",
     .batch = 100,
     .destroy_group = 100,
     .encoding = CHAT_ENC_COMPACT,
     .changes = "batch100 and compact together: how far the two largest changes go",
     .gives_up = "what batch100 and compact give up",
     .code_change = "both changes of batch100 and compact"},
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
