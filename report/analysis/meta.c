/* analysis: metadata and configuration, the trials table and chart, and
 * the environment table. */

#include "an_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"

/* Metadata and the configuration, from the headline trials' records. */
void an_meta(ctx *c) {
    const analysis_options *o = c->o;
    const char *rundir = c->rundir;
    c->a = json_object();
    /* SOURCE_DATE_EPOCH (reproducible-builds.org) pins the time stamp, so
     * that re-analysing published data gives byte-identical JSON. */
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    time_t now = epoch && *epoch ? (time_t)strtoll(epoch, NULL, 10) : time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    char gen[32], date[16];
    strftime(gen, sizeof gen, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    strftime(date, sizeof date, "%Y-%m-%d", &tmv);
    json_object_set_new(c->a, "schema", json_string("overhead.analysis/1"));
    json_object_set_new(c->a, "generated", json_string(gen));
    json_object_set_new(c->a, "date", json_string(date));
    json_object_set_new(c->a, "sprint", json_string(o->sprint ? o->sprint : ""));
    json_object_set_new(c->a, "title",
                        json_string("CPU Overhead Analysis: NATS vs direct SQLite"));
    json_t *dirs = json_array();
    for (size_t i = 0; i < c->ndirs; i++)
        json_array_append_new(dirs, json_string(c->dirs[i]));
    json_object_set_new(c->a, "run",
                        json_pack("{s:s, s:O?, s:o}", "dir", rundir, "id",
                                  an_jget(c->runj, "run_id"), "dirs", dirs));
    json_object_set_new(c->a, "reproduce",
                        json_string(o->reproduce ? o->reproduce
                                    : an_jstr(c->runj, "command")
                                        ? an_jstr(c->runj, "command")
                                        : "make report"));

    /* Configuration, from the headline trials' records. */
    json_t *r0 = c->gn->t[0]->rec;
    const char *journal = an_jstr(r0, "db.journal"),
               *sync = an_jstr(r0, "db.synchronous");
    const char *kind = an_jstr(r0, "db.path_kind");
    char storage_label[256], storage_desc[512], order[256] = "", batch_text[64];
    snprintf(batch_text, sizeof batch_text, "%g events per commit",
             an_jnum(r0, "db.batch"));
    snprintf(storage_label, sizeof storage_label, "%s%s%s%s%s",
             kind && strcmp(kind, "memory") == 0 ? "in-memory SQLite" : "SQLite file",
             journal ? ", journal_mode=" : "", journal ? journal : "",
             sync ? ", synchronous=" : "", sync ? sync : "");
    snprintf(storage_desc, sizeof storage_desc,
             "%s (setting '%s'), a fresh database per trial, %s", storage_label,
             c->storage,
             an_jnum(r0, "db.batch") > 1 ? batch_text : "one event per commit");
    for (size_t i = 0, n = 0; i < c->nt && n < sizeof order - 4; i++)
        if (!c->t[i].optimize && strcmp(c->t[i].storage, c->storage) == 0 &&
            c->t[i].rate == 0 && !c->t[i].aa_group &&
            c->t[i].profiled == c->gd->t[0]->profiled &&
            (strcmp(c->t[i].arch, "direct") == 0 ||
             strcmp(c->t[i].arch, c->nats_arch) == 0))
            n += (size_t)snprintf(order + n, sizeof order - n, "%s%c", n ? " " : "",
                                  strcmp(c->t[i].arch, "direct") == 0 ? 'D' : 'N');
    int two_proc = strcmp(c->nats_arch, "nats-2p") == 0;
    char tpct[32], sdesc[256], hz[32];
    snprintf(tpct, sizeof tpct, "%g", o->target_pct);
    const char *sampler = an_sampler(c);
    an_fmt(an_jnum(c->pn->n > 0 ? c->pn->t[0]->rec : r0, "sampling.requested_hz"), hz,
           sizeof hz);
    if (strcmp(sampler, "task-clock") == 0)
        snprintf(sdesc, sizeof sdesc,
                 "one kernel task-clock event per thread, each sending its thread the "
                 "profiler's signal every 1/%s s of that thread's own CPU time",
                 hz);
    else if (strcmp(sampler, "thread-timers") == 0)
        snprintf(sdesc, sizeof sdesc, "its per-thread timers at %s Hz requested", hz);
    else
        snprintf(sdesc, sizeof sdesc, "its process-wide timer at %s Hz requested", hz);
    json_object_set_new(
        c->a, "config",
        json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:s, s:s}", "nats_mode",
            two_proc ? "bot and DatabaseService as two processes"
                     : "bot and DatabaseService in one process, separate connections",
            "nats_arch", c->nats_arch, "storage_label", storage_label, "storage_desc",
            storage_desc, "target_pct", tpct, "events_per_trial",
            json_integer((json_int_t)c->gn->t[0]->requested), "order", order,
            "sampling_hz", an_fnum(an_jnum(r0, "sampling.requested_hz")), "direct_desc",
            "chat_direct calls log_chat() once per event", "nats_desc",
            two_proc ? "the bot process publishes each event as JSON (jansson) to "
                       "rosey.events.chat; the DatabaseService process receives it, "
                       "decodes and validates it, and calls log_chat()"
                     : "the bot publishes each event as JSON (jansson) to "
                       "rosey.events.chat on one connection; the DatabaseService, on "
                       "another connection in the same process, decodes it and calls "
                       "log_chat()",
            "storage", c->storage, "sampler_desc", sdesc));
}

