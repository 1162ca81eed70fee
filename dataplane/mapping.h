/* mapping: evaluates parameter mapping sources for a request —
 * method.request.{path,querystring,header}.X, 'static' (with
 * ${stageVariables.x} expanded), stageVariables.X and context.X. */
#ifndef PORTICO_MAPPING_H
#define PORTICO_MAPPING_H

#include "request.h"

/* The value of src for r (pool memory or runtime memory), or NULL when absent. */
const char *mapping_eval(dp_request_t *r, const params_expr_t *src, size_t *len);

/* $context variables by name (without "context."): requestId, stage, apiId,
 * httpMethod, resourcePath, resourceId, path, identity.sourceIp,
 * identity.userAgent, requestTimeEpoch, ... NULL when unknown. */
const char *mapping_context(dp_request_t *r, const char *name, size_t name_len, size_t *len);

/* Expands ${stageVariables.x} in s into the request pool. */
h2o_iovec_t mapping_expand_vars(dp_request_t *r, const char *s, size_t len);

#endif
