/* rt_build_v2: HTTP APIs into the runtime's REST structures plus rt_v2.h.
 * Everything is checked again here; a snapshot with anything off is refused
 * whole, as for REST APIs. */
#include "rt_build_v2.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz_conf.h"
#include "fnuri.h"
#include "httpval.h"

#define V2_DEFAULT_TIMEOUT_MS 30000
#define V2_MIN_TIMEOUT_MS 50

static int v2_is_http(const Portico__V2ApiDefinition *def)
{
    return strcmp(def->protocol_type, "HTTP") == 0;
}

/* ---- parameter keys ------------------------------------------------------ */

int rt_build_v2_reserved_header(const char *name, size_t len)
{
    static const char *const exact[] = {"authorization",
                                        "connection",
                                        "content-encoding",
                                        "content-length",
                                        "content-location",
                                        "forwarded",
                                        "keep-alive",
                                        "origin",
                                        "proxy-authenticate",
                                        "proxy-authorization",
                                        "te",
                                        "trailers",
                                        "transfer-encoding",
                                        "upgrade",
                                        "x-forwarded-for",
                                        "x-forwarded-host",
                                        "x-forwarded-proto",
                                        "via",
                                        "host",
                                        NULL};
    static const char *const prefixes[] = {"access-control-", "apigw-", "x-amz-", "x-amzn-", NULL};
    for (const char *const *e = exact; *e != NULL; e++)
        if (strlen(*e) == len && strncasecmp(*e, name, len) == 0)
            return 1;
    for (const char *const *p = prefixes; *p != NULL; p++)
        if (len >= strlen(*p) && strncasecmp(*p, name, strlen(*p)) == 0)
            return 1;
    return 0;
}

int rt_build_v2_param_key(const char *key, int response, rt_v2_param_t *out)
{
    static const struct {
        const char *prefix;
        enum rt_v2_op op;
    } ops[] = {
        {"append:", RT_V2_APPEND}, {"overwrite:", RT_V2_OVERWRITE}, {"remove:", RT_V2_REMOVE}};
    size_t i = 0;
    while (i < 3 && strncmp(key, ops[i].prefix, strlen(ops[i].prefix)) != 0)
        i++;
    if (i == 3)
        return -1;
    const char *loc = key + strlen(ops[i].prefix);
    *out = (rt_v2_param_t){.op = ops[i].op, .name = "", .name_len = 0};
    if (strncmp(loc, "header.", 7) == 0) {
        out->loc = RT_V2_HEADER;
        out->name = loc + 7;
    } else if (!response && strncmp(loc, "querystring.", 12) == 0) {
        out->loc = RT_V2_QUERY;
        out->name = loc + 12;
    } else if (!response && strcmp(loc, "path") == 0 && out->op == RT_V2_OVERWRITE) {
        out->loc = RT_V2_PATH;
        return 0;
    } else if (response && strcmp(loc, "statuscode") == 0 && out->op == RT_V2_OVERWRITE) {
        out->loc = RT_V2_STATUS;
        return 0;
    } else {
        return -1;
    }
    out->name_len = strlen(out->name);
    if (out->name_len == 0)
        return -1;
    if (out->loc == RT_V2_HEADER)
        return httpval_header_name(out->name, out->name_len) == 0 ? 0 : -1;
    for (size_t k = 0; k < out->name_len; k++) /* a query name is sent escaped; no controls */
        if ((unsigned char)out->name[k] < 0x21 || out->name[k] == 0x7f)
            return -1;
    return 0;
}

/* Compiles one mappings list. Reserved headers are left out (the control
 * plane refuses them; a data plane never sends one a mapping named). */
