/* integ_v2: HTTP APIs' parameter mapping on an HTTP_PROXY call
 * (integ_v2.c) — request parameters on the endpoint request's headers,
 * query string and path, response parameters on the answer's headers and
 * status — and the value expressions they use ($request.header.x,
 * $request.querystring.x, $request.path[.x], $request.body[.x],
 * $context.x, $stageVariables.x, $response.header.x, ${...}, static text).
 * integ_proxy.c calls these when r->method->v2 is set. */
#ifndef PORTICO_INTEG_V2_H
#define PORTICO_INTEG_V2_H

#include "request.h"

/* The value of expr for r (request pool); NULL when expr is a single
 * reference without a value. res: the answer's headers for $response.*
 * (NULL on the request side). */
const char *integ_v2_eval(dp_request_t *r, const char *expr, size_t len, const h2o_headers_t *res,
                          size_t *vlen);

/* Rewrites url->path for an HTTP API: overwrite:path, else the client's
 * path (with the stage prefix of a named stage) when the integration URI
 * names no path. 0, or -1 when a value is not a valid path. */
int integ_v2_path(dp_request_t *r, h2o_url_t *url);

/* 1 when the client's header `name` does not go to the endpoint as sent
 * (a mapping sets, appends to or removes it). */
int integ_v2_header_mapped(const dp_request_t *r, const h2o_iovec_t *name);

/* The mapped headers, "name: value\r\n" each (request pool); base NULL when
 * a mapped value is not valid HTTP (httpval.h). */
h2o_iovec_t integ_v2_headers(dp_request_t *r);

/* The endpoint request's query: the client's pairs with the mappings
 * applied, starting with '?' or '&' (has_query) or empty. */
h2o_iovec_t integ_v2_query(dp_request_t *r, int has_query);

/* HTTP API function integrations (integ_fn.c): the event's HTTP API parts
 * (route key, the route's path as resource, the path with a named stage's
 * prefix); 1 when the integration wants payload 2.0. */
struct fn_event_in;
int integ_v2_fn_event(dp_request_t *r, struct fn_event_in *ev);

/* The answer format the route's function integration uses (enum
 * fn_answer_format): 2.0 for an HTTP API asking for it, else 1.0. */
int integ_v2_fn_format(const dp_request_t *r);

/* Applies the response parameters for the answer's status to
 * r->req->res (headers, status). Invalid values are left out. */
void integ_v2_response(dp_request_t *r);

#endif
