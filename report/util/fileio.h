/* fileio: whole-file reads and atomic whole-file writes.
 *
 * Outputs are never left half-written: file_write_atomic writes a temporary
 * file next to the target and renames it into place. */
#ifndef OVERHEAD_FILEIO_H
#define OVERHEAD_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Read all of 'path' into a new buffer, NUL-terminated (the NUL is not counted
 * in *len). On success *out is owned by the caller (free()). On error *out is
 * NULL and 'err' names the file (ERR_INPUT when it cannot be opened). */
int file_read_all(uint8_t **out, size_t *len, const char *path, error *err);

/* Write 'len' bytes to 'path' atomically (temp file in the same directory,
 * fsync, rename). On error nothing at 'path' is changed and the temp file is
 * removed. */
int file_write_atomic(const char *path, const void *data, size_t len, error *err);

#endif
