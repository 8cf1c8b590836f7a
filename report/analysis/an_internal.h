/* analysis internals: the state that analysis_run builds section by section
 * (ctx), the trials and groups it compares, and the functions the files of
 * report/analysis/ share. Not installed: only analysis.h is the layer's API.
 *
 *   helpers.c    JSON paths, number formatting, warnings
 *   load.c       run directories and trial records -> trials
 *   groups.c     selections, outliers, the headline selection
 *   intervals.c  comparisons: Hodges-Lehmann with exact intervals, Welch,
 *                the few-trials notes
 *   verdicts.c   verdict, headline and profiler effect, chat rate, noise
 *                floor, reference figure, sample-count check
 *   sections.c   architectures, storage sensitivity
 *   known.c      known functions' descriptions, pooled samples -> time
 *   breakdown.c  pooled profiles, sampling health, the breakdown section
 *                (calls attribution.c and flame.c, which call only known.c
 *                and helpers.c: no circle)
 *   reference.c  the team's quoted figure against its replica arms
 *   attribution.c per-process attribution (attrib), hotspots, rules
 *   flame.c      the differential flame graph
 *   ratemodel.c  CPU against event rate: model, crossing, the team's rate
 *   threads.c    per-thread CPU and wake-ups, the sampler against the kernel
 *   removal.c    sampled costs beside the measured savings of the variants
 *   recommend.c  recommendation and conclusion
 *   meta.c       metadata, configuration, trials table, environment
 *   analysis.c   analysis_defaults, analysis_run */
#ifndef OVERHEAD_AN_INTERNAL_H
#define OVERHEAD_AN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "aggregate.h"
#include "analysis.h"
#include "categories.h"
#include "error.h"
#include "attrib.h"
#include "jsonfile.h"
#include "recrules.h"
#include "stats.h"

#define MAX_TRIALS 4096 /* trial records over all the runs analysed */
#define CONFIDENCE 0.95 /* of every interval (the texts say "95%") */

/* One trial, read from its record (which it borrows). */
typedef struct trial {
    json_t *rec;
    const char *dir, *file; /* the run directory and the record's file name */
    int index;              /* position over all the runs analysed, from 1 */
    const char *arch, *tag, *storage;
    int aa_group; /* 0: not part of the A/A control */
    int profiled;
    double rate; /* requested events/s, 0 = saturated */
    int64_t requested, stored, lost, dropped;
    double cpu_s;   /* measured windows + broker: what per_event_us rests on */
    double whole_s; /* whole-process CPU of every process, for comparison */
    double broker_s, wall_s, window_s, per_event_us, util_pp;
    /* ln(CPU per event of the second half of the events / the first's): each
     * process's CPU to its own half-way point (the broker's to the first
     * workload's); NAN when a process has no half-way point (older records,
     * a lost event) */
    double half_log_ratio;
    int outlier;
    int samples_exceed; /* a process reports more samples than its CPU allows */
    /* The optimization phase: a run measuring the workloads' what-if variants
     * (its run.json lists them). Its trials, baselines included, are compared
     * only with each other (optimize.c), never pooled into other sections. */
    int optimize;
    const char *variant;           /* the workload variant ("baseline" when none) */
    double lat_p50_us, lat_p99_us; /* publish-to-commit latency, NAN unknown */
    /* The run put every variant and its baselines in the same rounds (one
     * baseline, plan.c PLAN_ARMS_ALL): its baseline trials are the
     * headline's, and the variants are compared with them round by round. */
    int shared;
    int round, position; /* in its run (0: unknown) */
    /* The machine over the trial (NAN: not recorded): CPU used outside the
     * trial and steal, in % of one core over the trial's wall time. */
    double outside_pct, steal_pct;
    /* A replica arm (RUNRECORD_REPLICA_*, 0: not one): the team's quantity,
     * its process's CPU over the measured window minus its CPU over the idle
     * window before, in % of one core (NAN: unknown), and nats-server's CPU
     * over the same window, which the team left out. */
    int replica;
    double replica_pp, replica_broker_pp;
    /* The trial belongs to a fixed-load latency run (run.json
     * config.latency_only). */
    int latency_only;
} trial;

/* A selection of trials and their per-event CPU (or utilisation). */
typedef struct group {
    trial *t[MAX_TRIALS];
    double v[MAX_TRIALS];
    size_t n;
} group;

/* Two groups compared (intervals.c). When the trials of a and b pair up by
 * round (the same run and round; at least PAIRED_MIN pairs covering most
 * trials), the comparison is paired: per round the log ratio (or the
 * difference) of the two arms, the Hodges-Lehmann estimate of those values
 * with the exact Wilcoxon signed-rank interval in 'iv' and a paired t
 * interval in 'alt'; the unpaired method (Hodges-Lehmann with the exact
 * Mann-Whitney interval, Welch) is kept in 'un'/'un_alt' for comparison.
 * Otherwise iv/alt are the unpaired ones. ratio/lo/hi/p repeat iv's
 * estimate, ends and p-value. */
