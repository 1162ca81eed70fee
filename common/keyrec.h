/* keyrec: the packed key record both planes share. A snapshot's
 * key table and a key delta carry (key, usage plan) memberships as
 * KEYREC_LEN-byte records back to back, so a data plane can index a million
 * keys without decoding a million protobuf messages:
 *   [0, 32)   SHA-256 of the key value
 *   [32, 42)  API key id (KEYREC_KEY_ID_LEN characters)
 *   [42, 48)  usage plan id (KEYREC_PLAN_ID_LEN characters) */
#ifndef PORTICO_KEYREC_H
#define PORTICO_KEYREC_H

#include <stdint.h>
#include <string.h>

#define KEYREC_LEN 48
#define KEYREC_SHA_LEN 32
#define KEYREC_KEY_ID_LEN 10
#define KEYREC_PLAN_ID_LEN 6
#define KEYREC_KEY_ID_AT 32
#define KEYREC_PLAN_ID_AT 42

/* The (key id, plan id) pair, 16 contiguous bytes: identifies a quota. */
#define KEYREC_USAGE_ID_LEN (KEYREC_KEY_ID_LEN + KEYREC_PLAN_ID_LEN)

/* Writes one record; the ids must have exactly their fixed lengths. */
static inline void keyrec_pack(uint8_t *out, const uint8_t *sha256, const char *key_id,
                               const char *plan_id)
{
    memcpy(out, sha256, KEYREC_SHA_LEN);
    memcpy(out + KEYREC_KEY_ID_AT, key_id, KEYREC_KEY_ID_LEN);
    memcpy(out + KEYREC_PLAN_ID_AT, plan_id, KEYREC_PLAN_ID_LEN);
}

/* The first 8 bytes of the digest: uniformly distributed, so a hash index
 * can use them directly. */
static inline uint64_t keyrec_hash(const uint8_t *sha256)
{
    uint64_t h;
    memcpy(&h, sha256, sizeof(h));
    return h;
}

#endif
