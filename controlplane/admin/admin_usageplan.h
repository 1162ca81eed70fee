/* admin_usageplan: /usageplans and /usageplans/{id}, the plan documents.
 * A plan's throttle, quota and API stages reach the data planes in the next
 * snapshot. Its members are in admin_usageplan_keys, its usage in
 * admin_usageplan_usage, its PATCH paths in admin_usageplan_patch. */
#ifndef PORTICO_ADMIN_USAGEPLAN_H
#define PORTICO_ADMIN_USAGEPLAN_H

#include "admin.h"

void admin_usageplan_create(admin_call_t *c);
void admin_usageplan_list(admin_call_t *c);
void admin_usageplan_get(admin_call_t *c);
void admin_usageplan_update(admin_call_t *c);
void admin_usageplan_delete(admin_call_t *c);

#define ADMIN_PLAN_NOT_FOUND "Invalid Usage Plan ID specified"
#define ADMIN_KEY_NOT_FOUND "Invalid API Key identifier specified"

/* Loads {usageplan_id}; replies 404 and returns -1 when it does not exist.
 * *doc (optional) receives a new reference. */
int admin_usageplan_require(admin_call_t *c, json_t **doc);

#endif
