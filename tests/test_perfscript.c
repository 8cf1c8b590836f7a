/* Unit tests of perfscript (perf script text -> profiles) on synthetic text:
 * header forms, frames relative to their DSO turned back into addresses,
 * kernel frames dropped, stacks merged, threads, refusals with file and
 * line; and a round trip through the real symbolizer on this executable's
 * own mapping, which checks the address arithmetic and the maps text. */
#include "check.h"
#include "perfscript.h"
#include "symprof.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char basic[] =
    "# ========\n"
    "# captured on: today\n"
    "swapper     0/0         0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1269a88) "
    "@ 0xffffffff81000000]: x [kernel.kallsyms]_text\n"
    "chat_nats 100/100 9.999999: PERF_RECORD_COMM exec: chat_nats:100/100\n"
    "chat_nats 100/100 10.000000: PERF_RECORD_MMAP2 100/100: [0x555500001000(0x2000) @ "
    "0x1000 fe:00 42 0]: r-xp /opt/bin/chat_nats\n"
    "chat_nats 100/100 10.000001: PERF_RECORD_MMAP2 100/100: [0x7f0000026000(0x156000) @ "
    "0x26000 fe:00 7 0]: r-xp /usr/lib/libc.so.6\n"
    "chat_nats 100/100 10.000002: PERF_RECORD_MMAP2 100/100: [0x7f0000400000(0x1000) @ "
    "0 fe:00 9 0]: rw-p /usr/lib/data.bin\n"
    "chat_nats 100/100 10.100000: 1000000 cpu-clock: \n"
    "\tffffffff82252809 pvm_irq_enable+0x19 ([kernel.kallsyms])\n"
    "\t           30ce7 __libc_pwrite+0x7 (/usr/lib/libc.so.6)\n"
    "\t            1234 main+0x10 (/opt/bin/chat_nats)\n"
    "\n"
    "nats reader 1 100/101 10.200000: 1000000 cpu-clock: \n"
    "\t           30ce7 __libc_pwrite+0x7 (/usr/lib/libc.so.6)\n"
    "\t            1234 main+0x10 (/opt/bin/chat_nats)\n"
    "\n"
    "nats reader 1 100/101 10.300000: 999000 cpu-clock: \n"
    "\tffffffff82252809 pvm_irq_enable+0x19 ([kernel.kallsyms])\n"
    "\n"
    "db 7/7 [001] 11.000000: 1000 cpu-clock:ppp: \n"
    "\t    7fc4114748a8 [unknown] ([unknown])\n"
    "\t               0 [unknown] ([unknown])\n"
    "\n"
    "db 7/7 [001] 11.001000: cpu-clock:  55aa operator new(unsigned long)+0x3 (/x/y z.so)\n";

static void test_basic(void) {
    perfscript *ps = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(perfscript_parse(&ps, basic, strlen(basic), "basic.txt", &err) == 0, "%s",
              err.text);
    if (ps == NULL)
        return;
    CHECK_EQ_INT(ps->nprocs, 2);
    CHECK_EQ_INT(ps->samples, 5);
    const perfscript_proc *p = perfscript_find(ps, 100);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_EQ_INT(p->samples, 3);
        CHECK_EQ_INT(p->kernel_only, 1);
        CHECK_EQ_INT(p->unmapped, 0);
        CHECK(p->period_ns == 2999000.0);
        CHECK_EQ_INT(p->nthreads, 2);
        CHECK_EQ_STR(p->threads[0].comm, "chat_nats");
        CHECK_EQ_INT(p->threads[0].samples, 1);
        CHECK_EQ_INT(p->threads[1].tid, 101);
        CHECK_EQ_STR(p->threads[1].comm, "nats reader 1");
        CHECK_EQ_INT(p->threads[1].samples, 2);
        /* Two samples with the same user stack merge; the kernel-only one
         * keeps one frame at address 0. */
        const profile *pr = p->prof;
        CHECK_EQ_INT(pr->nstacks, 2);
        CHECK_EQ_INT(pr->samples, 3);
        CHECK_EQ_INT(pr->stacks[0].count, 2);
        CHECK_EQ_INT(pr->stacks[0].depth, 2);
        CHECK_EQ_INT(pr->pcs[pr->stacks[0].first], 0x7f0000000000ULL + 0x30ce7);
        /* a caller's lookup address is its return address - 1 */
        CHECK_EQ_INT(pr->pcs[pr->stacks[0].first + 1], 0x555500001234ULL - 1);
        CHECK_EQ_INT(pr->stacks[1].depth, 1);
        CHECK_EQ_INT(pr->pcs[pr->stacks[1].first], 0);
        CHECK_MSG(strstr(pr->maps, "555500000000-555500003000 r-xp 00000000 fe:00 42 "
                                   "/opt/bin/chat_nats\n") != NULL,
                  "%s", pr->maps);
        CHECK(strstr(pr->maps, "7f0000000000-7f000017c000 r-xp 00000000 fe:00 7 "
                               "/usr/lib/libc.so.6\n") != NULL);
        CHECK(strstr(pr->maps, "data.bin") == NULL);
        CHECK(strstr(pr->maps, "kernel") == NULL);
    }
    p = perfscript_find(ps, 7);
    CHECK(p != NULL);
    if (p != NULL) {
        /* [unknown] frames keep their absolute address; a DSO no mmap
         * record names is counted unmapped; no call graph: the header's
         * own frame. */
        CHECK_EQ_INT(p->samples, 2);
        CHECK_EQ_INT(p->unmapped, 2);
        CHECK_EQ_INT(p->prof->pcs[p->prof->stacks[0].first], 0x7fc4114748a8ULL);
        CHECK_EQ_INT(p->prof->stacks[1].depth, 1);
        CHECK_EQ_INT(p->prof->pcs[p->prof->stacks[1].first], 0x55aa);
        CHECK_EQ_STR(p->threads[0].comm, "db");
    }
    CHECK(perfscript_find(ps, 5) == NULL);
    perfscript_free(ps);
}

