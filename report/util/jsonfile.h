/* jsonfile: a JSON document from a file, read with fileio's limits.
 *
 * jansson's json_load_file would block forever on a FIFO and read a device
 * until memory runs out; this reads only regular files of bounded size. */
#ifndef OVERHEAD_JSONFILE_H
#define OVERHEAD_JSONFILE_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

/* Parse the regular file 'path' as JSON with jansson 'flags' (e.g.
 * JSON_REJECT_DUPLICATES). On success *out owns the document (json_decref).
 * On error *out is NULL and 'err' says "PATH:LINE:COLUMN: what" for bad JSON
 * (ERR_INPUT), or what file_read_all said about the file. */
int jsonfile_load(json_t **out, const char *path, size_t flags, error *err);

#endif
