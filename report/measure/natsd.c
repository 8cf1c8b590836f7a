#include "natsd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "procstat.h"

struct natsd {
    pid_t pid;
    int exited;
    int status;
    struct rusage ru;
    char url[256];
    char monitor[256];
    char cluster[256];
    char log[4096];
    char ports[4096];
    char exe[1024];
};

/* Connect to host:port with a timeout; returns the socket or -1 with 'err'. */
static int natsd_connect(const char *host, const char *port, int timeout_ms, error *err) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return error_set(err, ERR_INPUT, "%s:%s: %s", host, port, gai_strerror(rc));
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd p = {fd, POLLOUT, 0};
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (poll(&p, 1, timeout_ms) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return error_set(err, ERR_INPUT, "%s:%s: connection refused or timed out", host,
                         port);
    return fd;
}

/* Read until 'want' appears in the reply (NULL: until the peer closes) or the
 * timeout ends. 'buf' receives what was read. Returns 0 when found. */
static int natsd_read_until(int fd, const char *want, char *buf, size_t size,
                            int timeout_ms) {
    size_t n = 0;
    buf[0] = '\0';
    double end = procstat_mono() + timeout_ms / 1000.0;
    while (n + 1 < size) {
        int left = (int)((end - procstat_mono()) * 1000);
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) != 1)
            break;
        ssize_t r = read(fd, buf + n, size - 1 - n);
        if (r <= 0)
            return want == NULL && r == 0 ? 0 : -1;
        n += (size_t)r;
        buf[n] = '\0';
        if (want != NULL && strstr(buf, want) != NULL)
            return 0;
    }
    return -1;
}

/* Split "scheme://host:port/..." into host and port. */
static int natsd_split(const char *url, char *host, size_t hsize, char *port,
                       size_t psize) {
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = strchr(p, '@');
    const char *comma = strchr(p, ',');
    if (at != NULL && (comma == NULL || at < comma))
        p = at + 1;
    size_t len = strcspn(p, ",/");
    const char *colon = memchr(p, ':', len);
    if (colon == NULL || colon == p || (size_t)(colon - p) >= hsize ||
        len - (size_t)(colon - p) - 1 >= psize || len - (size_t)(colon - p) - 1 == 0)
        return -1;
    snprintf(host, hsize, "%.*s", (int)(colon - p), p);
    snprintf(port, psize, "%.*s", (int)(len - (size_t)(colon - p) - 1), colon + 1);
    return 0;
}

int natsd_probe(const char *url, int timeout_ms, error *err) {
    char host[200], port[16], buf[512];
    if (natsd_split(url, host, sizeof host, port, sizeof port) != 0)
        return error_set(err, ERR_INPUT, "NATS URL '%s': expected nats://host:port", url);
    error cerr;
    error_clear(&cerr);
    int fd = natsd_connect(host, port, timeout_ms, &cerr);
    if (fd < 0)
        return error_set(err, ERR_INPUT, "NATS URL '%s' unreachable: %s", url, cerr.text);
    int rc = natsd_read_until(fd, "INFO ", buf, sizeof buf, timeout_ms);
    close(fd);
    if (rc != 0)
        return error_set(err, ERR_INPUT, "NATS URL '%s': no NATS INFO line within %d ms",
                         url, timeout_ms);
    return 0;
}

/* GET 'path' on the monitoring URL 'monitor'; the body (after the headers)
 * goes into 'body' (may be NULL). Returns 0 when the server answered 200. */
static int natsd_http_get(const char *monitor, const char *path, char *body,
                          size_t size) {
    char host[200], port[16], req[400];
    char buf[65536];
    if (body != NULL && size > 0)
        body[0] = '\0';
    if (natsd_split(monitor, host, sizeof host, port, sizeof port) != 0)
        return -1;
    int fd = natsd_connect(host, port, 500, NULL);
    if (fd < 0)
        return -1;
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n", path,
                     host, port);
    int rc = -1;
    if (n > 0 && (size_t)n < sizeof req && write(fd, req, (size_t)n) == n) {
        /* HTTP/1.0 with Connection: close: read until the server closes. */
        natsd_read_until(fd, NULL, buf, sizeof buf, 1000);
        rc = strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 8, " 200", 4) == 0 ? 0 : -1;
        const char *b = strstr(buf, "\r\n\r\n");
        if (body != NULL && size > 0 && b != NULL)
            snprintf(body, size, "%s", b + 4);
    }
    close(fd);
    return rc;
}

/* GET /healthz on the monitoring URL; 0 when it answers 200. */
static int natsd_healthy(const char *monitor) {
    return natsd_http_get(monitor, "/healthz", NULL, 0);
}

