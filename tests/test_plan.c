/* Unit tests of the measurement plan (report/measure/plan.c): which phases a
 * report's options give and how each is configured. The numbers themselves
 * are the table's to choose; these tests check how they are applied. */
#include "check.h"
#include "plan.h"

#include <stdlib.h>
#include <unistd.h>

static const plan_phase *find(const plan_phase *ph, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(ph[i].name, name) == 0)
            return &ph[i];
    return NULL;
}

static const plan_step *step(plan_when when) {
    for (size_t i = 0; i < plan_nsteps; i++)
        if (plan_steps[i].when == when)
            return &plan_steps[i];
    return NULL;
}

static void test_defaults(void) {
    plan_options o;
    plan_phase ph[PLAN_MAX_PHASES];
    size_t n = 0;
    plan_defaults(&o);
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    /* saturated (with every variant), chat rate, the replica, latency at the
     * chat rate and at half load, A/A, then the sweep without the main
     * storage, then the rate sweep: no separate optimization phase, one
     * baseline */
    CHECK_EQ_INT(n, 6 + o.nsweep + o.nrates);
    CHECK_EQ_STR(ph[0].name, "saturated");
    const runner_config *c = &ph[0].cfg;
    CHECK_EQ_STR(c->archs[0], "direct");
    CHECK_EQ_STR(c->archs[1], o.nats_arch);
    CHECK_EQ_INT(c->narchs, 2);
    CHECK_EQ_STR(c->storages[0], o.storage);
    CHECK_EQ_INT(c->unprofiled, 1);
    CHECK_EQ_INT(c->trials, step(PLAN_ALWAYS)->trials.full);
    CHECK_EQ_INT(c->events, step(PLAN_ALWAYS)->events.full);
    /* every variant beside direct and NATS, in a seeded random order,
     * profiled copies of the baselines only */
    CHECK_EQ_INT(c->nvariants, (int)plan_nvariants);
    CHECK_EQ_STR(c->variants[0], "baseline");
    CHECK_EQ_INT(c->profile_baseline, 1);
    CHECK_EQ_INT(c->no_profiled, 0);
    CHECK_EQ_INT(c->warmup, 1);
    CHECK(c->order_seed > 0);
    const plan_phase *r = find(ph, n, "chat rate");
    CHECK(r != NULL && r->cfg.rate == o.rate && r->cfg.warmup == 0 &&
          r->cfg.events == (int64_t)(o.rate * (double)step(PLAN_IF_RATE)->events.full));
    const plan_phase *aa = find(ph, n, "A/A control");
    CHECK(aa != NULL && aa->cfg.aa == 1 && strcmp(aa->cfg.storages[0], o.storage) == 0);
    for (int i = 0; i < o.nsweep; i++) {
        const plan_phase *s = find(ph, n, o.sweep[i]);
        CHECK_MSG(s != NULL, "no phase for %s", o.sweep[i]);
        if (s != NULL) {
            CHECK_EQ_STR(s->cfg.storages[0], o.sweep[i]);
            CHECK_EQ_INT(s->cfg.events, plan_storage_events(o.sweep[i], 0));
        }
    }
    CHECK(find(ph, n, "cluster") == NULL);
    CHECK(find(ph, n, "optimize") == NULL);
    /* a given seed is kept; none draws a fresh one */
    o.seed = 12345;
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    CHECK_EQ_INT(ph[0].cfg.order_seed, 12345);
    o.seed = 0;
    o.optimize = 0; /* --no-optimize: the saturated rounds without variants */
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    CHECK_EQ_INT(ph[0].cfg.nvariants, 0);
    CHECK_EQ_INT(n, 4 + o.nsweep + o.nrates); /* no latency phases either */
    CHECK(find(ph, n, "latency at half load") == NULL);
    CHECK(find(ph, n, "replica") != NULL);
}

/* The replica: the team's protocol as written, unprofiled, its own rounds;
 * the latency phases: the NATS baseline and every variant at two loads
 * below saturation, kept apart from the CPU comparisons (latency_only). */
