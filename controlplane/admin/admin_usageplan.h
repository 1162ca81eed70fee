/* admin_usageplan: /usageplans, their keys and their usage. A
 * plan's throttle, quota and API stages reach the data planes in the next
 * snapshot; adding or removing a key goes out as a key delta. */
#ifndef PORTICO_ADMIN_USAGEPLAN_H
#define PORTICO_ADMIN_USAGEPLAN_H

#include "admin.h"

void admin_usageplan_create(admin_call_t *c);
void admin_usageplan_list(admin_call_t *c);
void admin_usageplan_get(admin_call_t *c);
void admin_usageplan_update(admin_call_t *c);
void admin_usageplan_delete(admin_call_t *c);

void admin_usageplan_key_add(admin_call_t *c);
void admin_usageplan_key_list(admin_call_t *c);
void admin_usageplan_key_get(admin_call_t *c);
void admin_usageplan_key_delete(admin_call_t *c);

void admin_usageplan_usage(admin_call_t *c);

#endif
