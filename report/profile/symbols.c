#include "symbols.h"

#include "debugfile.h"
#include "dwarfidx.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* From libstdc++ (C++ ABI); declared here so this C file can call it. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* One function symbol of a module: [lo, hi) in process addresses. */
typedef struct sym {
    uint64_t lo, hi;
    const char *raw;  /* in the ELF file's string table: lives as its Elf */
    const char *name; /* interned display name, made on first use */
    int rank;         /* binding preference among aliases: lower wins */
    int dyn;          /* 1 when from .dynsym */
} sym;

/* What we know about one mapped file, built on first lookup. */
typedef struct module {
    Dwfl_Module *mod;
    const char *base; /* interned base name */
    const char *path;
    int loaded, ok; /* ok: the ELF could be read */
    GElf_Addr bias;
    sym *syms;
    size_t nsyms, cap_syms;
    Elf *debug_elf; /* separate debug file (symbol table only), or NULL */
    int debug_fd;
    Dwarf_CFI *cfi;
    Dwarf_Addr cfi_bias;
    int has_dwarf;
    dwarfidx *inlines;  /* per-CU inline tables, when has_dwarf */
    uint64_t plt[4][2]; /* .plt* section ranges, ELF addresses */
    int nplt;
    uint64_t *fde_starts; /* function starts from .eh_frame_hdr, ELF addresses */
    size_t nfde;
    struct module *next;
} module;

/* A line of the maps text with a file path, for the consistency check. */
typedef struct mapline {
    uint64_t lo, hi, off;
    int exec;
    char *path;
} mapline;

struct symbols {
    Dwfl *dwfl;
    char *label;
    int have_maps;
    module *modules;
    mapline *lines;
    size_t nlines;
    /* interned strings: open addressing over 'strs' */
    char **strs;
    size_t nstrs, cap_strs;
    char **warnings;
    size_t nwarnings;
    char **unnamed; /* binaries that could not be read or had changed */
    size_t nunnamed;
    /* frames made for inlined calls, in blocks of INL_BLOCK, freed at the end */
    symbols_frame **inl;
    size_t ninl, cap_inl; /* frames used; block pointers allocated */
    char *debug_dir;      /* root of separate debug files, "/usr/lib/debug" */
};

/* Standard elfutils callbacks: open the files named in the map. */
static char *symbols_debuginfo_path = NULL;
/* libdwfl never looks for separate debug files: this module reads only the
 * symbol table of a separate debug file, found by exact build-id
 * (symbols_open_debug), never its DWARF. The inline frames in libc6-dbg's
 * DWARF differ between threaded and single-threaded processes (the
 * cancellable-syscall wrapper is an inlined __libc_pwrite64 in one and
 * absent in the other), which split one function in two; symbol tables do
 * not. DWARF inside the mapped file itself, as in our own workloads, is read. */
static int symbols_no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                                Dwarf_Addr base, const char *file_name,
                                const char *debuglink_file, GElf_Word debuglink_crc,
                                char **debuginfo_file_name) {
    (void)mod;
    (void)userdata;
    (void)modname;
    (void)base;
    (void)file_name;
    (void)debuglink_file;
    (void)debuglink_crc;
    *debuginfo_file_name = NULL;
    return -1;
}

static const Dwfl_Callbacks symbols_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = symbols_no_debuginfo,
    .debuginfo_path = &symbols_debuginfo_path,
};

/* FNV-1a of the first 'n' bytes. */
static uint64_t symbols_strhash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Intern the first 'n' bytes of 's'; the result lives until symbols_free.
 * Returns NULL when out of memory. */
static const char *symbols_intern_n(symbols *s, const char *str, size_t n) {
    if ((s->nstrs + 1) * 2 > s->cap_strs) {
        size_t cap = s->cap_strs ? s->cap_strs * 2 : 1024;
        char **t = calloc(cap, sizeof *t);
        if (t == NULL)
            return NULL;
        for (size_t i = 0; i < s->cap_strs; i++)
            if (s->strs[i] != NULL) {
                size_t j = symbols_strhash(s->strs[i], strlen(s->strs[i])) & (cap - 1);
                while (t[j] != NULL)
                    j = (j + 1) & (cap - 1);
                t[j] = s->strs[i];
            }
        free(s->strs);
        s->strs = t;
        s->cap_strs = cap;
    }
    size_t j = symbols_strhash(str, n) & (s->cap_strs - 1);
    while (s->strs[j] != NULL) {
        if (strncmp(s->strs[j], str, n) == 0 && s->strs[j][n] == '\0')
            return s->strs[j];
        j = (j + 1) & (s->cap_strs - 1);
    }
    char *copy = malloc(n + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, str, n);
    copy[n] = '\0';
    s->strs[j] = copy;
    s->nstrs++;
    return copy;
}