static int v2_params(rt_build_t *b, const char *what, Portico__KeyValue **kv, size_t n,
                     int response, const rt_v2_param_t **out, size_t *nout)
{
    rt_v2_param_t *ps = arena_alloc(b->a, sizeof(*ps) * (n + 1));
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        rt_v2_param_t *p = &ps[count];
        if (rt_build_v2_param_key(kv[i]->key, response, p) != 0)
            return rt_build_fail(b, "%s: invalid parameter mapping %s", what, kv[i]->key);
        if (p->loc == RT_V2_HEADER && rt_build_v2_reserved_header(p->name, p->name_len))
            continue;
        if (p->loc == RT_V2_HEADER) {
            char *lower = arena_strndup(b->a, p->name, p->name_len);
            for (size_t k = 0; k < p->name_len; k++)
                lower[k] = (char)tolower((unsigned char)lower[k]);
            p->name = lower;
        }
        p->value = kv[i]->value;
        p->value_len = strlen(kv[i]->value);
        if (p->op != RT_V2_REMOVE && p->loc == RT_V2_STATUS) {
            /* a static status is checked now; an expression when it is used */
            if (p->value[0] != '$' && (atoi(p->value) < 100 || atoi(p->value) > 599))
                return rt_build_fail(b, "%s: invalid status code %s", what, p->value);
        }
        count++;
    }
    *out = ps;
    *nout = count;
    return 0;
}

/* ---- integrations -------------------------------------------------------- */

static int v2_uri_has_path(const char *uri)
{
    const char *s = strstr(uri, "://");
    const char *p = s != NULL ? strpbrk(s + 3, "/?#") : NULL;
    return p != NULL && *p == '/' && p[1] != '\0' && p[1] != '?' && p[1] != '#';
}

/* AWS_PROXY: a function (integ_fn.c) named by a Lambda invocation URI, an
 * ARN or a name, ${stageVariables.x} allowed; payload 1.0 or 2.0. */
static const rt_integration_t *v2_function(rt_build_t *b, const Portico__V2Integration *in)
{
    rt_integration_t *ri = arena_alloc(b->a, sizeof(*ri));
    rt_v2_integ_t *v2 = arena_alloc(b->a, sizeof(*v2));
    ri->type = RT_INTEG_AWS_PROXY;
    ri->uri = in->uri;
    ri->uri_len = strlen(in->uri);
    if (fnuri_function(ri->uri, ri->uri_len, &ri->function, &ri->function_len) != 0) {
        ri->function = ri->uri;
        ri->function_len = ri->uri_len;
    }
    if (fnuri_check_template(ri->function, ri->function_len) != 0) {
        rt_build_fail(b, "integration %s: not a function reference: %s", in->id, in->uri);
        return NULL;
    }
    uint32_t t = in->timeout_ms == 0 ? V2_DEFAULT_TIMEOUT_MS : in->timeout_ms;
    ri->timeout_ms = t < V2_MIN_TIMEOUT_MS ? V2_MIN_TIMEOUT_MS : t;
    if (ri->timeout_ms > V2_DEFAULT_TIMEOUT_MS)
        ri->timeout_ms = V2_DEFAULT_TIMEOUT_MS;
    v2->payload_v2 = strcmp(in->payload_format_version, "1.0") != 0;
    ri->v2 = v2;
    return ri;
}

