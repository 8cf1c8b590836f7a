/* chat_nats: the NATS architecture.
 *
 *   --mode inproc   the seed's set-up: the bot and the DatabaseService in one
 *                   process, on two separate connections
 *   --mode bot      the bot alone: publish N JSON events and flush
 *   --mode service  the DatabaseService alone: subscribe, then store events
 *                   until --expect of them arrived (the real deployment, with
 *                   the bot as another process)
 *
 * The profiled window starts after connecting and subscribing and ends when
 * the last event is stored (inproc, service) or flushed to the server (bot).
 * SELECT count(*) then verifies the rows. Options: see wl.h.
 * Exit status: 0 every event stored, 1 a failure or lost events, 2 bad usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chatlog.h"
#include "chatsvc.h"
#include "wl.h"

/* Malformed events the bot can inject (--malformed K), in rotation. */
static const char *const malformed_events[] = {
    "this is not json",
    "{\"username\":\"u\",\"message\":\"m\"",
    "{\"username\":\"u\",\"timestamp\":1}",
    "{\"username\":7,\"message\":\"m\",\"timestamp\":1}",
    "[1,2,3]",
    "",
};

/* Publish opts->events events (and opts->malformed bad ones, spread evenly)
 * and flush. *published counts what nats.c accepted. */
