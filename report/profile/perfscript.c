/* perfscript: `perf script` text -> one profile per process (perfscript.h). */
#include "perfscript.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

/* Addresses from here up are the kernel's on x86-64 and arm64. */
#define PS_KERNEL_MIN 0xffff800000000000ULL
#define PS_NO_DSO     (-1)

typedef struct ps_mmap {
    uint64_t start, len, pgoff;
    unsigned maj, min;
    uint64_t ino;
    int dso; /* index in the parse's dso names */
} ps_mmap;

typedef struct ps_frame {
    uint64_t addr;
    int dso; /* index in the dso names, PS_NO_DSO when not printed or unknown */
} ps_frame;

typedef struct ps_sample {
    size_t first; /* in the process's frames */
    uint32_t depth;
} ps_sample;

typedef struct ps_proc {
    long pid;
    ps_mmap *mmaps;
    size_t nmmaps, capmmaps;
    ps_frame *frames;
    size_t nframes, capframes;
    ps_sample *samples;
    size_t nsamples, capsamples;
    perfscript_thread *threads;
    size_t nthreads, capthreads;
    uint64_t kernel_only;
    double period_ns;
} ps_proc;

typedef struct ps_parse {
    const char *label;
    size_t line;
    ps_proc *procs;
    size_t nprocs, capprocs;
    char **dsos;
    size_t ndsos, capdsos;
    long cur; /* index of the process of the open sample, -1 when none */
    int skip; /* the open sample lies outside the window: its frames are dropped */
    int have_window;
    double window[2];
    uint64_t outside;
    error *err;
} ps_parse;

/* Grow '*arr' (of 'size'-byte elements) to hold one more than '*n'. */
static int ps_grow(void *arr, size_t *cap, size_t n, size_t size) {
    void **a = arr;
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*a, c * size);
    if (p == NULL)
        return -1;
    *a = p;
    *cap = c;
    return 0;
}

static int ps_nomem(ps_parse *ps) {
    return error_set(ps->err, ERR_NOMEM, "%s: out of memory", ps->label);
}

static int ps_bad(ps_parse *ps, const char *what) {
    return error_set(ps->err, ERR_INPUT, "%s:%zu: %s", ps->label, ps->line, what);
}

/* Index of dso name s[0..n-1], added when new; -1 when out of memory. */
static int ps_dso(ps_parse *ps, const char *s, size_t n) {
    for (size_t i = 0; i < ps->ndsos; i++)
        if (strlen(ps->dsos[i]) == n && memcmp(ps->dsos[i], s, n) == 0)
            return (int)i;
    if (ps_grow(&ps->dsos, &ps->capdsos, ps->ndsos, sizeof *ps->dsos) != 0)
        return -1;
    char *d = malloc(n + 1);
    if (d == NULL)
        return -1;
    memcpy(d, s, n);
    d[n] = '\0';
    ps->dsos[ps->ndsos] = d;
    return (int)ps->ndsos++;
}

/* The process with 'pid', added when new; -1 when out of memory. */
static long ps_proc_of(ps_parse *ps, long pid) {
    for (size_t i = 0; i < ps->nprocs; i++)
        if (ps->procs[i].pid == pid)
            return (long)i;
    if (ps_grow(&ps->procs, &ps->capprocs, ps->nprocs, sizeof *ps->procs) != 0)
        return -1;
    memset(&ps->procs[ps->nprocs], 0, sizeof *ps->procs);
    ps->procs[ps->nprocs].pid = pid;
    return (long)ps->nprocs++;
}

/* Parse a decimal integer token s[0..n-1] (an optional '-'); 0 when it is one. */
static int ps_long(const char *s, size_t n, long *out) {
    size_t i = (n > 0 && s[0] == '-') ? 1 : 0;
    if (i == n || n - i > 18)
        return -1;
    long v = 0;
    for (size_t j = i; j < n; j++) {
        if (!isdigit((unsigned char)s[j]))
            return -1;
        v = v * 10 + (s[j] - '0');
    }
    *out = i ? -v : v;
    return 0;
}

