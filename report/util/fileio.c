#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open 'path' for reading, refusing anything but a regular file: a FIFO
 * without a writer would block forever and a device such as /dev/zero never
 * ends. O_NONBLOCK makes the open itself return at once for a FIFO; it is
 * cleared again for the reads. Returns the descriptor, or -1 with 'err'. */
static int file_open_regular(const char *path, struct stat *st, error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return error_errno(err, ERR_INPUT, errno, "%s: cannot open", path);
    const char *what = NULL;
    if (fstat(fd, st) != 0) {
        error_errno(err, ERR_INPUT, errno, "%s: cannot stat", path);
    } else if (S_ISDIR(st->st_mode)) {
        what = "is a directory";
    } else if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode)) {
        what = "is a pipe or socket, not a regular file";
    } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
        what = "is a device, not a regular file";
    } else if (!S_ISREG(st->st_mode)) {
        what = "is not a regular file";
    } else {
        int fl = fcntl(fd, F_GETFL);
        if (fl != -1 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != -1)
            return fd;
        error_errno(err, ERR_SYSTEM, errno, "%s: fcntl failed", path);
    }
    if (what != NULL)
        error_set(err, ERR_INPUT, "%s: %s", path, what);
    close(fd);
    return -1;
}

int file_read_head(uint8_t *dst, size_t cap, size_t *len, const char *path, error *err) {
    *len = 0;
    struct stat st;
    int fd = file_open_regular(path, &st, err);
    if (fd < 0)
        return -1;
    while (*len < cap) {
        ssize_t n = read(fd, dst + *len, cap - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return error_errno(err, ERR_INPUT, e, "%s: read failed", path);
        }
        if (n == 0)
            break;
        *len += (size_t)n;
    }
    close(fd);
    return 0;
}

int file_read_max(uint8_t **out, size_t *len, const char *path, size_t max, error *err) {
    *out = NULL;
    *len = 0;
    int rc = -1;
    uint8_t *buf = NULL;
    struct stat st;
    int fd = file_open_regular(path, &st, err);
    if (fd < 0)
        return -1;
    if ((uint64_t)st.st_size > (uint64_t)max) {
        error_set(err, ERR_INPUT, "%s: %llu bytes, more than the %zu MiB this file may have",
                  path, (unsigned long long)st.st_size, max >> 20);
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
            /* The file grew after fstat (or /proc-like files report 0). */
            if (cap > max) {
                error_set(err, ERR_INPUT, "%s: more than the %zu MiB this file may have",
                          path, max >> 20);
                goto done;
            }
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
    close(fd);
    return rc;
}

int file_read_all(uint8_t **out, size_t *len, const char *path, error *err) {
    return file_read_max(out, len, path, FILE_READ_MAX_DEFAULT, err);
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