static const rt_integration_t *v2_integration(rt_build_t *b, const Portico__V2Integration *in)
{
    if (strcmp(in->type, "AWS_PROXY") == 0)
        return v2_function(b, in);
    if (strcmp(in->type, "HTTP_PROXY") != 0)
        return NULL; /* other types: the route answers 500 */
    if (strncmp(in->uri, "http://", 7) != 0 && strncmp(in->uri, "https://", 8) != 0) {
        rt_build_fail(b, "integration %s: the URI must be http(s)", in->id);
        return NULL;
    }
    rt_integration_t *ri = arena_alloc(b->a, sizeof(*ri));
    rt_v2_integ_t *v2 = arena_alloc(b->a, sizeof(*v2));
    ri->type = RT_INTEG_HTTP_PROXY;
    ri->uri = in->uri;
    ri->uri_len = strlen(in->uri);
    if (in->method[0] != '\0' && strcmp(in->method, "ANY") != 0) {
        if (httpval_method(in->method, strlen(in->method)) != 0) {
            rt_build_fail(b, "integration %s: invalid method %s", in->id, in->method);
            return NULL;
        }
        ri->http_method = in->method;
    }
    uint32_t t = in->timeout_ms == 0 ? V2_DEFAULT_TIMEOUT_MS : in->timeout_ms;
    ri->timeout_ms = t < V2_MIN_TIMEOUT_MS       ? V2_MIN_TIMEOUT_MS
                     : t > V2_DEFAULT_TIMEOUT_MS ? V2_DEFAULT_TIMEOUT_MS
                                                 : t;
    v2->uri_has_path = v2_uri_has_path(in->uri);
    char what[160];
    snprintf(what, sizeof(what), "integration %s", in->id);
    if (v2_params(b, what, in->request_parameters, in->n_request_parameters, 0, &v2->req,
                  &v2->nreq) != 0)
        return NULL;
    rt_v2_resp_t *resp = arena_alloc(b->a, sizeof(*resp) * (in->n_response_parameters + 1));
    for (size_t i = 0; i < in->n_response_parameters; i++) {
        const Portico__V2ResponseParameters *rp = in->response_parameters[i];
        resp[i].status = atoi(rp->status_code);
        if (resp[i].status < 100 || resp[i].status > 599) {
            rt_build_fail(b, "%s: invalid response status %s", what, rp->status_code);
            return NULL;
        }
        if (v2_params(b, what, rp->mappings, rp->n_mappings, 1, &resp[i].params,
                      &resp[i].nparams) != 0)
            return NULL;
    }
    v2->resp = resp;
    v2->nresp = in->n_response_parameters;
    ri->v2 = v2;
    return ri;
}

/* ---- CORS ---------------------------------------------------------------- */

static const char *v2_join(rt_build_t *b, char **items, size_t n, int *star)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 1;
    char *out = arena_alloc(b->a, len);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i], "*") == 0)
            *star = 1;
        at += (size_t)sprintf(out + at, "%s%s", i > 0 ? "," : "", items[i]);
    }
    return out;
}

static int v2_cors(rt_build_t *b, rt_v2_api_t *api, const Portico__V2ApiDefinition *def)
{
    const Portico__V2Cors *c = def->cors;
    if (c == NULL)
        return 0;
    rt_v2_cors_t *rc = arena_alloc(b->a, sizeof(*rc));
    int unused = 0;
    rc->allow_origins = (const char *const *)c->allow_origins;
    rc->norigins = c->n_allow_origins;
    rc->allow_methods = v2_join(b, c->allow_methods, c->n_allow_methods, &rc->any_method);
    rc->allow_headers = v2_join(b, c->allow_headers, c->n_allow_headers, &rc->any_header);
    rc->expose_headers = v2_join(b, c->expose_headers, c->n_expose_headers, &unused);
    rc->max_age = c->has_max_age ? c->max_age : -1;
    rc->allow_credentials = c->allow_credentials;
    if (httpval_header_value(rc->allow_methods, strlen(rc->allow_methods)) != 0 ||
        httpval_header_value(rc->allow_headers, strlen(rc->allow_headers)) != 0 ||
        httpval_header_value(rc->expose_headers, strlen(rc->expose_headers)) != 0)
        return rt_build_fail(b, "API %s: invalid corsConfiguration", def->api_id);
    for (size_t i = 0; i < rc->norigins; i++)
        if (httpval_header_value(rc->allow_origins[i], strlen(rc->allow_origins[i])) != 0)
            return rt_build_fail(b, "API %s: invalid CORS origin", def->api_id);
    api->cors = rc;
    return 0;
}

/* ---- authorizers --------------------------------------------------------- */

/* An HTTP API identity source in the REST spelling authz_conf parses:
 * $request.header.X → method.request.header.X, $request.querystring.X →
 * method.request.querystring.X, $context.X → context.X, $stageVariables.X →
 * stageVariables.X; NULL for anything else. */
static const char *v2_identity_source(rt_build_t *b, const char *src)
{
    static const struct {
        const char *v2, *rest;
    } forms[] = {{"$request.header.", "method.request.header."},
                 {"$request.querystring.", "method.request.querystring."},
                 {"$context.", "context."},
                 {"$stageVariables.", "stageVariables."}};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        size_t n = strlen(forms[i].v2);
        if (strncmp(src, forms[i].v2, n) != 0 || src[n] == '\0' || strchr(src, ',') != NULL)
            continue;
        size_t len = strlen(forms[i].rest) + strlen(src + n) + 1;
        char *out = arena_alloc(b->a, len);
        snprintf(out, len, "%s%s", forms[i].rest, src + n);
        return out;
    }
    return NULL;
}

