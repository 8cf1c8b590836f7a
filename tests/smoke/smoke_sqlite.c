/* SQLite links and works: create a table in a real file, insert, read back. */
#include "check.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    char path[] = "/tmp/overhead-smoke-XXXXXX.db";
    int fd = mkstemps(path, 3);
    CHECK(fd >= 0);
    close(fd);
    sqlite3 *db = NULL;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "PRAGMA journal_mode=WAL;"
                              "CREATE TABLE chat(id INTEGER PRIMARY KEY, username TEXT,"
                              " message TEXT, timestamp INTEGER);"
                              "INSERT INTO chat(username, message, timestamp)"
                              " VALUES('alice', 'hello', 1234567890);",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_stmt *st = NULL;
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "SELECT count(*), max(message) FROM chat", -1, &st,
                                    NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_EQ_INT(sqlite3_column_int(st, 0), 1);
    CHECK_EQ_STR((const char *)sqlite3_column_text(st, 1), "hello");
    sqlite3_finalize(st);
    CHECK_EQ_INT(sqlite3_close(db), SQLITE_OK);
    unlink(path);
    return check_status();
}
