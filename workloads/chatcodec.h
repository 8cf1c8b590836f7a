/* chatcodec: how a chat event travels on the bus.
 *
 * Two encodings of the same event (id, username, message, timestamp):
 *   json     the bot's JSON object {"username","message","timestamp","id"},
 *            built with jansson (json_pack + json_dumpb) and parsed back into
 *            a jansson tree (json_loadb): the baseline.
 *   compact  a fixed little-endian layout written straight into the caller's
 *            buffer and read in place (no allocation, no copy):
 *              0  'C' 'E' 1 0        magic, version 1, flags 0
 *              4  u16 username bytes, 6  u16 message bytes
 *              8  i64 id (-1: none), 16  f64 timestamp (IEEE-754 bits)
 *              24 username bytes, then message bytes (no terminators)
 *            The total length must match exactly. It is not JSON: a
 *            subscriber must know the layout, text is not checked for UTF-8,
 *            and a new field needs a new version. */
#ifndef OVERHEAD_CHATCODEC_H
#define OVERHEAD_CHATCODEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef enum chat_encoding { CHAT_ENC_JSON = 0, CHAT_ENC_COMPACT } chat_encoding;

#define CHATCODEC_HEADER 24 /* bytes before the compact layout's text */

/* One event. The strings are borrowed and need not be NUL-terminated. */
typedef struct chat_event {
    int64_t id; /* < 0: none (JSON omits "id") */
    const char *username;
    size_t username_len;
    const char *message;
    size_t message_len;
    double timestamp; /* seconds since the epoch when the event was published */
} chat_event;

/* The encoding's name ("json", "compact"). */
const char *chatcodec_name(chat_encoding enc);

/* Encode 'ev' into 'buf'. Returns the length, or -1 when it does not fit,
 * a string is too long for the layout, or jansson is out of memory. */
int chatcodec_encode(char *buf, size_t size, chat_encoding enc, const chat_event *ev);

/* Decode and validate 'len' bytes. On success returns 0 and *ev points into
 * 'data' (compact) or into *doc (json: a new reference the caller releases
 * with json_decref once done with *ev; NULL for compact). On a malformed
 * event returns -1, *doc is NULL and 'why' (may be NULL) says what is wrong. */
int chatcodec_decode(chat_event *ev, json_t **doc, chat_encoding enc, const char *data,
                     size_t len, char *why, size_t why_size);

#endif
