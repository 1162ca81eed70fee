/* sealbox: secrets that travel inside snapshots (custom domains' private
 * keys) are sealed with AES-256-GCM under a key derived from the cluster
 * secret, so neither the wire (NNG carries snapshots authenticated, not
 * encrypted) nor a data plane's state file holds them in clear. Sealed form:
 * nonce (12) ‖ ciphertext ‖ tag (16). */
#ifndef PORTICO_SEALBOX_H
#define PORTICO_SEALBOX_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define SEALBOX_OVERHEAD (12 + 16)

/* Seals len bytes into a malloc'd buffer of len + SEALBOX_OVERHEAD; NULL on failure. */
uint8_t *sealbox_seal(const envelope_secret_t *secret, const void *data, size_t len,
                      size_t *out_len);

/* Opens a sealed buffer into a malloc'd, NUL-terminated plaintext (wipe and
 * free it with sealbox_free); NULL when it was tampered with or sealed under
 * another secret. */
char *sealbox_open(const envelope_secret_t *secret, const uint8_t *sealed, size_t len,
                   size_t *out_len);

void sealbox_free(char *plain, size_t len);

#endif