/* A REQUEST authorizer as REST's (an HTTP endpoint or a function): its
 * identity sources joined with commas, caching only with sources. */
static int v2_request_authorizer(rt_build_t *b, const Portico__V2Authorizer *in,
                                 Portico__Authorizer *a)
{
    size_t cap = 1;
    const char **srcs = arena_alloc(b->a, sizeof(*srcs) * (in->n_identity_source + 1));
    for (size_t k = 0; k < in->n_identity_source; k++) {
        if ((srcs[k] = v2_identity_source(b, in->identity_source[k])) == NULL)
            return rt_build_fail(b, "authorizer %s: invalid identity source %s", in->id,
                                 in->identity_source[k]);
        cap += strlen(srcs[k]) + 1;
    }
    char *joined = arena_alloc(b->a, cap);
    for (size_t k = 0, at = 0; k < in->n_identity_source; k++)
        at += (size_t)snprintf(joined + at, cap - at, "%s%s", k > 0 ? "," : "", srcs[k]);
    a->type = "REQUEST";
    a->identity_source = joined;
    a->authorizer_uri = in->authorizer_uri;
    a->result_ttl_seconds = in->n_identity_source > 0 ? in->result_ttl_seconds : 0;
    return 0;
}

/* JWT authorizers go through authz_conf as REST JWT authorizers do (the
 * first identity source names the header; keys come from Snapshot.jwks);
 * REQUEST authorizers as REST REQUEST authorizers, marked with their
 * payload version and simple responses (authz_v2.h). */
static int v2_authorizers(rt_build_t *b, rt_deployment_t *d, const Portico__V2ApiDefinition *def)
{
    Portico__Authorizer *list = arena_alloc(b->a, sizeof(*list) * (def->n_authorizers + 1));
    Portico__Authorizer **ptrs = arena_alloc(b->a, sizeof(*ptrs) * (def->n_authorizers + 1));
    size_t n = 0;
    for (size_t i = 0; i < def->n_authorizers; i++) {
        const Portico__V2Authorizer *in = def->authorizers[i];
        Portico__Authorizer *a = &list[n];
        portico__authorizer__init(a);
        a->id = in->id;
        a->name = in->name;
        if (strcmp(in->type, "JWT") == 0) {
            a->type = "JWT";
            a->identity_source = in->n_identity_source > 0 ? in->identity_source[0]
                                                           : "$request.header.Authorization";
            a->jwt = in->jwt;
        } else if (strcmp(in->type, "REQUEST") == 0) {
            if (v2_request_authorizer(b, in, a) != 0)
                return -1;
        } else {
            return rt_build_fail(b, "authorizer %s: unsupported type %s", in->id, in->type);
        }
        ptrs[n++] = a;
    }
    Portico__ApiDefinition shell;
    portico__api_definition__init(&shell);
    shell.api_id = def->api_id;
    shell.deployment_id = def->deployment_id;
    shell.authorizers = ptrs;
    shell.n_authorizers = n;
    if (authz_conf_deployment(b, d, &shell) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) { /* authz_conf compiled them in this order */
        const Portico__V2Authorizer *in = def->authorizers[i];
        rt_authorizer_t *ra = (rt_authorizer_t *)&d->authorizers[i];
        if (ra->type != RT_AUTHORIZER_REQUEST)
            continue;
        ra->v2_payload = strcmp(in->payload_format_version, "1.0") == 0 ? 1 : 2;
        ra->simple_responses = ra->v2_payload == 2 && in->enable_simple_responses;
    }
    return 0;
}

