/* admin_integration: a method's integration and its integration responses. */
#ifndef PORTICO_ADMIN_INTEGRATION_H
#define PORTICO_ADMIN_INTEGRATION_H

#include "admin.h"

void admin_integration_put(admin_call_t *c);
void admin_integration_get(admin_call_t *c);
void admin_integration_delete(admin_call_t *c);
void admin_integration_response_put(admin_call_t *c);
void admin_integration_response_get(admin_call_t *c);
void admin_integration_response_delete(admin_call_t *c);

/* For admin_import: the checks PUT applies to an integration (with the
 * method it belongs to) / integration response document; 0, or -1 after
 * replying 400. */
int admin_integration_check(admin_call_t *c, json_t *doc, json_t *method);
int admin_integration_response_check(admin_call_t *c, const char *code, json_t *doc);

#endif
