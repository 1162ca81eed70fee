/* admin_gwresp: /restapis/{id}/gatewayresponses[/{response_type}]. */
#ifndef PORTICO_ADMIN_GWRESP_H
#define PORTICO_ADMIN_GWRESP_H

#include "admin.h"
#include "gwtypes.h"

void admin_gwresp_put(admin_call_t *c);
void admin_gwresp_get(admin_call_t *c);
void admin_gwresp_update(admin_call_t *c);
void admin_gwresp_delete(admin_call_t *c);
void admin_gwresp_list(admin_call_t *c);

/* The default item of a type (a new reference). */
json_t *admin_gwresp_default(enum gwtype t);

/* {restapi_id}'s override of t, or the default item (a new reference);
 * *rc is a store error. */
json_t *admin_gwresp_current(admin_call_t *c, enum gwtype t, int *rc);

/* Completes (type, defaults), validates and stores doc as {restapi_id}'s
 * override of t inside the caller's transaction. 0, a store error, or -1
 * after replying 400. */
int admin_gwresp_store(admin_call_t *c, enum gwtype t, json_t *doc);

/* For admin_import: the checks of PUT on a gateway response document; 0, or
 * -1 after replying 400. */
int admin_gwresp_check(admin_call_t *c, json_t *doc);

#endif
