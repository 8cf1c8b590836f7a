/* overhead: measure and explain the CPU cost of routing chat events through
 * NATS instead of writing them to SQLite directly. This file only dispatches
 * to the subcommands; each lives in its own cmd_<name>.c. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"report", cmd_report, "measure, analyse and publish the report (make report)"},
    {"repeat", cmd_repeat, "run the default report N times: do the runs agree?"},
    {"run", cmd_run, "run interleaved direct/NATS trials and write run records"},
    {"analyze", cmd_analyze, "analyse a run: overhead with CI, breakdown, hotspots (JSON)"},
    {"render", cmd_render, "render an analysis into CPU_OVERHEAD_ANALYSIS.{md,html,json}"},
    {"index", cmd_index, "rebuild the docs index of published reports"},
    {"top", cmd_top, "functions by CPU samples, like pprof -top"},
    {"json", cmd_json, "a profile as JSON (overhead.profile/1)"},
    {"folded", cmd_folded, "folded stacks for flame graphs"},
    {"speedscope", cmd_speedscope, "a profile in speedscope format"},
    {"diff", cmd_diff, "compare two sets of profiles per function"},
    {"pprof", cmd_pprof, "a profile symbolized, as pprof's profile.proto (gzipped)"},
    {"version", cmd_version, "print versions of overhead and its libraries"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: overhead <command> [options] [args]\n\n"
                 "Measure what routing chat events through NATS costs in CPU compared\n"
                 "with writing them to SQLite directly, and where that cost goes.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'overhead <command> --help' describes one command.\n"
                 "Exit status: 0 ok, 1 a failed check, 2 bad input or usage.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "overhead: unknown command '%s' (see 'overhead --help')\n", argv[1]);
    return 2;
}
