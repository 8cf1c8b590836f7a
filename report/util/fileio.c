#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(uint8_t **out, size_t *len, const char *path, error *err) {
    *out = NULL;
    *len = 0;
    int rc = -1;
    uint8_t *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_errno(err, ERR_INPUT, errno, "%s: cannot open", path);
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        error_errno(err, ERR_INPUT, errno, "%s: cannot stat", path);
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        error_set(err, ERR_INPUT, "%s: is a directory", path);
        goto done;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, used = 0;
    buf = malloc(cap);
    if (buf == NULL) {
        error_set(err, ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (;;) {
        if (used + 1 >= cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                error_set(err, ERR_NOMEM, "%s: out of memory", path);
                goto done;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_errno(err, ERR_INPUT, errno, "%s: read failed", path);
            goto done;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

int file_write_atomic(const char *path, const void *data, size_t len, error *err) {
    int rc = -1;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    int fd = -1;
    if (tmp == NULL)
        return error_set(err, ERR_NOMEM, "%s: out of memory", path);
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        error_errno(err, ERR_SYSTEM, errno, "%s: cannot create temporary file", path);
        free(tmp);
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_errno(err, ERR_SYSTEM, errno, "%s: write failed", tmp);
            goto done;
        }
        p += n;
        left -= (size_t)n;
    }
    /* mkstemp creates 0600; published files are meant to be read by others. */
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        error_errno(err, ERR_SYSTEM, errno, "%s: cannot finish", tmp);
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        error_errno(err, ERR_SYSTEM, errno, "%s: close failed", tmp);
        goto done;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        error_errno(err, ERR_SYSTEM, errno, "%s: cannot rename into place", path);
        goto done;
    }
    rc = 0;
done:
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
