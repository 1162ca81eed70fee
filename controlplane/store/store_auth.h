/* store_auth: authorizers and gateway responses of an API (reference JSON
 * documents keyed by api and id / response type), and the JWKS sources of
 * JWT authorizers with their last good keys. Every function returns a
 * store_err; json_t results are new references the caller owns. */
#ifndef PORTICO_STORE_AUTH_H
#define PORTICO_STORE_AUTH_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

int store_authorizer_put(store_t *s, const char *api_id, const char *id, json_t *doc);
int store_authorizer_get(store_t *s, const char *api_id, const char *id, json_t **doc);
/* Every authorizer of an API, ordered by id. */
int store_authorizer_list(store_t *s, const char *api_id, json_t **items);
int store_authorizer_delete(store_t *s, const char *api_id, const char *id);
/* "VERB /path" of one method using the authorizer, or STORE_ENOTFOUND. */
int store_authorizer_user(store_t *s, const char *api_id, const char *id, char **method);

int store_gwresp_put(store_t *s, const char *api_id, const char *type, json_t *doc);
int store_gwresp_get(store_t *s, const char *api_id, const char *type, json_t **doc);
int store_gwresp_delete(store_t *s, const char *api_id, const char *type);
/* The overrides of an API as an object keyed by response type. */
int store_gwresp_all(store_t *s, const char *api_id, json_t **obj);

/* Records a JWKS source (nothing when it exists). jwks_uri "" = discovery. */
int store_jwks_ensure(store_t *s, const char *issuer, const char *jwks_uri);
/* The last good keys of a source (a JSON array, see jwk.h) and when fetched. */
int store_jwks_keys(store_t *s, const char *issuer, const char *jwks_uri, json_t **keys,
                    int64_t *fetched_at_ms);
/* Every source: [{issuer, jwksUri, keys, fetchedAt, checkedAt, error}]. */
int store_jwks_list(store_t *s, json_t **items);
/* After a fetch: keys (NULL keeps the last good ones), times, error ("" ok). */
int store_jwks_record(store_t *s, const char *issuer, const char *jwks_uri, json_t *keys,
                      int64_t now_ms, const char *error);

#endif
