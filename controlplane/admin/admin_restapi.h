/* admin_restapi: /restapis and /restapis/{id}, plus the lookups every nested
 * family uses to answer 404 with the reference service's messages. */
#ifndef PORTICO_ADMIN_RESTAPI_H
#define PORTICO_ADMIN_RESTAPI_H

#include "admin.h"

#define ADMIN_ACCOUNT_ID "000000000000"

void admin_restapi_create(admin_call_t *c);
void admin_restapi_list(admin_call_t *c);
void admin_restapi_get(admin_call_t *c);
void admin_restapi_update(admin_call_t *c);
void admin_restapi_delete(admin_call_t *c);

/* Loads {restapi_id}; replies 404 and returns -1 when it does not exist.
 * *doc (optional) receives a new reference. */
int admin_require_api(admin_call_t *c, json_t **doc);

#endif
