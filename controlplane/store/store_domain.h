/* store_domain: custom domain names and their base path mappings. A
 * mapping's base path is "" for the reference's "(none)"; its stage is "" when
 * clients name the stage in the path themselves. */
#ifndef PORTICO_STORE_DOMAIN_H
#define PORTICO_STORE_DOMAIN_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

int store_domain_insert(store_t *s, const char *name, int64_t created, json_t *doc);
int store_domain_get(store_t *s, const char *name, json_t **doc);
int store_domain_list(store_t *s, const char *after, int limit, json_t **items, int *more);
int store_domain_delete(store_t *s, const char *name);

typedef struct {
    const char *base_path;
    const char *api_id;
    const char *stage;
} store_mapping_t;

int store_mapping_insert(store_t *s, const char *domain, const store_mapping_t *m);
/* Replaces the mapping at old_base_path (which may move to m->base_path). */
int store_mapping_update(store_t *s, const char *domain, const char *old_base_path,
                         const store_mapping_t *m);
/* {basePath, restApiId, stage} with basePath "(none)" for "". */
int store_mapping_get(store_t *s, const char *domain, const char *base_path, json_t **out);
int store_mapping_list(store_t *s, const char *domain, json_t **items);
int store_mapping_delete(store_t *s, const char *domain, const char *base_path);

/* apigatewayv2 API mappings: beside the base path mappings of the same domain
 * names (v2_api_mappings), keyed by an id; their apiMappingKey is the base
 * path. {apiId, apiMappingId, apiMappingKey, stage}. */
int store_v2_mapping_insert(store_t *s, const char *domain, const char *id,
                            const store_mapping_t *m);
int store_v2_mapping_update(store_t *s, const char *domain, const char *id,
                            const store_mapping_t *m);
int store_v2_mapping_get(store_t *s, const char *domain, const char *id, json_t **out);
int store_v2_mapping_list(store_t *s, const char *domain, const char *after, int limit,
                          json_t **items, int *more);
int store_v2_mapping_delete(store_t *s, const char *domain, const char *id);

/* Every mapping of every domain (base path mappings and API mappings),
 * ordered by domain, for the snapshot. */
typedef int (*store_mapping_visit_fn)(void *ctx, const char *domain, const store_mapping_t *m);
int store_mapping_visit_all(store_t *s, store_mapping_visit_fn fn, void *ctx);

#endif
