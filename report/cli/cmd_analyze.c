/* overhead analyze: a run directory -> analysis JSON (overhead.analysis/1). */
#include "commands.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "fileio.h"
#include "opts.h"

static void analyze_usage(FILE *out) {
    fprintf(out,
            "usage: overhead analyze [options] RUNDIR [RUNDIR...]\n\n"
            "Analyse the trials of runs made by 'overhead run' (several runs are analysed\n"
            "together; the first is the main one): per-event CPU of every\n"
            "process, the overhead (Hodges-Lehmann, exact rank interval with the\n"
            "coverage it achieves, unprofiled trials) and Mann-Whitney p-value, the\n"
            "verdicts per event and at the chat rate, the breakdown per process and\n"
            "trial, the hotspots and the recommendation rules. Writes JSON (schema\n"
            "overhead.analysis/1).\n\n"
            "options:\n"
            "  -o, --output FILE      write there (atomically) instead of stdout\n"
            "      --target PCT       overhead target in percent (default 5)\n"
            "      --reference PCT    the figure the team quoted (default 5.80)\n"
            "      --team-rate R      also give the rate model's verdict at R events/s\n"
            "      --chat-rate R      the chat-rate section's events/s when several rates\n"
            "                         were measured (default: the rate with most trials)\n"
            "      --nats-arch ARCH   headline NATS architecture: nats or nats-2p\n"
            "                         (default: nats-2p when measured)\n"
            "      --storage NAME     headline storage setting (default: the first)\n"
            "      --sprint NAME      sprint name for the report metadata\n"
            "      --reproduce CMD    the command line that reproduces the report\n"
            "      --categories FILE  category rules (default report/data/categories.tsv)\n"
            "      --functions FILE   known function descriptions (default\n"
            "                         report/data/functions.tsv)\n"
            "      --repeatability FILE  the run-to-run component measured by\n"
            "                         'overhead repeat' (overhead.repeatability/1):\n"
            "                         stated beside the headline when it was measured\n"
            "                         on this run's host\n"
            "      --bootstrap N      accepted and ignored: the intervals are exact now\n"
            "      --seed N           accepted and ignored (was the bootstrap seed)\n"
            "      --accept-loss      analyse a run whose trials lost events (the\n"
            "                         report says so); otherwise that is exit 1\n"
            "      --allow-unnamed    go on when a raw profile (*.prof without its\n"
            "                         symbolized *.pb.gz beside it) names a binary that\n"
            "                         is missing or has changed: its functions stay\n"
            "                         unnamed and the report's header names it;\n"
            "                         otherwise that is exit 2\n"
            "  -h, --help             this help\n\n"
            "Exit status: 0 ok, 1 a failed check (lost events, too few trials),\n"
            "2 bad input (not a run directory, malformed record or profile).\n");
}

int cmd_analyze(int argc, char **argv) {
    analysis_options o;
    analysis_defaults(&o);
    o.categories = cli_data_file("categories.tsv");
    o.functions = cli_data_file("functions.tsv");
    const char *output = NULL;
    const opt_spec specs[] = {
        OPT_STRING("output", 'o', &output),
        OPT_DOUBLE("target", 0, &o.target_pct, 0, 1e6),
        OPT_DOUBLE("reference", 0, &o.reference_pct, 0, 1e6),
        OPT_DOUBLE("team-rate", 0, &o.team_rate, 0, 1e9),
        OPT_DOUBLE("chat-rate", 0, &o.chat_rate, 0, 1e9),
        OPT_CHOICE("nats-arch", 0, &o.nats_arch, "nats|nats-2p"),
        OPT_STRING("storage", 0, &o.storage),
        OPT_STRING("sprint", 0, &o.sprint),
        OPT_STRING("reproduce", 0, &o.reproduce),
        OPT_STRING("categories", 0, &o.categories),
        OPT_STRING("functions", 0, &o.functions),
        OPT_STRING("repeatability", 0, &o.repeatability),
        OPT_INT("bootstrap", 0, &o.bootstrap_iters, 100, 1000000),
        OPT_INT("seed", 0, &o.seed, 0, LLONG_MAX),
        OPT_FLAG("accept-loss", 0, &o.accept_loss, 1),
        OPT_FLAG("allow-unnamed", 0, &o.allow_unnamed, 1),
        OPT_HELP,
        OPT_END,
    };
    opts_args args = {0};
    error err;
    error_clear(&err);
    int rc = opts_parse(specs, argc, argv, &args, &err);
    if (rc == OPTS_OK && args.n == 0)
        rc = error_set(&err, ERR_INPUT, "expected a RUNDIR (see 'overhead analyze --help')");
    if (rc != OPTS_OK) {
        opts_args_free(&args);
        if (rc == OPTS_HELP)
            analyze_usage(stdout);
        return rc == OPTS_HELP ? 0 : cli_fail("analyze", &err);
    }
    json_t *a = NULL;
    rc = analysis_run(&a, (const char *const *)args.v, (size_t)args.n, &o, &err);
    opts_args_free(&args);
    if (rc != 0)
        return cli_fail("analyze", &err);
    char *text = json_dumps(a, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(a);
    if (text == NULL)
        return cli_failf("analyze", ERR_NOMEM, "out of memory");
    rc = 0;
    if (output == NULL)
        puts(text);
    else if (file_write_atomic(output, text, strlen(text), &err) != 0)
        rc = cli_fail("analyze", &err);
    free(text);
    return rc;
}
