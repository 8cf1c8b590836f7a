/* buf: a growable byte buffer for building output text.
 *
 * A zeroed buf (BUF_INIT) is empty and valid. On allocation failure the
 * buffer remembers it (b->failed) and further appends do nothing, so callers
 * may append freely and check once at the end. buf_free(NULL) is a no-op. */
#ifndef OVERHEAD_BUF_H
#define OVERHEAD_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* NUL-terminated when len > 0 */
    size_t len;
    size_t cap;
    int failed;
} buf;

#define BUF_INIT {NULL, 0, 0, 0}

void buf_append(buf *b, const char *s, size_t n);
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append 's' with &, <, >, " and ' replaced by HTML entities. */
void buf_html_escaped(buf *b, const char *s, size_t n);

/* Append 's' as valid UTF-8: each byte that does not start a well-formed
 * sequence (stray continuation, overlong, surrogate, truncated) becomes
 * U+FFFD. */
void buf_utf8_valid(buf *b, const char *s, size_t n);

/* Append 's' percent-encoded for a URL path: every byte but the unreserved
 * ones (A-Z a-z 0-9 - . _ ~) and '/' becomes %XX. */
void buf_url_escaped(buf *b, const char *s, size_t n);

/* The length of a UTF-8 sequence starting at s[0] when it is well formed
 * and fits in 'n' bytes, else 0. */
size_t utf8_seq_len(const char *s, size_t n);

/* The longest prefix of s[0..n) that ends on a character boundary: cut a
 * UTF-8 string there, never inside a character. */
size_t utf8_prefix(const char *s, size_t n);

/* Take ownership of the contents (never NULL unless b->failed: an empty
 * buffer yields ""); the buf is reset to empty. */
char *buf_detach(buf *b, size_t *len);

void buf_free(buf *b);

/* For any growable array: make room in '*items' (capacity '*cap' items of
 * 'size' bytes, 'n' in use) for one more, doubling the capacity ('first' when
 * it is 0). Returns -1 when out of memory, the array left as it was. */
int buf_reserve_items(void **items, size_t *cap, size_t n, size_t size, size_t first);

#endif