static int publish_all(chatpub *pub, const wl_options *opts, int64_t *published,
                       error *err) {
    char user[32], msg[96], buf[512];
    int64_t total = opts->events + opts->malformed;
    int64_t every = opts->malformed > 0 ? total / opts->malformed : 0;
    int64_t bad = 0, good = 0;
    double start = wl_mono();
    for (int64_t i = 0; i < total; i++) {
        wl_pace(opts, start, i);
        int n;
        const char *data = buf;
        if (bad < opts->malformed &&
            (every <= 1 || i % every == every - 1 || good >= opts->events)) {
            data = malformed_events[bad % (int64_t)(sizeof malformed_events /
                                                    sizeof malformed_events[0])];
            n = (int)strlen(data);
            bad++;
        } else {
            snprintf(user, sizeof user, "user%d", (int)(good % 50));
            snprintf(msg, sizeof msg, "chat message %lld from the load test",
                     (long long)good);
            n = chatsvc_encode_id(buf, sizeof buf, good, user, msg, wl_realtime());
            if (n < 0)
                return error_set(err, ERR_SYSTEM, "chat_nats: cannot encode event");
            good++;
        }
        if (chatpub_publish_id(pub, opts->subject, data == buf ? good - 1 : -1, data, n,
                               err) != 0)
            return -1;
        (*published)++;
    }
    /* JetStream: every event acknowledged by the stream (re-sent if need be). */
    if (chatpub_complete(pub, opts->js ? 60000 : 10000, err) != 0)
        return -1;
    if (opts->end_marker) {
        /* Queue group: every member learns that the bot is done. */
        char end[512];
        snprintf(end, sizeof end, "%s.end", opts->subject);
        if (chatpub_publish(pub, end, "end", 3, err) != 0 ||
            chatpub_flush(pub, 10000, err) != 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    error err;
    wl_options opts;
    wl_window win = {0};
    chatlog *log = NULL;
    chatsvc *svc = NULL;
    chatpub *pub = NULL;
    json_t *res = NULL;
    int64_t published = 0, rows = -1;
    chatsvc_stats st = {0};
    error_clear(&err);
    if (wl_parse(&opts, argc, argv, 1, &err) != 0 ||
        wl_ensure_frequency(&opts, argv, &err) != 0) {
        fprintf(stderr, "chat_nats: %s\n", err.text);
        return error_exit_code(&err);
    }
    if (strcmp(opts.mode, "js-clean") == 0) {
        /* Not a workload: the stream would otherwise capture (and replicate)
         * the events of every later trial on this subject. */
        int rc = chatsvc_js_delete(opts.url, &err);
        chatsvc_shutdown();
        if (rc != 0)
            fprintf(stderr, "chat_nats: %s\n", err.text);
        return error_exit_code(&err);
    }
    int is_bot = strcmp(opts.mode, "bot") == 0;
    int is_svc = strcmp(opts.mode, "service") == 0;
    if (!is_bot) {
        /* JetStream delivers at least once: a redelivered event must not be
         * stored twice, and it may go to another service (its ack was lost
         * with a node), so JetStream services share one database file with
         * a unique event_id; they take turns on its write lock, waiting up
         * to 5 s (busy timeout) instead of failing with SQLITE_BUSY. */
        chatlog_config cfg = {
            opts.db,    opts.journal, opts.sync,
            opts.batch, opts.js,      opts.shared_db ? CHATPROTO_JS_BUSY_TIMEOUT_MS : 0};
        chatsvc_config sc = {opts.url,           opts.subject,   opts.queue,
                             opts.queue != NULL, opts.js,        opts.js_admin,
                             opts.js_replicas,   opts.js_storage};
        if (chatlog_open(&log, &cfg, &err) != 0 ||
            chatsvc_start_config(&svc, &sc, log, &err) != 0)
            goto done;
    }
    if (!is_svc && (opts.js ? chatpub_open_js(&pub, opts.url, &err)
                            : chatpub_open(&pub, opts.url, &err)) != 0)
        goto done;
    if (is_svc && opts.ready_fd >= 0) {
        /* Subscribed and flushed: the bot may start. */
        if (write(opts.ready_fd, "ready\n", 6) != 6) {
            error_errno(&err, ERR_SYSTEM, errno, "chat_nats: write to --ready-fd");
            goto done;
        }
        close(opts.ready_fd);
    }
    if (wl_window_start(&win, &opts, &err) != 0)
        goto done;
    if (pub != NULL && publish_all(pub, &opts, &published, &err) != 0) {
        wl_window_stop(&win);
        goto done;
    }
    if (svc != NULL && chatsvc_wait(svc, opts.expect + (is_svc ? 0 : opts.malformed),
                                    opts.stall_ms, &err) == 0)
        chatlog_flush(log, &err);
    wl_window_stop(&win);
    if (svc != NULL) {
        chatsvc_get_stats(svc, &st);
        if (err.kind == ERR_NONE && chatlog_count(&rows, log, &err) == 0 &&
            ((!opts.shared_db && rows != st.stored - st.duplicates) ||
             st.stored + st.malformed != st.received))
            error_set(&err, ERR_CHECK,
                      "chat_nats: %lld rows in chat_log, %lld stored, %lld malformed, "
                      "%lld received",
                      (long long)rows, (long long)st.stored, (long long)st.malformed,
                      (long long)st.received);
    }
done:
    if (win.profiling)
        wl_window_stop(&win);
    if (svc != NULL)
        chatsvc_get_stats(svc, &st);
    res = wl_result_new(is_bot ? "bot" : is_svc ? "service" : "inproc", &opts, &win);
    if (res != NULL) {
        json_t *ev = json_object_get(res, "events");
        json_object_set_new(ev, "malformed_injected", json_integer(opts.malformed));
        json_object_set_new(ev, "published",
                            is_svc ? json_null() : json_integer(published));
        if (!is_bot) {
            json_object_set_new(ev, "expected", json_integer(opts.expect));
            json_object_set_new(ev, "received", json_integer(st.received));
            json_object_set_new(ev, "stored", json_integer(st.stored));
            json_object_set_new(ev, "malformed", json_integer(st.malformed));
            json_object_set_new(ev, "dropped", json_integer(st.dropped));
            json_object_set_new(ev, "pending", json_integer(st.pending));
            json_object_set_new(ev, "duplicates", json_integer(st.duplicates));
            json_object_set_new(ev, "acked", json_integer(st.acked));
            json_object_set_new(ev, "reconnects", json_integer(st.reconnects));
            json_object_set_new(ev, "rows", json_integer(rows));
        }
        json_t *db = json_object_get(res, "db");
        json_object_set_new(db, "journal",
                            log ? json_string(chatlog_journal(log)) : json_null());
        json_object_set_new(db, "synchronous",
                            log ? json_string(chatlog_synchronous(log)) : json_null());
        json_object_set_new(res, "subject", json_string(opts.subject));
        json_object_set_new(res, "queue",
                            opts.queue ? json_string(opts.queue) : json_null());
        json_object_set_new(res, "jetstream", json_boolean(opts.js));
        if (pub != NULL)
            json_object_set_new(ev, "resent", json_integer(chatpub_resent(pub)));
        wl_result_write(&opts, res, &err);
    }
    json_decref(res);
    chatpub_free(pub);
    chatsvc_free(svc);
    chatlog_free(log);
    chatsvc_shutdown();
    if (err.kind != ERR_NONE)
        fprintf(stderr, "chat_nats: %s\n", err.text);
    return error_exit_code(&err);
}
