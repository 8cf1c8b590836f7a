/* profile: read a gperftools CPU profile (the legacy binary format written by
 * libprofiler's ProfilerStart/ProfilerStop).
 *
 * Layout, in native words of the machine that wrote it (4 or 8 bytes, little
 * or big endian, both detected from the header):
 *   header   0, 3, 0, period_us, 0
 *   records  count, depth, pc[0..depth-1]      (leaf first, depth <= 254)
 *   trailer  0, 1, 0
 *   then the text of /proc/self/maps of the profiled process.
 * The same stack may appear in several records (the profiler's hash table
 * evicts entries); they are merged here, so every stack is unique. */
#ifndef OVERHEAD_PROFILE_H
#define OVERHEAD_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The profiler never records more frames than this. */
#define PROFILE_MAX_DEPTH 254

typedef struct profile_stack {
    uint64_t count; /* samples of this stack, duplicates merged */
    uint32_t depth; /* frames, 1..PROFILE_MAX_DEPTH */
    size_t first;   /* index of this stack's leaf in profile.pcs */
} profile_stack;

typedef struct profile {
    unsigned word_size;    /* 4 or 8 */
    int big_endian;        /* 1 when the words are big endian */
    uint64_t period_us;    /* sampling period from the header, microseconds */
    uint64_t samples;      /* total samples (0 is valid: an idle run) */
    size_t records;        /* records read, before merging duplicates */
    size_t nstacks;        /* unique stacks */
    profile_stack *stacks; /* in order of first appearance */
    uint64_t *pcs;         /* frames of all stacks, leaf first. Lookup addresses:
                              pc[0] as recorded (the interrupted instruction),
                              callers pc-1 (a return address points after the
                              call, possibly into the next function or line) */
    size_t npcs;
    size_t capped_stacks; /* unique stacks at the depth cap (likely truncated) */
    uint64_t capped_samples;
    char *maps; /* /proc/self/maps text, NUL-terminated; "" when absent */
    size_t maps_len;
} profile;

/* Parse a profile held in 'buf' (any alignment, not modified, not kept).
 * On success *out owns everything; free with profile_free(). On error *out is
 * NULL and 'err' (ERR_INPUT) says what is wrong and at which byte offset. */
int profile_parse(profile **out, const uint8_t *buf, size_t len, error *err);

/* The largest profile file profile_load reads (bytes). A real one is a few
 * MiB: records hold unique stacks, not samples. */
#define PROFILE_MAX_FILE ((size_t)512 << 20)

/* Read and parse the file at 'path'. Only a regular file is read (a FIFO or
 * device is refused without blocking), its header is checked before the rest
 * is read, and a file over PROFILE_MAX_FILE is refused. Errors (ERR_INPUT)
 * name the file. */
int profile_load(profile **out, const char *path, error *err);

/* Free a profile. NULL is a no-op. */
void profile_free(profile *p);

#endif
