/* admin_v2_api: apigatewayv2 APIs (/v2/apis): CreateApi (with the HTTP
 * APIs' quick create: target and routeKey make an integration, a route and
 * an auto-deployed $default stage), GetApis, GetApi, UpdateApi, DeleteApi,
 * DeleteCorsConfiguration. */
#ifndef PORTICO_ADMIN_V2_API_H
#define PORTICO_ADMIN_V2_API_H

#include "admin.h"

void admin_v2_api_create(admin_call_t *c);
void admin_v2_api_list(admin_call_t *c);
void admin_v2_api_get(admin_call_t *c);
void admin_v2_api_update(admin_call_t *c);
void admin_v2_api_delete(admin_call_t *c);
void admin_v2_cors_delete(admin_call_t *c);

/* For OpenAPI import: gives a new API document its id, endpoint and
 * defaults and checks it (admin_v2_api_check); replies 400 and returns -1. */
int admin_v2_api_complete(admin_call_t *c, json_t *doc);
/* Checks a whole API document, filling the selection expressions' defaults. */
int admin_v2_api_check(admin_call_t *c, json_t *doc);

#endif
