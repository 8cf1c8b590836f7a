/* natscluster: the nats-servers of a run. One node is a plain natsd; N > 1
 * nodes form a cluster on loopback: each node its own client, cluster and
 * monitoring port, `--routes` to every other node, ready when every node's
 * /healthz answers 200 and its /routez lists N-1 routes. With 'jetstream'
 * every node runs JetStream (file store under DIR/node-I, server name
 * node-I), so a stream can be replicated across the nodes.
 *
 * Client and monitoring ports are picked by the servers (-p -1 -m -1, read
 * back from the ports file). Cluster ports must be known before any node
 * starts (each node names the others in --routes), so they are picked here:
 * bound to port 0, read back, closed; a port taken in between fails the
 * start with the server's log, it never joins a wrong cluster. Every node
 * dies with the runner (PR_SET_PDEATHSIG, see procstat_spawn). */
#ifndef OVERHEAD_NATSCLUSTER_H
#define OVERHEAD_NATSCLUSTER_H

#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

#define NATSCLUSTER_MAX 9

typedef struct natscluster natscluster;

/* Start 'nodes' (1..NATSCLUSTER_MAX) servers of 'exe' with their files in
 * DIR/node-I (DIR itself for a single node without JetStream, as natsd) and
 * wait up to 20 s until all are ready. On success *out is owned by the
 * caller (natscluster_stop). On error *out is NULL, every node is stopped
 * and 'err' quotes the failing node's log. */
int natscluster_start(natscluster **out, const char *exe, const char *dir, int nodes,
                      int jetstream, error *err);

/* Number of nodes. */
int natscluster_size(const natscluster *c);

/* Node i's client URL (borrowed until natscluster_stop) and pid. */
const char *natscluster_url(const natscluster *c, int i);
pid_t natscluster_pid(const natscluster *c, int i);

/* Every node's client URL, comma-separated (borrowed). */
const char *natscluster_urls(const natscluster *c);

/* 1 while node i runs, 0 once it has exited (then reaped). */
int natscluster_alive(natscluster *c, int i);

/* Node i's whole-life rusage once it has exited (natscluster_alive returned
 * 0): 0, else -1. */
int natscluster_exit_rusage(const natscluster *c, int i, struct rusage *out);

/* Stop every node (SIGINT, SIGKILL after 5 s each), reap them and free 'c'.
 * NULL is a no-op. */
void natscluster_stop(natscluster *c);

#endif
