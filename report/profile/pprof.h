/* pprof: symbolized profiles as pprof's profile.proto, gzipped (the format
 * of `go tool pprof`, speedscope and Grafana Pyroscope). The schema and what
 * overhead puts in each field: report/profile/profile.proto. */
#ifndef OVERHEAD_PPROF_H
#define OVERHEAD_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "symprof.h"

/* The largest file pprof_read reads, and the largest message it inflates. */
#define PPROF_MAX_FILE    ((size_t)64 << 20)
#define PPROF_MAX_MESSAGE ((size_t)512 << 20)

/* Encode 'sp' and gzip it into *out (*len bytes, free with free()). The
 * bytes depend only on 'sp' (no time stamp in the gzip header). */
int pprof_encode(uint8_t **out, size_t *len, const symprof *sp, error *err);

/* Write 'sp' to 'path' atomically. */
int pprof_write(const char *path, const symprof *sp, error *err);

/* Read a gzipped profile.proto written by pprof_write (or by another tool:
 * what overhead does not store is taken as absent). Errors (ERR_INPUT) name
 * the file. *out is NULL on error; free with symprof_free. */
int pprof_read(symprof **out, const char *path, error *err);

#endif