static int v2_route_auth(rt_build_t *b, const rt_deployment_t *d, const Portico__V2Route *rt,
                         rt_method_t *rm)
{
    const char *type = rt->authorization_type;
    Portico__Method m;
    portico__method__init(&m);
    m.http_method = (char *)rm->verb;
    m.authorization_type = (char *)type;
    m.authorizer_id = rt->authorizer_id;
    m.authorization_scopes = rt->authorization_scopes;
    m.n_authorization_scopes = rt->n_authorization_scopes;
    return authz_conf_method(b, d, &m, rm);
}

/* ---- routes -------------------------------------------------------------- */

static const char *const v2_verbs[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                       "HEAD", "OPTIONS", "ANY", NULL};

/* "GET /pets/{id}" → verb and path (arena); "$default" → ANY and
 * "/$default" (a resource path no route key can have: its throttle bucket
 * and metrics go by it, and REST's method settings want a leading '/'). */
static int v2_route_key(rt_build_t *b, const char *key, const char **verb, const char **path)
{
    if (strcmp(key, "$default") == 0) {
        *verb = "ANY";
        *path = "/$default";
        return 0;
    }
    const char *sp = strchr(key, ' ');
    if (sp == NULL || sp[1] != '/')
        return -1;
    char *v = arena_strndup(b->a, key, (size_t)(sp - key));
    for (const char *const *p = v2_verbs; *p != NULL; p++)
        if (strcmp(*p, v) == 0) {
            *verb = *p;
            *path = sp + 1;
            return strchr(*path, ' ') == NULL ? 0 : -1;
        }
    return -1;
}

static const rt_integration_t *v2_find_integ(const Portico__V2ApiDefinition *def,
                                             const rt_integration_t *const *integs,
                                             const char *target)
{
    static const char prefix[] = "integrations/";
    if (strncmp(target, prefix, sizeof(prefix) - 1) == 0)
        target += sizeof(prefix) - 1;
    for (size_t i = 0; i < def->n_integrations; i++)
        if (strcmp(def->integrations[i]->id, target) == 0)
            return integs[i];
    return NULL;
}

static int v2_route(rt_build_t *b, rt_deployment_t *d, rt_v2_api_t *api,
                    const Portico__V2ApiDefinition *def, const rt_integration_t *const *integs,
                    const Portico__V2Route *route)
{
    rt_method_t *rm = arena_alloc(b->a, sizeof(*rm));
    rt_v2_route_t *rv = arena_alloc(b->a, sizeof(*rv));
    if (v2_route_key(b, route->route_key, &rm->verb, &rm->resource_path) != 0)
        return rt_build_fail(b, "API %s: invalid route key %s", def->api_id, route->route_key);
    rm->resource_id = route->id;
    rv->route_key = route->route_key;
    rm->v2 = rv;
    if (v2_route_auth(b, d, route, rm) != 0)
        return -1;
    if (route->target_integration_id[0] != '\0') {
        rm->integration = v2_find_integ(def, integs, route->target_integration_id);
        rv->integ = rm->integration != NULL ? rm->integration->v2 : NULL;
    }
    if (strcmp(route->route_key, "$default") == 0) {
        if (api->default_route != NULL)
            return rt_build_fail(b, "API %s: two $default routes", def->api_id);
        api->default_route = rm;
        return 0;
    }
    if (router_add(d->router, rm->resource_path, rm->verb, rm) != 0)
        return rt_build_fail(b, "API %s: invalid or duplicate route %s", def->api_id,
                             route->route_key);
    return 0;
}

