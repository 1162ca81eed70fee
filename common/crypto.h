/* crypto: the hashing, MAC, randomness and identifier helpers both planes use
 * (all backed by OpenSSL's libcrypto). */
#ifndef PORTICO_CRYPTO_H
#define PORTICO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN 32

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                        uint8_t out[CRYPTO_SHA256_LEN]);

/* A reusable SHA-256 context for hot paths (the API key of every
 * request). crypto_sha256() looks the algorithm up on every call, which in
 * OpenSSL 3 takes a lock and costs several times the hash itself; a hasher
 * calls the digest directly, with no lookup and no allocation per call.
 * One per thread; NULL when out of memory. */
typedef struct crypto_hasher crypto_hasher_t;
crypto_hasher_t *crypto_hasher_create(void);
void crypto_hasher_destroy(crypto_hasher_t *h);
void crypto_hasher_sha256(crypto_hasher_t *h, const void *data, size_t len,
                          uint8_t out[CRYPTO_SHA256_LEN]);

/* Constant-time comparison; 1 when equal. Lengths are not secret. */
int crypto_equal(const void *a, size_t a_len, const void *b, size_t b_len);

/* Fills buf from the OS CSPRNG; aborts if the generator fails (nothing safe to do then). */
void crypto_random(void *buf, size_t len);

/* Writes len random chars of [a-z0-9] plus a NUL into out (size len + 1). */
void crypto_random_id(char *out, size_t len);

/* Writes len random chars of [A-Za-z0-9] plus a NUL (API key values, tokens). */
void crypto_random_token(char *out, size_t len);

/* Lower-case hex of len bytes into out (size 2 * len + 1). */
void crypto_hex(const uint8_t *in, size_t len, char *out);

/* Random RFC 4122 version 4 UUID, 36 chars plus NUL. */
void crypto_uuid4(char out[37]);

#endif
