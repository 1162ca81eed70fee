/* envelope: authenticated framing for every cluster message.
 * envelope_seal() packs a payload into a Portico__Envelope with its SHA-256
 * and an HMAC-SHA256 over the header fields; envelope_open() checks the MAC
 * (constant time) and the payload hash before anything else reads it. */
#ifndef PORTICO_ENVELOPE_H
#define PORTICO_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "portico.pb-c.h"

typedef struct {
    const uint8_t *data;
    size_t len;
} envelope_secret_t;

enum envelope_err {
    ENVELOPE_OK = 0,
    ENVELOPE_EDECODE = -1, /* not a well-formed envelope */
    ENVELOPE_EMAC = -2,    /* MAC missing or wrong: wrong secret or tampered */
    ENVELOPE_EHASH = -3,   /* payload does not match payload_sha256 */
    ENVELOPE_ENOMEM = -4,
};

typedef struct {
    Portico__MessageKind kind;
    uint64_t version;
    uint64_t sent_at_ms;
    const uint8_t *nonce; /* NULL when absent */
    size_t nonce_len;
    const uint8_t *payload;
    size_t payload_len;
    uint8_t payload_sha256[32];
    /* freshness (common/fresh.h); sender NULL or at most ENVELOPE_MAX_SENDER bytes */
    const char *sender;
    uint64_t incarnation;
    uint64_t seq;
} envelope_t;

#define ENVELOPE_MAX_SENDER 256

/* Packs env into a malloc'd buffer (*out, *out_len) the caller frees. */
int envelope_seal(const envelope_secret_t *secret, const envelope_t *env, uint8_t **out,
                  size_t *out_len);

/* Verifies and decodes; on success *env points into *owner, which the caller
 * releases with envelope_free(). */
int envelope_open(const envelope_secret_t *secret, const uint8_t *buf, size_t len, envelope_t *env,
                  Portico__Envelope **owner);
void envelope_free(Portico__Envelope *owner);

const char *envelope_strerror(int err);

#endif
