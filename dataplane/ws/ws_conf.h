/* ws_conf: WebSocket APIs compiled from a snapshot's v2 definitions
 * (protocol WEBSOCKET) and their stages — routes by key with their
 * integrations, templates and selection expressions prepared — and the
 * lookup of a stage by (api, name). Part of the runtime (immutable, read by
 * every worker without locks); the connections themselves live outside it
 * (ws_conn.h) so a snapshot swap never closes them. */
#ifndef PORTICO_WS_CONF_H
#define PORTICO_WS_CONF_H

#include "rt_build.h"
#include "ws_select.h"

struct vtl_template;
struct pattern;

/* FN: AWS_PROXY or AWS with a Lambda invocation URI (a function of the
 * node's function host). UNSERVED: a type or URI this node does not call:
 * its events fail as the reference's Internal server error. */
enum ws_integ_type {
    WS_INTEG_MOCK,
    WS_INTEG_HTTP,
    WS_INTEG_HTTP_PROXY,
    WS_INTEG_FN,
    WS_INTEG_UNSERVED
};

typedef struct {
    const char *key; /* a template selection value, or "$default" */
    const struct vtl_template *t;
} ws_template_t;

typedef struct {
    const ws_template_t *items;
    size_t n;
    const ws_select_t *selection; /* templateSelectionExpression; NULL: "$default" */
} ws_templates_t;

typedef struct {
    const char *key;          /* "$default" or "/2\d\d/" */
    const struct pattern *re; /* NULL for $default */
    ws_templates_t templates;
} ws_integ_response_t;

/* One requestParameters row: integration.request.header.X or
 * .querystring.X from context.X, stageVariables.X, route.request.body.X
 * (a JSON path into the message) or 'literal'. */
enum ws_param_target { WS_PARAM_HEADER, WS_PARAM_QUERY };
enum ws_param_source { WS_SRC_LITERAL, WS_SRC_CONTEXT, WS_SRC_STAGE_VAR, WS_SRC_BODY };
typedef struct {
    enum ws_param_target target;
    const char *name; /* header names lower-case */
    enum ws_param_source source;
    const char *value;       /* the literal, the context path ("identity.sourceIp"), the variable */
    const ws_select_t *body; /* WS_SRC_BODY */
} ws_param_t;

typedef struct {
    enum ws_integ_type type;
    const char *method; /* HTTP / HTTP_PROXY: the endpoint's method */
    const char *uri;
    const char *function; /* FN: the function reference template (fnuri.h), in uri */
    size_t function_len;
    int proxy; /* FN: AWS_PROXY (the proxy event), else AWS (the template's output) */
    uint32_t timeout_ms;
    ws_templates_t templates;
    int passthrough_never; /* NEVER: no template matched → the message is refused */
    const ws_integ_response_t *responses;
    size_t nresponses;
    const ws_param_t *params;
    size_t nparams;
} ws_integration_t;

/* A REQUEST authorizer: its authorizerUri is a URL (called over HTTP) or
 * a Lambda invocation URI (function set: called through the function host). */
typedef struct {
    const char *id;
    const char *uri;
    const char *function; /* NULL: an HTTP endpoint */
    size_t function_len;
    uint32_t ttl_s;
    int simple; /* enableSimpleResponses: {"isAuthorized": bool, "context": {}} */
    /* identity sources: "h:Name" (header) or "q:name" (query string) */
    const char *const *sources;
    size_t nsources;
} ws_authorizer_t;

typedef struct {
    const char *key;
    const ws_integration_t *integ; /* NULL: no integration */
    int two_way;                   /* routeResponseSelectionExpression set */
    const ws_authorizer_t *authorizer;
    int authorizer_unserved; /* CUSTOM with an authorizer this node cannot call */
} ws_route_t;

typedef struct {
    const char *api_id;
    const char *deployment_id;
    const ws_select_t *rse; /* routeSelectionExpression; NULL: every message to $default */
    const ws_route_t *routes;
    size_t nroutes;
    strmap_t *by_key;
    const ws_route_t *on_connect, *on_disconnect, *on_default;
} ws_api_t;

/* A stage's throttling for a route (routeSettings, else the stage's
 * defaultRouteSettings): a node-wide token bucket (throttle.h) that lives
 * with the runtime (a new snapshot starts it full). */
typedef struct {
    throttle_limit_t limit;
    _Atomic uint64_t *tat;
} ws_limit_t;

typedef struct {
    const char *api_id;
    const char *name;
    const ws_api_t *api;
    rt_vars_t variables;
    const ws_limit_t *default_limit; /* NULL: none */
    strmap_t *route_limits;          /* route key → ws_limit_t */
} ws_stage_t;

/* The limit for route key on s, or NULL. */
const ws_limit_t *ws_conf_limit(const ws_stage_t *s, const char *route_key);

/* Compiles the WebSocket APIs of snap into b->rt (runtime_t.ws_stages). */
int ws_conf_compile(rt_build_t *b, const Portico__Snapshot *snap);

/* The WebSocket stage (api, name), or NULL. */
const ws_stage_t *ws_conf_stage(const runtime_t *rt, const char *api_id, size_t api_len,
                                const char *stage, size_t stage_len);

/* The route for a route key (exact), or NULL. */
const ws_route_t *ws_conf_route(const ws_api_t *api, const char *key, size_t len);

#endif
