/* mapping: evaluates parameter mapping sources for a request —
 * method.request.{path,querystring,header}.X, 'static' (with
 * ${stageVariables.x} expanded), stageVariables.X and context.X. */
#ifndef PORTICO_MAPPING_H
#define PORTICO_MAPPING_H

#include "ctxvar.h"
#include "request.h"

/* The value of src for r (pool memory or runtime memory), or NULL when absent. */
const char *mapping_eval(dp_request_t *r, const params_expr_t *src, size_t *len);

/* $context variables by name (without "context."), the rows of
 * common/ctxvar.h; NULL when unknown or without a value for this request.
 * Values live in the request pool or the runtime. */
const char *mapping_context(dp_request_t *r, const char *name, size_t name_len, size_t *len);

/* The same by id (access logs resolve names when a snapshot is compiled). */
const char *mapping_context_value(dp_request_t *r, enum ctxvar id, size_t *len);

/* 1 when id has a getter (every row must; the unit tests check). */
int mapping_context_has_getter(enum ctxvar id);

/* The value at path (a.b[0].c; len 0: the whole body) of a JSON body:
 * strings as they are, other values as compact JSON. NULL when absent, null
 * or when the body is not JSON. Pool memory. */
const char *mapping_json_pick(h2o_mem_pool_t *pool, h2o_iovec_t body, const char *path,
                              size_t path_len, size_t *len);

/* Expands ${stageVariables.x} in s into the request pool. */
h2o_iovec_t mapping_expand_vars(dp_request_t *r, const char *s, size_t len);

#endif
