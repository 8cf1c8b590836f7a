/* Unit tests of attribution (attrib) and the recommendation rules
 * (recrules) on synthetic profiles: aggregates built by hand with named
 * functions, so that every number below can be worked out on paper. */
#include "analysis.h"
#include "attrib.h"
#include "categories.h"
#include "check.h"
#include "recrules.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 32
#define MAXS 64

/* An aggregate made by hand: functions, and stacks given leaf first. */
typedef struct synth {
    aggregate a;
    aggregate_fn fns[MAXF];
    aggregate_stack stacks[MAXS];
    uint32_t frames[MAXS * 8];
    size_t nframes;
} synth;

static const char *module_of(const char *name) {
    if (strncmp(name, "sqlite3", 7) == 0)
        return "libsqlite3.so.0";
    if (strncmp(name, "json_", 5) == 0)
        return "libjansson.so.4";
    if (strncmp(name, "nats", 4) == 0)
        return "libnats.so.3.4";
    if (strncmp(name, "libc.so.6+", 10) == 0 || strncmp(name, "pthread", 7) == 0 ||
        strncmp(name, "__", 2) == 0 || strcmp(name, "malloc") == 0 ||
        strcmp(name, "memmove") == 0)
        return "libc.so.6";
    return "chat_nats";
}

static uint32_t synth_fn(synth *s, const char *name) {
    for (uint32_t i = 0; i < s->a.nfns; i++)
        if (strcmp(s->fns[i].name, name) == 0)
            return i;
    aggregate_fn *f = &s->fns[s->a.nfns];
    *f = (aggregate_fn){.name = name, .module = module_of(name)};
    /* "libc.so.6+0x..." names are what symbols gives a function no symbol
     * contains */
    f->named = strchr(name, '+') == NULL;
    return (uint32_t)s->a.nfns++;
}

/* Add 'count' samples of the stack of frame names (leaf first, NULL-ended). */
static void synth_stack(synth *s, uint64_t count, ...) {
    va_list ap;
    va_start(ap, count);
    aggregate_stack *st = &s->stacks[s->a.nstacks++];
    *st = (aggregate_stack){.count = count, .first = s->nframes};
    for (const char *n; (n = va_arg(ap, const char *)) != NULL;) {
        uint32_t fi = synth_fn(s, n);
        s->frames[s->nframes++] = fi;
        if (st->depth == 0)
            s->fns[fi].flat += count;
        s->fns[fi].cum += count;
        st->depth++;
    }
    va_end(ap);
    s->a.samples += count;
}

static categories *cats;

static void synth_init(synth *s) {
    memset(s, 0, sizeof *s);
    s->a.fns = s->fns;
    s->a.stacks = s->stacks;
    s->a.frames = s->frames;
}

/* Categorize as the analysis does (aggregate_categorize: each function's
 * category, caller_cost and charged); the per-category totals it also makes
 * are not needed here and are freed at once. */
static void synth_done(synth *s) {
    error err;
    error_clear(&err);
    CHECK_MSG(aggregate_categorize(&s->a, cats, &err) == 0, "%s", err.text);
    free(s->a.categories);
    s->a.categories = NULL;
    s->a.ncategories = 0;
}

static long cat(const char *name) {
    long k = attrib_cat_index(name);
    CHECK_MSG(k >= 0, "category %s", name);
    return k;
}

#define NT 5
#define CHECK_NEAR_US(a, b, tol)                                                         \
    CHECK_MSG(fabs((a) - (b)) <= (tol), "%s = %.9g, expected %.9g", #a, (double)(a),     \
              (double)(b))
static synth sd[NT], sbot[NT], ssvc[NT];
static attrib_trial td[NT], tn[NT];

/* Direct: one process, 1 s of CPU sampled at 250 Hz, 100 SQLite samples.
 * NATS: the service does identical SQLite work (100 samples at 250 Hz = 0.4 s
 * of CPU) while the bot, a multi-threaded process, loses ticks: 180 samples
 * for 1.2 s (150 Hz). Trial i varies by a sample or two. */
