/* admin_deployment: /restapis/{id}/deployments — freezing an API into an
 * immutable deployment, optionally (re)pointing a stage at it. */
#ifndef PORTICO_ADMIN_DEPLOYMENT_H
#define PORTICO_ADMIN_DEPLOYMENT_H

#include "admin.h"

void admin_deployment_create(admin_call_t *c);
void admin_deployment_list(admin_call_t *c);
void admin_deployment_get(admin_call_t *c);
void admin_deployment_delete(admin_call_t *c);

#endif
