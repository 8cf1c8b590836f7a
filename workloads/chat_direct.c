/* chat_direct: the direct architecture. N log_chat() calls into SQLite, in one
 * process, profiled from the first call to the last commit. Then
 * SELECT count(*) verifies the rows (outside the measured window).
 *
 * usage: chat_direct --events N [--db PATH --journal J --sync S --batch B
 *                    --profile FILE --freq HZ --rate R --result FILE]
 * Exit status: 0 all N rows stored, 1 a failure, 2 bad usage. */
#include <stdio.h>

#include "chatlog.h"
#include "wl.h"

int main(int argc, char **argv) {
    error err;
    wl_options opts;
    wl_window win = {0};
    chatlog *log = NULL;
    json_t *res = NULL;
    int64_t stored = 0, rows = -1;
    char user[32], msg[96];
    error_clear(&err);
    if (wl_parse(&opts, argc, argv, 0, &err) != 0 ||
        wl_ensure_frequency(&opts, argv, &err) != 0) {
        fprintf(stderr, "chat_direct: %s\n", err.text);
        return error_exit_code(&err);
    }
    chatlog_config cfg = {opts.db, opts.journal, opts.sync, opts.batch, 0, 0};
    if (chatlog_open(&log, &cfg, &err) != 0)
        goto done;
    if (wl_window_start(&win, &opts, &err) != 0)
        goto done;
    double start = wl_mono();
    for (int64_t i = 0; i < opts.events; i++) {
        wl_pace(&opts, start, i);
        snprintf(user, sizeof user, "user%d", (int)(i % 50));
        snprintf(msg, sizeof msg, "chat message %lld from the load test", (long long)i);
        if (chatlog_log(log, i, user, msg, wl_realtime(), &err) != 0)
            break;
        stored++;
    }
    if (err.kind == ERR_NONE)
        chatlog_flush(log, &err);
    wl_window_stop(&win);
    if (err.kind == ERR_NONE && chatlog_count(&rows, log, &err) == 0 &&
        rows != opts.events)
        error_set(&err, ERR_CHECK, "chat_direct: %lld rows in chat_log, expected %lld",
                  (long long)rows, (long long)opts.events);
done:
    if (win.profiling)
        wl_window_stop(&win);
    res = wl_result_new("direct", &opts, &win);
    if (res != NULL) {
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
        wl_result_write(&opts, res, &err);
    }
    json_decref(res);
    chatlog_free(log);
    if (err.kind != ERR_NONE)
        fprintf(stderr, "chat_direct: %s\n", err.text);
    return error_exit_code(&err);
}
