/* chatproto: the names the workloads and the runner must agree on: the chat
 * subject, the queue group and the JetStream stream and consumer. The
 * workloads use them to publish and subscribe; the runner passes them on the
 * command line and writes them into the run records. Header only. */
#ifndef OVERHEAD_CHATPROTO_H
#define OVERHEAD_CHATPROTO_H

/* The subject every chat event is published on (the bot's, as in the seed). */
#define CHATPROTO_SUBJECT "rosey.events.chat"
/* The team's test_nats_cpu_overhead (the replica arms): its bot published
 * on the first subject while its DatabaseService subscribed to the second,
 * so nothing was stored; it measured the process's idle CPU over the second
 * before, then 500 events at about 100 events/s (10 ms sleeps). */
#define CHATPROTO_TEAM_SUBJECT       "rosey.chat.message"
#define CHATPROTO_TEAM_STORE_SUBJECT "rosey.db.message.log"
#define CHATPROTO_TEAM_IDLE_MS       1000
#define CHATPROTO_TEAM_EVENTS        500
#define CHATPROTO_TEAM_RATE          100
/* The queue group of the nats-cluster services. */
#define CHATPROTO_QUEUE "chatsvc"
/* The JetStream stream that captures CHATPROTO_SUBJECT, and its durable pull
 * consumer shared by the services. */
#define CHATPROTO_STREAM  "ROSEY_CHAT"
#define CHATPROTO_DURABLE "chatsvc"
/* Seconds before JetStream redelivers an unacknowledged event. */
#define CHATPROTO_ACK_WAIT_S 2.0
/* The workloads' what-if variants (--variant NAME; workloads/chatvariant.c
 * says what each changes and gives up), space-separated: every one applies
 * to chat_nats, those of CHATPROTO_DIRECT_VARIANTS to chat_direct too. */
#define CHATPROTO_VARIANTS        "baseline gc64 compact batch10 batch100 batch100-compact"
#define CHATPROTO_DIRECT_VARIANTS "baseline batch10 batch100"
/* JetStream services share one database and wait this long for its lock. */
#define CHATPROTO_JS_BUSY_TIMEOUT_MS 5000
/* How long a JetStream cluster that lost a node may take to elect a new
 * stream leader and store events again: the bot re-sends for this long, and a
 * service sees no stall for this long. Elections take 1-9 s on an idle
 * 2-core machine but were seen to take 21 s at load average 12. */
#define CHATPROTO_JS_FAILOVER_MS 60000

#endif
