/* admin_v2_integration: integrations (/v2/apis/{apiId}/integrations) with
 * the reference's per-protocol rules (types, payload format versions,
 * timeouts, parameter mappings, templates), and WebSocket integration
 * responses (/integrations/{integrationId}/integrationresponses). */
#ifndef PORTICO_ADMIN_V2_INTEGRATION_H
#define PORTICO_ADMIN_V2_INTEGRATION_H

#include "admin.h"

void admin_v2_integration_create(admin_call_t *c);
void admin_v2_integration_list(admin_call_t *c);
void admin_v2_integration_get(admin_call_t *c);
void admin_v2_integration_update(admin_call_t *c);
void admin_v2_integration_delete(admin_call_t *c);

void admin_v2_integration_response_create(admin_call_t *c);
void admin_v2_integration_response_list(admin_call_t *c);
void admin_v2_integration_response_get(admin_call_t *c);
void admin_v2_integration_response_update(admin_call_t *c);
void admin_v2_integration_response_delete(admin_call_t *c);

#endif
