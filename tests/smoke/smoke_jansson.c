/* jansson links and works: encode a chat event and decode it back. */
#include "check.h"

#include <jansson.h>
#include <stdlib.h>

int main(void) {
    json_t *ev = json_pack("{s:s, s:s, s:I}", "username", "TestUser", "message",
                           "caf\xc3\xa9 <ok> \"quoted\"", "timestamp", (json_int_t)1234567890);
    CHECK(ev != NULL);
    char *text = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK(text != NULL);
    json_error_t jerr;
    json_t *back = json_loads(text, 0, &jerr);
    CHECK_MSG(back != NULL, "%s", jerr.text);
    CHECK(json_equal(ev, back));
    const char *user = NULL;
    json_int_t ts = 0;
    CHECK_EQ_INT(json_unpack(back, "{s:s, s:I}", "username", &user, "timestamp", &ts), 0);
    CHECK_EQ_STR(user, "TestUser");
    CHECK_EQ_INT(ts, 1234567890);
    /* A malformed document is an error with a position, not a crash. */
    CHECK(json_loads("{\"username\": ", 0, &jerr) == NULL);
    CHECK(jerr.position > 0);
    json_decref(back);
    json_decref(ev);
    free(text);
    return check_status();
}
