/* debugfile: separate debug files (Debian's -dbg and -dbgsym packages under
 * /usr/lib/debug), found by exact build-id only: no debuglink names, no
 * network, no guessing. Private to symbols.c, which reads only their symbol
 * tables. */
#ifndef OVERHEAD_DEBUGFILE_H
#define OVERHEAD_DEBUGFILE_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

enum {
    DEBUGFILE_FOUND,       /* *out is the debug file, its build-id matches */
    DEBUGFILE_MISSING,     /* the file has a build-id, no debug file is there */
    DEBUGFILE_MISMATCH,    /* a debug file is there, its build-id differs */
    DEBUGFILE_NO_BUILD_ID, /* the file has no build-id: nothing to look for */
};

/* The GNU build-id note of 'elf': its length, *out pointing into the file's
 * data; 0 when there is none. */
size_t debugfile_build_id(Elf *elf, const uint8_t **out);

/* Look for the debug file of 'elf' as DIR/.build-id/xx/yyyy.debug and check
 * its own build-id. Fills 'path' with the name looked for and 'hex' with the
 * build-id (both may be truncated to their sizes). On DEBUGFILE_FOUND, *out
 * and *fd are open: the caller frees them with elf_end() and close(). */
int debugfile_find(Elf **out, int *fd, const char *dir, Elf *elf, char *path,
                   size_t path_len, char *hex, size_t hex_len);

/* The Debian package that has the debug symbols of the installed file
 * 'path': libc6-dbg for libc6's files, "<owner>-dbgsym" for others (from
 * dpkg's file lists, cached for the process), NULL when no package owns the
 * file. Valid while the process runs. */
const char *debugfile_package(const char *path);

#endif
