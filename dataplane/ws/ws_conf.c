/* ws_conf: WebSocket APIs into the runtime. Every template, pattern and
 * selection expression is compiled here so a bad one refuses the snapshot
 * and messages never parse. */
#include "ws_conf.h"

#include <stdio.h>
#include <string.h>

#include "fnuri.h"
#include "httpval.h"
#include "log.h"
#include "pattern.h"
#include "vtl.h"

#define WS_DEFAULT_TIMEOUT_MS 29000

static void ws_pattern_free(void *p)
{
    pattern_free(p);
}

static int ws_templates(rt_build_t *b, Portico__KeyValue **kv, size_t n, const char *tse,
                        ws_templates_t *out)
{
    ws_template_t *items = arena_alloc(b->a, sizeof(*items) * (n + 1));
    if (items == NULL)
        return rt_build_fail(b, "out of memory");
    for (size_t i = 0; i < n; i++) {
        vtl_template_t *t;
        vtl_error_t err;
        if (vtl_compile(kv[i]->value, strlen(kv[i]->value), b->a, &t, &err) != VTL_OK)
            return rt_build_fail(b, "template %s: line %d, column %d: %s", kv[i]->key, err.line,
                                 err.column, err.message);
        items[i] = (ws_template_t){kv[i]->key, t};
    }
    out->items = items;
    out->n = n;
    out->selection = NULL;
    if (tse != NULL && tse[0] != '\0') {
        char err[160];
        out->selection = ws_select_parse(b->a, tse, err, sizeof(err));
        if (out->selection == NULL) /* the control plane checks it: never refuse a snapshot */
            log_warn("WebSocket templateSelectionExpression %s: %s ($default is used)", tse, err);
    }
    return 0;
}

static int ws_integ_response(rt_build_t *b, const Portico__V2IntegrationResponse *src,
                             ws_integ_response_t *out)
{
    out->key = src->key;
    out->re = NULL;
    size_t len = strlen(src->key);
    if (strcmp(src->key, "$default") != 0) {
        /* "/regex/", or an exact status code ("200") */
        int slashed = len >= 2 && src->key[0] == '/' && src->key[len - 1] == '/';
        char *re_src = slashed ? arena_strndup(b->a, src->key + 1, len - 2)
                               : arena_strndup(b->a, src->key, len),
             err[160];
        pattern_t *re = re_src != NULL ? pattern_compile(re_src, err, sizeof(err)) : NULL;
        if (re == NULL) {
            log_warn("WebSocket integration response key %s is not a pattern: left out", src->key);
            return 1;
        }
        if (rt_build_cleanup(b, ws_pattern_free, re) != 0)
            return -1;
        out->re = re;
    }
    return ws_templates(b, src->response_templates, src->n_response_templates,
                        src->template_selection_expression, &out->templates);
}

