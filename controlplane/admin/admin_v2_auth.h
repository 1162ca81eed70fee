/* admin_v2_auth: authorizers (/v2/apis/{apiId}/authorizers: JWT for HTTP
 * APIs, with their issuers' keys fetched like REST JWT authorizers'; REQUEST
 * with an HTTP endpoint or a function) and models (/v2/apis/{apiId}/models,
 * WebSocket APIs: draft-4 schemas checked with common/jsonschema). */
#ifndef PORTICO_ADMIN_V2_AUTH_H
#define PORTICO_ADMIN_V2_AUTH_H

#include "admin.h"

void admin_v2_authorizer_create(admin_call_t *c);
void admin_v2_authorizer_list(admin_call_t *c);
void admin_v2_authorizer_get(admin_call_t *c);
void admin_v2_authorizer_update(admin_call_t *c);
void admin_v2_authorizer_delete(admin_call_t *c);

void admin_v2_model_create(admin_call_t *c);
void admin_v2_model_list(admin_call_t *c);
void admin_v2_model_get(admin_call_t *c);
void admin_v2_model_update(admin_call_t *c);
void admin_v2_model_delete(admin_call_t *c);

#endif
