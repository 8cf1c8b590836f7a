/* plan: the measurement plan of `overhead report` (see plan.h). */
#include "plan.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "chatproto.h"
#include "runrecord.h"

/* The phases of a report, in the order they run. A full report takes about
 * 5-6 minutes on 2 cores; --quick about one.
 *   saturated   one baseline for everything: direct, NATS and every what-if
 *               variant of the workloads (plan_variants; direct batched too)
 *               in every round, in a fresh seeded random order per round,
 *               each arm warmed up first, all with the same events per
 *               trial. The unprofiled trials give the headline, the
 *               profiler's effect and every variant's saving, each paired
 *               within its round; profiled copies of the two baselines
 *               serve attribution. Rounds: the paired log ratio's SD per
 *               round is ~0.06-0.08 on a quiet 2-core VM (DESIGN.md), so a
 *               5-point half-width on a ~120% overhead needs ~40 rounds;
 *               `overhead report` adds rounds when its headline interval is
 *               still wider and the time allows (cmd_report.c);
 *   chat rate   the same at the chat's event rate (CPU in points of a core),
 *               6 rounds: the fewest paired rounds that give a 95% rank
 *               interval;
 *   replica     the team's test_nats_cpu_overhead as they wrote it: one
 *               process (bot and DatabaseService), 500 events at 100
 *               events/s, its idle CPU over the second before, events on a
 *               subject nobody stores (and with --replica both, stored too);
 *               5 rounds (~6 s each) for a t interval; skipped with the
 *               chat-rate phase;
 *   latency     publish-to-commit latency of the NATS baseline and every
 *               variant at two fixed offered loads below saturation, one
 *               trial each in a seeded random order, unprofiled: at the chat
 *               rate, 200 events (p99 rests on the two largest, 2 s), and at
 *               half the saturated phase's baseline NATS rate (stored over
 *               the service's window; ~11,000 events/s on 2 cores), 1 s
 *               (~11,000 events: its p99 on ~110); about 20 s together;
 *   A/A control direct against direct: the noise floor, with the saturated
 *               phase's events per trial (its noise is the headline's);
 *   sweep       the comparison again at each other storage setting;
 *   cluster     NATS on a cluster (queue group) and JetStream, with as many
 *               events as the saturated phase, so that its baselines are
 *               that phase's trials;
 *   rate sweep  the comparison at each other offered rate (10, 30, 300,
 *               1000, 3000 and 10000 events/s unless --rate-sweep says
 *               otherwise; not in a --quick report unless asked for),
 *               unprofiled, 3 rounds of 2 s, for the CPU-against-rate model:
 *               with the chat rate and the saturated rounds, eight rates, so
 *               that leaving one out tests a 3-coefficient model; about
 *               90 s on 2 cores. */
/* clang-format off */
const plan_step plan_steps[] = {
    /* name          when             arms               rounds    sizing             events (full, quick)            warm-up unprof. -k/-n */
    {"saturated",    PLAN_ALWAYS,     PLAN_ARMS_ALL,     {24, 3}, PLAN_SIZE_EVENTS,  {10000, 5000},                  1,      1,      1},
    {"chat rate",    PLAN_IF_RATE,    PLAN_ARMS_COMPARE, {6, 3},  PLAN_SIZE_AT_RATE, {4, 2} /* seconds */,           0,      0,      0},
    {"replica",      PLAN_IF_REPLICA, PLAN_ARMS_REPLICA, {5, 2},  PLAN_SIZE_TEAM,    {CHATPROTO_TEAM_EVENTS, CHATPROTO_TEAM_EVENTS}, 0, 1, 0},
    {"latency at chat rate", PLAN_IF_LATENCY_RATE, PLAN_ARMS_LATENCY, {1, 1}, PLAN_SIZE_EVENTS_AT_RATE, {200, 50}, 0, 1, 0},
    {"latency at half load", PLAN_IF_LATENCY, PLAN_ARMS_LATENCY, {1, 1}, PLAN_SIZE_HALF, {1000, 500} /* ms */, 0, 1, 0},
    {"A/A control",  PLAN_IF_AA,      PLAN_ARMS_AA,      {3, 2},  PLAN_SIZE_EVENTS,  {PLAN_EVENTS_FIRST, PLAN_EVENTS_FIRST}, 1, 0,  0},
    {NULL,           PLAN_PER_SWEEP,  PLAN_ARMS_COMPARE, {3, 2},  PLAN_SIZE_STORAGE, {0, 0},                          1,      0,      0},
    {NULL,           PLAN_PER_RATE,   PLAN_ARMS_COMPARE, {3, 2},  PLAN_SIZE_SWEEP,   {2, 1} /* seconds */,           0,      1,      0},
    {"cluster",      PLAN_IF_CLUSTER, PLAN_ARMS_CLUSTER, {3, 2},  PLAN_SIZE_EVENTS,  {PLAN_EVENTS_FIRST, 20000},      1,      0,      0},
};
/* clang-format on */
const size_t plan_nsteps = sizeof plan_steps / sizeof plan_steps[0];

