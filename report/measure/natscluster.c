#include "natscluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natsd.h"
#include "procstat.h"

struct natscluster {
    int n;
    natsd *node[NATSCLUSTER_MAX];
    char urls[NATSCLUSTER_MAX * 64];
};

/* A free loopback TCP port, or -1 with 'err'. */
static int natscluster_free_port(error *err) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return error_errno(err, ERR_SYSTEM, errno, "socket");
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    else
        error_errno(err, ERR_SYSTEM, errno, "bind 127.0.0.1:0");
    close(fd);
    return port;
}

int natscluster_start(natscluster **out, const char *exe, const char *dir, int nodes,
                      int jetstream, error *err) {
    int ports[NATSCLUSTER_MAX];
    char ndir[NATSCLUSTER_MAX][4200], store[NATSCLUSTER_MAX][4300];
    char cl[NATSCLUSTER_MAX][64], routes[NATSCLUSTER_MAX][NATSCLUSTER_MAX * 40];
    char name[NATSCLUSTER_MAX][32];
    *out = NULL;
    if (nodes < 1 || nodes > NATSCLUSTER_MAX)
        return error_set(err, ERR_INPUT, "cluster size must be 1..%d, not %d",
                         NATSCLUSTER_MAX, nodes);
    natscluster *c = calloc(1, sizeof *c);
    if (c == NULL)
        return error_set(err, ERR_NOMEM, "natscluster: out of memory");
    if (strlen(dir) > 4000) {
        error_set(err, ERR_INPUT, "%s: directory name too long", dir);
        goto fail;
    }
    if (nodes > 1 || jetstream)
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            error_errno(err, ERR_SYSTEM, errno, "%s", dir);
            goto fail;
        }
    for (int i = 0; i < nodes; i++)
        if (nodes > 1 && (ports[i] = natscluster_free_port(err)) < 0)
            goto fail;
    for (int i = 0; i < nodes; i++) {
        const char *extra[16];
        int k = 0;
        if (nodes == 1 && !jetstream)
            snprintf(ndir[i], sizeof ndir[i], "%s", dir);
        else
            snprintf(ndir[i], sizeof ndir[i], "%s/node-%d", dir, i);
        snprintf(name[i], sizeof name[i], "node-%d", i);
        extra[k++] = "-n";
        extra[k++] = name[i];
        if (nodes > 1) {
            snprintf(cl[i], sizeof cl[i], "nats://127.0.0.1:%d", ports[i]);
            routes[i][0] = '\0';
            for (int j = 0; j < nodes; j++) {
                if (j == i)
                    continue;
                size_t len = strlen(routes[i]);
                snprintf(routes[i] + len, sizeof routes[i] - len, "%snats://127.0.0.1:%d",
                         len ? "," : "", ports[j]);
            }
            extra[k++] = "--cluster";
            extra[k++] = cl[i];
            extra[k++] = "--cluster_name";
            extra[k++] = "overhead";
            extra[k++] = "--routes";
            extra[k++] = routes[i];
        }
        if (jetstream) {
            snprintf(store[i], sizeof store[i], "%.4100s/store", ndir[i]);
            extra[k++] = "-js";
            extra[k++] = "-sd";
            extra[k++] = store[i];
        }
        extra[k] = NULL;
        if (natsd_launch(&c->node[i], exe, ndir[i], extra, err) != 0)
            goto fail;
        c->n = i + 1;
    }
    /* Ready: every node healthy (JetStream included) and fully meshed. */
    double deadline = procstat_mono() + 20.0;
    for (;;) {
        int ready = 0;
        for (int i = 0; i < nodes; i++) {
            int st = natsd_ready(c->node[i]);
            if (st < 0) {
                natsd_fail(c->node[i], "exited", err);
                goto fail;
            }
            if (st == 0 &&
                (nodes == 1 || natsd_routes(natsd_monitor(c->node[i])) >= nodes - 1))
                ready++;
        }
        if (ready == nodes)
            break;
        if (procstat_mono() > deadline) {
            for (int i = 0; i < nodes; i++)
                if (natsd_ready(c->node[i]) != 0 ||
                    (nodes > 1 && natsd_routes(natsd_monitor(c->node[i])) < nodes - 1)) {
                    natsd_fail(c->node[i],
                               nodes > 1 ? "not healthy with all routes up within 20 s"
                                         : "not healthy within 20 s",
                               err);
                    break;
                }
            goto fail;
        }
        usleep(20000);
    }
    for (int i = 0; i < nodes; i++) {
        size_t len = strlen(c->urls);
        snprintf(c->urls + len, sizeof c->urls - len, "%s%s", i ? "," : "",
                 natsd_url(c->node[i]));
    }
    *out = c;
    return 0;
fail:
    natscluster_stop(c);
    return -1;
}

int natscluster_size(const natscluster *c) {
    return c->n;
}

const char *natscluster_url(const natscluster *c, int i) {
    return natsd_url(c->node[i]);
}

pid_t natscluster_pid(const natscluster *c, int i) {
    return natsd_pid(c->node[i]);
}

const char *natscluster_urls(const natscluster *c) {
    return c->urls;
}

int natscluster_alive(natscluster *c, int i) {
    return natsd_alive(c->node[i]);
}

int natscluster_exit_rusage(const natscluster *c, int i, struct rusage *out) {
    return natsd_exit_rusage(c->node[i], out);
}

void natscluster_stop(natscluster *c) {
    if (c == NULL)
        return;
    /* SIGINT to all first, so the nodes shut down together instead of each
     * one reconnecting its routes to the ones still running. */
    for (int i = 0; i < c->n; i++)
        if (natsd_alive(c->node[i]))
            kill(natsd_pid(c->node[i]), SIGINT);
    for (int i = 0; i < c->n; i++)
        natsd_stop(c->node[i], NULL);
    free(c);
}
