/* jsonfile: see jsonfile.h. */
#include "jsonfile.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fileio.h"

int jsonfile_load(json_t **out, const char *path, size_t flags, error *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    json_error_t jerr;
    *out = NULL;
    if (file_read_all(&buf, &len, path, err) != 0)
        return -1;
    *out = json_loadb((const char *)buf, len, flags, &jerr);
    free(buf);
    if (*out == NULL)
        return error_set(err, ERR_INPUT, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                         jerr.text);
    return 0;
}

json_t *jsonfile_num(double v) {
    return isfinite(v) ? json_real(v) : json_null();
}
