/* symbols: program counters -> functions, offline, from the memory map text
 * a profile carries (no running process needed), with elfutils libdwfl.
 *
 * Rules (see DESIGN.md): a symbol names an address only when it contains it
 * (address < value + size); otherwise the function is named
 * "libX.so+0xSTART" from its .eh_frame range; addresses in .plt sections are
 * "[PLT]"; addresses outside every readable mapped file are "[unknown]".
 * C++ names are demangled and "@VERSION"/"@@VERSION" suffixes are stripped.
 * Symbols come from the file's .dynsym and .symtab, or, for a file without
 * .symtab, from the symbol table of its separate debug file found by exact
 * build-id (libc6-dbg); DWARF from separate debug files is never read. Among
 * aliases at one address the name is chosen by a total order (see
 * symbols_cmp_sym), so it depends only on the file and the address.
 * Source file and line come from DWARF when the file has it, and so do
 * inlined functions (see inlined_into). Every distinct
 * pc is looked up once and cached. Files that cannot be read or no longer
 * match the map give warnings naming the file. */
#ifndef OVERHEAD_SYMBOLS_H
#define OVERHEAD_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct symbols symbols;

typedef struct symbols_frame {
    const char *function; /* never NULL: a name, "libX.so+0x1a40", "[PLT]", "[unknown]" */
    const char *module;   /* base name of the mapped file, or "[unknown]" */
    const char *file;     /* source file from DWARF, or NULL */
    int line;             /* source line, 0 when unknown */
    int named;            /* 1 when a symbol contains the address */
    uint64_t start;       /* the function's start as an address in its file
                             (symbol value or .eh_frame start), 0 if unknown or inlined:
                             with 'module', the function's identity */
    int profiler;         /* 1 for the profiler's own signal-path frames */
    /* When DWARF says this function was inlined at the pc: the frame of the
     * function it was inlined into (its file/line are the call site), and
     * so on outwards to the function the symbol names. NULL otherwise. */
    const struct symbols_frame *inlined_into;
} symbols_frame;

/* Create a symbolizer for the process described by the maps text
 * ('maps_len' bytes, need not be NUL-terminated). 'label' (e.g. the profile's
 * file name) prefixes warnings. On error *out is NULL. Free with symbols_free. */
int symbols_new(symbols **out, const char *maps, size_t maps_len, const char *label,
                error *err);

/* Look for separate debug files under 'dir' (default "/usr/lib/debug";
 * tests use their own) as dir/.build-id/xx/yyyy.debug. Call before the first
 * symbols_resolve. Only their symbol table is read, for files that have no
 * .symtab of their own. */
int symbols_set_debug_dir(symbols *s, const char *dir, error *err);

/* Resolve pcs[0..n-1] (lookup addresses: callers already pc-1) into
 * frames[0..n-1]. 'pcs' should be sorted and unique for speed, but need not
 * be. The frames' strings live until symbols_free. Fails with ERR_INPUT "no
 * memory map: cannot symbolize" when n > 0 and the maps text was empty. */
int symbols_resolve(symbols *s, const uint64_t *pcs, size_t n, symbols_frame *frames,
                    error *err);

/* Warnings collected so far (missing or changed files, files without symbols),
 * each one line naming the file. Valid until symbols_free. */
size_t symbols_warning_count(const symbols *s);
const char *symbols_warning(const symbols *s, size_t i);

/* Binaries (paths as the map names them) that a looked-up address fell in
 * but that could not be read or no longer match the map: their functions
 * are unnamed. Valid until symbols_free. */
size_t symbols_unnamed_count(const symbols *s);
const char *symbols_unnamed(const symbols *s, size_t i);

/* Is the named function 'fn' of module 'module_base' one of the profiler's
 * own signal-path frames (the SIGPROF handler and its stack capture)? */
int symbols_is_profiler(const char *module_base, const char *fn);

/* Free a symbolizer. NULL is a no-op. */
void symbols_free(symbols *s);

#endif
