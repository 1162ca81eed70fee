/* admin_usageplan_keys: /usageplans/{id}/keys and /usageplans/{id}/keys/{key_id}. */
#ifndef PORTICO_ADMIN_USAGEPLAN_KEYS_H
#define PORTICO_ADMIN_USAGEPLAN_KEYS_H

#include "admin.h"

void admin_usageplan_key_add(admin_call_t *c);
void admin_usageplan_key_list(admin_call_t *c);
void admin_usageplan_key_get(admin_call_t *c);
void admin_usageplan_key_delete(admin_call_t *c);

#endif
