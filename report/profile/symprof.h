/* symprof: a profile with every address already symbolized, the input of
 * aggregate_add_symprof. It is made either by symbolizing a raw gperftools
 * profile against the binaries its memory map names (symprof_symbolize), or
 * by reading a symbolized profile written earlier (pprof_read: a gzipped
 * profile.proto), which needs no binary at all. Both carry the same data,
 * so the aggregate of either is the same, byte for byte in every output. */
#ifndef OVERHEAD_SYMPROF_H
#define OVERHEAD_SYMPROF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

typedef struct symprof_frame {
    const char *function; /* never NULL */
    const char *module;   /* base name of the mapped file, or "[unknown]" */
    const char *file;     /* source file, or NULL */
    int line;             /* 0 when unknown */
    int named;            /* 1 when a symbol contained the address */
} symprof_frame;

/* One distinct lookup address (callers already pc-1). */
typedef struct symprof_loc {
    uint64_t pc;
    uint32_t first, n; /* its frames: frames[first..first+n-1], innermost first
                          (inlined functions, then the one the symbol names) */
    int profiler;      /* the innermost frame is the profiler's own */
} symprof_loc;

typedef struct symprof {
    uint64_t period_us;      /* from the raw profile's header */
    uint64_t samples;        /* total */
    uint64_t capped_samples; /* on stacks at the profiler's depth cap */
    size_t nlocs, nframes, nstacks, nids;
    symprof_loc *locs; /* in order of first appearance in the stacks */
    symprof_frame *frames;
    profile_stack *stacks; /* 'first' indexes 'ids' */
    uint32_t *ids;         /* location index of each stack frame, leaf first */
    char **warnings;       /* the symbolizer's, without a file-name prefix */
    size_t nwarnings;
    char **unnamed; /* binaries that could not be read or had changed */
    size_t nunnamed;
    int raw;     /* 1: symbolized here from a raw profile; 0: read symbolized */
    void *owner; /* what the strings live in, released by symprof_free */
    void (*release)(void *owner);
} symprof;

/* Symbolize raw profile 'p' against the files its memory map names. 'label'
 * (its file name) prefixes errors. On error *out is NULL. Free with
 * symprof_free. */
int symprof_symbolize(symprof **out, const profile *p, const char *label, error *err);

/* Load the profile of raw file 'path' (e.g. "run/trial-03-nats.prof"): from
 * its symbolized copy "run/trial-03-nats.pb.gz" when that file exists (no
 * binaries needed), else by reading and symbolizing the raw file. */
int symprof_load(symprof **out, const char *path, error *err);

/* Open one profile file as named: a symbolized one when 'path' ends in
 * ".pb.gz", else a raw gperftools profile, symbolized now. */
int symprof_open(symprof **out, const char *path, error *err);

/* Free. NULL is a no-op. */
void symprof_free(symprof *sp);

#endif