/* Is s[0..n-1] "PID/TID" (*pid, *tid set) or, when 'alone', "TID" (*pid -1)? */
static int ps_pidtid(const char *s, size_t n, int alone, long *pid, long *tid) {
    const char *slash = memchr(s, '/', n);
    if (slash == NULL) {
        *pid = -1;
        return alone ? ps_long(s, n, tid) : -1;
    }
    return ps_long(s, (size_t)(slash - s), pid) == 0 &&
                   ps_long(slash + 1, n - (size_t)(slash - s) - 1, tid) == 0
               ? 0
               : -1;
}

/* "[CPU]" */
static int ps_is_cpu(const char *s, size_t n) {
    long v;
    return n >= 3 && s[0] == '[' && s[n - 1] == ']' && ps_long(s + 1, n - 2, &v) == 0;
}

/* "SECONDS.FRACTION:" */
static int ps_is_time(const char *s, size_t n) {
    if (n < 2 || s[n - 1] != ':')
        return 0;
    int dot = 0, digits = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '.' && !dot)
            dot = 1;
        else if (isdigit((unsigned char)s[i]))
            digits++;
        else
            return 0;
    }
    return digits > 0;
}

typedef struct ps_tok {
    const char *s;
    size_t n;
} ps_tok;

/* Split line[0..len-1] at spaces into at most 'max' tokens. */
static size_t ps_split(const char *line, size_t len, ps_tok *t, size_t max) {
    size_t k = 0, i = 0;
    while (i < len && k < max) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            break;
        size_t j = i;
        while (j < len && line[j] != ' ' && line[j] != '\t')
            j++;
        t[k].s = line + i;
        t[k].n = j - i;
        k++;
        i = j;
    }
    return k;
}

/* Parse a frame "ADDR [SYM[+OFF]] [(DSO)]" (leading blanks removed) of the
 * open sample. */
static int ps_frame_line(ps_parse *ps, const char *s, size_t n) {
    ps_proc *p = &ps->procs[ps->cur];
    size_t i = 0;
    uint64_t addr = 0;
    while (i < n && isxdigit((unsigned char)s[i])) {
        if (i >= 16)
            return ps_bad(ps, "frame address longer than 16 hex digits");
        int c = tolower((unsigned char)s[i]);
        addr = addr * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
        i++;
    }
    if (i == 0 || (i < n && s[i] != ' ' && s[i] != '\t'))
        return ps_bad(ps, "frame line does not start with a hex address");
    int dso = PS_NO_DSO, kernel = addr >= PS_KERNEL_MIN;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    if (n > i && s[n - 1] == ')') {
        size_t o = n - 1;
        while (o > i && s[o] != '(')
            o--;
        if (s[o] != '(' || (o > i && s[o - 1] != ' ' && s[o - 1] != '\t'))
            return ps_bad(ps, "frame's DSO is not in parentheses");
        const char *d = s + o + 1;
        size_t dn = n - 1 - (o + 1);
        if (dn >= 7 && memcmp(d, "[kernel", 7) == 0)
            kernel = 1;
        else if (dn > 0 && !(dn == 9 && memcmp(d, "[unknown]", 9) == 0)) {
            dso = ps_dso(ps, d, dn);
            if (dso < 0)
                return ps_nomem(ps);
        }
    }
    if (kernel)
        return 0;
    if (ps_grow(&p->frames, &p->capframes, p->nframes, sizeof *p->frames) != 0)
        return ps_nomem(ps);
    p->frames[p->nframes].addr = addr;
    p->frames[p->nframes].dso = dso;
    p->nframes++;
    p->samples[p->nsamples - 1].depth++;
    return 0;
}

/* "PERF_RECORD_MMAP2 PID/TID: [0xSTART(0xLEN) @ PGOFF MAJ:MIN INODE GEN]: PROT PATH"
 * or PERF_RECORD_MMAP's shorter form: keep executable file mappings. */
