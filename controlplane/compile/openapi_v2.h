/* openapi_v2: OpenAPI 3.0 for HTTP APIs (apigatewayv2 ImportApi, ReimportApi
 * and ExportApi) with the reference's extensions: x-amazon-apigateway-
 * integration (type aws_proxy / http_proxy, httpMethod, uri,
 * payloadFormatVersion, connectionType, timeoutInMillis, request and
 * response parameters), -any-method, -authorizer (jwt, request) in
 * securitySchemes, -cors, and "/$default" for the $default route. Pure JSON
 * in and out: the admin layer stores and validates. */
#ifndef PORTICO_OPENAPI_V2_H
#define PORTICO_OPENAPI_V2_H

#include <jansson.h>
#include <stddef.h>

/* The document of an HTTP API: api (the Api document), routes,
 * integrations, authorizers (arrays of their documents). stage (may be NULL)
 * names the server's basePath. extensions: include x-amazon-apigateway-*. */
json_t *openapi_v2_export(json_t *api, json_t *routes, json_t *integrations, json_t *authorizers,
                          const char *stage, int extensions);

/* An import plan from a parsed document: {"api": {name, description?,
 * version?, corsConfiguration?}, "routes": [...], "integrations": [...],
 * "authorizers": [...], "warnings": [...]} in the reference's shapes, ids
 * given (ids of len 7 from new_id), routes' targets and authorizerIds linked.
 * Returns NULL with a reason in err. */
typedef void (*openapi_v2_id_fn)(char *out, size_t len);
json_t *openapi_v2_plan(json_t *doc, openapi_v2_id_fn new_id, char *err, size_t err_len);

#endif
