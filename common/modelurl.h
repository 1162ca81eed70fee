/* modelurl: the reference's URL form of a model, by which one model's
 * schema refers to another ("$ref": "https://apigateway.amazonaws.com/
 * restapis/{api}/models/{name}"); used as each model's base URI, so a
 * relative "$ref": "Other" names a model of the same API too. */
#ifndef PORTICO_MODELURL_H
#define PORTICO_MODELURL_H

#include <stddef.h>

#define MODELURL_PREFIX "https://apigateway.amazonaws.com/restapis/"

/* Writes the URL of model name of api_id into out; -1 when it does not fit. */
int modelurl_format(char *out, size_t cap, const char *api_id, const char *name);

/* The model name in uri when uri is a model URL of api_id, else NULL. */
const char *modelurl_name(const char *uri, const char *api_id);

#endif
