#include "chatcodec.h"

#include <stdio.h>
#include <string.h>

const char *chatcodec_name(chat_encoding enc) {
    return enc == CHAT_ENC_COMPACT ? "compact" : "json";
}

/* The baseline: a jansson object, dumped compactly into 'buf'. */
static int chatcodec_encode_json(char *buf, size_t size, const chat_event *ev) {
    json_t *doc =
        json_pack("{s:s%, s:s%, s:f}", "username", ev->username, ev->username_len,
                  "message", ev->message, ev->message_len, "timestamp", ev->timestamp);
    if (doc != NULL && ev->id >= 0)
        json_object_set_new(doc, "id", json_integer((json_int_t)ev->id));
    if (doc == NULL)
        return -1;
    size_t n = json_dumpb(doc, buf, size, JSON_COMPACT);
    json_decref(doc);
    return n == 0 || n > size ? -1 : (int)n;
}

static void put_u16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned get_u16(const unsigned char *p) {
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int chatcodec_encode_compact(char *buf, size_t size, const chat_event *ev) {
    size_t n = CHATCODEC_HEADER + ev->username_len + ev->message_len;
    if (ev->username_len > 0xffff || ev->message_len > 0xffff || n > size ||
        n > 0x7fffffff)
        return -1;
    unsigned char *p = (unsigned char *)buf;
    uint64_t ts;
    memcpy(&ts, &ev->timestamp, sizeof ts);
    p[0] = 'C';
    p[1] = 'E';
    p[2] = 1;
    p[3] = 0;
    put_u16(p + 4, (unsigned)ev->username_len);
    put_u16(p + 6, (unsigned)ev->message_len);
    put_u64(p + 8, (uint64_t)ev->id);
    put_u64(p + 16, ts);
    memcpy(p + CHATCODEC_HEADER, ev->username, ev->username_len);
    memcpy(p + CHATCODEC_HEADER + ev->username_len, ev->message, ev->message_len);
    return (int)n;
}

int chatcodec_encode(char *buf, size_t size, chat_encoding enc, const chat_event *ev) {
    return enc == CHAT_ENC_COMPACT ? chatcodec_encode_compact(buf, size, ev)
                                   : chatcodec_encode_json(buf, size, ev);
}

static int chatcodec_bad(char *why, size_t why_size, const char *text) {
    if (why != NULL && why_size > 0)
        snprintf(why, why_size, "%s", text);
    return -1;
}

static int chatcodec_decode_json(chat_event *ev, json_t **doc, const char *data,
                                 size_t len, char *why, size_t why_size) {
    json_error_t jerr;
    json_t *d = json_loadb(data, len, 0, &jerr);
    json_t *user = json_object_get(d, "username");
    json_t *text = json_object_get(d, "message");
    json_t *ts = json_object_get(d, "timestamp");
    json_t *id = json_object_get(d, "id");
    if (!json_is_string(user) || !json_is_string(text) || !json_is_number(ts) ||
        (id != NULL && !json_is_integer(id))) {
        chatcodec_bad(why, why_size, d == NULL ? jerr.text : "missing or mistyped field");
        json_decref(d);
        return -1;
    }
    ev->id = id ? (int64_t)json_integer_value(id) : -1;
    ev->username = json_string_value(user);
    ev->username_len = json_string_length(user);
    ev->message = json_string_value(text);
    ev->message_len = json_string_length(text);
    ev->timestamp = json_number_value(ts);
    *doc = d;
    return 0;
}

static int chatcodec_decode_compact(chat_event *ev, const char *data, size_t len,
                                    char *why, size_t why_size) {
    const unsigned char *p = (const unsigned char *)data;
    if (data == NULL || len < CHATCODEC_HEADER || p[0] != 'C' || p[1] != 'E' || p[2] != 1)
        return chatcodec_bad(why, why_size, "not a compact chat event (version 1)");
    size_t ulen = get_u16(p + 4), mlen = get_u16(p + 6);
    if (CHATCODEC_HEADER + ulen + mlen != len)
        return chatcodec_bad(why, why_size, "compact event: lengths do not add up");
    uint64_t ts = get_u64(p + 16);
    ev->id = (int64_t)get_u64(p + 8);
    memcpy(&ev->timestamp, &ts, sizeof ts);
    ev->username = data + CHATCODEC_HEADER;
    ev->username_len = ulen;
    ev->message = data + CHATCODEC_HEADER + ulen;
    ev->message_len = mlen;
    if (ev->id < -1)
        return chatcodec_bad(why, why_size, "compact event: negative id");
    return 0;
}

int chatcodec_decode(chat_event *ev, json_t **doc, chat_encoding enc, const char *data,
                     size_t len, char *why, size_t why_size) {
    *doc = NULL;
    memset(ev, 0, sizeof *ev);
    return enc == CHAT_ENC_COMPACT
               ? chatcodec_decode_compact(ev, data, len, why, why_size)
               : chatcodec_decode_json(ev, doc, data, len, why, why_size);
}