static void build_rates(void) {
    for (int i = 0; i < NT; i++) {
        synth_init(&sd[i]);
        synth_stack(&sd[i], 100 + (uint64_t)(i % 3), "sqlite3VdbeExec", "sqlite3_step",
                    "log_chat", "main", NULL);
        synth_stack(&sd[i], 150 - (uint64_t)(i % 3), "make_event", "main", NULL);
        synth_done(&sd[i]);
        synth_init(&sbot[i]);
        synth_stack(&sbot[i], 90 + (uint64_t)(i % 2), "json_dumpb", "publish_event",
                    "main", NULL);
        synth_stack(&sbot[i], 90, "natsConnection_Publish", "publish_event", "main",
                    NULL);
        synth_done(&sbot[i]);
        synth_init(&ssvc[i]);
        synth_stack(&ssvc[i], 100 + (uint64_t)((i + 1) % 3), "sqlite3VdbeExec",
                    "sqlite3_step", "log_chat", "on_msg", NULL);
        synth_stack(&ssvc[i], 150, "json_loads", "on_msg", NULL);
        synth_done(&ssvc[i]);
        td[i] = (attrib_trial){.index = i + 1, .events = 10000, .nprocs = 1};
        td[i].procs[0] = (attrib_proc){"direct", 1.0, &sd[i].a, -1, NULL, 0};
        tn[i] = (attrib_trial){.index = i + 1, .events = 10000, .nprocs = 3};
        tn[i].procs[0] = (attrib_proc){"bot", 1.2, &sbot[i].a, -1, NULL, 0};
        tn[i].procs[1] = (attrib_proc){"service", 1.0, &ssvc[i].a, -1, NULL, 0};
        tn[i].procs[2] = (attrib_proc){"nats-server", 0.1, NULL, cat("broker process"), NULL, 0};
    }
}

static void test_sampling_rates(void) {
    build_rates();
    attrib_result r;
    CHECK_EQ_INT(attrib_compare(td, NT, tn, NT, 140, &r), 0);
    const attrib_row *sql = &r.rows[cat("SQLite")];
    CHECK_MSG(sql->ok && !sql->significant && sql->delta.lo < 0 && sql->delta.hi > 0,
              "SQLite %g us (%g to %g) should show no significant change", sql->delta.est,
              sql->delta.lo, sql->delta.hi);
    CHECK(fabs(sql->delta.est) < 1); /* 40 us either side */
    CHECK_NEAR_US(sql->direct_us, 40.4, 0.5);
    /* pooled over the NATS processes (the old method) the unsampled bot CPU
     * would have been spread over SQLite too: 2.2 s for 430 samples */
    double pooled = 101.0 / 430 * 2.2 / 10000 * 1e6;
    CHECK(pooled - sql->direct_us > 10);
    /* the broker's CPU is its own row; JSON and NATS client appear */
    CHECK_NEAR_US(r.rows[cat("broker process")].nats_us, 10, 1e-9);
    CHECK(r.rows[cat("JSON serialization")].significant);
    CHECK(r.rows[cat("NATS client")].significant);
    /* the total is the trials' measured CPU: 100 us against 230 us */
    CHECK_NEAR_US(r.total.direct_us, 100, 1e-9);
    CHECK_NEAR_US(r.total.nats_us, 230, 1e-9);
    CHECK_NEAR_US(r.residual_us, 130 - 140, 1e-9);
    CHECK_EQ_INT(r.residual_large, 0); /* 10 of 140: within 10% */
}

static void test_residual(void) {
    build_rates();
    attrib_result r;
    /* the measured (unprofiled) overhead is 100 us: the profiled total says 130 */
    CHECK_EQ_INT(attrib_compare(td, NT, tn, NT, 100, &r), 0);
    CHECK_NEAR_US(r.residual_us, 30, 1e-9);
    CHECK_EQ_INT(r.residual_large, 1);
    CHECK_EQ_INT(attrib_compare(td, 0, tn, NT, 100, &r), -1);
    /* one trial a side: values, but no interval */
    CHECK_EQ_INT(attrib_compare(td, 1, tn, 1, 130, &r), 0);
    CHECK_EQ_INT(r.total.ok, 0);
    CHECK_EQ_INT(r.rows[cat("SQLite")].significant, 0);
}