/* Text without a pid (the default "COMM TID" header) is one process. */
static void test_no_pid(void) {
    const char t[] = "a b 12 [000] 1.5: 250000 cpu-clock:\n\t1 f (/l.so)\n\n"
                     "c 13 2.5: cpu-clock:\n\t2 g (/l.so)\n";
    perfscript *ps = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(perfscript_parse(&ps, t, strlen(t), "t", &err) == 0, "%s", err.text);
    if (ps != NULL) {
        CHECK_EQ_INT(ps->nprocs, 1);
        CHECK_EQ_INT(ps->procs[0].pid, -1);
        CHECK_EQ_INT(ps->procs[0].nthreads, 2);
        CHECK_EQ_STR(ps->procs[0].threads[0].comm, "a b");
    }
    perfscript_free(ps);
    /* no sample at all: valid, nothing */
    CHECK(perfscript_parse(&ps, "", 0, "empty", &err) == 0 && ps != NULL && ps->nprocs == 0);
    perfscript_free(ps);
}

/* The window keeps the samples whose time lies in it; mmaps before it count. */
static void test_window(void) {
    const char t[] = "# window: 2.0 3.0\n"
                     "a 1/1 0.5: PERF_RECORD_MMAP2 1/1: [0x9000(0x1000) @ 0 08:01 4 0]: r-xp /l.so\n"
                     "a 1/1 0.6: PERF_RECORD_COMM exec: a:1/1\n"
                     "a 1/1 1.0: PERF_RECORD_MMAP2 1/1: [0x1000(0x1000) @ 0 08:01 5 0]: r-xp /l.so\n"
                     "a 1/1 1.5: cpu-clock:\n\t10 f (/l.so)\n\t20 g (/l.so)\n\n"
                     "a 1/1 2.5: cpu-clock:\n\t10 f (/l.so)\n\n"
                     "a 1/2 3.5: cpu-clock:\n\t10 f (/l.so)\n\n";
    perfscript *ps = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(perfscript_parse(&ps, t, strlen(t), "w", &err) == 0, "%s", err.text);
    if (ps != NULL) {
        CHECK_EQ_INT(ps->samples, 1);
        CHECK_EQ_INT(ps->outside, 2);
        CHECK(ps->have_window && ps->window[0] == 2.0 && ps->window[1] == 3.0);
        CHECK_EQ_INT(ps->nprocs, 1);
        if (ps->nprocs == 1) {
            CHECK_EQ_INT(ps->procs[0].nthreads, 1);
            /* the mapping before the exec is gone */
            CHECK_EQ_INT(ps->procs[0].prof->pcs[0], 0x1010);
            CHECK(strstr(ps->procs[0].prof->maps, "9000") == NULL);
        }
    }
    perfscript_free(ps);
}

static void refused(const char *text, const char *want) {
    perfscript *ps = NULL;
    error err;
    error_clear(&err);
    int rc = perfscript_parse(&ps, text, strlen(text), "bad.txt", &err);
    CHECK_MSG(rc != 0 && ps == NULL && err.kind == ERR_INPUT && strstr(err.text, want),
              "'%s' gave rc %d: %s", want, rc, err.text);
    perfscript_free(ps);
}

