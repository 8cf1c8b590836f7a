/* fileio: whole-file reads and atomic whole-file writes.
 *
 * Outputs are never left half-written: file_write_atomic writes a temporary
 * file next to the target and renames it into place. */
#ifndef OVERHEAD_FILEIO_H
#define OVERHEAD_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The size file_read_all accepts: far above any record, template or rules
 * file, low enough that a wrong path cannot exhaust memory. */
#define FILE_READ_MAX_DEFAULT ((size_t)256 << 20)

/* Read all of 'path' into a new buffer, NUL-terminated (the NUL is not counted
 * in *len). Only regular files are read: a FIFO, socket or device is refused
 * without blocking, and so is a file larger than 'max' bytes (checked before
 * reading). On success *out is owned by the caller (free()). On error *out is
 * NULL and 'err' names the file (ERR_INPUT for a missing, unreadable, special
 * or oversized file). */
int file_read_max(uint8_t **out, size_t *len, const char *path, size_t max, error *err);

/* file_read_max with FILE_READ_MAX_DEFAULT. */
int file_read_all(uint8_t **out, size_t *len, const char *path, error *err);

/* Read at most 'cap' bytes from the start of the regular file 'path' into
 * 'dst' (*len: how many), e.g. to check a header before reading on. Errors
 * as file_read_max. */
int file_read_head(uint8_t *dst, size_t cap, size_t *len, const char *path, error *err);

/* Write 'len' bytes to 'path' atomically (temp file in the same directory,
 * fsync, rename). On error nothing at 'path' is changed and the temp file is
 * removed. */
int file_write_atomic(const char *path, const void *data, size_t len, error *err);

#endif