static void test_unattributed(void) {
    synth s;
    synth_init(&s);
    /* an anonymous libc helper under SQLite: unattributed, not SQLite */
    synth_stack(&s, 30, "libc.so.6+0xfcf40", "sqlite3OsLock", "sqlite3_step", NULL);
    synth_stack(&s, 70, "sqlite3VdbeExec", "sqlite3_step", NULL);
    synth_done(&s);
    attrib_trial t = {.index = 1, .events = 1000, .nprocs = 2};
    t.procs[0] = (attrib_proc){"direct", 0.5, &s.a, -1, NULL, 0};
    t.procs[1] = (attrib_proc){"direct", 0.25, NULL, -1, NULL, 0}; /* CPU, no profile */
    double us[ATTRIB_MAX_CATS];
    attrib_trial_us(&t, us);
    CHECK_NEAR_US(us[cat("SQLite")], 350, 1e-9);
    CHECK_NEAR_US(us[cat("unattributed")], 150 + 250, 1e-9);
    CHECK_EQ_STR(attrib_fn_category(&s.fns[0]), "unattributed");
    CHECK_NEAR_US(attrib_trial_fn_us(&t, "libsqlite3.so.0", "sqlite3VdbeExec"), 350,
                  1e-9);
    /* 41 samples in 0.108 s cannot come from a 250 Hz timer; 27 can */
    CHECK_EQ_INT(attrib_samples_exceed(41, 0.108, 250), 1);
    CHECK_EQ_INT(attrib_samples_exceed(27, 0.108, 250), 0);
    CHECK_EQ_INT(attrib_samples_exceed(31, 0.108, 250), 0);   /* within 10% + 2 */
    CHECK_EQ_INT(attrib_samples_exceed(517, 2.0607, 250), 0); /* a 0.4% excess */
}

/* Microseconds per event of category 'name' in the one-process trial of 's'
 * (1 s of CPU over 1000 events: 1 sample = 1000 us / samples). */
static double cat_us(synth *s, const char *name) {
    attrib_trial t = {.index = 1, .events = 1000, .nprocs = 1};
    t.procs[0] = (attrib_proc){"bot", 1.0, &s->a, -1, NULL, 0};
    double us[ATTRIB_MAX_CATS];
    attrib_trial_us(&t, us);
    return us[cat(name)];
}

/* The category of function 'name' as its hotspot row shows it. */
static const char *hot_cat(synth *s, const char *name) {
    return attrib_fn_category(&s->fns[synth_fn(s, name)]);
}

/* A hotspot and its breakdown row agree on category: both come from
 * aggregate_stack_category. */
