/* admin_apikey: /apikeys and /apikeys/{api_key_id}. A key's value is
 * kept sealed on the control plane and answered with includeValue(s)=true;
 * under --api-key-values hashed it is shown once, in the create response,
 * and afterwards only its SHA-256 (and "valuePrefix") is known. */
#ifndef PORTICO_ADMIN_APIKEY_H
#define PORTICO_ADMIN_APIKEY_H

#include "admin.h"

void admin_apikey_create(admin_call_t *c);
void admin_apikey_list(admin_call_t *c);
void admin_apikey_get(admin_call_t *c);
void admin_apikey_update(admin_call_t *c);
void admin_apikey_delete(admin_call_t *c);

/* Adds "value" to a document with the key's "id" (ApiKey, UsagePlanKey)
 * when the control plane keeps the value; a store_err. */
int admin_apikey_add_value(admin_call_t *c, json_t *doc);

#endif
