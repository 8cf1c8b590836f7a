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
 * SELECT count(*) then verifies the rows. Options: see wl.h (or --help);
 * --variant selects how events are encoded, committed and released
 * (chatvariant.h): the bot and the service must be given the same.
 * Exit status: 0 every event stored, 1 a failure or lost events, 2 bad usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chatcodec.h"
#include "chatlog.h"
#include "chatpub.h"
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

/* Encode event 'good' (its id) into 'buf' in the variant's encoding.
 * Returns the length or -1. */
static int encode_event(char *buf, size_t size, const wl_options *opts, int64_t good) {
    char user[32], msg[96];
    chat_event ev;
    ev.id = good;
    ev.username = user;
    ev.username_len = (size_t)snprintf(user, sizeof user, "user%d", (int)(good % 50));
    ev.message = msg;
    ev.message_len = (size_t)snprintf(
        msg, sizeof msg, "chat message %lld from the load test", (long long)good);
    ev.timestamp = wl_realtime();
    return chatcodec_encode(buf, size, opts->variant->encoding, &ev);
}

/* Publish opts->events events (and opts->malformed bad ones, spread evenly)
 * and flush. *published counts what nats.c accepted. */
static int publish_all(chatpub *pub, const wl_options *opts, wl_window *win,
                       int64_t *published, error *err) {
    char buf[512];
    int64_t total = opts->events + opts->malformed;
    int64_t every = opts->malformed > 0 ? total / opts->malformed : 0;
    int64_t bad = 0, good = 0;
    double start = wl_mono();
    for (int64_t i = 0; i < total; i++) {
        if (i == total / 2 && i > 0)
            wl_window_half(win, i);
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
            n = encode_event(buf, sizeof buf, opts, good);
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
    if (chatpub_complete(pub, opts->js ? CHATPROTO_JS_FAILOVER_MS : 10000, err) != 0)
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

/* One run of chat_nats: what it opened and what it counted. */
typedef struct nats_run {
    wl_options opts;
    wl_window win;
    int is_bot, is_svc;
    chatlog *log;
    chatsvc *svc;
    chatpub *pub;
    int64_t published, rows;
    chatsvc_stats st;
    double idle_cpu_s, idle_wall_s; /* --idle-ms */
} nats_run;

/* chatsvc_config.on_half: the service process's half-way point. */
static void svc_half(void *arg, int64_t handled) {
    wl_window_half(arg, handled);
}

/* Open the chat log and the service (inproc, service), the publisher (inproc,
 * bot), and tell the runner that the service is ready. */
static int nats_open(nats_run *r, error *err) {
    const wl_options *o = &r->opts;
    if (!r->is_bot) {
        /* JetStream delivers at least once: a redelivered event must not be
         * stored twice, and it may go to another service (its ack was lost
         * with a node), so JetStream services share one database file with
         * a unique event_id; they take turns on its write lock, waiting up
         * to 5 s (busy timeout) instead of failing with SQLITE_BUSY. */
        chatlog_config cfg =
            wl_chatlog_config(o, o->js, o->shared_db ? CHATPROTO_JS_BUSY_TIMEOUT_MS : 0);
        chatsvc_config sc = {.url = o->url,
                             .subject = o->store_subject ? o->store_subject : o->subject,
                             .queue = o->queue,
                             .end_marker = o->queue != NULL,
                             .jetstream = o->js,
                             .js_admin = o->js_admin,
                             .js_replicas = o->js_replicas,
                             .js_storage = o->js_storage,
                             .encoding = o->variant->encoding,
                             .destroy_group = o->variant->destroy_group,
                             .half_at = r->is_svc && o->expect > 1 ? o->expect / 2 : 0,
                             .on_half = svc_half,
                             .half_arg = &r->win};
        if (chatlog_open(&r->log, &cfg, err) != 0 ||
            chatsvc_start_config(&r->svc, &sc, r->log, err) != 0)
            return -1;
    }
    if (!r->is_svc && (o->js ? chatpub_open_js(&r->pub, o->url, err)
                             : chatpub_open(&r->pub, o->url, err)) != 0)
        return -1;
    if (r->is_svc && o->ready_fd >= 0) {
        /* Subscribed and flushed: the bot may start. */
        if (write(o->ready_fd, "ready\n", 6) != 6)
            return error_errno(err, ERR_SYSTEM, errno, "chat_nats: write to --ready-fd");
        close(o->ready_fd);
    }
    return 0;
}

/* The measured window: publish, wait until every event is committed, then
 * verify the rows against the counts. */
static int nats_measure(nats_run *r, error *err) {
    const wl_options *o = &r->opts;
    wl_idle(o, &r->idle_cpu_s, &r->idle_wall_s);
    if (wl_window_start(&r->win, o, err) != 0)
        return -1;
    if (r->pub != NULL && publish_all(r->pub, o, &r->win, &r->published, err) != 0) {
        wl_window_stop(&r->win);
        return -1;
    }
    if (r->svc != NULL && chatsvc_wait(r->svc, o->expect + (r->is_svc ? 0 : o->malformed),
                                       o->stall_ms, err) == 0)
        chatlog_flush(r->log, err);
    wl_window_stop(&r->win);
    if (r->svc == NULL)
        return err->kind == ERR_NONE ? 0 : -1;
    chatsvc_get_stats(r->svc, &r->st);
    if (err->kind == ERR_NONE && chatlog_count(&r->rows, r->log, err) == 0 &&
        ((!o->shared_db && r->rows != r->st.stored - r->st.duplicates) ||
         r->st.stored + r->st.malformed != r->st.received))
        error_set(err, ERR_CHECK,
                  "chat_nats: %lld rows in chat_log, %lld stored, %lld malformed, "
                  "%lld received",
                  (long long)r->rows, (long long)r->st.stored, (long long)r->st.malformed,
                  (long long)r->st.received);
    return err->kind == ERR_NONE ? 0 : -1;
}

/* The result JSON of this run. */
static void nats_result(nats_run *r, error *err) {
    const wl_options *o = &r->opts;
    json_t *res = wl_result_new(r->is_bot   ? "bot"
                                : r->is_svc ? "service"
                                            : "inproc",
                                o, &r->win);
    if (res == NULL)
        return;
    json_t *ev = json_object_get(res, "events");
    json_object_set_new(ev, "malformed_injected", json_integer(o->malformed));
    json_object_set_new(ev, "published",
                        r->is_svc ? json_null() : json_integer(r->published));
    if (!r->is_bot) {
        const chatsvc_stats *st = &r->st;
        json_object_set_new(ev, "expected", json_integer(o->expect));
        json_object_set_new(ev, "received", json_integer(st->received));
        json_object_set_new(ev, "stored", json_integer(st->stored));
        json_object_set_new(ev, "malformed", json_integer(st->malformed));
        json_object_set_new(ev, "dropped", json_integer(st->dropped));
        json_object_set_new(ev, "pending", json_integer(st->pending));
        json_object_set_new(ev, "duplicates", json_integer(st->duplicates));
        json_object_set_new(ev, "acked", json_integer(st->acked));
        json_object_set_new(ev, "reconnects", json_integer(st->reconnects));
        json_object_set_new(ev, "rows", json_integer(r->rows));
    }
    json_t *db = json_object_get(res, "db");
    json_object_set_new(db, "journal",
                        r->log ? json_string(chatlog_journal(r->log)) : json_null());
    json_object_set_new(db, "synchronous",
                        r->log ? json_string(chatlog_synchronous(r->log)) : json_null());
    json_object_set_new(res, "subject", json_string(o->subject));
    json_object_set_new(res, "store_subject",
                        o->store_subject ? json_string(o->store_subject) : json_null());
    if (o->idle_ms > 0)
        json_object_set_new(res, "idle",
                            json_pack("{s:f, s:f}", "cpu_s", r->idle_cpu_s, "wall_s",
                                      r->idle_wall_s));
    json_object_set_new(res, "queue", o->queue ? json_string(o->queue) : json_null());
    json_object_set_new(res, "jetstream", json_boolean(o->js));
    if (r->pub != NULL)
        json_object_set_new(ev, "resent", json_integer(chatpub_resent(r->pub)));
    wl_result_variant(res, o, r->log);
    wl_result_write(o, res, err);
    json_decref(res);
}

/* Not a workload: the stream would otherwise capture (and replicate) the
 * events of every later trial on this subject. */
static int nats_js_clean(const wl_options *opts, error *err) {
    int rc = chatsvc_js_delete(opts->url, err);
    chatsvc_shutdown();
    if (rc != 0)
        fprintf(stderr, "chat_nats: %s\n", err->text);
    return error_exit_code(err);
}

int main(int argc, char **argv) {
    error err;
    nats_run r = {.rows = -1};
    error_clear(&err);
    if (wl_parse(&r.opts, argc, argv, 1, &err) != 0 ||
        wl_ensure_frequency(&r.opts, argv, &err) != 0) {
        fprintf(stderr, "chat_nats: %s\n", err.text);
        return error_exit_code(&err);
    }
    if (r.opts.help) {
        wl_usage(stdout, 1);
        return 0;
    }
    if (strcmp(r.opts.mode, "js-clean") == 0)
        return nats_js_clean(&r.opts, &err);
    r.is_bot = strcmp(r.opts.mode, "bot") == 0;
    r.is_svc = strcmp(r.opts.mode, "service") == 0;
    if (nats_open(&r, &err) == 0)
        nats_measure(&r, &err);
    if (r.win.profiling)
        wl_window_stop(&r.win);
    if (r.svc != NULL)
        chatsvc_get_stats(r.svc, &r.st);
    nats_result(&r, &err);
    chatpub_free(r.pub);
    chatsvc_free(r.svc);
    chatlog_free(r.log);
    chatsvc_shutdown();
    if (err.kind != ERR_NONE)
        fprintf(stderr, "chat_nats: %s\n", err.text);
    return error_exit_code(&err);
}
