/* quiet: how quiet the machine was during a trial, from /proc/stat.
 *
 * A trial's CPU per event is only as good as the machine it ran on: another
 * process competing for the two cores, or a hypervisor stealing time, slows
 * the trial's hand-offs and shows up as noise. quiet_read takes the
 * machine-wide counters (all CPUs, USER_HZ ticks); quiet_since turns two
 * readings and the CPU the trial's own processes used into the CPU used by
 * everything else (busy minus the trial) and the steal time over the window. */
#ifndef OVERHEAD_QUIET_H
#define OVERHEAD_QUIET_H

/* Machine-wide CPU counters, seconds summed over every CPU. */
typedef struct quiet_stat {
    int have;      /* 0: /proc/stat could not be read */
    double busy_s; /* user + nice + system + irq + softirq (guest is in user) */
    double steal_s;
    double idle_s; /* idle + iowait */
    double mono_s; /* CLOCK_MONOTONIC when read */
} quiet_stat;

/* Read /proc/stat's "cpu" line into *out (out->have = 0 when it cannot). */
void quiet_read(quiet_stat *out);

/* Over a trial's window. NAN when either reading is missing. */
typedef struct quiet_window {
    double wall_s;    /* between the readings */
    double busy_s;    /* every process's CPU */
    double steal_s;   /* time the hypervisor ran something else */
    double outside_s; /* busy minus the trial's own CPU, >= 0 */
    double outside_pct, steal_pct; /* of one core over the window */
} quiet_window;

/* The window between 'a' and 'b' in which the trial's own processes used
 * 'own_cpu_s' (every process it started, and the broker). The counters tick
 * at 100 Hz: a value within a few hundredths of a second is resolution, not
 * noise. */
void quiet_since(quiet_window *out, const quiet_stat *a, const quiet_stat *b,
                 double own_cpu_s);

/* What the machine is, for the report's first lines: "KVM virtual machine
 * (QEMU Standard PC)", "bare metal (no hypervisor flag)", ... from
 * systemd-detect-virt when present, the cpuinfo "hypervisor" flag and the
 * DMI vendor and product. A new string (caller frees), or NULL when out of
 * memory. */
char *quiet_virtualization(void);

#endif