/* Every variant of the workloads (common/chatproto.h): each removes one
 * measured cost of the NATS path, or two together. */
const char *const plan_variants[] = {"baseline", "gc64",     "compact",
                                     "batch10",  "batch100", "batch100-compact"};
const size_t plan_nvariants = sizeof plan_variants / sizeof plan_variants[0];

/* Events per trial of a sweep phase: an in-memory trial is fast and needs
 * many events to be more than start-up noise; with an fsync per commit a
 * trial of 10,000 already takes seconds. The last row is every other
 * storage. */
static const struct {
    const char *storage;
    plan_count events;
} plan_storage_sizes[] = {
    {"memory", {100000, 20000}},
    {"wal-full", {10000, 2000}},
    {"delete", {10000, 2000}},
    {NULL, {20000, 5000}},
};

int64_t plan_storage_events(const char *storage, int quick) {
    size_t i = 0;
    while (plan_storage_sizes[i].storage != NULL &&
           strcmp(plan_storage_sizes[i].storage, storage) != 0)
        i++;
    return quick ? plan_storage_sizes[i].events.quick : plan_storage_sizes[i].events.full;
}

void plan_defaults(plan_options *o) {
    memset(o, 0, sizeof *o);
    o->rate = 100;
    o->aa = 1;
    o->unprofiled = 1;
    o->storage = "wal";
    o->nats_arch = "nats-2p";
    o->sweep[0] = "memory";
    o->sweep[1] = "wal-full";
    o->nsweep = 2;
    o->services = 3;
    o->optimize = 1;
    o->rates[0] = 10;
    o->rates[1] = 30;
    o->rates[2] = 300;
    o->rates[3] = 1000;
    o->rates[4] = 3000;
    o->rates[5] = 10000;
    o->nrates = 6;
    o->replica = RUNNER_REPLICA_WRITTEN;
}

