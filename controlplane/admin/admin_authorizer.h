/* admin_authorizer: /restapis/{id}/authorizers[/{authorizer_id}], the
 * method-side check of authorizationType/authorizerId, and GET /cluster/jwks
 * (the JWKS sources the control plane keeps fresh, without key material). */
#ifndef PORTICO_ADMIN_AUTHORIZER_H
#define PORTICO_ADMIN_AUTHORIZER_H

#include "admin.h"

void admin_authorizer_create(admin_call_t *c);
void admin_authorizer_list(admin_call_t *c);
void admin_authorizer_get(admin_call_t *c);
void admin_authorizer_update(admin_call_t *c);
void admin_authorizer_delete(admin_call_t *c);
void admin_jwks_list(admin_call_t *c);

/* CUSTOM needs a TOKEN/REQUEST authorizerId of the API, JWT a JWT one;
 * authorizationScopes only with JWT. Replies 400 and returns -1 otherwise. */
int admin_authorizer_check_method(admin_call_t *c, json_t *method);

/* For admin_import: the checks of create on doc, after adding its defaults;
 * 0, or -1 after replying 400. */
int admin_authorizer_check(admin_call_t *c, json_t *doc);

#endif
