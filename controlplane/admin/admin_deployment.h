/* admin_deployment: /restapis/{id}/deployments — freezing an API into an
 * immutable deployment, optionally (re)pointing a stage at it. */
#ifndef PORTICO_ADMIN_DEPLOYMENT_H
#define PORTICO_ADMIN_DEPLOYMENT_H

#include "admin.h"

void admin_deployment_create(admin_call_t *c);
void admin_deployment_list(admin_call_t *c);
void admin_deployment_get(admin_call_t *c);
void admin_deployment_delete(admin_call_t *c);

/* Replies 404 and returns -1 unless deployment `id` exists in {restapi_id}. */
int admin_require_deployment(admin_call_t *c, const char *id, int status_when_missing);

#endif
