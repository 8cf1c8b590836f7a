/* procstat: CPU time of processes that are not our children, and facts
 * about the host, read from /proc, /sys and uname.
 *
 * nats-server's CPU comes from /proc/PID/task/TID/schedstat summed over its
 * threads (first field, nanoseconds on CPU): /proc/PID/stat counts 10 ms ticks, too
 * coarse for a trial of a second or two, and is read only to split user from system time.
 */
#ifndef OVERHEAD_PROCSTAT_H
#define OVERHEAD_PROCSTAT_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "error.h"

typedef struct procstat_cpu {
    uint64_t on_cpu_ns; /* sum over /proc/PID/task/TID/schedstat, field 1 */
    double user_s;      /* /proc/PID/stat utime / CLK_TCK (10 ms resolution) */
    double sys_s;       /* /proc/PID/stat stime / CLK_TCK */
    int64_t voluntary;  /* context switches summed over /proc/PID/task/TID/status: */
    int64_t involuntary; /* blocked (its wake-ups), and preempted */
} procstat_cpu;

/* Read the CPU counters of 'pid'. Returns 0, or -1 with ERR_SYSTEM when the
 * process is gone or /proc cannot be read. */
int procstat_read(procstat_cpu *out, pid_t pid, error *err);

/* Seconds on CLOCK_MONOTONIC. */
double procstat_mono(void);

/* Host facts as a new JSON object: cpu_model, cpus, governor (null when not
 * readable), kernel, hostname. NULL when out of memory. */
json_t *procstat_host(void);

/* Run 'cmd' through /bin/sh and return its first output line (trailing
 * newline removed) in a new string, or NULL when it fails or prints nothing. */
char *procstat_command_line(const char *cmd);

/* Start argv[0] (a path) with 'argv' as a child process: stdin from
 * /dev/null, stdout and stderr appended to 'log_path' (or /dev/null when
 * NULL), every other descriptor closed except the 'nkeep' in 'keep_fds'. The
 * child gets SIGKILL if this process dies, so nothing outlives the runner.
 * On success *out is the child's pid. Returns 0 or -1 with 'err'. */
int procstat_spawn(pid_t *out, char *const argv[], const char *log_path,
                   const int *keep_fds, int nkeep, error *err);

/* Can this process open a software task-clock perf event on itself (root,
 * CAP_PERFMON or kernel.perf_event_paranoid <= 1)? The workloads, run as the
 * same user, then can use --sampler task-clock. Probed once. */
int procstat_task_clock_ok(void);

#endif
