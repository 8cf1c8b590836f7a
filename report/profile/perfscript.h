/* perfscript: read the text `perf script` prints for a Linux perf recording
 * (perf record -e cpu-clock -F HZ --call-graph ...) into one profile per
 * process, so that perf's samples go through the same symbolizer, category
 * rules and first-user-frame logic as the gperftools profiles
 * (symprof_symbolize, aggregate_add_symprof): an independent sampler, not an
 * independent symbolizer, so that a difference is the samplers'.
 *
 * Input: `perf script --show-mmap-events -F comm,pid,tid,time,event,ip,sym,symoff,dso`
 * (other fields and the default format are accepted). Records are separated
 * by blank lines:
 *   header   COMM PID/TID [CPU] TIME: [PERIOD] EVENT:     (COMM may hold spaces;
 *            "TID" alone is accepted: then every sample is one process, pid -1)
 *   frames   <TAB> ADDR [SYM[+OFF]] [(DSO)]               leaf first
 *   mmaps    COMM PID/TID TIME: PERF_RECORD_MMAP2 PID/TID: [0xSTART(0xLEN) @ PGOFF
 *            MAJ:MIN INODE GEN]: PROT PATH      (and PERF_RECORD_MMAP lines)
 * perf prints a frame's ADDR relative to its DSO (start - pgoff subtracted)
 * when it found the mapping, absolute otherwise: the process's own mmap
 * records turn it back into the address the process ran at, and those
 * records make the maps text the symbolizer reads. Kernel frames (DSO
 * "[kernel.kallsyms]" or a kernel address) are dropped: gperftools sees a
 * system call from user space too, at the instruction after it. A sample
 * with no user frame keeps one frame at address 0 (unattributed). Other
 * PERF_RECORD_ lines are skipped.
 *
 * A comment line "# window: START STOP" (seconds on the samples' clock; the
 * runner records with -k CLOCK_MONOTONIC and writes the workload's measured
 * window there) keeps only the samples whose TIME lies in it: those outside
 * are counted in 'outside', and a window needs every header to carry TIME.
 * Other comment lines ('#') are skipped. */
#ifndef OVERHEAD_PERFSCRIPT_H
#define OVERHEAD_PERFSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

/* One thread as perf saw it. */
typedef struct perfscript_thread {
    long tid;
    char comm[64]; /* the header's COMM of its last sample (its thread name) */
    uint64_t samples;
} perfscript_thread;

/* One process: its samples as a profile (symbolize with symprof_symbolize). */
typedef struct perfscript_proc {
    long pid;                /* -1 when the text gave no pid */
    profile *prof;           /* stacks of lookup addresses and a maps text built
                                from the mmap records; period_us is 0 */
    uint64_t samples;        /* == prof->samples */
    uint64_t kernel_only;    /* samples with no user frame */
    uint64_t unmapped;       /* frames whose DSO no mmap record of the process maps */
    double period_ns;        /* sum of the samples' PERIOD, 0 when not printed */
    perfscript_thread *threads;
    size_t nthreads;
} perfscript_proc;

typedef struct perfscript {
    perfscript_proc *procs; /* in order of first sample */
    size_t nprocs;
    uint64_t samples;  /* kept */
    uint64_t outside;  /* samples outside the window */
    int have_window;   /* a "# window:" line was read */
    double window[2];  /* its START and STOP */
} perfscript;

/* Parse 'len' bytes of perf script text ('label', its file name, prefixes
 * errors: "LABEL:LINE: what"). On success *out owns everything (free with
 * perfscript_free); text with no sample is valid (no process). On error
 * *out is NULL and 'err' (ERR_INPUT) says what is wrong and on which line. */
int perfscript_parse(perfscript **out, const char *text, size_t len, const char *label,
                     error *err);

/* Read and parse the file at 'path' (at most PROFILE_MAX_FILE bytes). */
int perfscript_load(perfscript **out, const char *path, error *err);

/* The process with pid 'pid', or NULL. */
const perfscript_proc *perfscript_find(const perfscript *ps, long pid);

/* Free. NULL is a no-op. */
void perfscript_free(perfscript *ps);

#endif
