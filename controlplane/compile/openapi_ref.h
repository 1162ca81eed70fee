/* openapi_ref: "$ref"s in model schemas between a document's local form
 * ("#/definitions/X", "#/components/schemas/X") and the reference's model
 * URL form (modelurl.h) that stored models use. Both walk a schema in place
 * (every object member and array item, to a bounded depth). */
#ifndef PORTICO_OPENAPI_REF_H
#define PORTICO_OPENAPI_REF_H

#include <jansson.h>
#include <stddef.h>

/* Document refs (and model URLs of any API) → model URLs of api_id. Every
 * target must be a key of models; else -1 with the reason in err. */
int openapi_ref_to_url(json_t *schema, const char *api_id, json_t *models, char *err,
                       size_t err_len);

/* Model URLs of api_id → prefix + name (prefix "#/definitions/" or
 * "#/components/schemas/"); other refs are left as they are. */
void openapi_ref_from_url(json_t *schema, const char *api_id, const char *prefix);

#endif
