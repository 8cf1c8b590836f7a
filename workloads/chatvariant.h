/* chatvariant: the named what-if variants of the workloads, as data.
 *
 * Each variant changes one thing in how events are encoded, committed or
 * released, on top of the same chat log (chatlog) and service (chatsvc), so
 * that its CPU per event can be measured beside the baseline. The table says
 * what each one changes and what it gives up; `chat_nats --help`,
 * `chat_direct --help` and the README print it. */
#ifndef OVERHEAD_CHATVARIANT_H
#define OVERHEAD_CHATVARIANT_H

#include <stddef.h>

#include "chatcodec.h"

/* How long the oldest event of an open batch may wait for its commit while
 * more events keep arriving (the batch is committed at once when the queue
 * runs empty). */
#define CHATVARIANT_BATCH_MS 50

typedef struct chat_variant {
    const char *name;
    int batch;               /* events per transaction (1: autocommit each) */
    int destroy_group;       /* received messages released together, after commit */
    chat_encoding encoding;  /* how the bot encodes and the service decodes */
    int direct;              /* also applies to chat_direct (no bus) */
    const char *changes;     /* what it changes, one sentence */
    const char *gives_up;    /* the semantic cost, one sentence */
    const char *code_change; /* the change in the code, one sentence */
} chat_variant;

/* The variant called 'name', or NULL. */
const chat_variant *chatvariant_find(const char *name);

/* All variants, baseline first; *n is set to their number. */
const chat_variant *chatvariant_all(size_t *n);

#endif
