/* stats_int: helpers shared by the files of the stats module (stats.c,
 * stats_paired.c); not part of its interface. */
#ifndef OVERHEAD_STATS_INT_H
#define OVERHEAD_STATS_INT_H

#include <stddef.h>

#include "stats.h"

/* qsort comparison of doubles, ascending. */
int stats_cmp_double(const void *pa, const void *pb);
/* An interval with nothing computed yet: the level, method and sizes set,
 * the rest NAN. */
void stats_interval_init(stats_interval *out, size_t na, size_t nb, double level,
                         int method);
/* est, lo, hi from the log scale to b / a - 1 (and half from them). */
void stats_to_ratio(stats_interval *out);
/* lo/hi/half/p of a t interval around out->est with standard error se and
 * df degrees of freedom. */
void stats_t_fill(stats_interval *out, double se, double df);

#endif
