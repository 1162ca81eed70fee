/* jwks_fetch: keeps the keys of JWT authorizers fresh. A background thread
 * with its own store connection fetches, for every recorded source, the
 * issuer's OpenID configuration ({issuer}/.well-known/openid-configuration
 * → jwks_uri) or the explicit jwksUri, converts the JWKS (jwk.h) and, when
 * the keys changed, stores them and bumps the config version in one
 * transaction; the admin loop then publishes a snapshot. A failed
 * fetch keeps the last good keys and records the error. It runs every
 * refresh period and at once when woken (a JWT authorizer was written). */
#ifndef PORTICO_JWKS_FETCH_H
#define PORTICO_JWKS_FETCH_H

typedef struct jwks_fetch jwks_fetch_t;

/* Starts the thread. Returns 0, or -1 (logged). */
int jwks_fetch_start(const char *db_path, unsigned refresh_s, jwks_fetch_t **out);

/* 1 once after keys changed (and the version was bumped): the caller
 * publishes a snapshot. NULL is allowed. */
int jwks_fetch_take_changed(jwks_fetch_t *f);

/* Any thread; NULL is allowed (no fetcher). */
void jwks_fetch_wake(jwks_fetch_t *f);

/* Stops and joins the thread, then frees f. */
void jwks_fetch_stop(jwks_fetch_t *f);

#endif