static json_t *chart_series(const char *label, const group *g) {
    json_t *pts = json_array();
    for (size_t i = 0; i < g->n; i++)
        json_array_append_new(pts, json_pack("{s:i, s:o, s:b}", "trial", g->t[i]->index,
                                             "value", jsonfile_num(g->v[i]), "outlier",
                                             g->t[i]->outlier));
    return json_pack("{s:s, s:o, s:o}", "label", label, "median",
                     jsonfile_num(stats_median(g->v, g->n)), "points", pts);
}

/* Per-process CPU per event of a trial for the table ("-" when absent). */
static json_t *proc_us(const trial *t, const char *const *roles) {
    json_t *p;
    size_t k;
    double s = NAN;
    json_array_foreach(json_object_get(t->rec, "processes"), k, p) {
        const char *role = an_jstr(p, "role");
        for (const char *const *r = roles; role && *r; r++)
            if (strcmp(role, *r) == 0) {
                /* the measured window where there is one (workloads), else the
                 * process's CPU over the trial (nats-server) */
                double v = an_jnum(p, "measured.cpu_s");
                if (isnan(v))
                    v = an_jnum(p, "cpu_s");
                if (!isnan(v))
                    s = (isnan(s) ? 0 : s) + v;
            }
    }
    if (isnan(s) || t->stored <= 0)
        return json_string("-");
    return an_fnum(s / (double)t->stored * 1e6);
}

static json_t *trials_table(ctx *c) {
    json_t *rows = json_array();
    static const char *const main_roles[] = {"direct", "inproc", "bot", NULL};
    static const char *const svc_roles[] = {"service", NULL};
    static const char *const broker_roles[] = {"nats-server", NULL};
    for (size_t i = 0; i < c->nt; i++) {
        trial *t = &c->t[i];
        char note[256] = "";
        size_t n = 0;
#define NOTE(...)                                                                        \
    n += (size_t)snprintf(note + n, n < sizeof note ? sizeof note - n : 0, __VA_ARGS__)
        if (t->outlier)
            NOTE("outlier (MAD); ");
        if (!t->profiled)
            NOTE("unprofiled; ");
        if (t->aa_group)
            NOTE("A/A control, side %c; ", 'A' + t->aa_group - 1);
        if (t->rate > 0)
            NOTE("%g events/s: %.2f%% of a core; ", t->rate, t->util_pp);
        if (t->samples_exceed)
            NOTE("more samples than its CPU allows; ");
        if (t->lost > 0)
            NOTE("LOST %lld; ", (long long)t->lost);
        if (strcmp(t->storage, c->storage) != 0)
            NOTE("storage %s; ", t->storage);
#undef NOTE
        size_t len = strlen(note);
        if (len >= 2)
            note[len - 2] = '\0';
        json_t *samples = an_jget(t->rec, "samples");
        json_array_append_new(
            rows,
            json_pack("{s:i, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "index",
                      t->index, "arch", t->tag, "events", (json_int_t)t->stored,
                      "us_per_event", an_fnum(t->per_event_us), "whole_us",
                      an_fnum(t->stored > 0 ? t->whole_s / (double)t->stored * 1e6 : NAN),
                      "main_us", proc_us(t, main_roles), "service_us",
                      proc_us(t, svc_roles), "broker_us", proc_us(t, broker_roles),
                      "wall_s", an_fnum(t->wall_s), "samples",
                      /* 'o' steals the new "-", 'O' would leak it */
                      t->profiled && samples ? json_incref(samples) : json_string("-"),
                      "note", note));
    }
    return rows;
}