static int ps_mmap_line(ps_parse *ps, const char *s, size_t n) {
    char buf[4096];
    if (n >= sizeof buf)
        return ps_bad(ps, "mmap record line too long");
    memcpy(buf, s, n);
    buf[n] = '\0';
    long pid, tid;
    unsigned long long start, len, pgoff, ino = 0;
    unsigned maj = 0, min = 0;
    int used = 0;
    const char *rec = strchr(buf, ' ');
    if (rec == NULL ||
        sscanf(rec, " %ld/%ld: [%llx(%llx) @ %llx%n", &pid, &tid, &start, &len, &pgoff,
               &used) != 5)
        return ps_bad(ps, "mmap record not as 'PID/TID: [0xSTART(0xLEN) @ PGOFF ...]'");
    const char *rest = rec + used;
    if (strncmp(buf, "PERF_RECORD_MMAP2", 17) == 0 &&
        sscanf(rest, " %x:%x %llu", &maj, &min, &ino) != 3)
        return ps_bad(ps, "mmap2 record without 'MAJ:MIN INODE'");
    const char *close = strstr(rest, "]: ");
    if (close == NULL)
        return ps_bad(ps, "mmap record without ']: PROT PATH'");
    const char *prot = close + 3;
    const char *path = strchr(prot, ' ');
    if (path == NULL || path[1] == '\0')
        return ps_bad(ps, "mmap record without a path");
    path++;
    if (len == 0 || start + len < start)
        return ps_bad(ps, "mmap record with an empty or wrapping range");
    if (pid < 0 || memchr(prot, 'x', (size_t)(path - prot)) == NULL ||
        (path[0] != '/' && path[0] != '['))
        return 0; /* the kernel's, data, or anonymous: no user code to name */
    long k = ps_proc_of(ps, pid);
    int dso = ps_dso(ps, path, strlen(path));
    if (k < 0 || dso < 0)
        return ps_nomem(ps);
    ps_proc *p = &ps->procs[k];
    if (ps_grow(&p->mmaps, &p->capmmaps, p->nmmaps, sizeof *p->mmaps) != 0)
        return ps_nomem(ps);
    p->mmaps[p->nmmaps++] =
        (ps_mmap){.start = start, .len = len, .pgoff = pgoff, .maj = maj, .min = min,
                  .ino = ino, .dso = dso};
    return 0;
}

/* A line that does not start with a blank: a sample's header or a record. */
static int ps_header_line(ps_parse *ps, const char *line, size_t len) {
    ps_tok t[64];
    size_t nt = ps_split(line, len, t, 64);
    /* COMM may hold spaces: the pid token is the first after it that is
     * followed by [CPU] or TIME:, or (default format) a PID/TID token. */
    size_t at = 0;
    long pid = -1, tid = -1;
    for (size_t i = 1; i < nt && at == 0; i++) {
        long a, b;
        int slash = memchr(t[i].s, '/', t[i].n) != NULL;
        if (ps_pidtid(t[i].s, t[i].n, 1, &a, &b) != 0)
            continue;
        int next = i + 1 < nt && (ps_is_cpu(t[i + 1].s, t[i + 1].n) ||
                                  ps_is_time(t[i + 1].s, t[i + 1].n));
        if (next || (slash && i + 1 < nt)) {
            at = i;
            pid = a;
            tid = b;
        }
    }
    if (at == 0)
        return ps_bad(ps, "not a perf script line (no 'COMM PID/TID TIME:' header)");
    size_t i = at + 1;
    if (i < nt && ps_is_cpu(t[i].s, t[i].n))
        i++;
    double when = -1;
    if (i < nt && ps_is_time(t[i].s, t[i].n)) {
        when = strtod(t[i].s, NULL);
        i++;
    }
    if (i < nt && t[i].n > 12 && memcmp(t[i].s, "PERF_RECORD_", 12) == 0) {
        ps->cur = -1;
        ps->skip = 0;
        if (t[i].n >= 16 && memcmp(t[i].s, "PERF_RECORD_MMAP", 16) == 0)
            return ps_mmap_line(ps, t[i].s, len - (size_t)(t[i].s - line));
        /* An exec replaces the process's mappings: perf may attach between
         * the fork and the exec. */
        if (t[i].n == 16 && memcmp(t[i].s, "PERF_RECORD_COMM", 16) == 0 && i + 1 < nt &&
            t[i + 1].n == 5 && memcmp(t[i + 1].s, "exec:", 5) == 0 && pid >= 0)
            for (size_t k = 0; k < ps->nprocs; k++)
                if (ps->procs[k].pid == pid)
                    ps->procs[k].nmmaps = 0;
        return 0;
    }
    /* A sample: [PERIOD] EVENT: then, without a call graph, its one frame. */
    double period = 0;
    long v;
    if (i < nt && ps_long(t[i].s, t[i].n, &v) == 0) {
        period = (double)v;
        i++;
    }
    if (i >= nt || t[i].s[t[i].n - 1] != ':')
        return ps_bad(ps, "sample header without 'EVENT:'");
    i++;
    ps->skip = 0;
    if (ps->have_window) {
        if (when < 0)
            return ps_bad(ps, "sample header without TIME (the window needs it)");
        if (when < ps->window[0] || when > ps->window[1]) {
            ps->outside++;
            ps->skip = 1;
            ps->cur = -1;
            return 0;
        }
    }
    long k = ps_proc_of(ps, pid);
    if (k < 0)
        return ps_nomem(ps);
    ps_proc *p = &ps->procs[k];
    if (ps_grow(&p->samples, &p->capsamples, p->nsamples, sizeof *p->samples) != 0)
        return ps_nomem(ps);
    p->samples[p->nsamples++] = (ps_sample){.first = p->nframes, .depth = 0};
    p->period_ns += period;
    size_t th = 0;
    while (th < p->nthreads && p->threads[th].tid != tid)
        th++;
    if (th == p->nthreads) {
        if (ps_grow(&p->threads, &p->capthreads, p->nthreads, sizeof *p->threads) != 0)
            return ps_nomem(ps);
        memset(&p->threads[th], 0, sizeof *p->threads);
        p->threads[th].tid = tid;
        p->nthreads++;
    }
    size_t cn = (size_t)(t[at - 1].s + t[at - 1].n - line);
    if (cn >= sizeof p->threads[th].comm)
        cn = sizeof p->threads[th].comm - 1;
    memcpy(p->threads[th].comm, line, cn);
    p->threads[th].comm[cn] = '\0';
    p->threads[th].samples++;
    ps->cur = k;
    if (i < nt)
        return ps_frame_line(ps, t[i].s, len - (size_t)(t[i].s - line));
    return 0;
}