typedef struct compare {
    double med_a, med_b, ratio, lo, hi, p, cv_a, cv_b;
    int ok;       /* at least 2 trials a side (pairs) and an interval */
    int is_ratio; /* ratio on logs (1) or shift (0) */
    stats_interval iv, alt;
    int alt_ok;
    int paired;      /* iv and alt are paired by round */
    size_t npairs;   /* rounds with both arms */
    stats_interval un, un_alt; /* unpaired, when paired (for comparison) */
    int un_ok, un_alt_ok;
} compare;

typedef struct side {
    const char *arch;
    aggregate *agg;
    double work_us;   /* workload CPU per event (all processes but the broker) */
    double broker_us; /* nats-server CPU per event */
    double requested_hz;
    double cap_hz;    /* the most samples per CPU-second: an_sample_cap_hz */
    double window_share; /* profiled window CPU / whole-process CPU */
} side;

/* Known functions: "glob<TAB>description" lines. */
typedef struct known {
    char *text;
    char **glob, **desc;
    size_t n;
} known;

typedef struct fnode {
    char *name;
    double base, new;
    struct fnode *kids;
    size_t nkids, cap;
} fnode;

typedef struct ctx {
    const analysis_options *o;
    const char *const *dirs;
    size_t ndirs;
    const char *rundir; /* the first (main) run directory */
    json_t *runj;       /* its run.json */
    json_t *records;    /* array of the trial records */
    trial *t;
    size_t nt;
    /* Trials for one section only, never pooled into another (nor listed in
     * the trials table): the replica arms (an_reference) and the fixed-load
     * latency runs (an_optimize). */
    trial *xt;
    size_t nxt;
    const char *nats_arch, *storage;
    double chat_rate; /* the rate of the chat-rate section (an_select) */
    json_t *warnings; /* strings */
    json_t *unnamed;  /* binaries whose functions stayed unnamed (strings), or NULL */
    error *err;
    /* the analysis as it is built, section by section (an_* functions) */
    group *gd, *gn; /* headline trials: direct, NATS (unprofiled when there are) */
    group *pd, *pn; /* profiled trials, for attribution */
    int headline_unprofiled; /* the headline rests on unprofiled trials */
    long trials_to_decide;   /* per side, for the verdict; -1 unknown */
    attrib_trial *ad, *an;   /* the profiled trials, per process (attribution) */
    size_t nad, nan_;
    aggregate **paggs; /* one per profile, owned, for attribution */
    size_t npaggs;
    double **pscales; /* per-thread stack scales of those profiles, owned */
    size_t npscales;
    attrib_result attr;
    int have_attr;
    /* the perf cross-check (crosscheck.c): the same trials with perf's samples */
    attrib_trial *xd, *xn, *wd, *wn; /* per process; weighed per thread too */
    attrib_trial *ud, *un;           /* gperftools' samples, not weighed per thread */
    aggregate **xaggs;
    size_t nxaggs;
    attrib_result xattr, wattr, uattr;
    int have_x;
    uint64_t x_samples, x_outside;
    /* perf's samples per thread against the kernel's CPU, summed over the
     * trials (names and roles borrowed from the records) */
    struct xthread {
        const char *arch, *role, *name;
        double cpu_s;
        uint64_t samples;
    } xth[64];
    size_t nxth;
    double x_cpu; /* measured CPU of the processes perf recorded */
    recrule_result rules[RECRULES_MAX];
    size_t nrules;
    group *g1, *g2; /* scratch selections */
    compare h;      /* the headline comparison */
    compare hd;     /* the same in us/event (NATS - direct): the one denominator
                       of every "% of the overhead" (c->overhead_us) */
    double target;  /* the target as a fraction */
    const char *verdict;
    char vtext[512];
    char vwhy[384]; /* the verdict's reason without its interval */
    side sd, sn; /* pooled profiles: direct, NATS */
    categories *cats;
    known kn;
    fnode froot; /* the differential flame graph */
    aggregate_diff_row *drows;
    size_t ndrows;
    int have_profiles;
    double overhead_us;
    json_t *a, *head, *charts, *reasons, *actions;
} ctx;

enum { ANY = -1 };

/* The precision goals (issue 17): the headline's half-width in points of
 * overhead, and every variant saving's in us/event. */
#define AN_GOAL_HEADLINE_PTS 5.0
#define AN_GOAL_VARIANT_US   1.5

/* ---- helpers.c ---------------------------------------------------------- */

