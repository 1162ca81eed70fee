/* store_sealed: secrets the control plane keeps at rest only sealed
 * (sealbox.h, under the key in DATA-DIR/sealing.key): the secret keys of the
 * management API's SigV4 access keys, and API key values (so includeValue
 * can answer them as the reference does). This file stores and reads the
 * sealed bytes; sealing and opening happen in the admin layer. Every
 * function returns a store_err; buffers returned are malloc'd. */
#ifndef PORTICO_STORE_SEALED_H
#define PORTICO_STORE_SEALED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- access keys (table access_keys) ---- */

/* STORE_ECONFLICT when the id exists. */
int store_accesskey_insert(store_t *s, const char *id, const uint8_t *sealed, size_t len,
                           const char *description, const char *policy, int64_t now);
/* The sealed secret of id; STORE_ENOTFOUND when unknown. */
int store_accesskey_sealed(store_t *s, const char *id, uint8_t **sealed, size_t *len);
/* {accessKeyId, description, createdDate[, policy]} of one key or of all (by id). */
int store_accesskey_get(store_t *s, const char *id, json_t **doc);
int store_accesskey_list(store_t *s, json_t **items);
int store_accesskey_delete(store_t *s, const char *id);
/* Every key with a policy (those that may invoke AWS_IAM methods). */
typedef int (*store_accesskey_visit_fn)(void *ctx, const char *id, const uint8_t *sealed,
                                        size_t len, const char *policy);
int store_accesskey_visit_invokers(store_t *s, store_accesskey_visit_fn fn, void *ctx);

/* ---- API key values (column api_keys.sealed_value) ---- */

int store_apikey_set_sealed(store_t *s, const char *id, const uint8_t *sealed, size_t len);
/* STORE_ENOTFOUND when the key is unknown or its value was not kept. */
int store_apikey_sealed(store_t *s, const char *id, uint8_t **sealed, size_t *len);

#endif