static void test_replica_and_latency(void) {
    plan_options o;
    plan_phase ph[PLAN_MAX_PHASES];
    size_t n = 0;
    plan_defaults(&o);
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    const plan_phase *r = find(ph, n, "replica");
    CHECK(r != NULL);
    if (r != NULL) {
        CHECK_EQ_INT(r->cfg.replica, RUNNER_REPLICA_WRITTEN);
        CHECK_EQ_STR(r->cfg.archs[0], "nats");
        CHECK_EQ_INT(r->cfg.narchs, 1);
        CHECK_EQ_INT(r->cfg.events, 500);
        CHECK(r->cfg.rate == 100);
        CHECK_EQ_INT(r->cfg.no_profiled, 1);
        CHECK(r->cfg.trials >= 2); /* an interval */
    }
    const plan_phase *lc = find(ph, n, "latency at chat rate");
    const plan_phase *lh = find(ph, n, "latency at half load");
    CHECK(lc != NULL && lh != NULL);
    if (lc != NULL && lh != NULL) {
        CHECK(lc->cfg.rate == o.rate);
        CHECK_EQ_INT(lc->cfg.latency_only, 1);
        CHECK_EQ_INT(lh->cfg.latency_only, 1);
        CHECK_EQ_INT(lc->cfg.no_profiled, 1);
        CHECK_EQ_STR(lc->cfg.archs[0], o.nats_arch);
        CHECK_EQ_INT(lc->cfg.nvariants, (int)plan_nvariants);
        CHECK_EQ_STR(lc->cfg.variants[0], "baseline");
        CHECK(lh->half_ms > 0 && lh->cfg.events == -1);
        /* the half load from a first run that cannot be read: the fallback */
        plan_phase copy = *lh;
        plan_resolve(&copy, "/nonexistent");
        CHECK(copy.cfg.rate == PLAN_HALF_FALLBACK_RATE);
        CHECK_EQ_INT(copy.cfg.events,
                     (int64_t)(PLAN_HALF_FALLBACK_RATE * (double)lh->half_ms / 1000));
        CHECK_EQ_INT(copy.half_ms, 0);
    }
    o.replica = RUNNER_REPLICA_WRITTEN | RUNNER_REPLICA_STORED;
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    r = find(ph, n, "replica");
    CHECK(r != NULL && r->cfg.replica == (RUNNER_REPLICA_WRITTEN | RUNNER_REPLICA_STORED));
    o.replica = 0; /* --replica none */
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    CHECK(find(ph, n, "replica") == NULL);
    o.replica = RUNNER_REPLICA_WRITTEN;
    o.rate = 0; /* skipped with the chat-rate phase */
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    CHECK(find(ph, n, "replica") == NULL);
    CHECK(find(ph, n, "latency at chat rate") == NULL);
    CHECK(find(ph, n, "latency at half load") != NULL);
}

static void test_quick_and_overrides(void) {
    plan_options o;
    plan_phase full[PLAN_MAX_PHASES], quick[PLAN_MAX_PHASES];
    size_t nf = 0, nq = 0;
    plan_defaults(&o);
    plan_build(full, &nf, &o, NULL);
    o.quick = 1;
    plan_build(quick, &nq, &o, NULL);
    CHECK_EQ_INT(nq + o.nrates, nf); /* no rate sweep unless asked for */
    CHECK_EQ_INT(quick[0].cfg.unprofiled, 1); /* the variants need them */
    CHECK_EQ_INT(quick[1].cfg.unprofiled, 0);
    CHECK(quick[0].cfg.events > 0); /* a fixed, small N */
    for (size_t i = 0; i < nq && i < nf; i++) {
        CHECK_MSG(quick[i].cfg.trials <= full[i].cfg.trials, "%s", quick[i].name);
        CHECK_MSG(full[i].cfg.events < 0 || quick[i].cfg.events <= full[i].cfg.events,
                  "%s", quick[i].name);
    }
    /* -k and -n set the saturated phase only */
    o.quick = 0;
    o.trials = 7;
    o.events = 3000;
    plan_build(full, &nf, &o, NULL);
    CHECK_EQ_INT(full[0].cfg.trials, 7);
    CHECK_EQ_INT(full[0].cfg.events, 3000);
    for (size_t i = 1; i < nf; i++)
        CHECK(full[i].cfg.trials != 7 || full[i].cfg.events != 3000);
    /* --no-unprofiled */
    o.unprofiled = 0;
    plan_build(full, &nf, &o, NULL);
    CHECK_EQ_INT(full[0].cfg.unprofiled, 0);
    CHECK_EQ_INT(full[0].cfg.nvariants, 0); /* no unprofiled trials, no variants */
}