/* The address process p ran frame f at; 0 on success, -1 when no mapping
 * of its DSO holds it (*abs is then the printed address). */
static int ps_absolute(const ps_proc *p, const ps_frame *f, uint64_t *abs) {
    *abs = f->addr;
    for (size_t m = 0; m < p->nmmaps; m++) {
        const ps_mmap *mm = &p->mmaps[m];
        if (f->dso == PS_NO_DSO) {
            if (f->addr >= mm->start && f->addr - mm->start < mm->len)
                return 0;
        } else if (mm->dso == f->dso && f->addr >= mm->pgoff &&
                   f->addr - mm->pgoff < mm->len) {
            *abs = mm->start + (f->addr - mm->pgoff);
            return 0;
        }
    }
    return f->dso == PS_NO_DSO && f->addr == 0 ? 0 : -1;
}

/* The maps text of process p: one line per file, from where its offset 0
 * would be mapped to the end of its last executable mapping, so that the
 * symbolizer finds the file's load bias as in /proc/PID/maps. */
static int ps_maps(const ps_parse *ps, const ps_proc *p, char **out, size_t *outlen) {
    size_t cap = 1, n = 0;
    for (size_t m = 0; m < p->nmmaps; m++)
        cap += 80 + strlen(ps->dsos[p->mmaps[m].dso]);
    char *text = malloc(cap);
    if (text == NULL)
        return -1;
    text[0] = '\0';
    for (size_t m = 0; m < p->nmmaps; m++) {
        const ps_mmap *mm = &p->mmaps[m];
        size_t seen = 0;
        while (seen < m && p->mmaps[seen].dso != mm->dso)
            seen++;
        if (seen < m)
            continue;
        uint64_t lo = mm->start - (mm->pgoff <= mm->start ? mm->pgoff : 0);
        uint64_t hi = mm->start + mm->len;
        for (size_t o = m + 1; o < p->nmmaps; o++)
            if (p->mmaps[o].dso == mm->dso) {
                const ps_mmap *x = &p->mmaps[o];
                uint64_t xlo = x->start - (x->pgoff <= x->start ? x->pgoff : 0);
                lo = xlo < lo ? xlo : lo;
                hi = x->start + x->len > hi ? x->start + x->len : hi;
            }
        n += (size_t)snprintf(text + n, cap - n,
                              "%" PRIx64 "-%" PRIx64 " r-xp 00000000 %02x:%02x %" PRIu64
                              " %s\n",
                              lo, hi, mm->maj, mm->min, mm->ino, ps->dsos[mm->dso]);
    }
    *out = text;
    *outlen = n;
    return 0;
}

