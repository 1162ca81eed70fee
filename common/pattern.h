/* pattern: the reference service's regular expressions (selection patterns,
 * identity validation expressions) are Java-flavoured; PCRE2 reads that
 * syntax (\d, \w, non-greedy, ...). Compiled patterns are immutable and may
 * be matched from any thread. */
#ifndef PORTICO_PATTERN_H
#define PORTICO_PATTERN_H

#include <stddef.h>

typedef struct pattern pattern_t;

/* Returns NULL with a reason in err when re does not compile. */
pattern_t *pattern_compile(const char *re, char *err, size_t err_len);
void pattern_free(pattern_t *p);

/* 1 when the whole subject matches (as Java's String.matches), else 0. */
int pattern_matches(const pattern_t *p, const char *subject, size_t len);

#endif