/* Intern a NUL-terminated string (see symbols_intern_n). */
static const char *symbols_intern(symbols *s, const char *str) {
    return symbols_intern_n(s, str, strlen(str));
}

/* Record a warning (printf-style), prefixed with the label. Out of memory
 * loses the warning, never the result. */
__attribute__((format(printf, 2, 3))) static void symbols_warn(symbols *s,
                                                               const char *fmt, ...) {
    char text[1024];
    int n = snprintf(text, sizeof text, "%s: ", s->label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + n, sizeof text - (size_t)n, fmt, ap);
    va_end(ap);
    char **w = realloc(s->warnings, (s->nwarnings + 1) * sizeof *w);
    if (w == NULL)
        return;
    s->warnings = w;
    if ((w[s->nwarnings] = strdup(text)) != NULL)
        s->nwarnings++;
}

/* Note a binary whose functions stay unnamed (missing or changed). */
static void symbols_note_unnamed(symbols *s, const char *path) {
    for (size_t i = 0; i < s->nunnamed; i++)
        if (strcmp(s->unnamed[i], path) == 0)
            return;
    char **u = realloc(s->unnamed, (s->nunnamed + 1) * sizeof *u);
    if (u == NULL)
        return;
    s->unnamed = u;
    if ((u[s->nunnamed] = strdup(path)) != NULL)
        s->nunnamed++;
}

/* Parse the maps text lines that name a file (for the consistency check). */
static int symbols_parse_lines(symbols *s, const char *maps, size_t len) {
    const char *p = maps, *end = maps + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char line[4096];
        if (n < sizeof line) {
            memcpy(line, p, n);
            line[n] = '\0';
            unsigned long long lo, hi, off;
            char perms[8];
            int pathpos = 0;
            if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &lo, &hi, perms, &off,
                       &pathpos) == 4 &&
                pathpos > 0 && (line[pathpos] == '/' || line[pathpos] == '[')) {
                mapline *l = realloc(s->lines, (s->nlines + 1) * sizeof *l);
                if (l == NULL)
                    return -1;
                s->lines = l;
                char *path = strdup(line + pathpos);
                if (path == NULL)
                    return -1;
                l[s->nlines++] = (mapline){lo, hi, off, strchr(perms, 'x') != NULL, path};
            }
        }
        p += n + 1;
    }
    return 0;
}

int symbols_new(symbols **out, const char *maps, size_t maps_len, const char *label,
                error *err) {
    *out = NULL;
    int rc = -1;
    FILE *f = NULL;
    symbols *s = calloc(1, sizeof *s);
    if (s == NULL || (s->label = strdup(label ? label : "profile")) == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((s->debug_dir = strdup("/usr/lib/debug")) == NULL) {
        error_set(err, ERR_NOMEM, "out of memory");
        goto done;
    }
    s->dwfl = dwfl_begin(&symbols_callbacks);
    if (s->dwfl == NULL) {
        error_set(err, ERR_SYSTEM, "%s: libdwfl: %s", s->label, dwfl_errmsg(-1));
        goto done;
    }
    dwfl_report_begin(s->dwfl);
    if (maps_len > 0) {
        s->have_maps = 1;
        if (symbols_parse_lines(s, maps, maps_len) != 0) {
            error_set(err, ERR_NOMEM, "out of memory");
            goto done;
        }
        f = fmemopen((void *)maps, maps_len, "r");
        if (f == NULL) {
            error_set(err, ERR_SYSTEM, "%s: fmemopen failed", s->label);
            goto done;
        }
        if (dwfl_linux_proc_maps_report(s->dwfl, f) != 0) {
            error_set(err, ERR_INPUT, "%s: bad memory map text: %s", s->label,
                      dwfl_errmsg(-1));
            goto done;
        }
    }
    if (dwfl_report_end(s->dwfl, NULL, NULL) != 0) {
        error_set(err, ERR_INPUT, "%s: libdwfl: %s", s->label, dwfl_errmsg(-1));
        goto done;
    }
    *out = s;
    s = NULL;
    rc = 0;
done:
    if (f != NULL)
        fclose(f);
    symbols_free(s);
    return rc;
}

int symbols_set_debug_dir(symbols *s, const char *dir, error *err) {
    char *d = strdup(dir);
    if (d == NULL)
        return error_set(err, ERR_NOMEM, "out of memory");
    free(s->debug_dir);
    s->debug_dir = d;
    return 0;
}

/* Symbols by address; among aliases at one address the preferred name first,
 * in a total order so that a name depends only on the file and the address:
 * in .dynsym first, then GLOBAL, WEAK, LOCAL, then without a leading
 * underscore ("printf" over "_IO_printf"), shorter, alphabetical. */
static int symbols_cmp_sym(const void *a, const void *b) {
    const sym *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->dyn != y->dyn)
        return y->dyn - x->dyn;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    size_t ux = strspn(x->raw, "_"), uy = strspn(y->raw, "_");
    if ((ux > 0) != (uy > 0))
        return ux > 0 ? 1 : -1;
    size_t lx = strlen(x->raw), ly = strlen(y->raw);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return strcmp(x->raw, y->raw);
}

