/* sigv4_canon: the pieces of SigV4's canonical request that sigv4.c also
 * needs (internal to the sigv4 module). */
#ifndef PORTICO_SIGV4_CANON_H
#define PORTICO_SIGV4_CANON_H

#include <stddef.h>

/* Percent-decodes s[0..len) into out (capacity cap, NUL-terminated; '+' is
 * kept as '+'). Returns the decoded length, or -1 when malformed, holding a
 * NUL byte, or longer than cap - 1. */
long sigv4_decode(const char *s, size_t len, char *out, size_t cap);

#endif
