/* dwarfidx: which inlined functions cover an address, from per-CU tables
 * built once (the address ranges of every DW_TAG_inlined_subroutine, with
 * its name, call site and enclosing inline), instead of a DIE-tree walk per
 * address (dwarf_getscopes), which made a 1M-sample profile of a large
 * full-DWARF library take 34.6 s. Cost: one walk of each CU touched, then a
 * binary search per distinct pc. Private to symbols.c, which owns the Dwfl
 * whose Dwarf data the strings point into. */
#ifndef OVERHEAD_DWARFIDX_H
#define OVERHEAD_DWARFIDX_H

#include <elfutils/libdw.h>
#include <stdint.h>

typedef struct dwarfidx dwarfidx;

typedef struct dwarfidx_inline {
    const char *name;              /* the inlined function, or NULL when DWARF has none */
    const char *linkage;           /* its mangled (linkage) name, or NULL (C) */
    const char *call_file;         /* where it was inlined (source file), or NULL */
    int call_line;                 /* and line, 0 when unknown */
    struct dwarfidx_inline *outer; /* enclosing inlined call, or NULL */
    const char *display;           /* for the caller: its display name, once made */
    const char *display_file;      /* and call_file as the caller keeps it */
} dwarfidx_inline;

/* A new, empty index (NULL when out of memory). Free with dwarfidx_free. */
dwarfidx *dwarfidx_new(void);

/* The innermost inlined call covering CU-relative address 'addr' of the CU
 * 'cu' (NULL when none), building the CU's table on first use. Returns -1
 * only when out of memory. The result lives as long as the index and the
 * Dwarf data. */
int dwarfidx_lookup(dwarfidx *x, Dwarf_Die *cu, uint64_t addr, dwarfidx_inline **out);

/* Free. NULL is a no-op. */
void dwarfidx_free(dwarfidx *x);

#endif
