/* admin_apikey: /apikeys and /apikeys/{api_key_id}. A key's value
 * is shown once, in the create response; afterwards only its SHA-256 (and a
 * 4-character prefix, "valuePrefix") is known. */
#ifndef PORTICO_ADMIN_APIKEY_H
#define PORTICO_ADMIN_APIKEY_H

#include "admin.h"

void admin_apikey_create(admin_call_t *c);
void admin_apikey_list(admin_call_t *c);
void admin_apikey_get(admin_call_t *c);
void admin_apikey_update(admin_call_t *c);
void admin_apikey_delete(admin_call_t *c);

#endif