/* One requestParameters row; 1 when it is not served (left out). */
static int ws_param(rt_build_t *b, const char *target, const char *source, ws_param_t *out)
{
    if (strncmp(target, "integration.request.header.", 27) == 0 && target[27] != '\0') {
        out->target = WS_PARAM_HEADER;
        char *name = arena_strdup(b->a, target + 27);
        for (char *p = name; p != NULL && *p != '\0'; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        out->name = name;
    } else if (strncmp(target, "integration.request.querystring.", 32) == 0 && target[32] != '\0') {
        out->target = WS_PARAM_QUERY;
        out->name = target + 32;
    } else {
        return 1;
    }
    if (out->name == NULL || httpval_header_name(out->name, strlen(out->name)) != 0)
        return 1;
    size_t sl = strlen(source);
    char err[160];
    if (sl >= 2 && source[0] == '\'' && source[sl - 1] == '\'') {
        out->source = WS_SRC_LITERAL;
        out->value = arena_strndup(b->a, source + 1, sl - 2);
    } else if (strncmp(source, "context.", 8) == 0 && source[8] != '\0') {
        out->source = WS_SRC_CONTEXT;
        out->value = source + 8;
    } else if (strncmp(source, "stageVariables.", 15) == 0 && source[15] != '\0') {
        out->source = WS_SRC_STAGE_VAR;
        out->value = source + 15;
    } else if (strncmp(source, "route.request.body.", 19) == 0 && source[19] != '\0') {
        char expr[300];
        snprintf(expr, sizeof(expr), "${request.body.%s}", source + 19);
        out->source = WS_SRC_BODY;
        out->body = ws_select_parse(b->a, expr, err, sizeof(err));
        if (out->body == NULL)
            return 1;
    } else {
        return 1;
    }
    return 0;
}

static int ws_integration(rt_build_t *b, const Portico__V2Integration *src, ws_integration_t *out)
{
    if (strcmp(src->type, "MOCK") == 0)
        out->type = WS_INTEG_MOCK;
    else if (strcmp(src->type, "HTTP") == 0)
        out->type = WS_INTEG_HTTP;
    else if (strcmp(src->type, "HTTP_PROXY") == 0)
        out->type = WS_INTEG_HTTP_PROXY;
    else if (strcmp(src->type, "AWS_PROXY") == 0 || strcmp(src->type, "AWS") == 0)
        out->type = WS_INTEG_FN;
    else
        out->type = WS_INTEG_UNSERVED;
    out->method = src->method[0] != '\0' ? src->method : "POST";
    out->uri = src->uri;
    out->proxy = strcmp(src->type, "AWS_PROXY") == 0;
    if (out->type == WS_INTEG_FN) {
        /* only Lambda invocation URIs: other AWS services are not served */
        if (fnuri_function(src->uri, strlen(src->uri), &out->function, &out->function_len) != 0 ||
            fnuri_check_template(out->function, out->function_len) != 0)
            out->type = WS_INTEG_UNSERVED;
    } else if (out->type != WS_INTEG_MOCK && strncmp(src->uri, "http://", 7) != 0 &&
               strncmp(src->uri, "https://", 8) != 0) {
        out->type = WS_INTEG_UNSERVED;
    }
    out->timeout_ms = src->timeout_ms != 0 ? src->timeout_ms : WS_DEFAULT_TIMEOUT_MS;
    out->passthrough_never = strcmp(src->passthrough_behavior, "NEVER") == 0;
    if (ws_templates(b, src->request_templates, src->n_request_templates,
                     src->template_selection_expression, &out->templates) != 0)
        return -1;
    ws_integ_response_t *rs = arena_alloc(b->a, sizeof(*rs) * (src->n_responses + 1));
    if (rs == NULL)
        return rt_build_fail(b, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < src->n_responses; i++) {
        int rc = ws_integ_response(b, src->responses[i], &rs[n]);
        if (rc < 0)
            return -1;
        if (rc == 0)
            n++;
    }
    out->responses = rs;
    out->nresponses = n;
    ws_param_t *ps = arena_alloc(b->a, sizeof(*ps) * (src->n_request_parameters + 1));
    if (ps == NULL)
        return rt_build_fail(b, "out of memory");
    n = 0;
    for (size_t i = 0; i < src->n_request_parameters; i++) {
        memset(&ps[n], 0, sizeof(ps[n]));
        if (ws_param(b, src->request_parameters[i]->key, src->request_parameters[i]->value,
                     &ps[n]) == 0)
            n++;
        else
            log_warn("WebSocket integration %s: request parameter %s is not served", src->id,
                     src->request_parameters[i]->key);
    }
    out->params = ps;
    out->nparams = n;
    return 0;
}

/* "$request.header.Auth" / "route.request.header.Auth" → "h:Auth";
 * "...querystring.t" → "q:t". */
static const char *ws_identity_source(rt_build_t *b, const char *s)
{
    static const char *const prefixes[] = {"$request.", "route.request.", "method.request."};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncmp(s, prefixes[i], pl) != 0)
            continue;
        const char *rest = s + pl;
        char buf[160];
        if (strncmp(rest, "header.", 7) == 0 && rest[7] != '\0') {
            int n = snprintf(buf, sizeof(buf), "h:%s", rest + 7);
            for (int k = 2; k < n && (size_t)k < sizeof(buf); k++)
                if (buf[k] >= 'A' && buf[k] <= 'Z')
                    buf[k] = (char)(buf[k] - 'A' + 'a');
        } else if (strncmp(rest, "querystring.", 12) == 0 && rest[12] != '\0')
            snprintf(buf, sizeof(buf), "q:%s", rest + 12);
        else
            return NULL;
        return arena_strdup(b->a, buf);
    }
    return NULL;
}