static int v2_compile_api(rt_build_t *b, const Portico__V2ApiDefinition *def, strmap_t *deployments)
{
    if (def->api_id[0] == '\0' || def->deployment_id[0] == '\0')
        return rt_build_fail(b, "an HTTP API deployment lacks its identifiers");
    rt_deployment_t *d = arena_alloc(b->a, sizeof(*d));
    rt_v2_api_t *api = arena_alloc(b->a, sizeof(*api));
    d->api_id = def->api_id;
    d->id = def->deployment_id;
    d->router = router_create(b->a);
    d->disable_execute_api_endpoint = def->disable_execute_api_endpoint;
    d->api_key_from_header = 1;
    d->v2 = api;
    api->name = def->name;
    if (v2_authorizers(b, d, def) != 0 || v2_cors(b, api, def) != 0)
        return -1;
    const rt_integration_t **integs =
        arena_alloc(b->a, sizeof(*integs) * (def->n_integrations + 1));
    for (size_t i = 0; i < def->n_integrations; i++) {
        b->err[0] = '\0';
        integs[i] = v2_integration(b, def->integrations[i]);
        if (integs[i] == NULL && b->err[0] != '\0')
            return -1;
    }
    for (size_t i = 0; i < def->n_routes; i++)
        if (v2_route(b, d, api, def, integs, def->routes[i]) != 0)
            return -1;
    router_seal(d->router);
    if (strmap_get(b->rt->v2_apis, d->api_id, strlen(d->api_id)) == NULL &&
        strmap_put(b->rt->v2_apis, d->api_id, strlen(d->api_id), d) != 0)
        return rt_build_fail(b, "out of memory");
    char key[256];
    int n = snprintf(key, sizeof(key), "%s/%s", d->api_id, d->id);
    if (n >= (int)sizeof(key) || strmap_get(deployments, key, (size_t)n) != NULL)
        return rt_build_fail(b, "duplicate deployment %s", key);
    return strmap_put(deployments, key, (size_t)n, d) == 0 ? 0 : rt_build_fail(b, "out of memory");
}

int rt_build_v2_deployments(rt_build_t *b, const Portico__Snapshot *snap, strmap_t *deployments)
{
    b->rt->v2_apis = strmap_create(b->a, snap->n_v2_deployments);
    for (size_t i = 0; i < snap->n_v2_deployments; i++) {
        const Portico__V2ApiDefinition *def = snap->v2_deployments[i];
        if (!v2_is_http(def))
            continue; /* WEBSOCKET: rt_build_v2_ws_deployment (i15-ws) hooks in here */
        if (v2_compile_api(b, def, deployments) != 0)
            return -1;
    }
    return 0;
}

/* ---- stages -------------------------------------------------------------- */

/* A route setting as a REST method setting: "GET /pets/{id}" on resource
 * /pets/{id} verb GET, `$default` on "/$default" ANY, the stage's defaults on
 * "*" "*". */
static Portico__MethodSetting *v2_setting(rt_build_t *b, const Portico__V2RouteSettings *rs)
{
    Portico__MethodSetting *ms = arena_alloc(b->a, sizeof(*ms));
    portico__method_setting__init(ms);
    if (rs->route_key[0] == '\0') {
        ms->resource_path = "*";
        ms->http_method = "*";
        ms->key = "*/*";
    } else {
        const char *verb, *path;
        if (v2_route_key(b, rs->route_key, &verb, &path) != 0)
            return NULL;
        ms->resource_path = (char *)path;
        ms->http_method = (char *)verb;
    }
    if (rs->has_throttle) {
        ms->throttling_rate_limit = rs->throttling_rate_limit;
        ms->throttling_burst_limit = rs->throttling_burst_limit;
    }
    ms->metrics_enabled = rs->detailed_metrics_enabled;
    ms->logging_level = rs->logging_level[0] != '\0' ? rs->logging_level : "OFF";
    ms->data_trace_enabled = rs->data_trace_enabled;
    return ms;
}

static const Portico__V2ApiDefinition *v2_find_def(const Portico__Snapshot *snap,
                                                   const char *api_id, const char *deployment_id)
{
    for (size_t i = 0; i < snap->n_v2_deployments; i++)
        if (strcmp(snap->v2_deployments[i]->api_id, api_id) == 0 &&
            strcmp(snap->v2_deployments[i]->deployment_id, deployment_id) == 0)
            return snap->v2_deployments[i];
    return NULL;
}

static const Portico__V2RouteSettings *v2_route_settings(const Portico__V2Stage *vs,
                                                         const char *route_key)
{
    for (size_t k = 0; k < vs->n_route_settings; k++)
        if (strcmp(vs->route_settings[k]->route_key, route_key) == 0)
            return vs->route_settings[k];
    return NULL;
}

