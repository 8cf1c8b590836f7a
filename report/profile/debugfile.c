#include "debugfile.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t debugfile_build_id(Elf *elf, const uint8_t **out) {
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn != NULL;
         scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t off = 0, name_off, desc_off;
        GElf_Nhdr nh;
        while (d != NULL && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0)
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                memcmp((const char *)d->d_buf + name_off, "GNU", 4) == 0) {
                *out = (const uint8_t *)d->d_buf + desc_off;
                return nh.n_descsz;
            }
    }
    return 0;
}

/* Cache of dpkg owner look-ups (path -> package), shared by all symbolizers
 * of the process: scanning dpkg's file lists costs tens of milliseconds. */
static pthread_mutex_t debugfile_owner_lock = PTHREAD_MUTEX_INITIALIZER;
static char **debugfile_owner_keys, **debugfile_owner_vals;
static size_t debugfile_owner_n;

/* Scan dpkg's file lists for the package that installed 'path' (or its
 * /usr-merged twin) into out; "" when none. */
static void debugfile_scan_owner(const char *path, char *out, size_t len) {
    out[0] = '\0';
    char alt[4096];
    if (strncmp(path, "/usr/", 5) == 0)
        snprintf(alt, sizeof alt, "%s", path + 4);
    else
        snprintf(alt, sizeof alt, "/usr%s", path);
    DIR *dir = opendir("/var/lib/dpkg/info");
    struct dirent *de;
    char *line = NULL;
    size_t cap = 0;
    while (dir != NULL && out[0] == '\0' && (de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".list") != 0)
            continue;
        char lp[512];
        snprintf(lp, sizeof lp, "/var/lib/dpkg/info/%s", de->d_name);
        FILE *f = fopen(lp, "r");
        ssize_t r;
        while (f != NULL && (r = getline(&line, &cap, f)) > 0) {
            if (line[r - 1] == '\n')
                line[--r] = '\0';
            if (strcmp(line, path) == 0 || strcmp(line, alt) == 0) {
                size_t k = strcspn(de->d_name, ":"); /* "libnats3.4:amd64.list" */
                k = k < n - 5 ? k : n - 5;
                snprintf(out, len, "%.*s", (int)k, de->d_name);
                break;
            }
        }
        if (f != NULL)
            fclose(f);
    }
    free(line);
    if (dir != NULL)
        closedir(dir);
}

const char *debugfile_package(const char *path) {
    const char *res = NULL;
    pthread_mutex_lock(&debugfile_owner_lock);
    for (size_t i = 0; i < debugfile_owner_n && res == NULL; i++)
        if (strcmp(debugfile_owner_keys[i], path) == 0)
            res = debugfile_owner_vals[i];
    if (res == NULL) {
        char owner[256], pkg[300];
        debugfile_scan_owner(path, owner, sizeof owner);
        if (owner[0] == '\0')
            snprintf(pkg, sizeof pkg, "%s", "");
        else if (strcmp(owner, "libc6") == 0)
            snprintf(pkg, sizeof pkg, "libc6-dbg");
        else
            snprintf(pkg, sizeof pkg, "%s-dbgsym", owner);
        char **k = realloc(debugfile_owner_keys, (debugfile_owner_n + 1) * sizeof *k);
        if (k != NULL)
            debugfile_owner_keys = k;
        char **v = realloc(debugfile_owner_vals, (debugfile_owner_n + 1) * sizeof *v);
        if (v != NULL)
            debugfile_owner_vals = v;
        char *kk = strdup(path), *vv = strdup(pkg);
        if (k != NULL && v != NULL && kk != NULL && vv != NULL) {
            k[debugfile_owner_n] = kk;
            v[debugfile_owner_n++] = vv;
            res = vv;
        } else {
            free(kk);
            free(vv);
        }
    }
    pthread_mutex_unlock(&debugfile_owner_lock);
    return res != NULL && res[0] != '\0' ? res : NULL;
}

int debugfile_find(Elf **out, int *fd, const char *dir, Elf *elf, char *path,
                   size_t path_len, char *hex, size_t hex_len) {
    *out = NULL;
    *fd = -1;
    path[0] = hex[0] = '\0';
    const uint8_t *id = NULL;
    size_t idlen = debugfile_build_id(elf, &id);
    if (idlen < 2 || 2 * idlen + 1 > hex_len)
        return DEBUGFILE_NO_BUILD_ID;
    for (size_t i = 0; i < idlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    snprintf(path, path_len, "%s/.build-id/%.2s/%s.debug", dir, hex, hex + 2);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return DEBUGFILE_MISSING;
    Elf *d = elf_begin(f, ELF_C_READ_MMAP, NULL);
    const uint8_t *did = NULL;
    size_t dlen = d ? debugfile_build_id(d, &did) : 0;
    if (d != NULL && dlen == idlen && memcmp(did, id, idlen) == 0) {
        *out = d;
        *fd = f;
        return DEBUGFILE_FOUND;
    }
    if (d != NULL)
        elf_end(d);
    close(f);
    return DEBUGFILE_MISMATCH;
}
