/* genprof: write a synthetic gperftools CPU profile whose every pc lies
 * inside a sized function symbol of a real, unstripped shared library, so
 * that any correct symbolizer must agree on every function's flat samples.
 *
 *   genprof LIB.so OUT.prof SAMPLES STACKS [SEED]
 *
 * The library is "mapped" at a fixed base following its PT_LOAD segments
 * (the maps text is written after the trailer, as the profiler does). Stacks
 * have depth 2..24; callers are return addresses (pc+1 of a call site) so
 * that pc-1 stays inside the caller. Some stacks are written as two records,
 * as the profiler does after a hash-table eviction. Only symbols at an
 * address no other symbol shares are used (aliases make names ambiguous). */
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BASE 0x7f3a12000000ull

typedef struct fn {
    uint64_t lo, size;
} fn;

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp_fn(const void *a, const void *b) {
    const fn *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void put(FILE *f, uint64_t w) {
    fwrite(&w, sizeof w, 1, f);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: genprof LIB.so OUT.prof SAMPLES STACKS [SEED]\n");
        return 2;
    }
    uint64_t samples = strtoull(argv[3], NULL, 10), nstacks = strtoull(argv[4], NULL, 10);
    if (argc > 5)
        rng ^= strtoull(argv[5], NULL, 10) * 0x9e3779b97f4a7c15ull;
    char *path = realpath(argv[1], NULL);
    int fd = path ? open(path, O_RDONLY) : -1;
    elf_version(EV_CURRENT);
    Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
    if (e == NULL || nstacks == 0 || samples < nstacks) {
        fprintf(stderr, "genprof: cannot read %s, or bad counts\n", argv[1]);
        return 2;
    }
    fn *fns = NULL;
    size_t nfns = 0;
    for (Elf_Scn *s = elf_nextscn(e, NULL); s; s = elf_nextscn(e, s)) {
        GElf_Shdr sh;
        if (gelf_getshdr(s, &sh) == NULL || sh.sh_type != SHT_SYMTAB)
            continue;
        Elf_Data *d = elf_getdata(s, NULL);
        size_t n = sh.sh_size / sh.sh_entsize;
        fns = calloc(n, sizeof *fns);
        for (size_t i = 0; i < n; i++) {
            GElf_Sym sym;
            gelf_getsym(d, (int)i, &sym);
            if (GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_size >= 8 &&
                sym.st_shndx != SHN_UNDEF)
                fns[nfns++] = (fn){sym.st_value, sym.st_size};
        }
    }
    qsort(fns, nfns, sizeof *fns, cmp_fn);
    size_t u = 0; /* drop every address that has an alias or overlaps */
    for (size_t i = 0; i < nfns; i++) {
        int dup = (i > 0 && fns[i - 1].lo == fns[i].lo) ||
                  (i + 1 < nfns && fns[i + 1].lo == fns[i].lo) ||
                  (i + 1 < nfns && fns[i].lo + fns[i].size > fns[i + 1].lo);
        if (!dup)
            fns[u++] = fns[i];
    }
    nfns = u;
    if (nfns < 2) {
        fprintf(stderr, "genprof: %s has no usable function symbols\n", argv[1]);
        return 2;
    }
    FILE *out = fopen(argv[2], "wb");
    if (out == NULL) {
        perror(argv[2]);
        return 2;
    }
    put(out, 0), put(out, 3), put(out, 0), put(out, 4000), put(out, 0);
    uint64_t left = samples;
    for (uint64_t s = 0; s < nstacks; s++) {
        uint64_t count =
            s + 1 == nstacks ? left : 1 + next() % (2 * samples / nstacks - 1);
        if (count > left - (nstacks - 1 - s))
            count = left - (nstacks - 1 - s);
        left -= count;
        uint64_t depth = 2 + next() % 23, pcs[24];
        for (uint64_t k = 0; k < depth; k++) {
            const fn *f = &fns[next() % nfns];
            /* leaf: any byte but the first; callers: a return address whose
             * pc-1 is still inside */
            pcs[k] = BASE + f->lo + 1 + next() % (f->size - 2);
        }
        int split = count > 1 && next() % 8 == 0;
        uint64_t first = split ? count / 2 : count;
        put(out, first), put(out, depth);
        for (uint64_t k = 0; k < depth; k++)
            put(out, pcs[k]);
        if (split) {
            put(out, count - first), put(out, depth);
            for (uint64_t k = 0; k < depth; k++)
                put(out, pcs[k]);
        }
    }
    put(out, 0), put(out, 1), put(out, 0);
    size_t nph = 0;
    elf_getphdrnum(e, &nph);
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) == NULL || ph.p_type != PT_LOAD)
            continue;
        uint64_t lo = BASE + (ph.p_vaddr & ~0xfffull);
        uint64_t hi = (BASE + ph.p_vaddr + ph.p_memsz + 0xfff) & ~0xfffull;
        fprintf(out, "%llx-%llx %c%c%cp %08llx 08:01 4242 %s\n", (unsigned long long)lo,
                (unsigned long long)hi, ph.p_flags & PF_R ? 'r' : '-',
                ph.p_flags & PF_W ? 'w' : '-', ph.p_flags & PF_X ? 'x' : '-',
                (unsigned long long)(ph.p_offset & ~0xfffull), path);
    }
    fclose(out);
    elf_end(e);
    close(fd);
    free(fns);
    free(path);
    return 0;
}
