/* admin_v2: what the apigatewayv2 handlers share — the API of {api_id},
 * paging with maxResults/nextToken and {"items", "nextToken"}, the generic
 * create/get/list/update/delete of the documents under an API (one
 * admin_v2_kind_t per family: routes, integrations, authorizers, models,
 * route and integration responses), deployments (freezing the API), and the
 * end of every change: an API with autoDeploy stages is redeployed to them
 * inside the same transaction. */
#ifndef PORTICO_ADMIN_V2_H
#define PORTICO_ADMIN_V2_H

#include "admin.h"
#include "store_v2_check.h"

/* Loads {api_id}: *doc (optional, new reference) and *p (optional). Replies
 * 404 and returns -1 when it does not exist. */
int admin_v2_require_api(admin_call_t *c, json_t **doc, enum store_v2_protocol *p);

/* maxResults (1..500, default 100) and nextToken; replies 400 and returns -1. */
int admin_v2_page(admin_call_t *c, int *limit, const char **after);
/* 200 {"items": items[, "nextToken": the last item's id_field]} */
void admin_v2_reply_page(admin_call_t *c, json_t *items, int more, const char *id_field);

/* Freezes api_id into a new deployment (id written to dep_id, 8 bytes).
 * Inside the caller's transaction; returns a store_err. */
int admin_v2_deploy(admin_call_t *c, const char *api_id, const char *description, int auto_deployed,
                    char *dep_id);
/* Inside the transaction of a change to api_id's definition: redeploys the
 * API to its autoDeploy stages (then publishes them) or records a stored-only
 * change. Returns a store_err. */
int admin_v2_changed(admin_call_t *c, const char *api_id);

/* ---- documents under an API ---- */
typedef struct admin_v2_kind {
    const char *kind;       /* STORE_V2_* */
    const char *what;       /* "Route": for messages */
    const char *id_field;   /* "routeId" */
    const char *id_arg;     /* "route_id" */
    const char *parent_arg; /* NULL, or "route_id" / "integration_id" */
    const char *parent_kind;
    const char *name_field; /* unique among siblings: "routeKey"; required on create */
    const admin_field_t *fields;
    /* Completes and validates the merged document (old: NULL on create);
     * replies 400 and returns -1 when it refuses. */
    int (*check)(admin_call_t *c, json_t *api, enum store_v2_protocol p, json_t *doc, json_t *old);
    /* Optional: inside the write transaction, after the write (a store_err). */
    int (*after_write)(admin_call_t *c, json_t *doc);
    /* Optional: after a committed create or update. */
    void (*after_commit)(admin_call_t *c, json_t *doc);
    /* Optional: refuses a delete (replies and returns -1), e.g. while routes use it. */
    int (*before_delete)(admin_call_t *c, const char *id);
} admin_v2_kind_t;

/* 1 when a route of {api_id} has field (e.g. "authorizerId") equal to value;
 * -1 after answering 500 when the store fails. */
int admin_v2_routes_use(admin_call_t *c, const char *field, const char *value);

/* The families OpenAPI import writes (admin_v2_route.c, admin_v2_integration.c,
 * admin_v2_auth.c). */
extern const admin_v2_kind_t admin_v2_route_kind, admin_v2_integration_kind,
    admin_v2_authorizer_kind;

void admin_v2_item_create(admin_call_t *c, const admin_v2_kind_t *k);
void admin_v2_item_get(admin_call_t *c, const admin_v2_kind_t *k);
void admin_v2_item_list(admin_call_t *c, const admin_v2_kind_t *k);
void admin_v2_item_update(admin_call_t *c, const admin_v2_kind_t *k);
void admin_v2_item_delete(admin_call_t *c, const admin_v2_kind_t *k);

/* Loads a document of kind (parent_id "" for top level); 0 or a store_err. */
int admin_v2_item_load(admin_call_t *c, const char *kind, const char *parent_id, const char *id,
                       json_t **doc);

/* Every string value of map (an object) passes; replies 400 naming field. */
int admin_v2_string_map(admin_call_t *c, json_t *map, const char *field);

#endif
