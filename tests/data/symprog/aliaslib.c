/* One function under several names at one address, for the symbolizer's
 * alias order (in .dynsym first; GLOBAL, WEAK, LOCAL; no leading underscore;
 * shorter; alphabetical): the name it must give is "al_beta". The library
 * keeps its .symtab so that the hidden (LOCAL after linking) alias is seen. */
__attribute__((noinline)) int al_zeta(int x) {
    return x * 3 + 1;
}
int al_beta(int) __attribute__((alias("al_zeta")));
int _al(int) __attribute__((alias("al_zeta")));
int al_w(int) __attribute__((weak, alias("al_zeta")));
int al(int) __attribute__((visibility("hidden"), alias("al_zeta")));

/* Keeps the hidden alias referenced. */
int al_call(int x) {
    return al(x) + 1;
}