static void test_switches(void) {
    plan_options o;
    plan_phase ph[PLAN_MAX_PHASES];
    size_t n = 0;
    plan_defaults(&o);
    o.rate = 0;
    o.aa = 0;
    o.nsweep = 0;
    o.nrates = 0;
    o.optimize = 0;
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    CHECK_EQ_INT(n, 1);
    /* the main storage in the sweep is not measured twice */
    plan_defaults(&o);
    o.storage = "memory";
    o.sweep[0] = "memory";
    o.sweep[1] = "delete";
    o.nsweep = 2;
    o.cluster = 3;
    o.services = 5;
    o.nats_arch = "nats";
    plan_build(ph, &n, &o, NULL);
    CHECK(find(ph, n, "memory") == NULL);
    CHECK(find(ph, n, "delete") != NULL);
    CHECK_EQ_STR(ph[0].cfg.archs[1], "nats");
    const plan_phase *c = &ph[n - 1];
    CHECK_EQ_STR(c->name, "cluster");
    CHECK_EQ_STR(c->cfg.archs[0], "nats-cluster");
    CHECK_EQ_STR(c->cfg.archs[1], "jetstream");
    CHECK_EQ_INT(c->cfg.cluster, 3);
    CHECK_EQ_INT(c->cfg.services, 5);
    CHECK_EQ_STR(c->cfg.storages[0], "wal"); /* needs a file database */
    CHECK_EQ_INT(c->events_from_first, 1);
    CHECK_EQ_INT(c->cfg.events, -1);
    o.quick = 1;
    plan_build(ph, &n, &o, NULL);
    CHECK_EQ_INT(ph[n - 1].events_from_first, 0);
    CHECK(ph[n - 1].cfg.events > 0);
}

static void test_resolve(void) {
    plan_options o;
    plan_phase ph[PLAN_MAX_PHASES];
    size_t n = 0;
    plan_defaults(&o);
    o.cluster = 2;
    plan_build(ph, &n, &o, NULL);
    plan_phase *c = &ph[n - 1];
    char dir[] = "/tmp/test-plan-XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/run.json", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("{\"events_per_trial\": 12345}\n", f);
        fclose(f);
    }
    plan_phase copy = *c;
    plan_resolve(&copy, dir);
    CHECK_EQ_INT(copy.cfg.events, 12345);
    plan_resolve(&copy, dir); /* once resolved, it stays */
    CHECK_EQ_INT(copy.cfg.events, 12345);
    copy = *c;
    plan_resolve(&copy, "/nonexistent");
    CHECK_EQ_INT(copy.cfg.events, 20000);
    int64_t own = ph[0].cfg.events;
    plan_resolve(&ph[0], dir); /* a phase with its own N is left alone */
    CHECK_EQ_INT(ph[0].cfg.events, own);
    unlink(path);
    rmdir(dir);
}

/* The rate sweep: one unprofiled phase per rate other than the chat rate,
 * each long enough for its events to count; none by default. */
static void test_rate_sweep(void) {
    plan_options o;
    plan_phase ph[PLAN_MAX_PHASES];
    size_t n = 0;
    plan_defaults(&o);
    CHECK_EQ_INT(o.nrates, 6);
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    CHECK(find(ph, n, "rate 10000/s") != NULL);
    o.quick = 1; /* not in a quick report unless asked for */
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    for (size_t i = 0; i < n; i++)
        CHECK(strncmp(ph[i].name, "rate ", 5) != 0);
    o.rates_given = 1;
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    CHECK(find(ph, n, "rate 10000/s") != NULL);
    o.quick = 0;
    o.rates_given = 0;
    o.rates[0] = 10;
    o.rates[1] = o.rate; /* the chat-rate phase measures it already */
    o.rates[2] = 1000;
    o.nrates = 3;
    CHECK_EQ_INT(plan_build(ph, &n, &o, NULL), 0);
    const plan_phase *r10 = find(ph, n, "rate 10/s"), *r1k = find(ph, n, "rate 1000/s");
    CHECK(r10 != NULL && r1k != NULL);
    char chat[32];
    snprintf(chat, sizeof chat, "rate %g/s", o.rate);
    CHECK(find(ph, n, chat) == NULL);
    const plan_step *s = step(PLAN_PER_RATE);
    if (r10 == NULL || r1k == NULL || s == NULL)
        return;
    CHECK(r10->cfg.rate == 10 && r1k->cfg.rate == 1000);
    CHECK_EQ_INT(r10->cfg.events, 10 * s->events.full > PLAN_SWEEP_MIN_EVENTS
                                      ? 10 * s->events.full
                                      : PLAN_SWEEP_MIN_EVENTS);
    CHECK_EQ_INT(r1k->cfg.events, 1000 * s->events.full);
    CHECK_EQ_INT(r1k->cfg.trials, s->trials.full);
    CHECK(r1k->cfg.unprofiled && r1k->cfg.no_profiled);
    CHECK_EQ_STR(r1k->cfg.archs[0], "direct");
    CHECK_EQ_STR(r1k->cfg.archs[1], o.nats_arch);
}

int main(void) {
    test_defaults();
    test_rate_sweep();
    test_quick_and_overrides();
    test_switches();
    test_resolve();
    test_replica_and_latency();
    return check_status();
}