/* The trials table and chart. */
void an_trials(ctx *c) {
    const analysis_options *o = c->o;
    /* Trials table and chart. */
    json_object_set_new(c->a, "trials", trials_table(c));
    char target_label[64];
    snprintf(target_label, sizeof target_label, "target: direct median +%g%%",
             o->target_pct);
    json_object_set_new(
        c->charts, "trials",
        json_pack(
            "{s:s, s:s, s:o, s:s, s:{s:o, s:o, s:s}, s:[o, o]}", "unit", "us/event",
            "caption",
            "CPU per stored event (all processes) in each headline trial, in run order; "
            "lines are the medians, the band is the NATS median implied by the "
            "overhead's "
            "95% CI, the dashed line the target. Hollow dots are outliers.",
            "target_value", jsonfile_num(c->h.med_a * (1 + c->target)), "target_label",
            target_label, "band", "lo", jsonfile_num(c->h.med_a * (1 + c->h.lo)), "hi",
            jsonfile_num(c->h.med_a * (1 + c->h.hi)), "label",
            "NATS median implied by the overhead's 95% CI", "series",
            chart_series("direct", c->gd), chart_series(c->nats_arch, c->gn)));
}

/* The environment table: host, versions, git. */
void an_environment(ctx *c) {
    /* Environment. */
    {
        static const char *const labels[][2] = {
            {"cpu_model", "CPU (as the kernel names it)"},
            {"cpus", "CPUs"},
            {"compiler", "compiler"},
            {"cflags", "compiler flags"},
            {"glibc", "glibc"},
            {"sqlite_link", "SQLite linkage"},
            {"kernel", "kernel"},
            {"governor", "CPU frequency governor"},
            {"clk_tck", "clock ticks/s"},
            {"hostname", "host"},
            {"nats.c", "nats.c"},
            {"nats-server", "nats-server"},
            {"sqlite", "SQLite"},
            {"jansson", "jansson"},
            {"gperftools", "gperftools"},
        };
        json_t *env = json_array(), *v;
        const char *k;
        json_t *sources[2] = {an_jget(c->runj, "host"), an_jget(c->runj, "versions")};
        for (int src = 0; src < 2; src++)
            json_object_foreach(sources[src], k, v) {
                char val[256];
                const char *sv = json_string_value(v);
                /* nats-server --version says "nats-server: v2.9.10" */
                if (sv != NULL && strncmp(sv, "nats-server: ", 13) == 0)
                    sv += 13;
                if (sv != NULL)
                    snprintf(val, sizeof val, "%s", sv);
                else if (json_is_number(v))
                    snprintf(val, sizeof val, "%g", json_number_value(v));
                else
                    continue;
                if (src == 1 && json_object_get(sources[0], k) != NULL)
                    continue; /* e.g. the kernel, already listed with the host */
                const char *label = k;
                for (size_t l = 0; l < sizeof labels / sizeof labels[0]; l++)
                    if (strcmp(labels[l][0], k) == 0)
                        label = labels[l][1];
                json_array_append_new(
                    env, json_pack("{s:s, s:s}", "name", label, "value", val));
            }
        const char *sha = an_jstr(c->runj, "git.sha");
        if (sha != NULL) {
            char val[128];
            json_t *dirty = an_jget(c->runj, "git.dirty");
            snprintf(val, sizeof val, "%s%s", sha,
                     json_is_true(dirty)    ? " (dirty: uncommitted changes)"
                     : json_is_false(dirty) ? " (clean)"
                                            : "");
            json_array_append_new(env,
                                  json_pack("{s:s, s:s}", "name", "git", "value", val));
        }
        json_object_set_new(c->a, "environment", env);
    }
}