/* Warn when the file no longer matches the map: every executable mapping must
 * correspond to an executable PT_LOAD at the same file offset and fit in the
 * file. (The maps text carries no build-id, so this is the check we can do.) */
static void symbols_check_file(symbols *s, module *m, Elf *elf) {
    size_t nph = 0;
    if (elf_getphdrnum(elf, &nph) != 0)
        return;
    struct stat st;
    int have_size = stat(m->path, &st) == 0;
    for (size_t i = 0; i < s->nlines; i++) {
        const mapline *l = &s->lines[i];
        if (!l->exec || strcmp(l->path, m->path) != 0)
            continue;
        int match = 0;
        for (size_t k = 0; k < nph && !match; k++) {
            GElf_Phdr ph;
            if (gelf_getphdr(elf, (int)k, &ph) == NULL)
                continue;
            if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) &&
                (ph.p_offset & ~(uint64_t)0xfff) == l->off)
                match = 1;
        }
        if (!match || (have_size && (uint64_t)st.st_size <= l->off)) {
            symbols_warn(s,
                         "%s has changed since the profile was taken (no executable "
                         "segment at file offset 0x%" PRIx64 "): its names may be wrong",
                         m->path, l->off);
            symbols_note_unnamed(s, m->path);
            return;
        }
    }
}

/* Read the start addresses of all FDEs from .eh_frame_hdr's sorted search
 * table. libdw's dwarf_frame_info gives only the range of one CFI row, not
 * the function's start, so the start comes from here: the FDE covering a pc
 * is the one with the largest start <= pc. Only the encoding every GNU
 * linker writes (datarel|sdata4 pairs) is read; otherwise there is no table. */
static void symbols_read_fde_starts(module *m, Elf *elf) {
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn != NULL;
         scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS)
            continue;
        const char *nm = elf_strptr(elf, shstrndx, sh.sh_name);
        if (nm == NULL || strcmp(nm, ".eh_frame_hdr") != 0)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (d == NULL || d->d_size < 12)
            return;
        const uint8_t *b = d->d_buf;
        /* version 1, eh_frame_ptr sdata4 pcrel (0x1b), count udata4 (0x03),
         * table datarel sdata4 (0x3b) */
        if (b[0] != 1 || b[1] != 0x1b || b[2] != 0x03 || b[3] != 0x3b)
            return;
        int big = elf_getident(elf, NULL)[EI_DATA] == ELFDATA2MSB;
        uint32_t count = 0;
        for (int i = 0; i < 4; i++)
            count |= (uint32_t)b[8 + (big ? 3 - i : i)] << (8 * i);
        if ((size_t)count > (d->d_size - 12) / 8)
            return;
        m->fde_starts = malloc((count ? count : 1) * sizeof *m->fde_starts);
        if (m->fde_starts == NULL)
            return;
        for (uint32_t k = 0; k < count; k++) {
            uint32_t v = 0;
            for (int i = 0; i < 4; i++)
                v |= (uint32_t)b[12 + 8 * k + (big ? 3 - i : i)] << (8 * i);
            m->fde_starts[k] = sh.sh_addr + (uint64_t)(int64_t)(int32_t)v;
        }
        m->nfde = count;
        return;
    }
}

