/* admin_function: the Lambda management API's core at the reference's paths
 * (/2015-03-31/functions..., concurrency under /2017-10-31/ and
 * /2019-09-30/), with the reference's JSON shapes, status codes and errors.
 * Handlers for admin_routes.c; every change goes through the commit path
 * with PUBLISH_FUNCTIONS so data planes get a snapshot holding the new
 * versions and aliases (never the code: nodes fetch it by hash). */
#ifndef PORTICO_ADMIN_FUNCTION_H
#define PORTICO_ADMIN_FUNCTION_H

#include "admin.h"

/* The largest request body the code routes (CreateFunction,
 * UpdateFunctionCode) take: a 50 MB zip in base64 plus the rest of the JSON.
 * Every other route keeps admin.c's limit. */
#define ADMIN_FUNCTION_MAX_BODY (69905067 + 64 * 1024)

/* functions (admin_function.c) */
void admin_function_create(admin_call_t *c);
void admin_function_list(admin_call_t *c);
void admin_function_get(admin_call_t *c);
void admin_function_get_configuration(admin_call_t *c);
void admin_function_update_configuration(admin_call_t *c);
void admin_function_delete(admin_call_t *c);
void admin_function_concurrency_put(admin_call_t *c);
void admin_function_concurrency_get(admin_call_t *c);
void admin_function_concurrency_delete(admin_call_t *c);

/* code (admin_function_code.c) */
void admin_function_update_code(admin_call_t *c);
void admin_function_code_get(admin_call_t *c); /* GET /portico/code/{sha256}: the zip */

/* versions and aliases (admin_function_version.c) */
void admin_function_publish(admin_call_t *c);
void admin_function_versions(admin_call_t *c);
void admin_function_alias_create(admin_call_t *c);
void admin_function_alias_list(admin_call_t *c);
void admin_function_alias_get(admin_call_t *c);
void admin_function_alias_update(admin_call_t *c);
void admin_function_alias_delete(admin_call_t *c);

/* Invoke, run on a data-plane node (admin_function_invoke.c). */
void admin_function_invoke(admin_call_t *c);

#endif
