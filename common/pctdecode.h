/* pctdecode: the one percent-decoding rule for request values (query
 * strings, path parameters, form bodies): "%XY" with two hex digits becomes
 * that byte, a malformed escape stays as written, '+' becomes a space only
 * where asked (query strings as the reference's events show them). The
 * result is bytes: callers that need text check UTF-8 themselves. */
#ifndef PORTICO_PCTDECODE_H
#define PORTICO_PCTDECODE_H

#include <stddef.h>

/* The value of one hex digit, -1 for any other character. */
int pct_hexval(int c);

/* Decodes s[0..len) into out (room for len bytes); returns the decoded length. */
size_t pct_decode(const char *s, size_t len, int plus, char *out);

#endif
