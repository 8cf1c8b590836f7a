/* categories: rules that put a function into one of the overhead breakdown's
 * categories, read from data (report/data/categories.tsv), not code.
 *
 * File format: one rule per line, tab-separated,
 *     category <TAB> library-pattern <TAB> function-pattern
 * patterns are fnmatch(3) globs ("*" matches anything); '#' starts a comment
 * line. The first matching rule wins; no match is "other". Categories must
 * be one of CATEGORIES_NAMES. */
#ifndef OVERHEAD_CATEGORIES_H
#define OVERHEAD_CATEGORIES_H

#include <stddef.h>

#include "error.h"

/* The categories, in report order. */
extern const char *const categories_names[];
extern const size_t categories_count;

typedef struct categories categories;

/* Parse rules from 'text' ('label' names it in errors: "FILE:LINE: ..."). */
int categories_parse(categories **out, const char *text, const char *label, error *err);

/* Read and parse a rules file. */
int categories_load(categories **out, const char *path, error *err);

/* The category of a function in a library (never NULL; "other" when no rule
 * matches). The string is static. */
const char *categories_match(const categories *c, const char *module,
                             const char *function);

/* Number of rules. */
size_t categories_rules(const categories *c);

/* Free. NULL is a no-op. */
void categories_free(categories *c);

#endif
