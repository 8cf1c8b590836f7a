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

/* A computed number as JSON: a new real for a finite 'v', JSON null for NaN
 * or an infinity. jansson refuses non-finite reals (json_real and json_pack's
 * "f" return NULL, and json_object_set_new(o, k, NULL) then does nothing), so
 * a figure that could not be computed would take its whole section with it.
 * Every computed double goes into JSON through this ("s:o", jsonfile_num(x)),
 * never through "f" or json_real (tests/lint_json_numbers.sh checks).
 * Returns NULL only when out of memory. */
json_t *jsonfile_num(double v);

#endif
