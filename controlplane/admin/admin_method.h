/* admin_method: methods of a resource and their method responses. */
#ifndef PORTICO_ADMIN_METHOD_H
#define PORTICO_ADMIN_METHOD_H

#include "admin.h"
#include "store_api.h"

void admin_method_put(admin_call_t *c);
void admin_method_get(admin_call_t *c);
void admin_method_update(admin_call_t *c);
void admin_method_delete(admin_call_t *c);
void admin_method_response_put(admin_call_t *c);
void admin_method_response_get(admin_call_t *c);
void admin_method_response_delete(admin_call_t *c);

/* Adds methodResponses and methodIntegration (with integrationResponses) to
 * the method document m of resource_id/verb in {restapi_id}. */
int admin_method_expand(admin_call_t *c, const char *resource_id, const char *verb, json_t *m);

/* Validates {http_method} and loads the method; replies and returns -1 on failure. */
int admin_require_method(admin_call_t *c, json_t **m);

/* The document keys of the call: {restapi_id}, {resource_id},
 * {http_method} and (for responses) {status_code}; keys has room for 4. */
const char **admin_method_doc_keys(admin_call_t *c, const char **keys);

/* Deletes the call's document of kind in one transaction: 204, or the
 * store's error with not_found for a missing row. */
void admin_method_doc_delete(admin_call_t *c, enum store_doc_kind kind, const char *not_found);

/* A status code path argument: three digits 100..599. */
int admin_valid_status_code(const char *code);

/* For admin_import: the checks PUT applies to a method / method response
 * document; 0, or -1 after replying 400. */
int admin_method_check(admin_call_t *c, json_t *doc);
int admin_method_response_check(admin_call_t *c, const char *code, json_t *doc);

#endif
