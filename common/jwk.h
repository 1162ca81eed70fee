/* jwk: a JSON Web Key Set (RFC 7517) made ready for the data plane — every
 * usable signing key becomes {kid, kty, alg, crv, pem} (RSA and EC public
 * keys as PEM, built and checked with OpenSSL) or {kid, kty: "oct", alg, k}
 * (a symmetric secret, base64url). Keys for encryption ("use": "enc"), of
 * unknown types, RSA keys under 2048 bits and EC points off their curve are
 * left out. Pure functions; used by the control plane's JWKS fetcher and
 * the fuzzer. */
#ifndef PORTICO_JWK_H
#define PORTICO_JWK_H

#include <jansson.h>
#include <stddef.h>

#define JWK_MAX_KEYS 100
#define JWK_MIN_RSA_BITS 2048

/* Converts the JWKS text into a new JSON array (sorted by kid, so equal key
 * sets compare equal). Returns 0 with *keys, or -1 with a reason in err
 * (not JSON, no "keys" list, or no usable key). *skipped counts the keys
 * left out. */
int jwk_convert_set(const char *text, size_t len, json_t **keys, int *skipped, char *err,
                    size_t err_len);

/* The jwks_uri of an OpenID Provider configuration whose "issuer" must be
 * issuer; NULL with a reason in err. The result is malloc'd. */
char *jwk_discovery_jwks_uri(const char *text, size_t len, const char *issuer, char *err,
                             size_t err_len);

/* 1 when url may be fetched: https, or http to a loopback host (local
 * development; documented). */
int jwk_url_allowed(const char *url);

#endif
