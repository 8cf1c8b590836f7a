/* report_data: the data published beside a report, in OUTDIR/data/, so that
 * a reader can open what the report cites and re-run its analysis:
 *   RUNDIR/{run.json, trial-NN-ARCH.json, PROFILE.prof}: the run records and
 *       the raw profiles of every run analysed (RUNDIR as it was given,
 *       relative; an absolute one becomes runs/<its base name>);
 *   profiles/ARCH.txt: pprof-style top 50 (flat and cumulative) of each
 *       architecture's profiled trials of the main run, pooled, copied to
 *       direct_profile.txt and nats_profile.txt (the headline NATS arch);
 *   profiles/ARCH.folded, profiles/ARCH.speedscope.json: the same pooled
 *       stacks for flame graph tools;
 *   README.md   what each file is and the command that re-creates
 *       CPU_OVERHEAD_ANALYSIS.json byte for byte from this folder.
 * The folder is replaced as a whole: built beside, then renamed in. */
#ifndef OVERHEAD_REPORT_DATA_H
#define OVERHEAD_REPORT_DATA_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* Write OUTDIR/data for the runs 'dirs' (the first is the main run) that
 * produced 'analysis'. 'analyze_opts' are the `overhead analyze` options
 * (already shell-quoted) that, with the run directories, reproduce the
 * analysis. 'repeatability', when not NULL, is the run-to-run file the
 * analysis used (`overhead repeat`), copied as data/repeatability.json.
 * Returns 0, or -1 with 'err' naming the file at fault. */
int report_data_write(const char *outdir, const char *const *dirs, size_t ndirs,
                      const char *analyze_opts, const char *repeatability,
                      json_t *analysis, error *err);

#endif