static void test_refusals(void) {
    refused("\t1234 f (/l.so)\n", "bad.txt:1: frame line outside a sample");
    refused("a 1/1 1.0: cpu-clock:\n\t1234 f (/l.so)\n\n\tfff g\n",
            "bad.txt:4: frame line outside");
    refused("hello world\n", "bad.txt:1: not a perf script line");
    refused("a 1/1 1.0: cpu-clock:\n\tzz f (/l.so)\n", "bad.txt:2: frame line does not");
    refused("a 1/1 1.0: cpu-clock:\n\t12345678901234567 f\n", "longer than 16 hex");
    refused("a 1/1 1.0: PERF_RECORD_MMAP2 1/1: [0x1000 @ 0]: r-xp /x\n",
            "bad.txt:1: mmap record not as");
    refused("a 1/1 1.0: PERF_RECORD_MMAP2 1/1: [0x1000(0x10) @ 0]: r-xp /x\n",
            "without 'MAJ:MIN INODE'");
    refused("a 1/1 1.0: 12\n", "sample header without 'EVENT:'");
    refused("# window: 3 2\n", "bad.txt:1: window line not as");
    refused("a 1/1 1.0: cpu-clock:\n\t1 f\n# window: 1 2\n", "bad.txt:3: window line after");
    refused("# window: 1 2\na 1/1 cpu-clock:\n", "bad.txt:2: sample header without TIME");
    refused("a 1/1 1.0: cpu-clock:\n\t12 f /l.so)\n", "bad.txt:2: frame's DSO is not in");
    char nul[] = "a 1/1 1.0: cpu-clock:\n\t12 f\n";
    nul[24] = '\0';
    perfscript *ps = NULL;
    error err;
    error_clear(&err);
    CHECK(perfscript_parse(&ps, nul, sizeof nul - 1, "nul", &err) != 0 &&
          strstr(err.text, "nul:2: NUL byte") != NULL);
    CHECK(perfscript_load(&ps, "/nonexistent/perf.txt", &err) != 0 && ps == NULL);
}

/* A function to find in this executable. */
__attribute__((noinline)) int perfscript_test_marker(int x);
__attribute__((noinline)) int perfscript_test_marker(int x) {
    return x * 3 + 1;
}

/* Write what perf script would print for one sample in this process whose
 * leaf is perfscript_test_marker, from /proc/self/maps, and check that the
 * symbolizer names it. */
static void test_self_symbolize(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    uint64_t pc = (uint64_t)(uintptr_t)&perfscript_test_marker + 4;
    char line[4096], text[16384];
    size_t n = 0;
    uint64_t rel = 0;
    char path[2048] = "";
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long lo, hi, off, ino;
        unsigned maj, min;
        char perms[8], file[2048] = "";
        if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %2047s", &lo, &hi, perms, &off, &maj,
                   &min, &ino, file) < 7 ||
            strchr(perms, 'x') == NULL || file[0] != '/')
            continue;
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "t 9/9 1.0: PERF_RECORD_MMAP2 9/9: [0x%llx(0x%llx) @ 0x%llx "
                              "%02x:%02x %llu 0]: %s %s\n",
                              lo, hi - lo, off, maj, min, ino, perms, file);
        if (pc >= lo && pc < hi) {
            rel = pc - lo + off;
            snprintf(path, sizeof path, "%s", file);
        }
    }
    fclose(f);
    CHECK(path[0] != '\0');
    snprintf(text + n, sizeof text - n, "t 9/9 2.0: cpu-clock:\n\t%" PRIx64 " x+0x4 (%s)\n",
             rel, path);
    perfscript *ps = NULL;
    symprof *sp = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(perfscript_parse(&ps, text, strlen(text), "self", &err) == 0, "%s", err.text);
    if (ps != NULL && ps->nprocs == 1) {
        CHECK_EQ_INT(ps->procs[0].prof->pcs[0], pc);
        CHECK_MSG(symprof_symbolize(&sp, ps->procs[0].prof, "self", &err) == 0, "%s",
                  err.text);
        if (sp != NULL) {
            CHECK_EQ_INT(sp->nlocs, 1);
            const symprof_frame *fr = &sp->frames[sp->locs[0].first + sp->locs[0].n - 1];
            CHECK_EQ_STR(fr->function, "perfscript_test_marker");
            CHECK(fr->named == 1);
        }
    }
    symprof_free(sp);
    perfscript_free(ps);
    CHECK(perfscript_test_marker(1) == 4);
}

int main(void) {
    test_basic();
    test_no_pid();
    test_window();
    test_refusals();
    test_self_symbolize();
    return check_status();
}
