/* store_api: persistence of REST API definitions — the restapis table and the
 * document tables under it (methods, integrations and their responses), plus
 * the resource tree. Documents are JSON objects in the reference service's
 * shape, validated by the admin layer before they get here. Every function
 * returns a store_err; json_t results are new references the caller owns. */
#ifndef PORTICO_STORE_API_H
#define PORTICO_STORE_API_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

int store_restapi_insert(store_t *s, const char *id, int64_t created, json_t *doc);
int store_restapi_update(store_t *s, const char *id, json_t *doc);
int store_restapi_get(store_t *s, const char *id, json_t **doc);
/* Up to `limit` APIs with id > after (NULL: from the start), ordered by id;
 * *more tells whether another page exists. */
int store_restapi_list(store_t *s, const char *after, int limit, json_t **items, int *more);
int store_restapi_delete(store_t *s, const char *id);

/* Resources: {id, parentId, pathPart, path} objects (parentId absent at the root). */
int store_resource_insert(store_t *s, const char *api_id, const char *id, const char *parent_id,
                          const char *path_part, const char *path);
int store_resource_get(store_t *s, const char *api_id, const char *id, json_t **res);
int store_resource_list(store_t *s, const char *api_id, const char *after, int limit,
                        json_t **items, int *more);
int store_resource_delete(store_t *s, const char *api_id, const char *id);
/* Direct children of parent_id as an array of resource objects. */
int store_resource_children(store_t *s, const char *api_id, const char *parent_id, json_t **items);

/* Document tables keyed by (api_id, resource_id, http_method[, status_code]). */
enum store_doc_kind {
    STORE_DOC_METHOD,
    STORE_DOC_METHOD_RESPONSE,
    STORE_DOC_INTEGRATION,
    STORE_DOC_INTEGRATION_RESPONSE,
};

/* keys: api_id, resource_id, http_method and, for responses, status_code.
 * put inserts or replaces; the parent row must exist (else STORE_ECONFLICT). */
int store_doc_put(store_t *s, enum store_doc_kind kind, const char *const *keys, json_t *doc);
int store_doc_get(store_t *s, enum store_doc_kind kind, const char *const *keys, json_t **doc);
int store_doc_delete(store_t *s, enum store_doc_kind kind, const char *const *keys);
/* Children of one parent as an object keyed by their last key (http_method or
 * status_code); keys holds every key but the last. */
int store_doc_children(store_t *s, enum store_doc_kind kind, const char *const *keys, json_t **obj);

/* Every row of a kind for one API, in key order, for the deployment compiler.
 * keys[] passed to the callback: resource_id, http_method[, status_code]. */
typedef int (*store_doc_visit_fn)(void *ctx, const char *const *keys, json_t *doc);
int store_doc_visit_api(store_t *s, enum store_doc_kind kind, const char *api_id,
                        store_doc_visit_fn fn, void *ctx);

#endif