static void test_hotspot_agrees(void) {
    synth s;
    /* libc's memmove ("(caller)" rule) called by jansson is JSON */
    synth_init(&s);
    synth_stack(&s, 60, "memmove", "json_dumpb", "publish_event", "main", NULL);
    synth_stack(&s, 40, "json_dumpb", "publish_event", "main", NULL);
    synth_done(&s);
    CHECK_EQ_STR(hot_cat(&s, "memmove"), "JSON serialization");
    CHECK_NEAR_US(cat_us(&s, "JSON serialization"), 1000, 1e-9);
    CHECK_NEAR_US(cat_us(&s, "other"), 0, 1e-9);
    /* an unnamed frame of the application is unattributed on both sides,
     * though jansson called it */
    synth_init(&s);
    synth_stack(&s, 30, "chat_nats+0x1a40", "json_dumpb", "main", NULL);
    synth_stack(&s, 70, "json_dumpb", "main", NULL);
    synth_done(&s);
    CHECK_EQ_STR(hot_cat(&s, "chat_nats+0x1a40"), "unattributed");
    CHECK_NEAR_US(cat_us(&s, "unattributed"), 300, 1e-9);
    CHECK_NEAR_US(cat_us(&s, "JSON serialization"), 700, 1e-9);
    /* memmove called by the application's own code is the application's
     * ("other"): the caller rule does not walk past it to the NATS client */
    synth_init(&s);
    synth_stack(&s, 50, "memmove", "on_msg", "natsSub_deliverMsgs", NULL);
    synth_stack(&s, 50, "natsSub_deliverMsgs", NULL);
    synth_done(&s);
    CHECK_EQ_STR(hot_cat(&s, "memmove"), "other");
    CHECK_NEAR_US(cat_us(&s, "other"), 500, 1e-9);
    CHECK_NEAR_US(cat_us(&s, "NATS client"), 500, 1e-9);
    /* called from both, a hotspot shows where most of its samples go; the
     * breakdown splits them: memmove under an anonymous application frame is
     * unattributed, not JSON */
    synth_init(&s);
    synth_stack(&s, 60, "memmove", "json_dumpb", "main", NULL);
    synth_stack(&s, 20, "memmove", "__memcpy_chk", "chat_nats+0x1a40", "json_dumpb",
                NULL);
    synth_stack(&s, 20, "malloc", "main", NULL);
    synth_done(&s);
    CHECK_EQ_STR(hot_cat(&s, "memmove"), "JSON serialization");
    CHECK_NEAR_US(cat_us(&s, "JSON serialization"), 600, 1e-9);
    CHECK_NEAR_US(cat_us(&s, "unattributed"), 200, 1e-9);
    CHECK_NEAR_US(cat_us(&s, "memory allocation"), 200, 1e-9);
}

/* ---- recommendation rules: each fires on its pattern and not without --- */

static synth rd[NT], rn[NT];
static attrib_trial rtd[NT], rtn[NT];

typedef void (*pattern_fn)(synth *s, int i);

/* Direct and NATS trials that share a base; 'pattern' adds the NATS side's
 * extra work (or, for the control, the same CPU without the pattern). */
static void build_rule_case(pattern_fn nats_extra, pattern_fn direct_extra) {
    for (int i = 0; i < NT; i++) {
        synth_init(&rd[i]);
        synth_stack(&rd[i], 200 + (uint64_t)i, "sqlite3VdbeExec", "sqlite3_step",
                    "log_chat", "main", NULL);
        if (direct_extra)
            direct_extra(&rd[i], i);
        synth_done(&rd[i]);
        synth_init(&rn[i]);
        synth_stack(&rn[i], 200 + (uint64_t)((i + 2) % NT), "sqlite3VdbeExec",
                    "sqlite3_step", "log_chat", "on_msg", NULL);
        synth_stack(&rn[i], 100 + (uint64_t)(i % 2), "natsConnection_Publish",
                    "publish_event", "main", NULL);
        nats_extra(&rn[i], i);
        synth_done(&rn[i]);
        rtd[i] = (attrib_trial){.index = i + 1, .events = 1000, .nprocs = 1};
        rtd[i].procs[0] =
            (attrib_proc){"direct", (double)rd[i].a.samples / 250, &rd[i].a, -1, NULL, 0};
        rtn[i] = (attrib_trial){.index = i + 1, .events = 1000, .nprocs = 1};
        rtn[i].procs[0] =
            (attrib_proc){"service", (double)rn[i].a.samples / 250, &rn[i].a, -1, NULL, 0};
    }
}

static const recrule_result *eval_rule(const char *id) {
    static recrule_result res[RECRULES_MAX];
    size_t n = 0;
    double ov_d = 0, ov_n = 0;
    for (int i = 0; i < NT; i++) {
        ov_d += rtd[i].procs[0].cpu_s / NT / 1000 * 1e6;
        ov_n += rtn[i].procs[0].cpu_s / NT / 1000 * 1e6;
    }
    CHECK_EQ_INT(recrules_evaluate(rtd, NT, rtn, NT, ov_n - ov_d, res, &n), 0);
    for (size_t k = 0; k < n; k++)
        if (strcmp(res[k].rule->id, id) == 0)
            return &res[k];
    CHECK_MSG(0, "no rule %s", id);
    return &res[0];
}

