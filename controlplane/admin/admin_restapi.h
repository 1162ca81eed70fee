/* admin_restapi: /restapis and /restapis/{id}. */
#ifndef PORTICO_ADMIN_RESTAPI_H
#define PORTICO_ADMIN_RESTAPI_H

#include "admin.h"

void admin_restapi_create(admin_call_t *c);
void admin_restapi_list(admin_call_t *c);
void admin_restapi_get(admin_call_t *c);
void admin_restapi_update(admin_call_t *c);
void admin_restapi_delete(admin_call_t *c);

#endif