/* The value at a dotted path ("events.stored"), or NULL. */
json_t *an_jget(json_t *v, const char *path);
/* The number at a dotted path, or NAN. */
double an_jnum(json_t *v, const char *path);
/* The string at a dotted path, or NULL. */
const char *an_jstr(json_t *v, const char *path);
/* The most samples per CPU-second record 'rec''s profiles can hold: the
 * requested rate, capped at the kernel tick (CONFIG_HZ, 250) for the
 * CPU-time timers (itimer, thread-timers); the task-clock sampler is an
 * hrtimer at the period's end, with no tick cap. */
double an_sample_cap_hz(json_t *rec);
/* The sampler of the profiled NATS trials (their records' sampling.sampler;
 * "itimer" for older records, which have none). */
const char *an_sampler(ctx *c);
/* 'v' with about three significant digits, as a new JSON string ("n/a" for NAN). */
json_t *an_fnum(double v);
/* Like an_fnum with an explicit sign ("+4.2", "-0.31"). */
json_t *an_fsigned(double v);
/* an_fnum's text in 'buf'; returns 'buf'. */
const char *an_fmt(double v, char *buf, size_t size);
/* "one ONE" or "N MANY" in 'buf' (sentences built for the number, never
 * "(s)"); returns 'buf'. */
const char *an_count(size_t n, const char *one, const char *many, char *buf, size_t size);
/* Append a warning to the analysis's list. */
void an_warn(ctx *c, const char *fmtstr, ...) __attribute__((format(printf, 2, 3)));
/* Load the profile of trial file 'path' (symprof_load: its symbolized
 * NAME.pb.gz when there is one, else the raw file symbolized now). A raw
 * profile that names a missing or changed binary is ERR_INPUT naming it,
 * unless c->o->allow_unnamed; every such binary is noted in c->unnamed. */
int an_profile_load(ctx *c, const char *path, symprof **out);
/* ---- warngroups.c --------------------------------------------------------- */

/* The warnings (strings) grouped, one line per kind: a kind's warnings about
 * several trials or profile files become one line with their count, the
 * trials or files (at most 8 named) and the first one as an example. A new
 * array (empty when out of memory). */
json_t *an_warning_groups(json_t *warnings);

/* Is 'arch' one of the NATS architectures (nats, nats-2p, ...)? */
int an_is_nats_arch(const char *arch);
/* The analysis's "charts" object (c->charts), created when there is none. */
json_t *an_charts(ctx *c);

/* ---- load.c ------------------------------------------------------------- */

/* Load every run directory into c->runj, c->records and c->t.
 * ERR_INPUT for unreadable or incomplete records, ERR_CHECK for lost events
 * (unless accept_loss). */
int an_load_runs(ctx *c);

/* ---- groups.c ----------------------------------------------------------- */

void an_select_trials(ctx *c, group *g, const char *arch, const char *storage,
                      int profiled, int aa, int rated, int util);
void an_select_best(ctx *c, group *g, const char *arch, const char *storage, int aa);
double an_broker_median_us(const group *g);
int an_select(ctx *c);

/* ---- intervals.c -------------------------------------------------------- */

/* Compare groups: ratio b/a - 1 on log values / shift b - a. */
compare an_compare(ctx *c, const group *a, const group *b);
compare an_compare_diff(ctx *c, const group *a, const group *b);
/* Trials per side a 95% rank interval needs when 'r' is short of it, else 0. */
size_t an_needs_for_95(const compare *r);
/* Trials per side for the interval to exclude 'target' (a ratio for ratio
 * comparisons) if the estimate held, or to reach half-width 'half'; -1 when
 * unknown or no number would do. */
long an_trials_to_decide(const compare *r, double target);
long an_trials_for_half(const compare *r, double half);
/* What the interval is, in words: method, trials and coverage, or "n too
 * small for 95%: ... needs N trials per side". Returns 'buf'. */
const char *an_interval_note(const compare *r, char *buf, size_t size);
/* The interval as JSON (method, estimate, lo, hi, half_width, coverage_pct,
 * short_of_level, n_a, n_b, needs_per_side, note, alternative). */
json_t *an_interval_json(const compare *r);
/* Warn "WHAT: n too small for 95% ..." when 'r' is short of 95%. */
void an_few_trials_warn(ctx *c, const char *what, const compare *r);

/* ---- known.c ------------------------------------------------------------ */

/* Per-event microseconds that 'k' pooled samples of side 's' stand for. */
double an_us_of(const side *s, uint64_t k);
/* Read the known functions ("glob<TAB>description" lines) into *k; a NULL
 * path leaves none. ERR_INPUT names the file and line. */
int an_known_load(ctx *c, known *k, const char *path);
void an_known_free(known *k);
/* The description of a known function, or NULL. */
const char *an_known_describe(const known *k, const char *name);

/* ---- flame.c ------------------------------------------------------------ */

/* The differential flame graph chart (c->froot, c->charts "flame"). */
int an_flame(ctx *c);
/* Free the tree under 'n' (not 'n' itself). */
void an_flame_free(fnode *n);

