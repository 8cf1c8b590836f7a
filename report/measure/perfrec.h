/* perfrec: Linux perf as a second, independent sampler on the profiled
 * workload processes (the issue 18 cross-check). perf attaches to a running
 * process (`perf record -p PID`), so that both samplers record the same
 * process at once and the runner's CPU accounting (wait4 of the workload
 * itself) is untouched; it samples the software event cpu-clock (an
 * hrtimer, not the kernel tick: not capped at 250 Hz) with DWARF call
 * graphs (the workloads' libraries have no frame pointers) on
 * CLOCK_MONOTONIC, the clock of the workloads' window edges. Its text
 * (perf script) is kept beside the gperftools profile as NAME.perf.txt,
 * headed by "# window: START STOP" (see perfscript.h); perf.data is removed. */
#ifndef OVERHEAD_PERFREC_H
#define OVERHEAD_PERFREC_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The perf executable used ("perf" on PATH). */
#define PERFREC_EXE "perf"

/* Can perf sample here? Checks that perf runs, that
 * kernel.perf_event_paranoid allows it (<= 1, or root), and records a
 * trivial command. Returns 1 when usable, else 0 with the reason in 'why'
 * (one line, e.g. "perf not found on PATH (Debian package linux-perf)"). */
int perfrec_usable(char *why, size_t size);

/* Start `perf record` on process 'target' at 'hz' samples per CPU-second,
 * writing 'data_path' ('log_path' gets perf's messages). *out is perf's
 * pid. perf takes some milliseconds to attach: samples start a little
 * after the call. */
int perfrec_attach(pid_t *out, pid_t target, int hz, const char *data_path,
                   const char *log_path, error *err);

/* After 'target' ended: wait for perf 'pid' to write its data (SIGINT
 * after PERFREC_WAIT_S), then write the samples as text to 'txt_path'
 * (`perf script`, headed by "# window: T0 T1" when t1 >= t0 >= 0) and
 * remove 'data_path'. Returns 0, or -1 with ERR_SYSTEM naming the step. */
#define PERFREC_WAIT_S 20.0
int perfrec_finish(pid_t pid, const char *data_path, const char *txt_path,
                   const char *log_path, double t0, double t1, error *err);

#endif
