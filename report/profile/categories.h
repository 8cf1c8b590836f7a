/* categories: rules that put a function into one of the overhead breakdown's
 * categories, read from data (report/data/categories.tsv), not code.
 *
 * File format: one rule per line, tab-separated,
 *     category <TAB> library-pattern <TAB> function-pattern
 * patterns are fnmatch(3) globs ("*" matches anything); '#' starts a comment
 * line. The first matching rule wins; no match is "other". Categories must
 * be one of CATEGORIES_NAMES.
 *
 * A library field that names a static archive ("libsqlite3.a", no glob
 * characters) matches a function of an executable (a module without ".so")
 * that the archive defines, from the archives table ("archive <TAB> function"
 * lines, report/data/archives.tsv, made by scripts/archive-functions.sh):
 * the workloads link SQLite and jansson statically.
 *
 * The category "(caller)" says a function is its caller's cost (libc's
 * memcpy and strlen variants, its locking internals): as a function it is
 * "other", and aggregate_stack_category charges its samples as a leaf to its
 * nearest caller that is not itself a "(caller)" function. */
#ifndef OVERHEAD_CATEGORIES_H
#define OVERHEAD_CATEGORIES_H

#include <stddef.h>

#include "error.h"

/* The categories, in report order. */
extern const char *const categories_names[];
extern const size_t categories_count;

/* "unattributed": the category of samples whose leaf no symbol names and no
 * rule places (see aggregate_stack_category). Not a rule's category: rules
 * cannot name it, and it is not one of categories_names. */
extern const char *const categories_unattributed;

typedef struct categories categories;

/* Parse rules from 'text' ('label' names it in errors: "FILE:LINE: ..."). */
int categories_parse(categories **out, const char *text, const char *label, error *err);

/* Add an archives table (see above) to 'c'; 'label' names it in errors. */
int categories_parse_archives(categories *c, const char *text, const char *label,
                              error *err);

/* Read and parse a rules file, and when a rule names an archive, the
 * archives table "archives.tsv" in the same folder (an error if it is
 * missing or does not list that archive). */
int categories_load(categories **out, const char *path, error *err);

/* The category of a function in a library (never NULL; "other" when no rule
 * matches). The string is static. */
const char *categories_match(const categories *c, const char *module,
                             const char *function);

/* As categories_match; *caller (may be NULL) is set to 1 when the matching
 * rule is a "(caller)" rule (the result is then "other"). */
const char *categories_lookup(const categories *c, const char *module,
                              const char *function, int *caller);

/* Number of rules. */
size_t categories_rules(const categories *c);

/* Free. NULL is a no-op. */
void categories_free(categories *c);

#endif