static int ws_authorizer(rt_build_t *b, const Portico__V2Authorizer *src, ws_authorizer_t *out)
{
    out->id = src->id;
    out->uri = src->authorizer_uri;
    out->function = NULL;
    out->function_len = 0;
    if (fnuri_is_aws(out->uri, strlen(out->uri))) {
        const char *fn;
        size_t fn_len;
        if (fnuri_function(out->uri, strlen(out->uri), &fn, &fn_len) == 0 &&
            fnuri_check_template(fn, fn_len) == 0) {
            out->function = fn;
            out->function_len = fn_len;
        } else {
            out->uri = ""; /* not a function: the call fails (500) */
        }
    }
    out->ttl_s = src->result_ttl_seconds > 0 ? (uint32_t)src->result_ttl_seconds : 0;
    out->simple = src->enable_simple_responses;
    const char **ss = arena_alloc(b->a, sizeof(*ss) * (src->n_identity_source + 1));
    if (ss == NULL)
        return rt_build_fail(b, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < src->n_identity_source; i++) {
        ss[n] = ws_identity_source(b, src->identity_source[i]);
        if (ss[n] == NULL) /* e.g. context.x or stageVariables.x: not checked here */
            log_warn("WebSocket authorizer %s: identity source %s is not checked", src->id,
                     src->identity_source[i]);
        else
            n++;
    }
    out->sources = ss;
    out->nsources = n;
    return 0;
}

static int ws_api(rt_build_t *b, const Portico__V2ApiDefinition *def, ws_api_t *api)
{
    char err[160];
    api->api_id = def->api_id;
    api->deployment_id = def->deployment_id;
    api->rse =
        ws_select_parse(b->a,
                        def->route_selection_expression[0] != '\0' ? def->route_selection_expression
                                                                   : "$request.body.action",
                        err, sizeof(err));
    if (api->rse == NULL) /* the control plane checks it: never refuse a snapshot */
        log_warn("WebSocket API %s: routeSelectionExpression: %s (every message goes to $default)",
                 def->api_id, err);
    ws_integration_t *integs = arena_alloc(b->a, sizeof(*integs) * (def->n_integrations + 1));
    ws_authorizer_t *auths = arena_alloc(b->a, sizeof(*auths) * (def->n_authorizers + 1));
    ws_route_t *routes = arena_alloc(b->a, sizeof(*routes) * (def->n_routes + 1));
    api->by_key = strmap_create(b->a, def->n_routes);
    if (integs == NULL || auths == NULL || routes == NULL || api->by_key == NULL)
        return rt_build_fail(b, "out of memory");
    for (size_t i = 0; i < def->n_integrations; i++)
        if (ws_integration(b, def->integrations[i], &integs[i]) != 0)
            return -1;
    size_t nauth = 0;
    for (size_t i = 0; i < def->n_authorizers; i++) {
        if (strcmp(def->authorizers[i]->type, "REQUEST") != 0)
            continue;
        if (ws_authorizer(b, def->authorizers[i], &auths[nauth]) != 0)
            return -1;
        nauth++;
    }
    for (size_t i = 0; i < def->n_routes; i++) {
        const Portico__V2Route *src = def->routes[i];
        ws_route_t *r = &routes[i];
        memset(r, 0, sizeof(*r));
        r->key = src->route_key;
        r->two_way = src->route_response_selection_expression[0] != '\0';
        for (size_t k = 0; src->target_integration_id[0] != '\0' && k < def->n_integrations; k++)
            if (strcmp(def->integrations[k]->id, src->target_integration_id) == 0)
                r->integ = &integs[k];
        const char *target = src->target_integration_id;
        if (strncmp(target, "integrations/", 13) == 0)
            for (size_t k = 0; k < def->n_integrations; k++)
                if (strcmp(def->integrations[k]->id, target + 13) == 0)
                    r->integ = &integs[k];
        if (strcmp(src->authorization_type, "CUSTOM") == 0) {
            for (size_t k = 0; k < nauth; k++)
                if (strcmp(auths[k].id, src->authorizer_id) == 0)
                    r->authorizer = &auths[k];
            r->authorizer_unserved = r->authorizer == NULL; /* $connect answers 500 */
        }
        if (strmap_put(api->by_key, r->key, strlen(r->key), r) != 0)
            return rt_build_fail(b, "out of memory");
        if (strcmp(r->key, "$connect") == 0)
            api->on_connect = r;
        else if (strcmp(r->key, "$disconnect") == 0)
            api->on_disconnect = r;
        else if (strcmp(r->key, "$default") == 0)
            api->on_default = r;
    }
    api->routes = routes;
    api->nroutes = def->n_routes;
    return 0;
}

static rt_vars_t ws_vars(rt_build_t *b, Portico__KeyValue **kv, size_t n)
{
    rt_kv_t *items = arena_alloc(b->a, sizeof(*items) * (n + 1));
    for (size_t i = 0; items != NULL && i < n; i++)
        items[i] = (rt_kv_t){kv[i]->key, strlen(kv[i]->key), kv[i]->value, strlen(kv[i]->value)};
    return (rt_vars_t){items, items != NULL ? n : 0};
}

