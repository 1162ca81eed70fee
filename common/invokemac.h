/* invokemac: how the control plane proves to a data-plane node that an
 * Invoke it forwards (POST /.portico/invoke/{function}) comes from it: a
 * header "t=<ms>;n=<32 hex>;m=<64 hex>" where m is HMAC-SHA256 under the
 * cluster secret of "portico-invoke\n" t "\n" n "\n" the function reference
 * "\n" the invocation type "\n" the hex SHA-256 of the body. The node takes
 * it when t is within FRESH_WINDOW_MS of its clock and n was not seen in
 * that window (the caller keeps the nonces). */
#ifndef PORTICO_INVOKEMAC_H
#define PORTICO_INVOKEMAC_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define INVOKEMAC_HEADER "x-portico-invoke"
#define INVOKEMAC_PATH "/.portico/invoke/"
#define INVOKEMAC_VALUE_LEN (2 + 13 + 3 + 32 + 3 + 64 + 1)

/* The header value for a fresh nonce into out (INVOKEMAC_VALUE_LEN + 1 bytes). */
void invokemac_make(const envelope_secret_t *secret, uint64_t now_ms, const char *ref,
                    const char *type, const void *body, size_t len, char *out, size_t out_len);

/* 0 when value carries a valid MAC for these fields (its time and nonce into
 * *t_ms and nonce[16]), -1 when not. The caller checks freshness and replay. */
int invokemac_check(const envelope_secret_t *secret, const char *value, size_t value_len,
                    const char *ref, const char *type, const void *body, size_t len, uint64_t *t_ms,
                    uint8_t nonce[16]);

#endif
