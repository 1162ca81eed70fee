/* rt_v2: what an HTTP API (apigatewayv2, protocolType HTTP) adds to the
 * compiled runtime. An HTTP API compiles into the same rt_deployment_t,
 * router and rt_method_t as a REST API (rt_build_v2.c); these are the parts
 * REST has no place for: the API's CORS configuration and `$default` route,
 * each route's key, and each integration's parameter mappings (request
 * parameters, response parameters per status code). Read-only once compiled. */
#ifndef PORTICO_RT_V2_H
#define PORTICO_RT_V2_H

#include <stddef.h>

#include "rt.h"

/* One mapping "op:location[.name]" → value expression. */
enum rt_v2_op { RT_V2_APPEND, RT_V2_OVERWRITE, RT_V2_REMOVE };
enum rt_v2_loc { RT_V2_HEADER, RT_V2_QUERY, RT_V2_PATH, RT_V2_STATUS };

typedef struct {
    enum rt_v2_op op;
    enum rt_v2_loc loc;
    const char *name; /* header (lower case) or query-string name; "" for path/statuscode */
    size_t name_len;
    const char *value; /* the value expression ($request.header.x, static text, ${...}) */
    size_t value_len;
} rt_v2_param_t;

/* The response mappings for one status code of the integration's answer. */
typedef struct {
    int status;
    const rt_v2_param_t *params;
    size_t nparams;
} rt_v2_resp_t;

typedef struct rt_v2_integ {
    const rt_v2_param_t *req; /* request parameters */
    size_t nreq;
    const rt_v2_resp_t *resp;
    size_t nresp;
    int uri_has_path; /* 0: the integration URI names only scheme://host[:port] */
    int payload_v2;   /* AWS_PROXY: payloadFormatVersion 2.0 (else 1.0) */
} rt_v2_integ_t;

/* What an HTTP API route adds to its rt_method_t. */
typedef struct rt_v2_route {
    const char *route_key; /* "GET /pets/{id}", "$default" */
    const rt_v2_integ_t *integ;
} rt_v2_route_t;

typedef struct {
    const char *const *allow_origins; /* "*" allowed */
    size_t norigins;
    const char *allow_methods; /* comma-joined, "" when none */
    const char *allow_headers;
    const char *expose_headers;
    int max_age; /* -1: not set */
    int allow_credentials;
    int any_method, any_header; /* "*" in the lists */
} rt_v2_cors_t;

/* What an HTTP API adds to its rt_deployment_t. */
typedef struct rt_v2_api {
    const char *name;
    const rt_v2_cors_t *cors;         /* NULL: no corsConfiguration */
    const rt_method_t *default_route; /* `$default`, NULL when the API has none */
} rt_v2_api_t;

#endif
