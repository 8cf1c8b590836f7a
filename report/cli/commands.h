/* commands: the `overhead` subcommands. Each takes the arguments after its
 * own name (argv[0] is the subcommand name) and returns the process exit
 * status: 0 ok, 1 a failed check or a runtime failure, 2 bad input or usage.
 * To add one, define it in its own cmd_<name>.c and list it in main.c; parse
 * its options with opts.h and report its failure with cli_fail (cli.h). */
#ifndef OVERHEAD_COMMANDS_H
#define OVERHEAD_COMMANDS_H

int cmd_version(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_index(int argc, char **argv);

int cmd_run(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_repeat(int argc, char **argv);

int cmd_top(int argc, char **argv);
int cmd_json(int argc, char **argv);
int cmd_folded(int argc, char **argv);
int cmd_speedscope(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_pprof(int argc, char **argv);

#endif