/* The start of the FDE covering ELF address 'a' (which CFI covers), or 0. */
static uint64_t symbols_fde_start(const module *m, uint64_t a) {
    size_t lo = 0, hi = m->nfde;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->fde_starts[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 ? m->fde_starts[lo - 1] : 0;
}

/* Add the function symbols of 'elf' (.dynsym, and .symtab when 'all') to
 * m->syms, addresses moved by m->bias. Returns 0 when 'elf' had a .symtab,
 * 1 when not, -1 when out of memory. */
static int symbols_read_syms(module *m, Elf *elf, int with_dynsym) {
    int have_symtab = 0;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn != NULL;
         scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == NULL ||
            (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
            (sh.sh_type == SHT_DYNSYM && !with_dynsym) || sh.sh_entsize == 0)
            continue;
        have_symtab |= sh.sh_type == SHT_SYMTAB;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t n = d ? sh.sh_size / sh.sh_entsize : 0;
        for (size_t i = 1; i < n; i++) {
            GElf_Sym es;
            if (gelf_getsym(d, (int)i, &es) == NULL)
                continue;
            int type = GELF_ST_TYPE(es.st_info), bind = GELF_ST_BIND(es.st_info);
            const char *name = elf_strptr(elf, sh.sh_link, es.st_name);
            if (name == NULL || name[0] == '\0' || es.st_size == 0 ||
                es.st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_GNU_IFUNC))
                continue;
            if (m->nsyms == m->cap_syms) {
                size_t cap = m->cap_syms ? 2 * m->cap_syms : 256;
                sym *v = realloc(m->syms, cap * sizeof *v);
                if (v == NULL)
                    return -1;
                m->syms = v;
                m->cap_syms = cap;
            }
            m->syms[m->nsyms++] = (sym){.lo = es.st_value + m->bias,
                                        .hi = es.st_value + m->bias + es.st_size,
                                        .raw = name,
                                        .dyn = sh.sh_type == SHT_DYNSYM,
                                        .rank = bind == STB_GLOBAL ? 0
                                                : bind == STB_WEAK ? 1
                                                                   : 2};
        }
    }
    return have_symtab ? 0 : 1;
}

/* For a file without .symtab: the symbol table of its separate debug file,
 * found by exact build-id only (debugfile_find). Warns when the file has a
 * build-id but no matching debug file, naming the package to install. */
static void symbols_debug_syms(symbols *s, module *m) {
    Elf *elf = dwfl_module_getelf(m->mod, &m->bias);
    char path[4352], hex[160];
    int fd = -1;
    Elf *d = NULL;
    int st = elf ? debugfile_find(&d, &fd, s->debug_dir, elf, path, sizeof path, hex,
                                  sizeof hex)
                 : DEBUGFILE_NO_BUILD_ID;
    if (st == DEBUGFILE_FOUND) {
        m->debug_elf = d;
        m->debug_fd = fd;
        if (symbols_read_syms(m, d, 0) != 0)
            symbols_warn(s, "%s: debug file %s has no symbol table", m->path, path);
    } else if (st == DEBUGFILE_MISMATCH) {
        symbols_warn(s,
                     "%s: debug file %s does not match (build-id differs): not used, "
                     "static functions named by address",
                     m->path, path);
    } else if (st == DEBUGFILE_MISSING) {
        const char *pkg = debugfile_package(m->path);
        symbols_warn(s,
                     "%s has build-id %s but no debug file %s: static functions "
                     "named by address; install %s for their names",
                     m->path, hex, path,
                     pkg ? pkg : "its debug-symbol package (-dbg or -dbgsym)");
    }
}

