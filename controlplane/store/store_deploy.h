/* store_deploy: deployments (immutable, frozen API definitions) and stages
 * (named pointers to deployments with their settings). Stage documents are
 * the reference service's Stage JSON; deploymentId and
 * canarySettings.deploymentId are mirrored in columns so that the database
 * refuses a stage pointing at a missing deployment. */
#ifndef PORTICO_STORE_DEPLOY_H
#define PORTICO_STORE_DEPLOY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct {
    const char *api_id;
    const char *id;
    int64_t created_at;
    const char *description;
    const uint8_t *definition;
    size_t definition_len;
    const uint8_t *sha256;
    json_t *summary;
} store_deployment_t;

int store_deployment_insert(store_t *s, const store_deployment_t *d);
/* {id, description, createdDate, apiSummary} */
int store_deployment_get(store_t *s, const char *api_id, const char *id, json_t **out);
int store_deployment_list(store_t *s, const char *api_id, const char *after, int limit,
                          json_t **items, int *more);
int store_deployment_delete(store_t *s, const char *api_id, const char *id);
/* The frozen definition (protobuf ApiDefinition bytes), malloc'd for the caller. */
int store_deployment_definition(store_t *s, const char *api_id, const char *id, uint8_t **def,
                                size_t *len);
/* Names of stages whose deployment or canary points at id (0 when none). */
int store_deployment_users(store_t *s, const char *api_id, const char *id, int *count);

int store_stage_insert(store_t *s, const char *api_id, const char *name, int64_t now, json_t *doc);
int store_stage_update(store_t *s, const char *api_id, const char *name, int64_t now, json_t *doc);
int store_stage_get(store_t *s, const char *api_id, const char *name, json_t **doc);
/* All stages of an API (optionally only those on deployment_id). */
int store_stage_list(store_t *s, const char *api_id, const char *deployment_id, json_t **items);
int store_stage_delete(store_t *s, const char *api_id, const char *name);

/* Every stage of every API, for the snapshot compiler. */
typedef int (*store_stage_visit_fn)(void *ctx, const char *api_id, json_t *doc);
int store_stage_visit_all(store_t *s, store_stage_visit_fn fn, void *ctx);

#endif
