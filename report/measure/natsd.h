/* natsd: a nats-server of our own, on free loopback ports, for the length
 * of a run; and a reachability probe for a server given by URL.
 *
 * The server picks its ports itself (-p -1 -m -1) and writes them to
 * DIR/nats-server_<pid>.ports; it is ready when its monitoring port answers
 * GET /healthz with 200. It is stopped with SIGINT (SIGKILL after 5 s) and
 * dies with the runner (PR_SET_PDEATHSIG) if the runner is killed. */
#ifndef OVERHEAD_NATSD_H
#define OVERHEAD_NATSD_H

#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

typedef struct natsd natsd;

/* Start 'exe' with its ports file and log (server.log) in 'dir' (created if
 * missing) and wait up to 10 s until it is healthy. On success *out is owned
 * by the caller (natsd_stop). On error *out is NULL, nothing is left running
 * and 'err' quotes the end of the server's log. */
int natsd_start(natsd **out, const char *exe, const char *dir, error *err);

/* Start 'exe' like natsd_start, with 'extra' (NULL-terminated, may be NULL)
 * appended to its arguments, and return at once: poll natsd_ready. On success
 * *out is owned by the caller (natsd_stop). */
int natsd_launch(natsd **out, const char *exe, const char *dir, const char *const *extra,
                 error *err);

/* One readiness check of a launched server: 0 when its ports file is read and
 * /healthz answers 200, 1 not yet, -1 when the process has exited. */
int natsd_ready(natsd *d);

/* Fill 'err' with 'why' (or "exited during start-up") and the end of the
 * server's log. Returns -1. */
int natsd_fail(natsd *d, const char *why, error *err);

/* The number of routes the server at monitoring URL 'monitor' reports on
 * /routez (num_routes), or -1 when it does not answer. */
int natsd_routes(const char *monitor);

/* The monitoring URL ("http://127.0.0.1:PORT") and the log path, borrowed
 * until natsd_stop. */
const char *natsd_monitor(const natsd *d);
const char *natsd_log(const natsd *d);

/* The client URL ("nats://127.0.0.1:PORT"), borrowed until natsd_stop. */
const char *natsd_url(const natsd *d);

/* The server's pid. */
pid_t natsd_pid(const natsd *d);

/* 1 while the server process is running, 0 once it has exited (it is then
 * reaped and its exit status kept). */
int natsd_alive(natsd *d);

/* When the server has exited (see natsd_alive), its whole-life rusage from
 * wait4 into *out and 0; -1 while it runs. */
int natsd_exit_rusage(const natsd *d, struct rusage *out);

/* Stop the server (SIGINT, SIGKILL after 5 s), reap it and free 'd'. When
 * 'ru' is not NULL it receives the server's rusage (wait4). NULL is a no-op. */
void natsd_stop(natsd *d, struct rusage *ru);

/* Check that a NATS server answers at 'url' (the first of a comma-separated
 * list; nats://host:port or host:port): TCP connect and an INFO line within
 * 'timeout_ms'. Returns 0, or -1 with ERR_INPUT naming the URL. */
int natsd_probe(const char *url, int timeout_ms, error *err);

#endif