/* The stage's route settings as method settings. The defaults' throttle
 * becomes one setting per route without a throttle of its own: each route
 * has its own bucket, as the reference's default route throttling does; the
 * stage-wide entry keeps the rest (metrics, logging). */
static int v2_stage_settings(rt_build_t *b, const Portico__Snapshot *snap,
                             const Portico__V2Stage *vs, Portico__StageBinding *sb)
{
    const Portico__V2ApiDefinition *def = v2_find_def(snap, vs->api_id, vs->deployment_id);
    const Portico__V2RouteSettings *dflt = vs->default_route_settings;
    size_t nroutes = def != NULL && dflt != NULL && dflt->has_throttle ? def->n_routes : 0;
    size_t nset = vs->n_route_settings + (dflt != NULL) + nroutes;
    sb->method_settings = arena_alloc(b->a, sizeof(*sb->method_settings) * (nset + 1));
    if (dflt != NULL) {
        Portico__MethodSetting *ms = v2_setting(b, dflt);
        if (ms == NULL)
            return rt_build_fail(b, "stage %s/%s: invalid default route settings", vs->api_id,
                                 vs->stage_name);
        ms->throttling_rate_limit = 0;
        ms->throttling_burst_limit = 0;
        sb->method_settings[sb->n_method_settings++] = ms;
    }
    for (size_t k = 0; k < vs->n_route_settings; k++) {
        const Portico__V2RouteSettings *rs = vs->route_settings[k];
        if (rs->route_key[0] == '\0')
            continue;
        Portico__MethodSetting *ms = v2_setting(b, rs);
        if (ms == NULL)
            return rt_build_fail(b, "stage %s/%s: invalid route settings %s", vs->api_id,
                                 vs->stage_name, rs->route_key);
        if (!rs->has_throttle && dflt != NULL && dflt->has_throttle) {
            ms->throttling_rate_limit = dflt->throttling_rate_limit;
            ms->throttling_burst_limit = dflt->throttling_burst_limit;
        }
        sb->method_settings[sb->n_method_settings++] = ms;
    }
    for (size_t i = 0; i < nroutes; i++) {
        const char *key = def->routes[i]->route_key;
        if (v2_route_settings(vs, key) != NULL)
            continue;
        Portico__V2RouteSettings rs = *dflt; /* its metrics and logging too */
        rs.route_key = (char *)key;
        Portico__MethodSetting *ms = v2_setting(b, &rs);
        if (ms == NULL)
            return rt_build_fail(b, "API %s: invalid route key %s", vs->api_id, key);
        sb->method_settings[sb->n_method_settings++] = ms;
    }
    return 0;
}

int rt_build_v2_stages(rt_build_t *b, Portico__Snapshot *snap)
{
    if (snap->n_v2_stages == 0)
        return 0;
    Portico__StageBinding **all =
        arena_alloc(b->a, sizeof(*all) * (snap->n_stages + snap->n_v2_stages + 1));
    if (snap->n_stages > 0)
        memcpy(all, snap->stages, sizeof(*all) * snap->n_stages);
    size_t n = snap->n_stages;
    for (size_t i = 0; i < snap->n_v2_stages; i++) {
        const Portico__V2Stage *vs = snap->v2_stages[i];
        const Portico__V2ApiDefinition *def = v2_find_def(snap, vs->api_id, vs->deployment_id);
        /* not deployed yet (no deployment, or not in this snapshot): not served;
         * WEBSOCKET stages: rt_build_v2_ws_stage (i15-ws) hooks in here */
        if (def == NULL || !v2_is_http(def))
            continue;
        Portico__StageBinding *sb = arena_alloc(b->a, sizeof(*sb));
        portico__stage_binding__init(sb);
        sb->api_id = vs->api_id;
        sb->stage_name = vs->stage_name;
        sb->deployment_id = vs->deployment_id;
        sb->variables = vs->variables;
        sb->n_variables = vs->n_variables;
        sb->access_log = vs->access_log;
        if (v2_stage_settings(b, snap, vs, sb) != 0)
            return -1;
        all[n++] = sb;
    }
    snap->stages = all;
    snap->n_stages = n;
    return 0;
}
