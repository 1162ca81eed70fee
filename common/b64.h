/* b64: standard base64 (RFC 4648 section 4, with padding) — the encoder
 * every plane uses, and the digit table the decoders share (their rules
 * differ: Java's for $util.base64Decode, the reference's for payloads). */
#ifndef PORTICO_B64_H
#define PORTICO_B64_H

#include <stddef.h>

/* How many bytes the encoding of n bytes takes (no NUL). */
#define B64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

/* Encodes src[0..n) into out (B64_ENCODED_LEN(n) bytes); returns that length. */
size_t b64_encode(const void *src, size_t n, char *out);

/* The value of a base64 digit, -1 for any other byte ('=' included). */
int b64_value(unsigned char c);

#endif