/* One phase of step 's' at 'storage'. */
static void plan_phase_of(plan_phase *p, const plan_step *s, const char *name,
                          const char *storage, double rate, const plan_options *o) {
    runner_config *c = &p->cfg;
    int64_t events = o->quick ? s->events.quick : s->events.full;
    memset(p, 0, sizeof *p);
    p->name = name;
    runner_defaults(c);
    c->storages[0] = storage;
    c->nstorages = 1;
    switch (s->arms) {
        case PLAN_ARMS_COMPARE:
            c->archs[0] = "direct";
            c->archs[1] = o->nats_arch;
            c->narchs = 2;
            break;
        case PLAN_ARMS_AA:
            c->aa = 1;
            break;
        case PLAN_ARMS_CLUSTER:
            c->archs[0] = "nats-cluster";
            c->archs[1] = "jetstream";
            c->narchs = 2;
            c->cluster = o->cluster;
            c->services = o->services;
            /* nats-cluster and jetstream need a file database. */
            if (strcmp(storage, "memory") == 0)
                c->storages[0] = "wal";
            break;
        case PLAN_ARMS_REPLICA:
            c->archs[0] = "nats";
            c->narchs = 1;
            c->replica = o->replica;
            break;
        case PLAN_ARMS_LATENCY:
            c->archs[0] = o->nats_arch;
            c->narchs = 1;
            c->latency_only = 1;
            /* its own order: the saturated rounds' seed would repeat theirs */
            c->order_seed = o->seed + 2;
            for (size_t i = 0; i < plan_nvariants && i < RUNNER_MAX_LIST; i++)
                c->variants[c->nvariants++] = plan_variants[i];
            break;
        case PLAN_ARMS_ALL:
            c->archs[0] = "direct";
            c->archs[1] = o->nats_arch;
            c->narchs = 2;
            c->order_seed = o->seed;
            break;
    }
    c->trials = (int)(o->quick ? s->trials.quick : s->trials.full);
    c->warmup = s->warmup;
    c->unprofiled = s->unprofiled && o->unprofiled && !o->quick;
    if (s->arms == PLAN_ARMS_ALL) {
        /* the variants' savings rest on unprofiled trials: with them even in
         * a quick report, never without */
        c->unprofiled = s->unprofiled && o->unprofiled;
        for (size_t i = 0;
             c->unprofiled && o->optimize && i < plan_nvariants && i < RUNNER_MAX_LIST; i++)
            c->variants[c->nvariants++] = plan_variants[i];
        c->profile_baseline = 1;
    }
    if (s->sizing == PLAN_SIZE_AT_RATE) {
        c->rate = o->rate;
        events = (int64_t)(o->rate * (double)events);
    } else if (s->sizing == PLAN_SIZE_SWEEP) {
        c->rate = rate;
        events = (int64_t)(rate * (double)events);
        if (events < PLAN_SWEEP_MIN_EVENTS)
            events = PLAN_SWEEP_MIN_EVENTS;
        /* unprofiled only: the model needs CPU, not stacks */
        c->unprofiled = 1;
        c->no_profiled = 1;
    } else if (s->sizing == PLAN_SIZE_STORAGE) {
        events = plan_storage_events(storage, o->quick);
    } else if (s->sizing == PLAN_SIZE_TEAM || s->sizing == PLAN_SIZE_EVENTS_AT_RATE) {
        c->rate = s->sizing == PLAN_SIZE_TEAM ? CHATPROTO_TEAM_RATE : o->rate;
    } else if (s->sizing == PLAN_SIZE_HALF) {
        p->half_ms = events;
        events = -1;
    }
    if (s->arms == PLAN_ARMS_REPLICA || s->arms == PLAN_ARMS_LATENCY) {
        /* CPU and latency of the workloads alone: no profiler */
        c->unprofiled = 1;
        c->no_profiled = 1;
    }
    if (s->overrides && o->trials > 0)
        c->trials = o->trials;
    if (s->overrides && o->events > 0)
        events = o->events;
    p->events_from_first = events == PLAN_EVENTS_FIRST;
    c->events = events < 0 ? -1 : events;
}

/* Does step 's' run at all with options 'o'? */
static int plan_applies(const plan_step *s, const plan_options *o) {
    switch (s->when) {
        case PLAN_ALWAYS:
            return 1;
        case PLAN_IF_RATE:
            return o->rate > 0;
        case PLAN_IF_AA:
            return o->aa;
        case PLAN_PER_SWEEP:
            return o->nsweep > 0;
        case PLAN_IF_CLUSTER:
            return o->cluster >= 1;
        case PLAN_PER_RATE:
            return o->nrates > 0 && (!o->quick || o->rates_given);
        case PLAN_IF_REPLICA:
            return o->replica != 0 && o->rate > 0;
        case PLAN_IF_LATENCY_RATE:
            return o->optimize && o->unprofiled && o->rate > 0;
        case PLAN_IF_LATENCY:
            return o->optimize && o->unprofiled;
    }
    return 0;
}

/* The names of the rate sweep's phases ("rate 1000/s"): plan_phase borrows
 * its name, and phases outlive plan_build. */
static char plan_rate_names[PLAN_MAX_SWEEP][40];

