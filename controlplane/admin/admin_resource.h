/* admin_resource: the resource tree of a REST API. */
#ifndef PORTICO_ADMIN_RESOURCE_H
#define PORTICO_ADMIN_RESOURCE_H

#include "admin.h"

void admin_resource_list(admin_call_t *c);
void admin_resource_create(admin_call_t *c);
void admin_resource_get(admin_call_t *c);
void admin_resource_delete(admin_call_t *c);

#endif
