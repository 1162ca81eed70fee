/* openapi_in: an OpenAPI 3.0.x or Swagger 2.0 document (a jansson value,
 * see yamljson.h) → an import plan, a JSON object in the reference
 * service's shapes that admin_import writes in one transaction:
 *   {"api": {name, description, version, apiKeySource, binaryMediaTypes,
 *            minimumCompressionSize, policy},
 *    "resources": {"/path": {"VERB": Method with "methodIntegration"
 *                  (with "integrationResponses") and "methodResponses";
 *                  "authorizerName" and "requestValidatorName" name the
 *                  plan's authorizer and validator}},
 *    "models": {name: {name, contentType, schema (object; "$ref"s still in
 *               the document's "#/definitions/X" / "#/components/schemas/X"
 *               form, see openapi_ref.h)}},
 *    "validators": {name: RequestValidator}, "authorizers": {name: Authorizer},
 *    "gatewayResponses": {type: GatewayResponse},
 *    "warnings": ["what was ignored", ...]}
 * Everything Portico cannot run is either a warning (ignored) or an error
 * (the document is refused); nothing here touches the store. */
#ifndef PORTICO_OPENAPI_IN_H
#define PORTICO_OPENAPI_IN_H

#include <jansson.h>
#include <stddef.h>

enum openapi_basepath { OPENAPI_BASEPATH_IGNORE, OPENAPI_BASEPATH_PREPEND, OPENAPI_BASEPATH_SPLIT };

/* The plan of doc, a new object, or NULL with the reason in err. */
json_t *openapi_in_plan(json_t *doc, enum openapi_basepath basepath, char *err, size_t err_len);

/* The document's base path ("" when none): Swagger's basePath, or the path
 * of OpenAPI 3's first server URL (its {basePath} variable's default). */
void openapi_in_base_path(json_t *doc, char *out, size_t cap);

/* ---- for openapi_in_ext.c ---- */
typedef struct {
    json_t *doc;
    json_t *plan;
    json_t *warnings;
    char *err;
    size_t err_len;
    int failed;          /* a reference did not resolve (err says which) */
    const char *op_path; /* the operation being read, for messages */
    const char *op_key;  /* its key in the path item ("get", ...) */
} openapi_ctx_t;

void openapi_warn(openapi_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int openapi_fail(openapi_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* x-amazon-apigateway-integration of operation "VERB /path" → Integration, or
 * NULL with *failed = 1 when the method is not to be imported (warned), -1
 * on an error (in err). */
json_t *openapi_in_integration(openapi_ctx_t *x, json_t *ext, const char *where, int *failed);
/* securitySchemes / securityDefinitions → plan "authorizers" (and the names
 * of API-key schemes in "apiKeySchemes", unsupported ones in "deniedSchemes"). */
int openapi_in_security_schemes(openapi_ctx_t *x, json_t *schemes);
/* Root extensions: api key source, binary media types, gateway responses,
 * policy, minimum compression size, request validators, documentation. */
int openapi_in_root_extensions(openapi_ctx_t *x);

#endif