/* Read a module's function symbols, .plt ranges, CFI and DWARF presence. */
static void symbols_load_module(symbols *s, module *m) {
    m->loaded = 1;
    Elf *elf = dwfl_module_getelf(m->mod, &m->bias);
    if (elf == NULL) {
        struct stat st;
        int e = stat(m->path, &st) != 0 ? errno : 0;
        symbols_warn(s, "cannot read %s (%s): its functions are unnamed", m->path,
                     e ? strerror(e) : dwfl_errmsg(-1));
        symbols_note_unnamed(s, m->path);
        return;
    }
    m->ok = 1;
    symbols_check_file(s, m, elf);
    int has_symtab = symbols_read_syms(m, elf, 1) == 0;
    if (!has_symtab)
        symbols_debug_syms(s, m);
    if (m->syms != NULL)
        qsort(m->syms, m->nsyms, sizeof *m->syms, symbols_cmp_sym);
    if (m->nsyms == 0)
        symbols_warn(s, "%s has no function symbols: functions named by address",
                     m->path);
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
        for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn != NULL;
             scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            if (gelf_getshdr(scn, &sh) == NULL)
                continue;
            const char *nm = elf_strptr(elf, shstrndx, sh.sh_name);
            if (nm != NULL && strncmp(nm, ".plt", 4) == 0 && m->nplt < 4) {
                m->plt[m->nplt][0] = sh.sh_addr;
                m->plt[m->nplt][1] = sh.sh_addr + sh.sh_size;
                m->nplt++;
            }
        }
    }
    m->cfi = dwfl_module_eh_cfi(m->mod, &m->cfi_bias);
    symbols_read_fde_starts(m, elf);
    Dwarf_Addr dbias;
    m->has_dwarf = dwfl_module_getdwarf(m->mod, &dbias) != NULL;
    if (m->has_dwarf && (m->inlines = dwarfidx_new()) == NULL)
        m->has_dwarf = 0;
}

/* The module record for 'mod', created on first use (kept in its userdata). */
static module *symbols_module(symbols *s, Dwfl_Module *mod) {
    void **ud = NULL;
    const char *mainfile = NULL;
    const char *name =
        dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, &mainfile, NULL);
    if (ud != NULL && *ud != NULL)
        return *ud;
    module *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->mod = mod;
    m->debug_fd = -1;
    m->path = symbols_intern(s, name ? name : "[unknown]");
    const char *slash = m->path ? strrchr(m->path, '/') : NULL;
    m->base = slash ? symbols_intern(s, slash + 1) : m->path;
    if (m->path == NULL || m->base == NULL) {
        free(m);
        return NULL;
    }
    m->next = s->modules;
    s->modules = m;
    if (ud != NULL)
        *ud = m;
    symbols_load_module(s, m);
    return m;
}

/* The display name of a raw symbol: "@VERSION" stripped, C++ demangled. */
static const char *symbols_display(symbols *s, const char *raw) {
    size_t n = strlen(raw);
    const char *at = strchr(raw, '@');
    if (at != NULL && at != raw)
        n = (size_t)(at - raw);
    if (n > 2 && raw[0] == '_' && raw[1] == 'Z') {
        char tmp[1024];
        if (n < sizeof tmp) {
            memcpy(tmp, raw, n);
            tmp[n] = '\0';
            int status = -1;
            char *d = __cxa_demangle(tmp, NULL, NULL, &status);
            if (d != NULL && status == 0) {
                const char *r = symbols_intern(s, d);
                free(d);
                return r;
            }
            free(d);
        }
    }
    return symbols_intern_n(s, raw, n);
}

/* The symbol containing 'pc', or NULL. Among nested symbols the innermost
 * (latest start) wins; among aliases the best-ranked. */
static sym *symbols_find(module *m, uint64_t pc) {
    size_t lo = 0, hi = m->nsyms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->syms[mid].lo <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* lo = first symbol starting after pc; look back at a few candidates. */
    for (size_t k = 0; k < 16 && lo > 0; k++, lo--) {
        sym *c = &m->syms[lo - 1];
        size_t first = lo - 1;
        while (first > 0 && m->syms[first - 1].lo == c->lo)
            first--;
        if (pc < m->syms[first].hi)
            return &m->syms[first];
        if (pc < c->hi)
            return c;
    }
    return NULL;
}

/* Is this one of the profiler's own signal-path frames? Only named frames of
 * libprofiler that belong to the SIGPROF handler and stack capture qualify;
 * ProfilerStart/ProfilerStop and friends are real work the program asked for. */