typedef struct ps_slot {
    uint64_t hash;
    size_t stack; /* index + 1; 0 empty */
} ps_slot;

/* Build process k's profile: absolute lookup addresses (callers pc-1, as
 * profile_parse gives them), stacks merged, the maps text. */
static int ps_finish(ps_parse *ps, size_t k, perfscript_proc *out) {
    ps_proc *p = &ps->procs[k];
    profile *pr = calloc(1, sizeof *pr);
    ps_slot *slots = NULL;
    out->prof = pr;
    size_t nslots = 16;
    while (nslots < 2 * p->nsamples + 16)
        nslots *= 2;
    if (pr == NULL || (slots = calloc(nslots, sizeof *slots)) == NULL)
        goto nomem;
    pr->word_size = 8;
    pr->pcs = malloc((p->nframes + p->nsamples + 1) * sizeof *pr->pcs);
    pr->stacks = malloc((p->nsamples + 1) * sizeof *pr->stacks);
    if (pr->pcs == NULL || pr->stacks == NULL || ps_maps(ps, p, &pr->maps, &pr->maps_len))
        goto nomem;
    for (size_t s = 0; s < p->nsamples; s++) {
        const ps_sample *sm = &p->samples[s];
        uint32_t depth = sm->depth ? sm->depth : 1, keep = depth;
        if (keep > PROFILE_MAX_DEPTH)
            keep = PROFILE_MAX_DEPTH;
        size_t first = pr->npcs;
        uint64_t h = 1469598103934665603ULL;
        for (uint32_t d = 0; d < keep; d++) {
            uint64_t a = 0;
            if (sm->depth == 0)
                p->kernel_only++;
            else if (ps_absolute(p, &p->frames[sm->first + d], &a) != 0)
                out->unmapped++;
            if (d > 0 && a > 0)
                a--;
            pr->pcs[pr->npcs++] = a;
            h = (h ^ a) * 1099511628211ULL;
        }
        h = (h ^ keep) * 1099511628211ULL;
        size_t slot = (size_t)(h & (nslots - 1));
        while (slots[slot].stack != 0) {
            profile_stack *st = &pr->stacks[slots[slot].stack - 1];
            if (slots[slot].hash == h && st->depth == keep &&
                memcmp(&pr->pcs[st->first], &pr->pcs[first], keep * sizeof *pr->pcs) == 0)
                break;
            slot = (slot + 1) & (nslots - 1);
        }
        if (slots[slot].stack != 0) {
            pr->stacks[slots[slot].stack - 1].count++;
            pr->npcs = first;
        } else {
            pr->stacks[pr->nstacks] = (profile_stack){.count = 1, .depth = keep, .first = first};
            slots[slot] = (ps_slot){.hash = h, .stack = ++pr->nstacks};
            if (depth > keep) {
                pr->capped_stacks++;
            }
        }
        if (depth > keep)
            pr->capped_samples++;
        pr->samples++;
    }
    pr->records = p->nsamples;
    out->pid = p->pid;
    out->samples = pr->samples;
    out->kernel_only = p->kernel_only;
    out->period_ns = p->period_ns;
    out->threads = p->threads;
    out->nthreads = p->nthreads;
    p->threads = NULL;
    free(slots);
    return 0;
nomem:
    free(slots);
    return ps_nomem(ps);
}

