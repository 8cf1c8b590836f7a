/* Replay driver: runs every file named on the command line (directories are
 * walked one level) through LLVMFuzzerTestOneInput, so that the fuzz corpus,
 * including past crashes, is a regression test under ctest without clang.
 * Without arguments it replays FUZZ_CORPUS_DIR. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one file; returns 1 when it could not be read. */
static int replay_file(const char *path) {
    uint8_t *buf = NULL;
    size_t len = 0;
    error err;
    error_clear(&err);
    if (file_read_all(&buf, &len, path, &err) != 0) {
        fprintf(stderr, "replay: %s\n", err.text);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv) {
    int failed = 0, files = 0;
#ifdef FUZZ_CORPUS_DIR
    char *deflt[] = {argv[0], FUZZ_CORPUS_DIR, NULL};
    if (argc < 2) {
        argc = 2;
        argv = deflt;
    }
#endif
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            while (d != NULL && (e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                failed += replay_file(path);
                files++;
            }
            if (d != NULL)
                closedir(d);
        } else {
            failed += replay_file(argv[i]);
            files++;
        }
    }
    printf("replay: %d inputs, %d unreadable\n", files, failed);
    return failed > 0 || files == 0 ? 1 : 0;
}
