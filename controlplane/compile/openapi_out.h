/* openapi_out: a deployment's frozen ApiDefinition → an OpenAPI 3.0.1 or
 * Swagger 2.0 document (jansson), as the reference's stage export. What
 * the definition does not carry comes from `api` (the RestApi document:
 * title, description, version, minimum compression size). */
#ifndef PORTICO_OPENAPI_OUT_H
#define PORTICO_OPENAPI_OUT_H

#include <jansson.h>

#include "portico.pb-c.h"

enum {
    OPENAPI_EXT_INTEGRATIONS = 1 << 0, /* x-amazon-apigateway-integration */
    OPENAPI_EXT_AUTHORIZERS = 1 << 1,  /* x-amazon-apigateway-authorizer / -authtype */
    OPENAPI_EXT_APIGATEWAY = 1 << 2,   /* every x-amazon-apigateway-* extension */
    OPENAPI_EXT_POSTMAN = 1 << 3,      /* accepted; adds nothing */
};

typedef struct {
    int oas30; /* else Swagger 2.0 */
    int extensions;
    const char *stage;
} openapi_out_opts_t;

/* A new document; never NULL but on allocation failure. */
json_t *openapi_out_document(const Portico__ApiDefinition *def, json_t *api,
                             const openapi_out_opts_t *o);

/* ---- for openapi_out_ext.c ---- */
json_t *openapi_out_kv(Portico__KeyValue **kv, size_t n);
/* The operation's x-amazon-apigateway-integration. */
json_t *openapi_out_integration(const Portico__Integration *in);
/* securitySchemes / securityDefinitions. */
json_t *openapi_out_security_schemes(const Portico__ApiDefinition *def, int extensions);

/* The security scheme AWS_IAM methods require (x-amazon-apigateway-authtype
 * awsSigv4), named as the reference names it. */
#define OPENAPI_SIGV4_SCHEME "sigv4"
/* definitions / components.schemas: models with "$ref"s in the document's form. */
json_t *openapi_out_models(const Portico__ApiDefinition *def, int oas30);
/* Root x-amazon-apigateway-* extensions into doc. */
void openapi_out_root_extensions(json_t *doc, const Portico__ApiDefinition *def, json_t *api);
/* A validator's name (its id in definitions frozen before names were). */
const char *openapi_out_validator_name(const Portico__ApiDefinition *def, const char *id);
/* The name a method's authorizer id has in the document (NULL: none). */
const char *openapi_out_authorizer_name(const Portico__ApiDefinition *def, const char *id);

#endif