/* "# window: START STOP", before any sample. */
static int ps_window(ps_parse *ps, const char *line, size_t n) {
    char buf[128];
    double a, b;
    char extra;
    if (n >= sizeof buf)
        return ps_bad(ps, "window line too long");
    memcpy(buf, line, n);
    buf[n] = '\0';
    if (sscanf(buf, "# window: %lf %lf %c", &a, &b, &extra) != 2 || !(a >= 0) || !(b >= a))
        return ps_bad(ps, "window line not as '# window: START STOP' with 0 <= START <= STOP");
    for (size_t i = 0; i < ps->nprocs; i++)
        if (ps->procs[i].nsamples > 0 || ps->outside > 0)
            return ps_bad(ps, "window line after samples");
    if (ps->have_window)
        return ps_bad(ps, "second window line");
    ps->have_window = 1;
    ps->window[0] = a;
    ps->window[1] = b;
    return 0;
}

static void ps_parse_free(ps_parse *ps) {
    for (size_t i = 0; i < ps->nprocs; i++) {
        free(ps->procs[i].mmaps);
        free(ps->procs[i].frames);
        free(ps->procs[i].samples);
        free(ps->procs[i].threads);
    }
    free(ps->procs);
    for (size_t i = 0; i < ps->ndsos; i++)
        free(ps->dsos[i]);
    free(ps->dsos);
}

int perfscript_parse(perfscript **out, const char *text, size_t len, const char *label,
                     error *err) {
    ps_parse ps = {.label = label ? label : "perf script", .cur = -1, .err = err};
    perfscript *r = NULL;
    int rc = -1;
    *out = NULL;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        ps.line++;
        if (memchr(p, '\0', n) != NULL) {
            ps_bad(&ps, "NUL byte in text");
            goto done;
        }
        size_t b = 0;
        while (b < n && (p[b] == ' ' || p[b] == '\t' || p[b] == '\r'))
            b++;
        if (b == n) {
            ps.cur = -1; /* a blank line ends a sample */
            ps.skip = 0;
        } else if (p[0] == '#') {
            /* perf's own header comments (perf script --header), or ours */
            if (n > 9 && memcmp(p, "# window:", 9) == 0 && ps_window(&ps, p, n) != 0)
                goto done;
        } else if (b > 0) {
            /* (the frames of a sample outside the window are dropped) */
            if (!ps.skip && ps.cur < 0) {
                ps_bad(&ps, "frame line outside a sample");
                goto done;
            }
            if (!ps.skip && ps_frame_line(&ps, p + b, n - b) != 0)
                goto done;
        } else if (ps_header_line(&ps, p, n) != 0) {
            goto done;
        }
        p = nl ? nl + 1 : end;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        ps_nomem(&ps);
        goto done;
    }
    r->outside = ps.outside;
    r->have_window = ps.have_window;
    r->window[0] = ps.window[0];
    r->window[1] = ps.window[1];
    size_t with = 0;
    for (size_t i = 0; i < ps.nprocs; i++)
        with += ps.procs[i].nsamples > 0;
    r->procs = calloc(with + 1, sizeof *r->procs);
    if (r->procs == NULL) {
        ps_nomem(&ps);
        goto done;
    }
    for (size_t i = 0; i < ps.nprocs; i++) {
        if (ps.procs[i].nsamples == 0)
            continue;
        perfscript_proc *o = &r->procs[r->nprocs++];
        if (ps_finish(&ps, i, o) != 0)
            goto done;
        r->samples += o->samples;
    }
    *out = r;
    r = NULL;
    rc = 0;
done:
    perfscript_free(r);
    ps_parse_free(&ps);
    return rc;
}

int perfscript_load(perfscript **out, const char *path, error *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    *out = NULL;
    if (file_read_max(&buf, &len, path, PROFILE_MAX_FILE, err) != 0)
        return -1;
    int rc = perfscript_parse(out, (const char *)buf, len, path, err);
    free(buf);
    return rc;
}

const perfscript_proc *perfscript_find(const perfscript *ps, long pid) {
    for (size_t i = 0; ps != NULL && i < ps->nprocs; i++)
        if (ps->procs[i].pid == pid)
            return &ps->procs[i];
    return NULL;
}

void perfscript_free(perfscript *ps) {
    if (ps == NULL)
        return;
    for (size_t i = 0; i < ps->nprocs; i++) {
        profile_free(ps->procs[i].prof);
        free(ps->procs[i].threads);
    }
    free(ps->procs);
    free(ps);
}