static void p_handoff(synth *s, int i) {
    synth_stack(s, 120 + (uint64_t)i, "__futex_abstimed_wait_common",
                "pthread_cond_signal", "natsGC_collect", "natsMsg_Destroy", "on_msg",
                NULL);
}
static void p_free_only(synth *s, int i) {
    synth_stack(s, 120 + (uint64_t)i, "malloc", "natsMsg_Destroy", "on_msg", NULL);
}
static void p_flush(synth *s, int i) {
    synth_stack(s, 60 + (uint64_t)i, "__libc_send", "natsConnection_FlushTimeout",
                "natsConnection_Flush", "publish_event", NULL);
}
static void p_publish_more(synth *s, int i) {
    synth_stack(s, 60 + (uint64_t)i, "__libc_send", "natsConnection_Publish",
                "publish_event", NULL);
}
static void p_prepare(synth *s, int i) {
    synth_stack(s, 60 + (uint64_t)i, "sqlite3RunParser", "sqlite3_prepare_v2", "log_chat",
                "on_msg", NULL);
}
static void p_prepare_direct(synth *s, int i) {
    synth_stack(s, 60 + (uint64_t)((i + 1) % NT), "sqlite3RunParser",
                "sqlite3_prepare_v2", "log_chat", "main", NULL);
}
static void p_encode_twice(synth *s, int i) {
    synth_stack(s, 40 + (uint64_t)i, "json_dumpb", "publish_event", "main", NULL);
    synth_stack(s, 40, "libjansson.so.4+0x3a10", "json_dumps", "log_event", "main", NULL);
}
static void p_encode_once(synth *s, int i) {
    synth_stack(s, 80 + (uint64_t)i, "json_dumpb", "publish_event", "main", NULL);
}
static void p_copies(synth *s, int i) {
    synth_stack(s, 50 + (uint64_t)i, "__memmove_avx_unaligned_erms", "natsBuf_Append",
                "publish_event", NULL);
}
static void p_no_copies(synth *s, int i) {
    synth_stack(s, 50 + (uint64_t)i, "natsBuf_Append", "publish_event", NULL);
}

