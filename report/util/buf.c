#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make room for 'extra' more bytes plus the terminating NUL. */
static int buf_reserve(buf *b, size_t extra) {
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void buf_append(buf *b, const char *s, size_t n) {
    if (buf_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(buf *b, const char *s) {
    buf_append(b, s, strlen(s));
}

void buf_printf(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_html_escaped(buf *b, const char *s, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            case '\'': rep = "&#39;"; break;
            default: continue;
        }
        buf_append(b, s + start, i - start);
        buf_puts(b, rep);
        start = i + 1;
    }
    buf_append(b, s + start, n - start);
}

size_t utf8_seq_len(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    size_t len = u[0] >= 0xc2 && u[0] <= 0xdf   ? 2
                 : u[0] >= 0xe0 && u[0] <= 0xef ? 3
                 : u[0] >= 0xf0 && u[0] <= 0xf4 ? 4
                                                : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((u[i] & 0xc0) != 0x80)
            return 0;
    /* overlong 3- and 4-byte forms, surrogates, above U+10FFFF */
    if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] >= 0xa0) ||
        (u[0] == 0xf0 && u[1] < 0x90) || (u[0] == 0xf4 && u[1] >= 0x90))
        return 0;
    return len;
}

size_t utf8_prefix(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0)
            break;
        i += k;
    }
    return i;
}

void buf_utf8_valid(buf *b, const char *s, size_t n) {
    size_t start = 0, i = 0;
    while (i < n) {
        size_t k = utf8_seq_len(s + i, n - i);
        if (k > 0) {
            i += k;
            continue;
        }
        buf_append(b, s + start, i - start);
        buf_puts(b, "\xef\xbf\xbd");
        start = ++i;
    }
    buf_append(b, s + start, n - start);
}

void buf_url_escaped(buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            buf_append(b, s + i, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

char *buf_detach(buf *b, size_t *len) {
    if (b->failed) {
        buf_free(b);
        return NULL;
    }
    if (b->data == NULL && buf_reserve(b, 0) != 0)
        return NULL;
    b->data[b->len] = '\0';
    char *out = b->data;
    if (len != NULL)
        *len = b->len;
    *b = (buf)BUF_INIT;
    return out;
}

void buf_free(buf *b) {
    if (b == NULL)
        return;
    free(b->data);
    *b = (buf)BUF_INIT;
}

int buf_reserve_items(void **items, size_t *cap, size_t n, size_t size, size_t first) {
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : first;
    void *a = realloc(*items, c * size);
    if (a == NULL)
        return -1;
    *items = a;
    *cap = c;
    return 0;
}