/* Read the ports file once; 0 when both URLs were found. */
static int natsd_read_ports(natsd *d, const char *path) {
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    const char *url = json_string_value(json_array_get(json_object_get(j, "nats"), 0));
    const char *mon =
        json_string_value(json_array_get(json_object_get(j, "monitoring"), 0));
    const char *cl = json_string_value(json_array_get(json_object_get(j, "cluster"), 0));
    int rc = -1;
    if (url != NULL && mon != NULL) {
        snprintf(d->url, sizeof d->url, "%s", url);
        snprintf(d->monitor, sizeof d->monitor, "%s", mon);
        snprintf(d->cluster, sizeof d->cluster, "%s", cl ? cl : "");
        rc = 0;
    }
    json_decref(j);
    return rc;
}

int natsd_alive(natsd *d) {
    if (d->exited)
        return 0;
    pid_t r = wait4(d->pid, &d->status, WNOHANG, &d->ru);
    if (r == d->pid) {
        d->exited = 1;
        return 0;
    }
    return 1;
}

int natsd_launch(natsd **out, const char *exe, const char *dir, const char *const *extra,
                 error *err) {
    char *argv[64];
    *out = NULL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return error_errno(err, ERR_SYSTEM, errno, "%s", dir);
    natsd *d = calloc(1, sizeof *d);
    if (d == NULL)
        return error_set(err, ERR_NOMEM, "natsd: out of memory");
    snprintf(d->log, sizeof d->log, "%s/server.log", dir);
    snprintf(d->exe, sizeof d->exe, "%s", exe);
    const char *base[] = {exe,  "-a", "127.0.0.1",        "-p", "-1",
                          "-m", "-1", "--ports_file_dir", dir};
    int k = 0;
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        argv[k++] = (char *)base[i];
    for (int i = 0; extra != NULL && extra[i] != NULL && k < 63; i++)
        argv[k++] = (char *)extra[i];
    argv[k] = NULL;
    if (procstat_spawn(&d->pid, argv, d->log, NULL, 0, err) != 0) {
        free(d);
        return -1;
    }
    snprintf(d->ports, sizeof d->ports, "%s/nats-server_%d.ports", dir, (int)d->pid);
    *out = d;
    return 0;
}

int natsd_ready(natsd *d) {
    if (!natsd_alive(d))
        return -1;
    if ((d->url[0] != '\0' || natsd_read_ports(d, d->ports) == 0) &&
        natsd_healthy(d->monitor) == 0)
        return 0;
    return 1;
}

int natsd_fail(natsd *d, const char *why, error *err) {
    char tail[300] = "";
    FILE *f = fopen(d->log, "r");
    if (f != NULL) {
        fseek(f, -(long)(sizeof tail - 1), SEEK_END);
        size_t n = fread(tail, 1, sizeof tail - 1, f);
        tail[n] = '\0';
        fclose(f);
        for (char *c = tail; *c; c++)
            if (*c == '\n')
                *c = ' ';
    }
    return error_set(err, ERR_SYSTEM, "nats-server (%s) %s; log %s: %s", d->exe,
                     d->exited ? "exited during start-up" : why, d->log, tail);
}

int natsd_start(natsd **out, const char *exe, const char *dir, error *err) {
    natsd *d = NULL;
    *out = NULL;
    if (natsd_launch(&d, exe, dir, NULL, err) != 0)
        return -1;
    double deadline = procstat_mono() + 10.0;
    int st;
    while ((st = natsd_ready(d)) == 1 && procstat_mono() < deadline)
        usleep(20000);
    if (st != 0) {
        natsd_fail(d, "not healthy within 10 s", err);
        natsd_stop(d, NULL);
        return -1;
    }
    *out = d;
    return 0;
}

const char *natsd_url(const natsd *d) {
    return d->url;
}

pid_t natsd_pid(const natsd *d) {
    return d->pid;
}

int natsd_exit_rusage(const natsd *d, struct rusage *out) {
    if (!d->exited)
        return -1;
    *out = d->ru;
    return 0;
}

const char *natsd_monitor(const natsd *d) {
    return d->monitor;
}

const char *natsd_log(const natsd *d) {
    return d->log;
}

int natsd_routes(const char *monitor) {
    char body[65536];
    if (natsd_http_get(monitor, "/routez", body, sizeof body) != 0)
        return -1;
    json_error_t jerr;
    json_t *j = json_loads(body, 0, &jerr);
    json_t *n = json_object_get(j, "num_routes");
    int rc = json_is_integer(n) ? (int)json_integer_value(n) : -1;
    json_decref(j);
    return rc;
}

void natsd_stop(natsd *d, struct rusage *ru) {
    if (d == NULL)
        return;
    if (natsd_alive(d)) {
        kill(d->pid, SIGINT);
        double deadline = procstat_mono() + 5.0;
        while (natsd_alive(d) && procstat_mono() < deadline)
            usleep(10000);
        if (natsd_alive(d)) {
            kill(d->pid, SIGKILL);
            while (wait4(d->pid, &d->status, 0, &d->ru) < 0 && errno == EINTR)
                ;
            d->exited = 1;
        }
    }
    if (ru != NULL)
        *ru = d->ru;
    free(d);
}
