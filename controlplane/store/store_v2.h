/* store_v2: persistence of apigatewayv2 APIs (HTTP and WebSocket) — the API
 * documents, the documents under them (routes, integrations, authorizers,
 * models, route and integration responses, all in v2_items), deployments
 * (frozen V2ApiDefinition bytes) and stages. Documents are the reference
 * service's JSON (camelCase), validated by the admin layer; dates come back
 * as ISO 8601 strings. Every function returns a store_err; json_t results
 * are new references the caller owns. */
#ifndef PORTICO_STORE_V2_H
#define PORTICO_STORE_V2_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* "2026-11-30T13:00:00Z" for seconds since the epoch (out: 21 bytes or more). */
void store_v2_iso(int64_t t, char *out, size_t len);

/* ---- APIs: doc without createdDate (added on reads) ---- */
int store_v2_api_insert(store_t *s, const char *id, int64_t created, json_t *doc);
int store_v2_api_update(store_t *s, const char *id, json_t *doc);
int store_v2_api_get(store_t *s, const char *id, json_t **doc);
/* Up to limit APIs with id > after (NULL: from the start); *more: another page exists. */
int store_v2_api_list(store_t *s, const char *after, int limit, json_t **items, int *more);
int store_v2_api_delete(store_t *s, const char *id);

/* ---- documents under an API ---- */
#define STORE_V2_ROUTE "route"
#define STORE_V2_INTEGRATION "integration"
#define STORE_V2_AUTHORIZER "authorizer"
#define STORE_V2_MODEL "model"
#define STORE_V2_ROUTE_RESPONSE "routeresponse"             /* parent: a route */
#define STORE_V2_INTEGRATION_RESPONSE "integrationresponse" /* parent: an integration */

typedef struct {
    const char *api_id;
    const char *kind;      /* STORE_V2_* */
    const char *parent_id; /* "" for documents directly under the API */
    const char *id;
    const char *name; /* unique among siblings: route key, name, response key */
} store_v2_key_t;

/* STORE_ECONFLICT when a sibling has the same name (or the API is gone). */
int store_v2_item_insert(store_t *s, const store_v2_key_t *k, json_t *doc);
/* Replaces name and document; STORE_ENOTFOUND when absent. */
int store_v2_item_update(store_t *s, const store_v2_key_t *k, json_t *doc);
/* k->name is not used. */
int store_v2_item_get(store_t *s, const store_v2_key_t *k, json_t **doc);
/* Siblings (k->id and k->name not used) with id > after, ordered by id. */
int store_v2_item_list(store_t *s, const store_v2_key_t *k, const char *after, int limit,
                       json_t **items, int *more);
/* Deletes one document and the responses under it. */
int store_v2_item_delete(store_t *s, const store_v2_key_t *k);
/* Every document of one kind in an API, for the compiler (all parents). */
typedef int (*store_v2_item_fn)(void *ctx, const char *parent_id, json_t *doc);
int store_v2_item_visit(store_t *s, const char *api_id, const char *kind, store_v2_item_fn fn,
                        void *ctx);

/* ---- deployments ---- */
int store_v2_deployment_insert(store_t *s, const char *api_id, const char *id, int64_t created,
                               const char *description, int auto_deployed, const uint8_t *def,
                               size_t def_len);
/* {deploymentId, createdDate, description?, autoDeployed, deploymentStatus} */
int store_v2_deployment_get(store_t *s, const char *api_id, const char *id, json_t **out);
int store_v2_deployment_list(store_t *s, const char *api_id, const char *after, int limit,
                             json_t **items, int *more);
int store_v2_deployment_describe(store_t *s, const char *api_id, const char *id,
                                 const char *description);
/* STORE_ECONFLICT while a stage points at it. */
int store_v2_deployment_delete(store_t *s, const char *api_id, const char *id);
/* The frozen V2ApiDefinition bytes, malloc'd for the caller. */
int store_v2_deployment_definition(store_t *s, const char *api_id, const char *id, uint8_t **def,
                                   size_t *len);

/* ---- stages: the reference's Stage JSON; deploymentId mirrored in a column ---- */
int store_v2_stage_insert(store_t *s, const char *api_id, const char *name, int64_t now,
                          json_t *doc);
int store_v2_stage_update(store_t *s, const char *api_id, const char *name, int64_t now,
                          json_t *doc);
/* With createdDate and lastUpdatedDate. */
int store_v2_stage_get(store_t *s, const char *api_id, const char *name, json_t **doc);
int store_v2_stage_list(store_t *s, const char *api_id, const char *after, int limit,
                        json_t **items, int *more);
int store_v2_stage_delete(store_t *s, const char *api_id, const char *name);
/* Every stage of every v2 API, for the snapshot compiler. */
typedef int (*store_v2_stage_fn)(void *ctx, const char *api_id, json_t *doc);
int store_v2_stage_visit_all(store_t *s, store_v2_stage_fn fn, void *ctx);

#endif
