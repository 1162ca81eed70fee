/* admin_integration: a method's integration and its integration responses. */
#ifndef PORTICO_ADMIN_INTEGRATION_H
#define PORTICO_ADMIN_INTEGRATION_H

#include "admin.h"

void admin_integration_put(admin_call_t *c);
void admin_integration_get(admin_call_t *c);
void admin_integration_delete(admin_call_t *c);
void admin_integration_response_put(admin_call_t *c);
void admin_integration_response_get(admin_call_t *c);
void admin_integration_response_delete(admin_call_t *c);

#endif