int plan_build(plan_phase *out, size_t *n, const plan_options *o_in, error *err) {
    plan_options seeded = *o_in;
    const plan_options *o = &seeded;
    /* a fresh order every report unless one is given (run.json keeps it) */
    if (seeded.seed == 0)
        seeded.seed = ((uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid()) % 1000000000000000ULL + 1;
    *n = 0;
    for (size_t i = 0; i < plan_nsteps; i++) {
        const plan_step *s = &plan_steps[i];
        if (!plan_applies(s, o))
            continue;
        int reps = s->when == PLAN_PER_SWEEP ? o->nsweep : s->when == PLAN_PER_RATE ? o->nrates : 1;
        for (int k = 0; k < reps; k++) {
            const char *storage = s->when == PLAN_PER_SWEEP ? o->sweep[k] : o->storage;
            const char *name = s->name ? s->name : storage;
            double rate = s->when == PLAN_PER_RATE ? o->rates[k] : 0;
            if (s->when == PLAN_PER_SWEEP && strcmp(storage, o->storage) == 0)
                continue; /* measured by the main phases already */
            if (s->when == PLAN_PER_RATE) {
                if (!(rate > 0) || (o->rate > 0 && rate == o->rate))
                    continue; /* the chat-rate phase measures that rate */
                snprintf(plan_rate_names[k], sizeof plan_rate_names[k], "rate %g/s", rate);
                name = plan_rate_names[k];
            }
            if (*n >= PLAN_MAX_PHASES)
                return error_set(err, ERR_INPUT, "more than %d phases", PLAN_MAX_PHASES);
            plan_phase_of(&out[(*n)++], s, name, storage, rate, o);
        }
    }
    return 0;
}

double plan_saturated_rate(const char *dir, const char *arch) {
    char path[4200];
    json_error_t jerr;
    double rates[2][4096];
    size_t n[2] = {0, 0};
    snprintf(path, sizeof path, "%s/run.json", dir ? dir : ".");
    json_t *j = json_load_file(path, 0, &jerr), *t;
    size_t i;
    json_array_foreach(json_object_get(j, "trials"), i, t) {
        const char *rec = json_string_value(json_object_get(t, "record"));
        runrecord *r = NULL;
        error err;
        error_clear(&err);
        snprintf(path, sizeof path, "%s/%s", dir, rec ? rec : "");
        if (rec == NULL || runrecord_read(&r, path, &err) != 0)
            continue;
        double wall = NAN;
        for (int k = 0; k < r->nprocs; k++)
            if ((strcmp(r->procs[k].role, "service") == 0 ||
                 strcmp(r->procs[k].role, "inproc") == 0) &&
                r->procs[k].measured.have)
                wall = r->procs[k].measured.wall_s;
        int base = r->variant == NULL || strcmp(r->variant, "baseline") == 0;
        if (r->ok && base && strcmp(r->arch, arch) == 0 && wall > 0 && r->events.stored > 0 &&
            isnan(r->rate.requested) && n[r->profiled] < 4096) {
            rates[r->profiled][n[r->profiled]++] = (double)r->events.stored / wall;
        }
        runrecord_free(r);
    }
    json_decref(j);
    int pick = n[0] > 0 ? 0 : 1;
    if (n[pick] == 0)
        return NAN;
    /* the median (insertion sort: a few dozen values) */
    double *v = rates[pick];
    for (size_t a = 1; a < n[pick]; a++)
        for (size_t b = a; b > 0 && v[b - 1] > v[b]; b--) {
            double x = v[b];
            v[b] = v[b - 1];
            v[b - 1] = x;
        }
    size_t m = n[pick];
    return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

void plan_resolve(plan_phase *p, const char *first_run_dir) {
    if (p->half_ms > 0) {
        double sat = plan_saturated_rate(first_run_dir, p->cfg.archs[0]);
        double rate = sat > 0 ? floor(sat / 2) : PLAN_HALF_FALLBACK_RATE;
        p->cfg.rate = rate;
        p->cfg.events = (int64_t)fmax(PLAN_SWEEP_MIN_EVENTS, rate * (double)p->half_ms / 1000);
        p->half_ms = 0;
    }
    if (!p->events_from_first)
        return;
    char path[4200];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/run.json", first_run_dir ? first_run_dir : ".");
    json_t *j = json_load_file(path, 0, &jerr);
    json_t *v = json_object_get(j, "events_per_trial");
    int64_t events = json_is_integer(v) ? (int64_t)json_integer_value(v) : 20000;
    json_decref(j);
    p->cfg.events = events > 0 ? events : 20000;
    p->events_from_first = 0;
}
