/* sigv4_sign: SigV4 for requests Portico sends (a node calling a remote
 * Lambda Invoke API with the credentials of its environment): the same
 * canonical request as verification (sigv4_canon.c), signed headers host,
 * x-amz-date and, with a session token, x-amz-security-token; the payload
 * hash is the body's SHA-256. */
#ifndef PORTICO_SIGV4_SIGN_H
#define PORTICO_SIGV4_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sigv4.h"

/* "20260101T000000Z" for now (seconds since the epoch) into out[17]. */
void sigv4_amz_date(int64_t now, char out[17]);

/* The Authorization header value for r (whose headers hold host, x-amz-date
 * = amz_date and, when token is non-NULL, x-amz-security-token) into out.
 * 0, or -1 when r cannot be signed or out is too small. */
int sigv4_sign(const sigv4_request_t *r, const char *amz_date, const char *access_key,
               const char *secret, const char *token, const char *region, const char *service,
               const void *body, size_t len, char *out, size_t out_len);

#endif
