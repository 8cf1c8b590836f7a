/* Fuzz target for the analysis input: a run directory's run.json, trial
 * records and profiles, packed into one buffer, analysed as `overhead
 * analyze` does. Any input must either give an analysis object or fail with
 * a message; never crash, leak, hang or overflow (ASan/UBSan).
 *
 * Input format: files one after another, each introduced by a line
 *   "%%% NAME\n"
 * where NAME is run.json or trial-*.json / trial-*.prof (other names, and
 * bytes before the first header, are ignored). The files are written into a
 * fresh temporary directory for each input. fuzz/pack-run.sh packs a real
 * run directory into this form for the seeds.
 *
 * This targets the analysis' own loading (analysis_run on a directory); a
 * typed run-record reader (measure/runrecord) did not exist on main when
 * this was written. Built with libFuzzer (cmake -DFUZZ=ON, clang), or with
 * fuzz/replay.c, which replays fuzz/corpus-analysis under ctest. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "analysis.h"

#ifndef FUZZ_DATA_DIR
#define FUZZ_DATA_DIR "report/data"
#endif

#define HEADER "%%% "

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int name_ok(const char *s, size_t n) {
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '.' || s[i] == '_'))
            return 0;
    return (n == 8 && memcmp(s, "run.json", 8) == 0) ||
           (n > 6 && memcmp(s, "trial-", 6) == 0 && s[6] != '.');
}

/* Remove every file of the flat directory 'dir' (not the directory). */
static void clear_dir(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
}

/* Write the files packed in data[0..size) into 'dir'. */
static void unpack(const char *dir, const uint8_t *data, size_t size) {
    const char *p = (const char *)data, *end = p + size;
    const size_t hl = strlen(HEADER);
    p = memmem(p, (size_t)(end - p), HEADER, hl);
    while (p != NULL) {
        const char *name = p + hl;
        const char *nl = memchr(name, '\n', (size_t)(end - name));
        if (nl == NULL)
            break;
        const char *body = nl + 1;
        const char *next = memmem(body, (size_t)(end - body), "\n" HEADER, hl + 1);
        const char *stop = next ? next : end;
        if (name_ok(name, (size_t)(nl - name))) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%.*s", dir, (int)(nl - name), name);
            FILE *f = fopen(path, "wb");
            if (f != NULL) {
                fwrite(body, 1, (size_t)(stop - body), f);
                fclose(f);
            }
        }
        p = next ? next + 1 : NULL;
    }
}

static char dir[64];

static void remove_dir(void) {
    clear_dir(dir);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "/tmp/fuzz-analysis-XXXXXX");
        if (mkdtemp(dir) == NULL)
            abort();
        atexit(remove_dir);
    }
    clear_dir(dir);
    unpack(dir, data, size);
    analysis_options o;
    analysis_defaults(&o);
    o.categories = FUZZ_DATA_DIR "/categories.tsv";
    o.functions = FUZZ_DATA_DIR "/functions.tsv";
    o.bootstrap_iters = 200; /* speed: the statistics are not under test here */
    o.sprint = "fuzz";
    o.reproduce = "make report";
    error err;
    error_clear(&err);
    json_t *out = NULL;
    const char *dirs[] = {dir};
    int rc = analysis_run(&out, dirs, 1, &o, &err);
    if (rc == 0) {
        if (!json_is_object(out) || err.kind != ERR_NONE)
            abort();
        /* The result must serialise (valid UTF-8, finite numbers). */
        char *text = json_dumps(out, 0);
        if (text == NULL)
            abort();
        free(text);
    } else if (out != NULL || err.kind == ERR_NONE || err.text[0] == '\0') {
        abort();
    }
    json_decref(out);
    return 0;
}