static void test_rules(void) {
    static const struct {
        const char *id;
        pattern_fn with, without, direct;
    } cases[] = {
        {"handoff", p_handoff, p_free_only, NULL},
        {"round_trip", p_flush, p_publish_more, NULL},
        {"prepare", p_prepare, p_prepare, p_prepare_direct},
        {"encode_twice", p_encode_twice, p_encode_once, NULL},
        {"copies", p_copies, p_no_copies, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* "prepare": with the pattern only on the NATS side it fires; when
         * direct prepares as much, the bus adds none and it must not */
        build_rule_case(cases[c].with, NULL);
        const recrule_result *r = eval_rule(cases[c].id);
        CHECK_MSG(r->fired, "rule %s did not fire on its pattern (share %.3f, lo %g)",
                  cases[c].id, r->share, r->delta.lo);
        build_rule_case(cases[c].without, cases[c].direct);
        r = eval_rule(cases[c].id);
        CHECK_MSG(!r->fired, "rule %s fired without its pattern (share %.3f)",
                  cases[c].id, r->share);
    }
    build_rule_case(p_encode_twice, NULL);
    const recrule_result *r = eval_rule("encode_twice");
    CHECK_EQ_INT(r->ncallers, 2);
    CHECK(strstr(r->callers, "publish_event") && strstr(r->callers, "log_event"));
}

/* Controls where one condition alone decides (issue 20, item 2): the
 * pattern present on the NATS side but not significant (one trial in five
 * carries it: its Welch interval holds 0 while its share is far above the
 * threshold), and significant but below its share (a steady few samples
 * beside a large overhead elsewhere). */
static void p_flush_sporadic(synth *s, int i) {
    if (i == NT - 1)
        synth_stack(s, 400, "__libc_send", "natsConnection_FlushTimeout",
                    "natsConnection_Flush", "publish_event", NULL);
}
static void p_flush_small(synth *s, int i) {
    synth_stack(s, 10 + (uint64_t)i % 2, "__libc_send", "natsConnection_FlushTimeout",
                "natsConnection_Flush", "publish_event", NULL);
    synth_stack(s, 2000 + (uint64_t)i, "natsConnection_Publish", "publish_event", "main",
                NULL);
}

static void test_rule_controls(void) {
    build_rule_case(p_flush_sporadic, NULL);
    const recrule_result *r = eval_rule("round_trip");
    CHECK_MSG(r->ok && r->delta.lo <= 0 && r->share >= r->rule->min_share,
              "control not as built: lo %g, share %.3f", r->delta.lo, r->share);
    CHECK_MSG(!r->fired, "round_trip fired on a pattern that is not significant (lo %g)",
              r->delta.lo);
    build_rule_case(p_flush_small, NULL);
    r = eval_rule("round_trip");
    CHECK_MSG(r->ok && r->delta.lo > 0 && r->share < r->rule->min_share,
              "control not as built: lo %g, share %.3f", r->delta.lo, r->share);
    CHECK_MSG(!r->fired, "round_trip fired below its share (%.3f < %.3f)", r->share,
              r->rule->min_share);
}

/* Sizing from the trials so far: the fixture's main run has 2 + 2
 * unprofiled trials with a spread of several percent. */
static void test_sizing(void) {
    analysis_options o;
    analysis_defaults(&o);
    error err;
    error_clear(&err);
    const char *dirs[] = {OVERHEAD_FIXTURE_DIR "/main"};
    analysis_sizing s3, s30;
    CHECK_MSG(analysis_size(&s3, dirs, 1, 3, &o, &err) == 0, "%s", err.text);
    CHECK_MSG(analysis_size(&s30, dirs, 1, 30, &o, &err) == 0, "%s", err.text);
    CHECK_EQ_INT(s3.have, 2);
    CHECK(s3.half_pct > 3);
    CHECK(s3.needed > s30.needed);
    CHECK(s30.needed >= 4); /* a 95% rank interval needs 4 a side */
    const char *none[] = {"/nonexistent/run"};
    CHECK(analysis_size(&s3, none, 1, 3, &o, &err) != 0 && err.kind == ERR_INPUT);
}

/* The optimization hook: measured variants reach the recommendation, which
 * says when there are none. */
static void test_variants_hook(void) {
    analysis_options o;
    analysis_defaults(&o);
    o.categories = OVERHEAD_CATEGORIES_FILE;
    error err;
    error_clear(&err);
    const char *dirs[] = {OVERHEAD_FIXTURE_DIR "/main"};
    json_t *a = NULL;
    CHECK_MSG(analysis_run(&a, dirs, 1, &o, &err) == 0, "%s", err.text);
    const char *t = json_string_value(
        json_object_get(json_object_get(a, "recommendation"), "optimization_text"));
    CHECK(t != NULL && strstr(t, "No optimization variants were measured") != NULL);
    json_decref(a);
    o.optimization = json_pack("{s:[{s:s, s:s, s:f, s:f, s:f}, {s:s, s:f, s:f, s:f}]}",
                               "variants", "name", "batch-destroy", "what",
                               "destroy received messages in groups of 64", "saving_us",
                               8.6, "ci_lo_us", 7.9, "ci_hi_us", 9.3, "name", "no-op",
                               "saving_us", 0.1, "ci_lo_us", -0.4, "ci_hi_us", 0.6);
    CHECK_MSG(analysis_run(&a, dirs, 1, &o, &err) == 0, "%s", err.text);
    json_t *r = json_object_get(a, "recommendation");
    t = json_string_value(json_object_get(r, "optimization_text"));
    CHECK_MSG(t != NULL && strstr(t, "2 optimization variants were measured") &&
                  strstr(t, "one saves CPU significantly") && strstr(t, "8.60"),
              "optimization_text: %s", t ? t : "(none)");
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "variants_significant")), 1);
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "actions"), i, v) {
        found += strstr(json_string_value(v), "batch-destroy") != NULL;
    }
    CHECK_EQ_INT(found, 1);
    /* the decision block: the significant variant only, with its interval */
    json_t *top = json_object_get(r, "top_actions");
    CHECK_EQ_INT((long long)json_array_size(top), 1);
    const char *tt = json_string_value(json_object_get(json_array_get(top, 0), "text"));
    CHECK(tt != NULL && strncmp(tt, "batch-destroy: ", 15) == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(top, 0), "ci_lo_us")),
                 "7.90") == 0);
    CHECK(json_object_get(a, "optimization") != NULL);
    json_decref(a);
    json_decref(o.optimization);
}

