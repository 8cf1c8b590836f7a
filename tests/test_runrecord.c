/* runrecord: the run record's owner. A round trip (read, write, read back:
 * the same record), every fixture the analysis golden test uses passes
 * validation, the sample-plausibility flag, then one refusal per case under
 * data/runrecord/invalid/<case>/ (record.json or run.json, and the text the
 * error must contain, in jansson's style), and the same run directory given
 * twice.
 *   test_runrecord DATA_DIR (tests/data) */
#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runrecord.h"

static const char *data;

static void test_round_trip(void) {
    char path[4096], tmp[] = "/tmp/test_runrecord_XXXXXX";
    runrecord *a = NULL, *b = NULL;
    error err;
    error_clear(&err);
    snprintf(path, sizeof path, "%s/runrecord/valid/record.json", data);
    CHECK_MSG(runrecord_read(&a, path, &err) == 0, "%s", err.text);
    if (a == NULL)
        return;
    CHECK(strcmp(a->arch, "nats-2p") == 0);
    CHECK_EQ_INT(a->nprocs, 3);
    CHECK(a->events.stored == a->events.requested);
    CHECK(a->cpu.total_s > 0);
    CHECK(mkdtemp(tmp) != NULL);
    snprintf(path, sizeof path, "%s/record.json", tmp);
    CHECK_MSG(runrecord_write(a, path, &err) == 0, "%s", err.text);
    CHECK_MSG(runrecord_read(&b, path, &err) == 0, "%s", err.text);
    if (b != NULL) {
        json_t *ja = runrecord_to_json(a), *jb = runrecord_to_json(b);
        CHECK(ja != NULL && json_equal(ja, jb));
        json_decref(ja);
        json_decref(jb);
    }
    /* The written file matches the original on every field the reader types. */
    snprintf(path, sizeof path, "%s/runrecord/valid/record.json", data);
    json_t *orig = json_load_file(path, 0, NULL), *mine = runrecord_to_json(a);
    const char *keys[] = {"events", "cpu", "sampling", "rate", "db", "cluster"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK_MSG(
            json_equal(json_object_get(orig, keys[i]), json_object_get(mine, keys[i])),
            "field %s differs after the round trip", keys[i]);
    CHECK(json_equal(json_object_get(orig, "processes"),
                     json_object_get(mine, "processes")));
    json_decref(orig);
    json_decref(mine);
    snprintf(path, sizeof path, "%s/record.json", tmp);
    unlink(path);
    rmdir(tmp);
    runrecord_free(a);
    runrecord_free(b);
}

/* Every record of the analysis fixtures (written by the runner) is valid. */
static void test_fixtures(void) {
    const char *runs[] = {"main", "aa", "rate", "storage"};
    int n = 0;
    for (size_t i = 0; i < 4; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/analysis/%s", data, runs[i]);
        runrecord_run *run = NULL;
        error err;
        error_clear(&err);
        CHECK_MSG(runrecord_run_read(&run, dir, 1, &err) == 0, "%s", err.text);
        CHECK(run == NULL || run->status == RUNRECORD_OK);
        runrecord_run_free(run);
        DIR *d = opendir(dir);
        CHECK(d != NULL);
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "trial-", 6) != 0 ||
                strstr(e->d_name, ".json") == NULL)
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            runrecord *r = NULL;
            error_clear(&err);
            CHECK_MSG(runrecord_read(&r, path, &err) == 0, "%s", err.text);
            /* The 100 events/s bot wakes on timer ticks: sampled above its CPU
             * share (flagged); the saturated trials are not. */
            if (r != NULL && strcmp(runs[i], "main") == 0)
                CHECK_MSG(!r->samples_flagged, "%s flagged", path);
            if (r != NULL && strstr(path, "rate/trial-03-nats-2p") != NULL)
                CHECK_MSG(r->samples_flagged, "%s not flagged", path);
            runrecord_free(r);
            n++;
        }
        if (d != NULL)
            closedir(d);
    }
    CHECK_EQ_INT(n, 22);
}