/* ---- breakdown.c -------------------------------------------------------- */

int an_profiles(ctx *c);
int an_breakdown(ctx *c);

/* ---- verdicts.c --------------------------------------------------------- */

/* The verdict against the target from the headline interval. */
void an_verdict(ctx *c);
/* Headline figures and the profiler's own effect with its interval. */
void an_headline(ctx *c);
/* CPU at the chat rate in points of one core, with its own verdict. */
void an_chat_rate(ctx *c);
/* The A/A noise floor from paired adjacent trials. */
void an_noise_floor(ctx *c);
/* Flag trials whose processes report more samples than their CPU allows. */
void an_sample_check(ctx *c);

/* ---- reference.c -------------------------------------------------------- */

/* The quoted reference figure against the quantity it measured: the replica
 * arms of c->xt ("reference"; reproduced null when there is no interval to
 * test it against). After an_chat_rate and an_headline. */
void an_reference(ctx *c);
/* Where 'ref' lies against the interval [lo, hi]: "inside", "above" or
 * "below"; NULL when there is no interval (lo or hi NAN). */
const char *an_reference_place(double ref, double lo, double hi);

/* ---- attribution.c ------------------------------------------------------ */

/* Per-process attribution of the profiled trials (c->ad, c->an) and its
 * comparison (c->attr); the recommendation rules (c->rules). */
int an_attribution(ctx *c);
void an_attribution_free(ctx *c);
/* Weigh the stacks of ap->agg per thread to the kernel's CPU of the threads
 * of record entry 'proc' (attrib_thread_shares): sets ap->scale (kept with
 * the analysis) and ap->unsampled; nothing when it lists no threads. */
int an_thread_scale(ctx *c, json_t *proc, attrib_proc *ap);
/* The "breakdown" section and chart, and the hotspots, from c->attr. */
int an_breakdown_rows(ctx *c, json_t *hot);

/* ---- crosscheck.c ------------------------------------------------------- */

/* perf's breakdown of the profiled trials (c->xattr) when every one has
 * perf text beside its profiles (overhead run --perf); else nothing. */
int an_crosscheck(ctx *c);
void an_crosscheck_free(ctx *c);
/* The "crosscheck" section (only when an_crosscheck compared). */
void an_crosscheck_section(ctx *c);

/* ---- threads.c ---------------------------------------------------------- */

/* The "threads" section: per-thread CPU and context switches per event from
 * the kernel (unprofiled trials, saturated and at the chat rate), and the
 * sampler's per-thread shares against the kernel's (profiled headline
 * trials, also in "sampling"). Needs an_attribution. */
void an_threads(ctx *c);

/* ---- removal.c ---------------------------------------------------------- */

/* "removal": each rule pattern or breakdown row a measured variant removes,
 * its sampled cost beside the variant's measured saving (both intervals), a
 * sentence where they disagree, and the rule's action re-quoted with the
 * measured figure. After an_avoidable and an_optimize. */
void an_removal(ctx *c);

/* ---- sections.c --------------------------------------------------------- */

void an_architectures(ctx *c);
void an_sensitivity(ctx *c);

/* ---- optimize.c --------------------------------------------------------- */

/* "Priority 2: Optimize": every variant of the optimization phase against
 * its baseline NATS and direct trials (c->a "optimization"); nothing when the
 * runs have no such phase. */
void an_optimize(ctx *c);

/* ---- ratemodel.c -------------------------------------------------------- */

/* CPU against event rate: the model fitted per architecture over every rate
 * measured, its leave-one-rate-out check, the overhead curve, the target's
 * crossing and the team's rate (c->a "rate_model", chart "rate"). The
 * section is always present; without three rates a side it says why. */
void an_rate_model(ctx *c);

/* ---- precision.c -------------------------------------------------------- */

/* The hardware, the machine's quietness per trial and the variance
 * components with the rounds the precision goals need (c->a "hardware",
 * "machine", "precision"). After an_optimize. */
void an_precision(ctx *c);

/* ---- runtorun.c --------------------------------------------------------- */

/* c->a "run_to_run": the between-run component beside the headline, from
 * c->o->repeatability (overhead.repeatability/1) when it was measured on
 * this host. After an_precision (the hardware) and an_verdict. -1 with
 * ERR_INPUT naming the file when it is unreadable or not such a file. */
int an_run_to_run(ctx *c);

/* ---- recommend.c -------------------------------------------------------- */

/* Avoidable work seen in the profiles: c->reasons and c->actions. */
void an_avoidable(ctx *c);
void an_recommend(ctx *c);
void an_conclusion(ctx *c);

/* ---- meta.c ------------------------------------------------------------- */

void an_meta(ctx *c);
void an_trials(ctx *c);
void an_environment(ctx *c);

#endif