static const ws_limit_t *ws_limit_of(rt_build_t *b, const Portico__V2RouteSettings *rs)
{
    if (rs == NULL || !rs->has_throttle)
        return NULL;
    ws_limit_t *l = arena_alloc(b->a, sizeof(*l));
    _Atomic uint64_t *tat = arena_alloc(b->a, sizeof(*tat));
    if (l == NULL || tat == NULL)
        return NULL;
    atomic_init(tat, 0);
    l->limit = (throttle_limit_t){rs->throttling_rate_limit, rs->throttling_burst_limit};
    l->tat = tat;
    return l;
}

static int ws_stage_limits(rt_build_t *b, const Portico__V2Stage *st, ws_stage_t *s)
{
    s->default_limit = ws_limit_of(b, st->default_route_settings);
    s->route_limits = strmap_create(b->a, st->n_route_settings);
    if (s->route_limits == NULL)
        return rt_build_fail(b, "out of memory");
    for (size_t i = 0; i < st->n_route_settings; i++) {
        const ws_limit_t *l = ws_limit_of(b, st->route_settings[i]);
        const char *key = st->route_settings[i]->route_key;
        if (l != NULL && strmap_put(s->route_limits, key, strlen(key), (void *)l) != 0)
            return rt_build_fail(b, "out of memory");
    }
    return 0;
}

const ws_limit_t *ws_conf_limit(const ws_stage_t *s, const char *route_key)
{
    const ws_limit_t *l =
        s->route_limits != NULL ? strmap_get(s->route_limits, route_key, strlen(route_key)) : NULL;
    return l != NULL ? l : s->default_limit;
}

int ws_conf_compile(rt_build_t *b, const Portico__Snapshot *snap)
{
    strmap_t *apis = strmap_create(b->a, snap->n_v2_deployments);
    b->rt->ws_stages = strmap_create(b->a, snap->n_v2_stages);
    if (apis == NULL || b->rt->ws_stages == NULL)
        return rt_build_fail(b, "out of memory");
    for (size_t i = 0; i < snap->n_v2_deployments; i++) {
        const Portico__V2ApiDefinition *def = snap->v2_deployments[i];
        if (strcmp(def->protocol_type, "WEBSOCKET") != 0)
            continue;
        ws_api_t *api = arena_alloc(b->a, sizeof(*api));
        if (api == NULL)
            return rt_build_fail(b, "out of memory");
        memset(api, 0, sizeof(*api));
        if (ws_api(b, def, api) != 0)
            return -1;
        char key[256];
        int n = snprintf(key, sizeof(key), "%s/%s", def->api_id, def->deployment_id);
        if (n < 0 || (size_t)n >= sizeof(key) || strmap_put(apis, key, (size_t)n, api) != 0)
            return rt_build_fail(b, "out of memory");
    }
    for (size_t i = 0; i < snap->n_v2_stages; i++) {
        const Portico__V2Stage *st = snap->v2_stages[i];
        char key[256];
        int n = snprintf(key, sizeof(key), "%s/%s", st->api_id, st->deployment_id);
        if (n < 0 || (size_t)n >= sizeof(key))
            continue;
        const ws_api_t *api = strmap_get(apis, key, (size_t)n);
        if (api == NULL) /* an HTTP API's stage, or a stage without a deployment */
            continue;
        ws_stage_t *s = arena_alloc(b->a, sizeof(*s));
        if (s == NULL)
            return rt_build_fail(b, "out of memory");
        *s = (ws_stage_t){st->api_id, st->stage_name, api,
                          ws_vars(b, st->variables, st->n_variables)};
        if (ws_stage_limits(b, st, s) != 0)
            return -1;
        n = snprintf(key, sizeof(key), "%s/%s", st->api_id, st->stage_name);
        if (n < 0 || (size_t)n >= sizeof(key) ||
            strmap_put(b->rt->ws_stages, key, (size_t)n, s) != 0)
            return rt_build_fail(b, "out of memory");
    }
    return 0;
}

const ws_stage_t *ws_conf_stage(const runtime_t *rt, const char *api_id, size_t api_len,
                                const char *stage, size_t stage_len)
{
    char key[256];
    if (rt->ws_stages == NULL || api_len + stage_len + 1 > sizeof(key))
        return NULL;
    memcpy(key, api_id, api_len);
    key[api_len] = '/';
    memcpy(key + api_len + 1, stage, stage_len);
    return strmap_get(rt->ws_stages, key, api_len + 1 + stage_len);
}

const ws_route_t *ws_conf_route(const ws_api_t *api, const char *key, size_t len)
{
    return strmap_get(api->by_key, key, len);
}
