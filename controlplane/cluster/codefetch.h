/* codefetch: the control plane's answer to a node asking for a function's
 * code by hash (KIND_CODE_FETCH, payload CodeFetch{node_id, code_sha256}) on
 * the REP socket: KIND_CODE with the zip's bytes, or KIND_ERROR "unknown
 * code". The zips come from a provider; codefetch_from_store reads them from
 * a store connection that belongs to the REP thread. */
#ifndef PORTICO_CODEFETCH_H
#define PORTICO_CODEFETCH_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

/* The zip whose SHA-256 is sha256 into a malloc'd *zip: 0, 1 when unknown,
 * -1 on failure. Called on the REP thread. */
typedef int (*codefetch_fn)(void *ctx, const uint8_t sha256[32], uint8_t **zip, size_t *len);

/* Fills reply (kind, payload; the caller adds timing, nonce and sends) for the
 * opened request req; *owned receives what reply's payload points into (free
 * it after sending; may be NULL). Returns 0, or -1 when nothing can be said
 * (out of memory). */
int codefetch_answer(const envelope_t *req, codefetch_fn fn, void *ctx, envelope_t *reply,
                     uint8_t **owned);

/* A codefetch_fn over a store_t (store_function.h). */
int codefetch_from_store(void *store, const uint8_t sha256[32], uint8_t **zip, size_t *len);

#endif
