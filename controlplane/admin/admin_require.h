/* admin_require: the lookups every nested resource family uses to answer
 * 404 (or 400) with the reference service's messages before it does its
 * work: the API of {restapi_id}, its resource {resource_id}, a deployment. */
#ifndef PORTICO_ADMIN_REQUIRE_H
#define PORTICO_ADMIN_REQUIRE_H

#include "admin.h"

#define ADMIN_ACCOUNT_ID "000000000000"

/* Loads {restapi_id}; replies 404 and returns -1 when it does not exist.
 * *doc (optional) receives a new reference. */
int admin_require_api(admin_call_t *c, json_t **doc);

/* Loads {restapi_id}/{resource_id}; replies 404 and returns -1 when missing. */
int admin_require_resource(admin_call_t *c, json_t **res);

/* Replies status_when_missing (404 or 400) and returns -1 unless deployment
 * `id` exists in {restapi_id}. */
int admin_require_deployment(admin_call_t *c, const char *id, int status_when_missing);

#endif