/* Read the expected error text of a case. */
static void expected(const char *dir, char *out, size_t size) {
    char path[4600];
    snprintf(path, sizeof path, "%s/error", dir);
    FILE *f = fopen(path, "r");
    out[0] = '\0';
    CHECK_MSG(f != NULL, "%s: missing", path);
    if (f == NULL)
        return;
    if (fgets(out, (int)size, f) == NULL)
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

static void test_invalid(void) {
    char root[4096];
    snprintf(root, sizeof root, "%s/runrecord/invalid", data);
    DIR *d = opendir(root);
    CHECK(d != NULL);
    struct dirent *e;
    int n = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char dir[4400], path[4500], want[512];
        snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
        expected(dir, want, sizeof want);
        snprintf(path, sizeof path, "%s/record.json", dir);
        error err;
        error_clear(&err);
        int rc;
        if (access(path, F_OK) == 0) {
            runrecord *r = NULL;
            rc = runrecord_read(&r, path, &err);
            CHECK(r == NULL);
        } else {
            runrecord_run *r = NULL;
            rc = runrecord_run_read(&r, dir, 1, &err);
            CHECK(r == NULL);
            snprintf(path, sizeof path, "%s/run.json", dir);
        }
        CHECK_MSG(rc == -1, "%s: accepted", e->d_name);
        CHECK_MSG(err.kind == ERR_INPUT, "%s: kind %d", e->d_name, (int)err.kind);
        CHECK_MSG(strstr(err.text, want) != NULL, "%s: '%s' does not say '%s'", e->d_name,
                  err.text, want);
        CHECK_MSG(strstr(err.text, path) != NULL || strstr(err.text, dir) != NULL,
                  "%s: '%s' does not name the file", e->d_name, err.text);
        n++;
    }
    if (d != NULL)
        closedir(d);
    CHECK_MSG(n >= 19, "only %d invalid cases", n);
}

/* A status that is not complete is accepted when completeness is not asked. */
static void test_status_not_required(void) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/runrecord/invalid/status-running", data);
    runrecord_run *r = NULL;
    error err;
    error_clear(&err);
    CHECK_MSG(runrecord_run_read(&r, dir, 0, &err) == 0, "%s", err.text);
    CHECK(r != NULL && r->status == RUNRECORD_RUNNING);
    runrecord_run_free(r);
}

static void test_same_dir_twice(void) {
    char a[4096], b[4200], link[] = "/tmp/test_runrecord_link_XXXXXX";
    snprintf(a, sizeof a, "%s/analysis/main", data);
    snprintf(b, sizeof b, "%s/analysis/../analysis/main/", data);
    const char *two[] = {a, b};
    error err;
    error_clear(&err);
    CHECK_EQ_INT(runrecord_check_dirs(two, 2, &err), -1);
    CHECK_EQ_INT(err.kind, ERR_INPUT);
    CHECK(strstr(err.text, "given twice") != NULL);
    /* Through a symbolic link as well. */
    CHECK(mkdtemp(link) != NULL);
    rmdir(link);
    CHECK(symlink(a, link) == 0);
    const char *linked[] = {a, link};
    error_clear(&err);
    CHECK_EQ_INT(runrecord_check_dirs(linked, 2, &err), -1);
    unlink(link);
    /* Different directories pass. */
    snprintf(b, sizeof b, "%s/analysis/aa", data);
    const char *diff[] = {a, b};
    error_clear(&err);
    CHECK_MSG(runrecord_check_dirs(diff, 2, &err) == 0, "%s", err.text);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_runrecord DATA_DIR\n");
        return 2;
    }
    data = argv[1];
    test_round_trip();
    test_fixtures();
    test_invalid();
    test_status_not_required();
    test_same_dir_twice();
    return check_status();
}
