/* chat_direct: the direct architecture. N log_chat() calls into SQLite, in one
 * process, profiled from the first call to the last commit. Then
 * SELECT count(*) verifies the rows (outside the measured window).
 *
 * usage: chat_direct --events N [--db PATH --journal J --sync S --batch B
 *                    --variant V --profile FILE --freq HZ --rate R --result FILE]
 * (chat_direct --help lists every option and variant).
 * Exit status: 0 all N rows stored, 1 a failure, 2 bad usage. */
#include <stdio.h>

#include "chatlog.h"
#include "wl.h"

/* Log opts->events events and commit. With batching, an open batch is
 * committed when the next event is not due yet (the loop's "queue" is empty,
 * as the service commits when nats.c's queue is), besides every B events and
 * once it is --batch-ms old. Marks the window's half-way point. Returns 0 or
 * -1 with 'err'. */
static int direct_log_all(chatlog *log, const wl_options *opts, wl_window *win,
                          error *err) {
    char user[32], msg[96];
    double start = wl_mono();
    for (int64_t i = 0; i < opts->events; i++) {
        if (i == opts->events / 2 && i > 0)
            wl_window_half(win, i);
        if (opts->batch > 1 && wl_early(opts, start, i) && chatlog_flush(log, err) != 0)
            return -1;
        wl_pace(opts, start, i);
        snprintf(user, sizeof user, "user%d", (int)(i % 50));
        snprintf(msg, sizeof msg, "chat message %lld from the load test", (long long)i);
        if (chatlog_log(log, i, user, msg, wl_realtime(), err) != 0)
            return -1;
    }
    return chatlog_flush(log, err);
}

static void direct_result(const wl_options *opts, const wl_window *win, chatlog *log,
                          int64_t rows, error *err) {
    json_t *res = wl_result_new("direct", opts, win);
    if (res == NULL)
        return;
    int64_t stored = log ? chatlog_committed(log) : 0;
    json_t *ev = json_object_get(res, "events");
    json_object_set_new(ev, "published", json_integer(stored));
    json_object_set_new(ev, "received", json_integer(stored));
    json_object_set_new(ev, "stored", json_integer(stored));
    json_object_set_new(ev, "malformed", json_integer(0));
    json_object_set_new(ev, "dropped", json_integer(0));
    json_object_set_new(ev, "rows", json_integer(rows));
    json_t *db = json_object_get(res, "db");
    json_object_set_new(db, "journal",
                        log ? json_string(chatlog_journal(log)) : json_null());
    json_object_set_new(db, "synchronous",
                        log ? json_string(chatlog_synchronous(log)) : json_null());
    wl_result_variant(res, opts, log);
    wl_result_write(opts, res, err);
    json_decref(res);
}

int main(int argc, char **argv) {
    error err;
    wl_options opts;
    wl_window win = {0};
    chatlog *log = NULL;
    int64_t rows = -1;
    error_clear(&err);
    if (wl_parse(&opts, argc, argv, 0, &err) != 0 ||
        wl_ensure_frequency(&opts, argv, &err) != 0) {
        fprintf(stderr, "chat_direct: %s\n", err.text);
        return error_exit_code(&err);
    }
    if (opts.help) {
        wl_usage(stdout, 0);
        return 0;
    }
    chatlog_config cfg = wl_chatlog_config(&opts, 0, 0);
    if (chatlog_open(&log, &cfg, &err) != 0)
        goto done;
    if (wl_window_start(&win, &opts, &err) != 0)
        goto done;
    direct_log_all(log, &opts, &win, &err);
    wl_window_stop(&win);
    if (err.kind == ERR_NONE && chatlog_count(&rows, log, &err) == 0 &&
        rows != opts.events)
        error_set(&err, ERR_CHECK, "chat_direct: %lld rows in chat_log, expected %lld",
                  (long long)rows, (long long)opts.events);
done:
    if (win.profiling)
        wl_window_stop(&win);
    direct_result(&opts, &win, log, rows, &err);
    chatlog_free(log);
    if (err.kind != ERR_NONE)
        fprintf(stderr, "chat_direct: %s\n", err.text);
    return error_exit_code(&err);
}
