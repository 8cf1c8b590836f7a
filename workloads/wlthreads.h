/* wlthreads: the workloads' threads as the kernel sees them.
 *
 * This module defines pthread_create, so every thread the workload or a
 * library it loads (nats.c) creates passes through it: the real
 * pthread_create (dlsym(RTLD_NEXT)) starts a trampoline that names the
 * thread after what it runs (pthread_setname_np, 15 characters), registers
 * it with gperftools (ProfilerRegisterThread: per-thread timers sample only
 * registered threads, CPUPROFILE_PER_THREAD_TIMERS=1) and then calls the
 * start routine. nats.c starts every thread through one private trampoline
 * of its own whose argument begins with the real entry point; the entry is
 * then what names the thread.
 *
 * A thread's name is its entry's symbol when one contains the address
 * exactly, else "<module>+0x<offset>" (offset from the module's load base),
 * which is how the report's symbolizer names an unnamed function from its
 * .eh_frame range: the profile's stacks and the kernel's threads meet on it.
 *
 * wl_threads_snap reads /proc/self/task/<tid>/{schedstat,status}: on-CPU
 * nanoseconds (exact, unlike stat's ticks) and voluntary / involuntary
 * context switches. wl_threads_json turns two snapshots into the per-thread
 * deltas of a measured window. */
#ifndef OVERHEAD_WLTHREADS_H
#define OVERHEAD_WLTHREADS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define WL_THREADS_MAX 64
#define WL_THREAD_NAME 64

typedef struct wl_thread_stat {
    int tid;
    uint64_t cpu_ns;          /* schedstat, first field */
    int64_t clock_ns;         /* its task-clock event's count, -1: none */
    int64_t voluntary;        /* voluntary_ctxt_switches */
    int64_t involuntary;      /* nonvoluntary_ctxt_switches */
    char name[WL_THREAD_NAME]; /* the entry's name (see above), or comm */
} wl_thread_stat;

typedef struct wl_threads_snap {
    int n;
    wl_thread_stat t[WL_THREADS_MAX];
} wl_threads_snap;

/* Read every thread of this process. Threads beyond WL_THREADS_MAX and ones
 * that exit while being read are left out. Returns the number read. */
int wl_threads_snap_take(wl_threads_snap *s);

/* The window from 'a' to 'b' as a JSON array, one object per thread alive at
 * 'b': {"tid", "name", "main", "cpu_s", "voluntary", "involuntary",
 * "started"} ("started": the thread was not there at 'a', its counts are
 * since its start). Threads that ended inside the window are missing (their
 * CPU is in the process's total only). New reference, NULL when out of
 * memory. */
json_t *wl_threads_json(const wl_threads_snap *a, const wl_threads_snap *b);

/* How the profiled window is sampled (--sampler):
 *   WL_SAMPLER_ITIMER: gperftools' default, one process-wide ITIMER_PROF.
 *   WL_SAMPLER_THREAD_TIMERS: gperftools' per-thread timers
 *     (CPUPROFILE_PER_THREAD_TIMERS=1), every thread registered.
 *   WL_SAMPLER_TASK_CLOCK: one perf_event_open task-clock event per thread,
 *     period 1/freq of that thread's CPU time, whose overflow sends the
 *     thread SIGPROF (F_SETSIG, F_OWNER_TID); gperftools' handler records the
 *     stack and writes its usual profile. gperftools runs in its default
 *     mode, and its ITIMER_PROF is disarmed right after ProfilerStart (in
 *     per-thread mode it would still arm a timer for the main thread).
 * CPU-time timers (the first two) are checked only at the scheduler tick
 * (CONFIG_HZ) and deliver one signal however many periods expired, so a
 * thread that runs in short bursts between ticks is under-sampled; the
 * task-clock event is an hrtimer that fires at the period's exact end in the
 * thread's own CPU time. */
typedef enum wl_sampler {
    WL_SAMPLER_ITIMER,
    WL_SAMPLER_THREAD_TIMERS,
    WL_SAMPLER_TASK_CLOCK,
} wl_sampler;

/* The --sampler name of 's', and back (-1: unknown). */
const char *wl_sampler_name(wl_sampler s);
int wl_sampler_parse(const char *name);

/* Set the sampler and its frequency before any thread is created. */
void wl_threads_configure(wl_sampler s, int freq);

/* After ProfilerStart: arm the task-clock events of every thread (and of
 * threads started later) when that sampler is configured; otherwise 0 and
 * nothing. Returns -1 with errno set (perf_event_open's) when an event
 * cannot be opened; the events already open are closed again. */
int wl_sampler_start(void);

/* Before ProfilerStop: disarm and close every task-clock event. */
void wl_sampler_stop(void);

/* The name this module gave thread 'tid' (its entry), or NULL for a thread it
 * did not start (the main thread). Borrowed until the process exits. */
const char *wl_threads_name(int tid);

#endif
