/* quiet: how quiet the machine was during a trial (see quiet.h). */
#include "quiet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"

void quiet_read(quiet_stat *out) {
    struct timespec ts;
    unsigned long long v[10] = {0};
    out->have = 0;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    out->mono_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    if (n < 8 || hz <= 0)
        return;
    /* user nice system idle iowait irq softirq steal [guest guest_nice]:
     * guest time is already counted in user. */
    out->busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / (double)hz;
    out->idle_s = (double)(v[3] + v[4]) / (double)hz;
    out->steal_s = (double)v[7] / (double)hz;
    out->have = 1;
}

void quiet_since(quiet_window *out, const quiet_stat *a, const quiet_stat *b,
                 double own_cpu_s) {
    out->wall_s = b->mono_s - a->mono_s;
    if (!a->have || !b->have || !(out->wall_s > 0)) {
        out->busy_s = out->steal_s = out->outside_s = NAN;
        out->outside_pct = out->steal_pct = NAN;
        return;
    }
    out->busy_s = b->busy_s - a->busy_s;
    out->steal_s = b->steal_s - a->steal_s;
    out->outside_s = isfinite(own_cpu_s) ? out->busy_s - own_cpu_s : NAN;
    if (out->outside_s < 0)
        out->outside_s = 0;
    out->outside_pct = out->outside_s / out->wall_s * 100;
    out->steal_pct = out->steal_s / out->wall_s * 100;
}

/* The first line of 'path' (trailing newline removed) into 'out', or "". */
static void first_line(const char *path, char *out, size_t size) {
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    if (fgets(out, (int)size, f) == NULL)
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* Does /proc/cpuinfo list the "hypervisor" CPU flag? */
static int cpuinfo_hypervisor(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    int found = 0;
    while (f != NULL && !found && fgets(line, sizeof line, f) != NULL)
        found = strncmp(line, "flags", 5) == 0 && strstr(line, " hypervisor") != NULL;
    if (f != NULL)
        fclose(f);
    return found;
}

char *quiet_virtualization(void) {
    static const char *const containers[] = {"docker", "podman", "lxc", "lxc-libvirt",
                                             "systemd-nspawn", "rkt", "wsl", "proot",
                                             "pouch", "openvz", NULL};
    char vendor[128], product[128], dmi[260] = "", text[400];
    char *kind = procstat_command_line("systemd-detect-virt 2>/dev/null");
    first_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof vendor);
    first_line("/sys/class/dmi/id/product_name", product, sizeof product);
    if (vendor[0] || product[0])
        snprintf(dmi, sizeof dmi, " (%s%s%s)", vendor, vendor[0] && product[0] ? " " : "",
                 product);
    int hyper = cpuinfo_hypervisor(), container = 0;
    for (int i = 0; kind != NULL && containers[i] != NULL; i++)
        container |= strcmp(kind, containers[i]) == 0;
    if (container)
        snprintf(text, sizeof text, "%s container%s%s", kind,
                 hyper ? " in a virtual machine (hypervisor CPU flag)" : "", dmi);
    else if (kind != NULL && strcmp(kind, "none") != 0)
        snprintf(text, sizeof text, "%s virtual machine%s", kind, dmi);
    else if (hyper)
        snprintf(text, sizeof text, "virtual machine (hypervisor CPU flag)%s", dmi);
    else
        snprintf(text, sizeof text, "bare metal (no hypervisor CPU flag)%s", dmi);
    free(kind);
    return strdup(text);
}
