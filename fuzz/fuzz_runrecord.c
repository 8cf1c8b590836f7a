/* Fuzz target for the trial record reader (measure/runrecord): any bytes,
 * parsed as JSON, go through runrecord_from_json, the validation every
 * record read by the analysis passes. It must refuse with a message naming
 * the field, or give a record that keeps the documented invariants (counts
 * known or RUNRECORD_UNKNOWN, never negative; stored <= published <=
 * requested; CPU finite and not negative), and that record written back as
 * JSON (runrecord_to_json, what the runner writes) must read again and give
 * the same JSON: the writer and the reader agree. Built with libFuzzer
 * (cmake -DFUZZ=ON, clang), or with fuzz/replay.c, which replays
 * fuzz/corpus-runrecord under ctest. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "runrecord.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fail_if(bad)                                                                     \
    do {                                                                                 \
        if (bad) {                                                                       \
            fprintf(stderr, "fuzz_runrecord.c:%d: check failed: %s\n", __LINE__, #bad);  \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static int count_ok(int64_t v) {
    return v == RUNRECORD_UNKNOWN || v >= 0;
}

static int cpu_ok(double v) {
    return isnan(v) || (isfinite(v) && v >= 0);
}

static void check_record(const runrecord *r) {
    fail_if(!count_ok(r->events.requested) || !count_ok(r->events.published) ||
            !count_ok(r->events.stored) || !count_ok(r->events.dropped) ||
            !count_ok(r->events.rows));
    if (r->events.stored != RUNRECORD_UNKNOWN && r->events.published != RUNRECORD_UNKNOWN)
        fail_if(r->events.stored > r->events.published);
    if (r->events.published != RUNRECORD_UNKNOWN &&
        r->events.requested != RUNRECORD_UNKNOWN)
        fail_if(r->events.published > r->events.requested);
    fail_if(r->nprocs < 0 || r->nprocs > RUNRECORD_MAX_PROCS);
    fail_if(!cpu_ok(r->cpu.total_s) || !cpu_ok(r->cpu.measured_s) ||
            !cpu_ok(r->cpu.nats_server_s));
    for (int i = 0; i < r->nprocs; i++)
        fail_if(!cpu_ok(r->procs[i].cpu_s) || !cpu_ok(r->procs[i].user_s) ||
                !cpu_ok(r->procs[i].sys_s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (j == NULL)
        return 0;
    runrecord *r = NULL, *again = NULL;
    error err;
    error_clear(&err);
    if (runrecord_from_json(&r, j, "fuzz.json", &err) != 0) {
        fail_if(r != NULL || err.kind != ERR_INPUT || err.text[0] == '\0');
        json_decref(j);
        return 0;
    }
    check_record(r);
    /* What the writer makes of it reads back to the same record. */
    json_t *back = runrecord_to_json(r);
    fail_if(back == NULL);
    error_clear(&err);
    if (runrecord_from_json(&again, back, "fuzz-again.json", &err) != 0) {
        fprintf(stderr, "written record refused: %s\n", err.text);
        abort();
    }
    json_t *back2 = runrecord_to_json(again);
    fail_if(back2 == NULL || !json_equal(back, back2));
    json_decref(back2);
    json_decref(back);
    runrecord_free(again);
    runrecord_free(r);
    json_decref(j);
    return 0;
}