int symbols_is_profiler(const char *module_base, const char *fn) {
    static const char *const prefixes[] = {
        "CpuProfiler::prof_handler",
        "ProfileHandler::",
        "ProfileData::Add",
        "ProfileData::Evict",
        "ProfileData::FlushEvicted",
        "GetStackTrace",
        "GetStackFrames",
    };
    if (strncmp(module_base, "libprofiler", 11) != 0)
        return 0;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(fn, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

#define INL_BLOCK 1024

/* A frame for an inlined call, kept until symbols_free; NULL when out of
 * memory. Frames come from blocks: a large DWARF profile makes millions. */
static symbols_frame *symbols_inline_frame(symbols *s, const symbols_frame *f) {
    size_t block = s->ninl / INL_BLOCK;
    if (s->ninl % INL_BLOCK == 0) {
        if (block == s->cap_inl) {
            size_t cap = s->cap_inl ? 2 * s->cap_inl : 16;
            symbols_frame **v = realloc(s->inl, cap * sizeof *v);
            if (v == NULL)
                return NULL;
            s->inl = v;
            s->cap_inl = cap;
        }
        if ((s->inl[block] = malloc(INL_BLOCK * sizeof(symbols_frame))) == NULL)
            return NULL;
    }
    symbols_frame *fr = &s->inl[block][s->ninl++ % INL_BLOCK];
    *fr = *f;
    fr->inlined_into = NULL;
    return fr;
}

/* Expand *f with the functions DWARF says were inlined at 'pc': *f becomes
 * the innermost, and a chain of frames leads out to the function the symbol
 * named. From the module's per-CU tables (dwarfidx). Returns -1 only when
 * out of memory; missing DWARF is no error. */
static int symbols_inline(symbols *s, module *m, uint64_t pc, symbols_frame *f) {
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(m->mod, pc, &bias);
    dwarfidx_inline *in = NULL;
    if (cu == NULL)
        return 0;
    if (dwarfidx_lookup(m->inlines, cu, pc - bias, &in) != 0)
        return -1;
    if (in == NULL)
        return 0;
    symbols_frame *inner = NULL, *prev = NULL;
    const char *file = f->file;
    int line = f->line;
    for (; in != NULL; in = in->outer) {
        symbols_frame *fr = symbols_inline_frame(s, f);
        /* the mangled name, demangled, names C++ functions as their symbols
         * are named ("std::vector<int>::size() const", not "size"); made
         * once per inlined call and kept in the table */
        if (in->display == NULL)
            in->display = in->linkage ? symbols_display(s, in->linkage)
                          : in->name  ? symbols_intern(s, in->name)
                                      : "[inlined]";
        if (fr == NULL || in->display == NULL)
            return -1;
        fr->function = in->display;
        fr->start = 0; /* an inlined copy: no function start of its own */
        fr->file = file;
        fr->line = line;
        if (prev != NULL)
            prev->inlined_into = fr;
        else
            inner = fr;
        prev = fr;
        /* the next frame out is at this inlined call's site */
        if (in->call_file != NULL && in->display_file == NULL &&
            (in->display_file = symbols_intern(s, in->call_file)) == NULL)
            return -1;
        file = in->display_file;
        line = in->call_line;
    }
    /* The outermost frame is the symbol's own function, at the last call site. */
    symbols_frame *outer = symbols_inline_frame(s, f);
    if (outer == NULL)
        return -1;
    outer->file = file;
    outer->line = line;
    prev->inlined_into = outer;
    *f = *inner;
    return 0;
}

/* Resolve one pc. Returns -1 only when out of memory. */
static int symbols_one(symbols *s, uint64_t pc, symbols_frame *f) {
    *f = (symbols_frame){.function = "[unknown]", .module = "[unknown]"};
    /* Special mappings ("[vdso]", "[stack]") first: libdwfl may credit their
     * addresses to a neighbouring file (a vdso pc was named in libm). */
    for (size_t i = 0; i < s->nlines; i++)
        if (s->lines[i].path[0] == '[' && pc >= s->lines[i].lo && pc < s->lines[i].hi)
            return (f->function = f->module = symbols_intern(s, s->lines[i].path)) == NULL
                       ? -1
                       : 0;
    Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
    if (mod == NULL)
        return 0;
    module *m = symbols_module(s, mod);
    if (m == NULL)
        return -1;
    f->module = m->base;
    if (!m->ok) {
        /* The file could not be read: the function is unknown, the library not. */
        char name[512];
        snprintf(name, sizeof name, "[%s]", m->base);
        return (f->function = symbols_intern(s, name)) == NULL ? -1 : 0;
    }
    sym *sy = symbols_find(m, pc);
    if (sy != NULL) {
        if (sy->name == NULL && (sy->name = symbols_display(s, sy->raw)) == NULL)
            return -1;
        f->function = sy->name;
        f->named = 1;
        f->start = sy->lo - m->bias;
    } else {
        uint64_t a = pc - m->bias;
        int plt = 0;
        for (int i = 0; i < m->nplt; i++)
            plt |= a >= m->plt[i][0] && a < m->plt[i][1];
        if (plt) {
            f->function = "[PLT]";
        } else {
            char name[512];
            Dwarf_Frame *fr = NULL;
            Dwarf_Addr start = 0, end = 0;
            bool sig;
            if (m->cfi != NULL &&
                dwarf_cfi_addrframe(m->cfi, pc - m->cfi_bias, &fr) == 0 &&
                dwarf_frame_info(fr, &start, &end, &sig) >= 0) {
                /* start/end are one CFI row's range; the function starts at
                 * its FDE's start when .eh_frame_hdr tells us. */
                uint64_t fs = symbols_fde_start(m, start);
                f->start = fs != 0 && fs <= start ? fs : (uint64_t)start;
                snprintf(name, sizeof name, "%s+0x%" PRIx64, m->base, f->start);
            } else {
                snprintf(name, sizeof name, "[%s]", m->base);
            }
            free(fr);
            if ((f->function = symbols_intern(s, name)) == NULL)
                return -1;
        }
    }
    f->profiler = f->named && symbols_is_profiler(f->module, f->function);
    if (m->has_dwarf) {
        Dwfl_Line *line = dwfl_module_getsrc(mod, pc);
        int lineno = 0;
        const char *src =
            line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
        if (src != NULL) {
            if ((f->file = symbols_intern(s, src)) == NULL)
                return -1;
            f->line = lineno;
        }
        if (f->named && symbols_inline(s, m, pc, f) != 0)
            return -1;
    }
    return 0;
}

int symbols_resolve(symbols *s, const uint64_t *pcs, size_t n, symbols_frame *frames,
                    error *err) {
    if (n > 0 && !s->have_maps)
        return error_set(err, ERR_INPUT, "%s: no memory map: cannot symbolize", s->label);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && pcs[i] == pcs[i - 1]) {
            frames[i] = frames[i - 1];
            continue;
        }
        if (symbols_one(s, pcs[i], &frames[i]) != 0)
            return error_set(err, ERR_NOMEM, "%s: out of memory", s->label);
    }
    return 0;
}

