/* admin_import: importing an OpenAPI 3.0 / Swagger 2.0 document (JSON or
 * YAML) as a REST API — POST /restapis?mode=import creates one, PUT
 * /restapis/{id}?mode=overwrite|merge replaces or extends one. Query
 * parameters as the reference takes them: failonwarnings=true|false,
 * basepath=ignore|prepend|split, endpointConfigurationTypes=EDGE|REGIONAL|
 * PRIVATE. The whole import is one transaction, every document checked by
 * the same code as the single-object admin operations: any error answers
 * 400 and stores nothing. The answer is the RestApi with "warnings" listing
 * what was ignored. */
#ifndef PORTICO_ADMIN_IMPORT_H
#define PORTICO_ADMIN_IMPORT_H

#include <jansson.h>

#include "admin.h"

/* POST /restapis?mode=import (admin_restapi_create passes the call on). */
void admin_import_create(admin_call_t *c);
/* PUT /restapis/{restapi_id}?mode=overwrite|merge */
void admin_import_put(admin_call_t *c);

/* ---- admin_import_write.c: the plan (openapi_in.h) into the store, inside
 * the caller's transaction; 0, or -1 after replying (the caller rolls back).
 * merge keeps what the plan does not name. *jwt tells whether a JWT
 * authorizer was written (the JWKS fetcher is woken after the commit). */
int admin_import_clear(admin_call_t *c, const char *api_id, const char *root_id);
int admin_import_write(admin_call_t *c, const char *api_id, const char *root_id, json_t *plan,
                       int merge, int *jwt);

#endif
