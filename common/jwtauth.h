/* jwtauth: verifying a bearer JWT the way the reference's JWT authorizer
 * does — signature with a key from the issuer's JWKS, exp/nbf with a small
 * leeway, iss, aud (or client_id), and scopes. The algorithm is decided by
 * the key, never by the token alone: the header's alg must be one the key
 * allows (an RSA key allows RS256/384/512 or the one its JWK names, an EC
 * key the one of its curve, a symmetric key HS256/384/512), so "none" and
 * algorithm confusion (an RSA public key used as an HMAC secret) cannot
 * pass. Signatures are checked with OpenSSL's EVP (RSASSA-PKCS1-v1_5,
 * ECDSA with the JWS r||s form, HMAC) against keys parsed once by
 * jwtauth_key_load; libjwt gives the algorithm names (and is the unit
 * tests' cross-check). Pure functions: any thread (a loaded key is only
 * read). */
#ifndef PORTICO_JWTAUTH_H
#define PORTICO_JWTAUTH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JWTAUTH_LEEWAY_S 30
#define JWTAUTH_MAX_TOKEN 16384

/* Bits of the algorithms a key allows (1 << jwt_alg_t). */
typedef unsigned jwtauth_algs_t;

typedef struct {
    const char *kid; /* "" when the JWK named none */
    jwtauth_algs_t algs;
    const unsigned char *key; /* PEM public key, or the HMAC secret */
    size_t key_len;
    struct evp_pkey_st *pkey; /* key parsed by jwtauth_key_load; NULL: parsed on every call */
} jwtauth_key_t;

typedef struct {
    const char *issuer;
    const char *const *audience;
    size_t naudience;
    const jwtauth_key_t *keys;
    size_t nkeys;
} jwtauth_config_t;

enum jwtauth_result {
    JWTAUTH_OK = 0,
    JWTAUTH_MALFORMED = -1,
    JWTAUTH_BAD_ALG = -2, /* none, unknown, or not allowed by the key */
    JWTAUTH_UNKNOWN_KEY = -3,
    JWTAUTH_BAD_SIGNATURE = -4,
    JWTAUTH_EXPIRED = -5,
    JWTAUTH_NOT_YET_VALID = -6,
    JWTAUTH_BAD_ISSUER = -7,
    JWTAUTH_BAD_AUDIENCE = -8,
};

/* The algorithms a JWK allows from its kty, crv and (optional) alg; 0 when
 * the combination is unusable. */
jwtauth_algs_t jwtauth_key_algs(const char *kty, const char *crv, const char *alg);

/* Parses k's PEM public key once into k->pkey (symmetric keys: nothing to
 * do). -1 when it does not parse or its type does not fit k->algs; k is then
 * left unloaded (every signature on it fails). */
int jwtauth_key_load(jwtauth_key_t *k);

/* Frees what jwtauth_key_load made (k may be NULL). */
void jwtauth_key_unload(jwtauth_key_t *k);

/* Verifies token (len bytes, no "Bearer ") at time now (seconds). On
 * JWTAUTH_OK *claims (when not NULL) receives the payload (caller decrefs). */
int jwtauth_verify(const jwtauth_config_t *cfg, const char *token, size_t len, int64_t now,
                   json_t **claims);

/* 1 when the claims' scope (space-separated) or scp (list or string) holds
 * at least one of scopes (n == 0: always 1). */
int jwtauth_has_scope(json_t *claims, const char *const *scopes, size_t n);

const char *jwtauth_strerror(int rc);

/* base64url (padding optional) into a malloc'd buffer; NULL when malformed. */
unsigned char *jwtauth_b64url_decode(const char *in, size_t len, size_t *out_len);

#endif
