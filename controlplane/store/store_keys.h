/* store_keys: API keys, usage plans and their memberships.
 * A key is stored as the SHA-256 of its value plus a short prefix for
 * display; the value itself is never written. Usage plan documents are the
 * reference service's UsagePlan JSON; their apiStages are mirrored in
 * usage_plan_stages so the database can answer "which plans serve this
 * stage". Every function returns a store_err; json_t results are new
 * references the caller owns. */
#ifndef PORTICO_STORE_KEYS_H
#define PORTICO_STORE_KEYS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "keyrec.h"
#include "store.h"

#define STORE_KEY_PREFIX_LEN 4

typedef struct {
    const char *id;
    const char *name;
    const char *description;
    const char *customer_id;
    int enabled;
    uint8_t sha256[KEYREC_SHA_LEN];
    char prefix[STORE_KEY_PREFIX_LEN + 1];
} store_apikey_t;

/* STORE_ECONFLICT when a key with the same value (hash) exists. */
int store_apikey_insert(store_t *s, const store_apikey_t *k, int64_t now);
/* Updates name, description, customer_id and enabled (the hash never changes). */
int store_apikey_update(store_t *s, const store_apikey_t *k, int64_t now);
/* The reference's ApiKey document without its value, plus "valuePrefix". */
int store_apikey_get(store_t *s, const char *id, json_t **doc);
int store_apikey_sha(store_t *s, const char *id, uint8_t sha256[KEYREC_SHA_LEN]);
/* Keys with id > after, optionally whose name starts with name_prefix and
 * whose customerId equals customer_id, ordered by id. */
int store_apikey_list(store_t *s, const char *name_prefix, const char *customer_id,
                      const char *after, int limit, json_t **items, int *more);
int store_apikey_delete(store_t *s, const char *id);

/* Usage plans: doc is the UsagePlan document (with "id"). */
int store_plan_insert(store_t *s, const char *id, int64_t now, json_t *doc);
int store_plan_update(store_t *s, const char *id, json_t *doc);
int store_plan_get(store_t *s, const char *id, json_t **doc);
int store_plan_list(store_t *s, const char *key_id, const char *after, int limit, json_t **items,
                    int *more);
int store_plan_delete(store_t *s, const char *id);
/* Creation time in seconds (the quota's initial period). */
int store_plan_created_at(store_t *s, const char *id, int64_t *created_at);
/* Every plan with its creation time, for the snapshot compiler. */
typedef int (*store_plan_visit_fn)(void *ctx, json_t *doc, int64_t created_at);
int store_plan_visit_all(store_t *s, store_plan_visit_fn fn, void *ctx);

/* Memberships. add: STORE_ECONFLICT when already there. */
int store_plan_key_add(store_t *s, const char *plan_id, const char *key_id);
int store_plan_key_delete(store_t *s, const char *plan_id, const char *key_id);
/* {id, type, name, valuePrefix} of one member, or the page of members. */
int store_plan_key_get(store_t *s, const char *plan_id, const char *key_id, json_t **item);
int store_plan_key_list(store_t *s, const char *plan_id, const char *name_prefix, const char *after,
                        int limit, json_t **items, int *more);
/* 1 in *conflict when the key is in another plan that serves one of this
 * plan's stages (key_id NULL: any key of this plan). */
int store_plan_stage_conflict(store_t *s, const char *plan_id, const char *key_id, int *conflict);
/* SHA-256 of every member key (to announce changes when a plan goes). */
typedef int (*store_sha_visit_fn)(void *ctx, const uint8_t *sha256);
int store_plan_key_shas(store_t *s, const char *plan_id, store_sha_visit_fn fn, void *ctx);

/* Key records (keyrec.h) of every enabled key in a plan, appended to a
 * growing malloc'd buffer (*buf, *len, *cap; the caller frees *buf). */
int store_key_records_all(store_t *s, uint8_t **buf, size_t *len, size_t *cap);
/* The same for the key(s) whose value hashes to sha256. */
int store_key_records_for(store_t *s, const uint8_t *sha256, uint8_t **buf, size_t *len,
                          size_t *cap);

#endif