size_t symbols_warning_count(const symbols *s) {
    return s->nwarnings;
}

const char *symbols_warning(const symbols *s, size_t i) {
    return i < s->nwarnings ? s->warnings[i] : NULL;
}

size_t symbols_unnamed_count(const symbols *s) {
    return s->nunnamed;
}

const char *symbols_unnamed(const symbols *s, size_t i) {
    return i < s->nunnamed ? s->unnamed[i] : NULL;
}

void symbols_free(symbols *s) {
    if (s == NULL)
        return;
    if (s->dwfl != NULL)
        dwfl_end(s->dwfl);
    for (module *m = s->modules, *next; m != NULL; m = next) {
        next = m->next;
        free(m->syms);
        free(m->fde_starts);
        dwarfidx_free(m->inlines);
        if (m->debug_elf != NULL)
            elf_end(m->debug_elf);
        if (m->debug_fd >= 0)
            close(m->debug_fd);
        free(m);
    }
    for (size_t i = 0; i < s->nlines; i++)
        free(s->lines[i].path);
    free(s->lines);
    for (size_t i = 0; i < s->cap_strs; i++)
        free(s->strs[i]);
    free(s->strs);
    for (size_t i = 0; i < s->nwarnings; i++)
        free(s->warnings[i]);
    free(s->warnings);
    for (size_t i = 0; i < s->nunnamed; i++)
        free(s->unnamed[i]);
    free(s->unnamed);
    for (size_t i = 0; i < (s->ninl + INL_BLOCK - 1) / INL_BLOCK; i++)
        free(s->inl[i]);
    free(s->inl);
    free(s->label);
    free(s->debug_dir);
    free(s);
}
