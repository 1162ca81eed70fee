/* admin_export: GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger} —
 * the definition DEPLOYED on the stage (its deployment's frozen
 * ApiDefinition, not the current one) as OpenAPI 3.0.1 or Swagger 2.0;
 * JSON, or YAML when Accept asks for application/yaml; the `extensions`
 * query parameter (integrations, authorizers, apigateway, postman; comma
 * separated) chooses which x-amazon-apigateway-* extensions are written. */
#ifndef PORTICO_ADMIN_EXPORT_H
#define PORTICO_ADMIN_EXPORT_H

#include "admin.h"
#include "portico.pb-c.h"

void admin_export_get(admin_call_t *c);

/* The definition deployed on the call's stage ({restapi_id}, {stage_name}),
 * unpacked (portico__api_definition__free_unpacked); NULL after replying
 * 404 when there is none. */
Portico__ApiDefinition *admin_export_definition(admin_call_t *c);

#endif