/* Per-thread scaling: each known thread's stacks get the CPU the kernel
 * measured for that thread; stacks of no known thread keep their raw share;
 * a thread with CPU and no sample is unattributed. Recomputed by hand: 100
 * samples, 1 s over 1000 events, delivery 0.7 s, collector 0.3 s. */
static void test_threads(void) {
    static synth s;
    synth_init(&s);
    synth_stack(&s, 80, "sqlite3VdbeExec", "sqlite3_step", "natsSub_deliverMsgs",
                "wl_trampoline", "start_thread", "clone3", NULL);
    synth_stack(&s, 10, "__futex_abstimed_wait_common", "libnats.so.3.4.1+0x37140",
                "libnats.so.3.4.1+0x377f0", "wl_trampoline", "start_thread", "clone3",
                NULL);
    synth_stack(&s, 10, "sqlite3VdbeExec", NULL); /* truncated: no thread */
    synth_done(&s);
    attrib_thread th[3] = {{"natsSub_deliverMsgs", 0.7},
                           {"libnats.so.3.4.1+0x37140", 0.3},
                           {"main", 0}};
    attrib_thread_share sh[3];
    double scale[3], unsampled = -1;
    CHECK(attrib_thread_shares(&s.a, th, 3, sh, scale, &unsampled) == 0);
    CHECK_EQ_INT((int)sh[0].samples, 80);
    CHECK_EQ_INT((int)sh[1].samples, 10);
    CHECK_NEAR_US(sh[0].sampled_share, 80.0 / 90, 1e-12);
    CHECK_NEAR_US(sh[1].kernel_share, 0.3, 1e-12);
    CHECK_NEAR_US(scale[0], 0.9 * 0.7 / 0.8, 1e-12);
    CHECK_NEAR_US(scale[1], 0.9 * 0.3 / 0.1, 1e-12);
    CHECK_NEAR_US(scale[2], 1, 1e-12);
    CHECK_NEAR_US(unsampled, 0, 1e-12);
    attrib_trial t = {.index = 1, .events = 1000, .nprocs = 1};
    t.procs[0] = (attrib_proc){"service", 1.0, &s.a, -1, scale, 0};
    double us[ATTRIB_MAX_CATS];
    attrib_trial_us(&t, us);
    CHECK_NEAR_US(us[cat("SQLite")], 630 + 100, 1e-9);
    CHECK_NEAR_US(us[cat("thread hand-off / event loop")], 270, 1e-9);
    /* A thread with CPU that no stack ran on: its part is unattributed. */
    th[2].cpu_s = 0.25; /* 0.7 + 0.3 + 0.25 = 1.25 s: main is 20% */
    CHECK(attrib_thread_shares(&s.a, th, 3, sh, scale, &unsampled) == 0);
    CHECK_NEAR_US(unsampled, 0.9 * 0.2, 1e-12);
    t.procs[0].unsampled = unsampled;
    attrib_trial_us(&t, us);
    double total = 0;
    for (size_t k = 0; k < attrib_ncats(); k++)
        total += us[k];
    CHECK_NEAR_US(total, 1000, 1e-9);
    CHECK_NEAR_US(us[cat("unattributed")], 180, 1e-9);
}

int main(void) {
    error err;
    error_clear(&err);
    CHECK_MSG(categories_load(&cats, OVERHEAD_CATEGORIES_FILE, &err) == 0, "%s",
              err.text);
    test_sampling_rates();
    test_residual();
    test_unattributed();
    test_hotspot_agrees();
    test_rules();
    test_rule_controls();
    test_sizing();
    test_variants_hook();
    test_threads();
    categories_free(cats);
    return check_status();
}
