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

/* Take ownership of the contents (never NULL unless b->failed: an empty
 * buffer yields ""); the buf is reset to empty. */
char *buf_detach(buf *b, size_t *len);

void buf_free(buf *b);

#endif
