/* results: what the runner reads after a trial besides the workloads'
 * counts: rows and event ids in the databases, the workload variant and the
 * publish-to-commit latency the storing workload reported. */
#include "runner_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

int runner_count_ids(int64_t *rows, int64_t *unique, const char *const *dbs, int n,
                     error *err) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[2048] = "SELECT count(*), count(DISTINCT event_id) FROM (";
    int rc = -1;
    *rows = *unique = RUNRECORD_UNKNOWN;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) !=
        SQLITE_OK)
        return error_set(err, ERR_NOMEM, "sqlite: out of memory");
    for (int i = 0; i < n; i++) {
        char att[RUNNER_PATH_MAX + 64];
        snprintf(att, sizeof att, "ATTACH 'file:%s?mode=ro' AS s%d", dbs[i], i);
        sqlite3_stmt *a = NULL;
        if (sqlite3_prepare_v2(db, att, -1, &a, NULL) != SQLITE_OK ||
            sqlite3_step(a) != SQLITE_DONE) {
            error_set(err, ERR_SYSTEM, "sqlite: %s: %s", dbs[i], sqlite3_errmsg(db));
            sqlite3_finalize(a);
            goto done;
        }
        sqlite3_finalize(a);
        size_t len = strlen(sql);
        snprintf(sql + len, sizeof sql - len, "%sSELECT event_id FROM s%d.chat_log",
                 i ? " UNION ALL " : "", i);
    }
    strncat(sql, ")", sizeof sql - strlen(sql) - 1);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        error_set(err, ERR_SYSTEM, "sqlite: counting event ids: %s", sqlite3_errmsg(db));
        goto done;
    }
    *rows = sqlite3_column_int64(st, 0);
    *unique = sqlite3_column_int64(st, 1);
    rc = 0;
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* A number member of 'o', or NAN. */
static double lat_num(json_t *lat, const char *key) {
    json_t *v = json_object_get(lat, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

int runner_result_variant(runrecord *rec, json_t *res, int latency) {
    json_t *v = json_object_get(res, "variant");
    json_t *name = json_object_get(v, "name");
    if (json_is_object(v) && json_is_string(name)) {
        rec->variant_info = json_deep_copy(v);
        if (rec->variant_info == NULL ||
            runrecord_set_str(&rec->variant, json_string_value(name)) != 0)
            return -1;
    }
    json_t *lat = json_object_get(res, "latency");
    json_t *n = json_object_get(lat, "events");
    if (!latency || !json_is_integer(n) || json_integer_value(n) < 0)
        return 0;
    rec->latency.events = (int64_t)json_integer_value(n);
    rec->latency.p50_us = lat_num(lat, "p50_us");
    rec->latency.p99_us = lat_num(lat, "p99_us");
    rec->latency.max_us = lat_num(lat, "max_us");
    rec->latency.mean_us = lat_num(lat, "mean_us");
    return 0;
}

int runner_result_replica(runrecord *rec, const variant *v, json_t *res) {
    if (!v->replica)
        return 0;
    json_t *idle = json_object_get(res, "idle");
    rec->replica.mode = v->replica;
    rec->replica.idle_ms = CHATPROTO_TEAM_IDLE_MS;
    rec->replica.idle_cpu_s = lat_num(idle, "cpu_s");
    rec->replica.idle_wall_s = lat_num(idle, "wall_s");
    return runrecord_set_str(&rec->replica.subject, CHATPROTO_TEAM_SUBJECT) != 0 ||
                   runrecord_set_str(&rec->replica.store_subject,
                                     v->replica == RUNRECORD_REPLICA_WRITTEN
                                         ? CHATPROTO_TEAM_STORE_SUBJECT
                                         : NULL) != 0
               ? -1
               : 0;
}
