/* admin_v2_openapi: OpenAPI 3.0 for HTTP APIs — ImportApi (PUT /v2/apis),
 * ReimportApi (PUT /v2/apis/{apiId}: the API's routes, integrations and
 * authorizers replaced by the document's) and ExportApi
 * (GET /v2/apis/{apiId}/exports/OAS30?outputType=JSON|YAML). Imported
 * documents pass the same checks as the API calls that would make them. */
#ifndef PORTICO_ADMIN_V2_OPENAPI_H
#define PORTICO_ADMIN_V2_OPENAPI_H

#include "admin.h"

void admin_v2_import(admin_call_t *c);
void admin_v2_reimport(admin_call_t *c);
void admin_v2_export(admin_call_t *c);

#endif
