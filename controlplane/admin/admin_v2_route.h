/* admin_v2_route: routes (/v2/apis/{apiId}/routes) with the route key rules
 * of each protocol, their targets and authorization, and WebSocket route
 * responses (/routes/{routeId}/routeresponses). */
#ifndef PORTICO_ADMIN_V2_ROUTE_H
#define PORTICO_ADMIN_V2_ROUTE_H

#include "admin.h"

void admin_v2_route_create(admin_call_t *c);
void admin_v2_route_list(admin_call_t *c);
void admin_v2_route_get(admin_call_t *c);
void admin_v2_route_update(admin_call_t *c);
void admin_v2_route_delete(admin_call_t *c);
void admin_v2_route_param_delete(admin_call_t *c);

void admin_v2_route_response_create(admin_call_t *c);
void admin_v2_route_response_list(admin_call_t *c);
void admin_v2_route_response_get(admin_call_t *c);
void admin_v2_route_response_update(admin_call_t *c);
void admin_v2_route_response_delete(admin_call_t *c);

#endif
