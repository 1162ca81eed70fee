/* compiler_v2: apigatewayv2 documents → V2ApiDefinition and V2Stage. */
#include "compiler_v2.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pbjson.h"
#include "store_v2.h"

#define ARENA_CHUNK (64 * 1024)

/* ---- one API → V2ApiDefinition ------------------------------------------ */

struct v2_build {
    arena_t *a;
    Portico__V2ApiDefinition *def;
    json_t *routes, *integrations, *authorizers, *models; /* arrays of documents */
    json_t *route_responses;                              /* parent id → array */
    json_t *integration_responses;
};

static int collect(void *ctx, const char *parent_id, json_t *doc)
{
    (void)parent_id;
    json_array_append(ctx, doc);
    return 0;
}

static int collect_child(void *ctx, const char *parent_id, json_t *doc)
{
    json_t *by_parent = ctx, *list = json_object_get(by_parent, parent_id);
    if (list == NULL) {
        list = json_array();
        json_object_set_new(by_parent, parent_id, list);
    }
    json_array_append(list, doc);
    return 0;
}

#define ARRAY(a, n, field) ((field) = arena_alloc((a), sizeof(*(field)) * ((n) + 1)))

static void flags(arena_t *a, json_t *map, size_t *n, Portico__ParamFlag ***out)
{
    *n = json_object_size(map);
    ARRAY(a, *n, *out);
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v)
    {
        Portico__ParamFlag *f = arena_alloc(a, sizeof(*f));
        portico__param_flag__init(f);
        f->name = arena_strdup(a, k);
        f->required = json_is_true(json_object_get(v, "required"));
        (*out)[i++] = f;
    }
}

static Portico__V2Route *build_route(struct v2_build *b, json_t *doc)
{
    arena_t *a = b->a;
    Portico__V2Route *r = arena_alloc(a, sizeof(*r));
    portico__v2_route__init(r);
    r->id = pbjson_str(a, doc, "routeId");
    r->route_key = pbjson_str(a, doc, "routeKey");
    const char *target = json_string_value(json_object_get(doc, "target"));
    if (target != NULL && strncmp(target, "integrations/", 13) == 0)
        r->target_integration_id = arena_strdup(a, target + 13);
    r->authorization_type = pbjson_str(a, doc, "authorizationType");
    r->authorizer_id = pbjson_str(a, doc, "authorizerId");
    pbjson_string_list(a, json_object_get(doc, "authorizationScopes"), &r->n_authorization_scopes,
                       &r->authorization_scopes);
    r->api_key_required = json_is_true(json_object_get(doc, "apiKeyRequired"));
    r->route_response_selection_expression = pbjson_str(a, doc, "routeResponseSelectionExpression");
    pbjson_kv_list(a, json_object_get(doc, "requestModels"), &r->n_request_models,
                   &r->request_models);
    r->model_selection_expression = pbjson_str(a, doc, "modelSelectionExpression");
    flags(a, json_object_get(doc, "requestParameters"), &r->n_request_parameters,
          &r->request_parameters);
    json_t *responses = json_object_get(b->route_responses, r->id);
    r->n_responses = json_array_size(responses);
    ARRAY(a, r->n_responses, r->responses);
    for (size_t i = 0; i < r->n_responses; i++) {
        json_t *rr = json_array_get(responses, i);
        Portico__V2RouteResponse *x = arena_alloc(a, sizeof(*x));
        portico__v2_route_response__init(x);
        x->key = pbjson_str(a, rr, "routeResponseKey");
        pbjson_kv_list(a, json_object_get(rr, "responseModels"), &x->n_response_models,
                       &x->response_models);
        x->model_selection_expression = pbjson_str(a, rr, "modelSelectionExpression");
        r->responses[i] = x;
    }
    return r;
}

static Portico__V2Integration *build_integration(struct v2_build *b, json_t *doc)
{
    arena_t *a = b->a;
    Portico__V2Integration *in = arena_alloc(a, sizeof(*in));
    portico__v2_integration__init(in);
    in->id = pbjson_str(a, doc, "integrationId");
    in->type = pbjson_str(a, doc, "integrationType");
    in->method = pbjson_str(a, doc, "integrationMethod");
    in->uri = pbjson_str(a, doc, "integrationUri");
    in->payload_format_version = pbjson_str(a, doc, "payloadFormatVersion");
    in->timeout_ms = (uint32_t)json_integer_value(json_object_get(doc, "timeoutInMillis"));
    pbjson_kv_list(a, json_object_get(doc, "requestParameters"), &in->n_request_parameters,
                   &in->request_parameters);
    pbjson_kv_list(a, json_object_get(doc, "requestTemplates"), &in->n_request_templates,
                   &in->request_templates);
    in->template_selection_expression = pbjson_str(a, doc, "templateSelectionExpression");
    in->passthrough_behavior = pbjson_str(a, doc, "passthroughBehavior");
    in->content_handling_strategy = pbjson_str(a, doc, "contentHandlingStrategy");
    in->integration_response_selection_expression =
        pbjson_str(a, doc, "integrationResponseSelectionExpression");
    json_t *rp = json_object_get(doc, "responseParameters");
    in->n_response_parameters = json_object_size(rp);
    ARRAY(a, in->n_response_parameters, in->response_parameters);
    size_t i = 0;
    const char *status;
    json_t *map;
    json_object_foreach(rp, status, map)
    {
        Portico__V2ResponseParameters *p = arena_alloc(a, sizeof(*p));
        portico__v2_response_parameters__init(p);
        p->status_code = arena_strdup(a, status);
        pbjson_kv_list(a, map, &p->n_mappings, &p->mappings);
        in->response_parameters[i++] = p;
    }
    json_t *responses = json_object_get(b->integration_responses, in->id);
    in->n_responses = json_array_size(responses);
    ARRAY(a, in->n_responses, in->responses);
    for (i = 0; i < in->n_responses; i++) {
        json_t *ir = json_array_get(responses, i);
        Portico__V2IntegrationResponse *x = arena_alloc(a, sizeof(*x));
        portico__v2_integration_response__init(x);
        x->key = pbjson_str(a, ir, "integrationResponseKey");
        pbjson_kv_list(a, json_object_get(ir, "responseTemplates"), &x->n_response_templates,
                       &x->response_templates);
        x->template_selection_expression = pbjson_str(a, ir, "templateSelectionExpression");
        pbjson_kv_list(a, json_object_get(ir, "responseParameters"), &x->n_response_parameters,
                       &x->response_parameters);
        x->content_handling_strategy = pbjson_str(a, ir, "contentHandlingStrategy");
        in->responses[i] = x;
    }
    return in;
}

static Portico__V2Authorizer *build_authorizer(arena_t *a, json_t *doc)
{
    Portico__V2Authorizer *au = arena_alloc(a, sizeof(*au));
    portico__v2_authorizer__init(au);
    au->id = pbjson_str(a, doc, "authorizerId");
    au->name = pbjson_str(a, doc, "name");
    au->type = pbjson_str(a, doc, "authorizerType");
    pbjson_string_list(a, json_object_get(doc, "identitySource"), &au->n_identity_source,
                       &au->identity_source);
    json_t *jwt = json_object_get(doc, "jwtConfiguration");
    if (json_is_object(jwt)) {
        au->jwt = arena_alloc(a, sizeof(*au->jwt));
        portico__jwt_configuration__init(au->jwt);
        au->jwt->issuer = pbjson_str(a, jwt, "issuer");
        au->jwt->jwks_uri = arena_strdup(a, ""); /* OIDC discovery from the issuer */
        pbjson_string_list(a, json_object_get(jwt, "audience"), &au->jwt->n_audience,
                           &au->jwt->audience);
    }
    au->authorizer_uri = pbjson_str(a, doc, "authorizerUri");
    au->payload_format_version = pbjson_str(a, doc, "authorizerPayloadFormatVersion");
    au->enable_simple_responses = json_is_true(json_object_get(doc, "enableSimpleResponses"));
    au->result_ttl_seconds =
        (int32_t)json_integer_value(json_object_get(doc, "authorizerResultTtlInSeconds"));
    return au;
}

static Portico__V2Cors *build_cors(arena_t *a, json_t *cors)
{
    Portico__V2Cors *c = arena_alloc(a, sizeof(*c));
    portico__v2_cors__init(c);
    pbjson_string_list(a, json_object_get(cors, "allowOrigins"), &c->n_allow_origins,
                       &c->allow_origins);
    pbjson_string_list(a, json_object_get(cors, "allowMethods"), &c->n_allow_methods,
                       &c->allow_methods);
    pbjson_string_list(a, json_object_get(cors, "allowHeaders"), &c->n_allow_headers,
                       &c->allow_headers);
    pbjson_string_list(a, json_object_get(cors, "exposeHeaders"), &c->n_expose_headers,
                       &c->expose_headers);
    json_t *max_age = json_object_get(cors, "maxAge");
    if (json_is_integer(max_age)) {
        c->has_max_age = 1;
        c->max_age = (int32_t)json_integer_value(max_age);
    }
    c->allow_credentials = json_is_true(json_object_get(cors, "allowCredentials"));
    return c;
}

static int build_definition(store_t *s, struct v2_build *b, json_t *api, const char *dep_id)
{
    const char *api_id = json_string_value(json_object_get(api, "apiId"));
    int rc = store_v2_item_visit(s, api_id, STORE_V2_ROUTE, collect, b->routes);
    if (rc == STORE_OK)
        rc = store_v2_item_visit(s, api_id, STORE_V2_INTEGRATION, collect, b->integrations);
    if (rc == STORE_OK)
        rc = store_v2_item_visit(s, api_id, STORE_V2_AUTHORIZER, collect, b->authorizers);
    if (rc == STORE_OK)
        rc = store_v2_item_visit(s, api_id, STORE_V2_MODEL, collect, b->models);
    if (rc == STORE_OK)
        rc = store_v2_item_visit(s, api_id, STORE_V2_ROUTE_RESPONSE, collect_child,
                                 b->route_responses);
    if (rc == STORE_OK)
        rc = store_v2_item_visit(s, api_id, STORE_V2_INTEGRATION_RESPONSE, collect_child,
                                 b->integration_responses);
    if (rc != STORE_OK)
        return rc;
    arena_t *a = b->a;
    Portico__V2ApiDefinition *d = arena_alloc(a, sizeof(*d));
    if (d == NULL)
        return STORE_EIO;
    portico__v2_api_definition__init(d);
    d->api_id = arena_strdup(a, api_id);
    d->deployment_id = arena_strdup(a, dep_id);
    d->name = pbjson_str(a, api, "name");
    d->protocol_type = pbjson_str(a, api, "protocolType");
    d->route_selection_expression = pbjson_str(a, api, "routeSelectionExpression");
    d->api_key_selection_expression = pbjson_str(a, api, "apiKeySelectionExpression");
    json_t *cors = json_object_get(api, "corsConfiguration");
    if (json_is_object(cors))
        d->cors = build_cors(a, cors);
    d->disable_execute_api_endpoint =
        json_is_true(json_object_get(api, "disableExecuteApiEndpoint"));
    d->n_routes = json_array_size(b->routes);
    ARRAY(a, d->n_routes, d->routes);
    for (size_t i = 0; i < d->n_routes; i++)
        d->routes[i] = build_route(b, json_array_get(b->routes, i));
    d->n_integrations = json_array_size(b->integrations);
    ARRAY(a, d->n_integrations, d->integrations);
    for (size_t i = 0; i < d->n_integrations; i++)
        d->integrations[i] = build_integration(b, json_array_get(b->integrations, i));
    d->n_authorizers = json_array_size(b->authorizers);
    ARRAY(a, d->n_authorizers, d->authorizers);
    for (size_t i = 0; i < d->n_authorizers; i++)
        d->authorizers[i] = build_authorizer(a, json_array_get(b->authorizers, i));
    d->n_models = json_array_size(b->models);
    ARRAY(a, d->n_models, d->models);
    for (size_t i = 0; i < d->n_models; i++) {
        json_t *m = json_array_get(b->models, i);
        Portico__V2Model *x = arena_alloc(a, sizeof(*x));
        portico__v2_model__init(x);
        x->name = pbjson_str(a, m, "name");
        x->schema = pbjson_str(a, m, "schema");
        x->content_type = pbjson_str(a, m, "contentType");
        d->models[i] = x;
    }
    b->def = d;
    return STORE_OK;
}

int compiler_v2_pack(store_t *s, const char *api_id, const char *deployment_id, uint8_t **out,
                     size_t *out_len)
{
    struct v2_build b = {.a = arena_create(ARENA_CHUNK),
                         .routes = json_array(),
                         .integrations = json_array(),
                         .authorizers = json_array(),
                         .models = json_array(),
                         .route_responses = json_object(),
                         .integration_responses = json_object()};
    json_t *api = NULL;
    int rc = b.a != NULL ? store_v2_api_get(s, api_id, &api) : STORE_EIO;
    if (rc == STORE_OK)
        rc = build_definition(s, &b, api, deployment_id);
    if (rc == STORE_OK) {
        size_t len = portico__v2_api_definition__get_packed_size(b.def);
        uint8_t *buf = malloc(len == 0 ? 1 : len);
        if (buf == NULL) {
            rc = STORE_EIO;
        } else {
            portico__v2_api_definition__pack(b.def, buf);
            *out = buf;
            *out_len = len;
        }
    }
    json_decref(api);
    json_decref(b.routes);
    json_decref(b.integrations);
    json_decref(b.authorizers);
    json_decref(b.models);
    json_decref(b.route_responses);
    json_decref(b.integration_responses);
    arena_destroy(b.a);
    return rc;
}

/* ---- stages and the snapshot -------------------------------------------- */

struct v2_snap {
    store_t *store;
    arena_t *a;
    Portico__V2Stage **stages;
    size_t nstages, cap_stages;
    Portico__V2ApiDefinition **defs;
    size_t ndefs, cap_defs;
};

static int grow(arena_t *a, void ***arr, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap == 0 ? 16 : *cap * 2;
    void **bigger = arena_alloc(a, sizeof(void *) * ncap);
    if (bigger == NULL)
        return -1;
    if (n > 0)
        memcpy(bigger, *arr, sizeof(void *) * n);
    *arr = bigger;
    *cap = ncap;
    return 0;
}

static Portico__V2RouteSettings *route_settings(arena_t *a, const char *key, json_t *rs)
{
    Portico__V2RouteSettings *r = arena_alloc(a, sizeof(*r));
    portico__v2_route_settings__init(r);
    r->route_key = arena_strdup(a, key);
    json_t *rate = json_object_get(rs, "throttlingRateLimit");
    json_t *burst = json_object_get(rs, "throttlingBurstLimit");
    if (json_is_number(rate) || json_is_integer(burst)) {
        r->has_throttle = 1;
        r->throttling_rate_limit = json_number_value(rate);
        r->throttling_burst_limit = (uint32_t)json_integer_value(burst);
    }
    r->detailed_metrics_enabled = json_is_true(json_object_get(rs, "detailedMetricsEnabled"));
    r->logging_level = pbjson_str(a, rs, "loggingLevel");
    r->data_trace_enabled = json_is_true(json_object_get(rs, "dataTraceEnabled"));
    return r;
}

static int snap_add_def(struct v2_snap *x, const char *api_id, const char *dep_id)
{
    if (dep_id == NULL || dep_id[0] == '\0')
        return 0;
    for (size_t i = 0; i < x->ndefs; i++)
        if (strcmp(x->defs[i]->deployment_id, dep_id) == 0 &&
            strcmp(x->defs[i]->api_id, api_id) == 0)
            return 0;
    uint8_t *bytes;
    size_t len;
    int rc = store_v2_deployment_definition(x->store, api_id, dep_id, &bytes, &len);
    if (rc != STORE_OK)
        return rc;
    ProtobufCAllocator alloc = arena_protobuf_allocator(x->a);
    Portico__V2ApiDefinition *def = portico__v2_api_definition__unpack(&alloc, len, bytes);
    free(bytes);
    if (def == NULL) {
        log_error("compiler: v2 deployment %s/%s does not decode", api_id, dep_id);
        return STORE_EIO;
    }
    if (grow(x->a, (void ***)&x->defs, x->ndefs, &x->cap_defs) != 0)
        return STORE_EIO;
    x->defs[x->ndefs++] = def;
    return 0;
}

static int snap_add_stage(void *ctx, const char *api_id, json_t *doc)
{
    struct v2_snap *x = ctx;
    arena_t *a = x->a;
    Portico__V2Stage *st = arena_alloc(a, sizeof(*st));
    portico__v2_stage__init(st);
    st->api_id = arena_strdup(a, api_id);
    st->stage_name = pbjson_str(a, doc, "stageName");
    st->deployment_id = pbjson_str(a, doc, "deploymentId");
    pbjson_kv_list(a, json_object_get(doc, "stageVariables"), &st->n_variables, &st->variables);
    json_t *def = json_object_get(doc, "defaultRouteSettings");
    if (json_is_object(def))
        st->default_route_settings = route_settings(a, "", def);
    json_t *routes = json_object_get(doc, "routeSettings");
    st->n_route_settings = json_object_size(routes);
    ARRAY(a, st->n_route_settings, st->route_settings);
    size_t i = 0;
    const char *key;
    json_t *rs;
    json_object_foreach(routes, key, rs) st->route_settings[i++] = route_settings(a, key, rs);
    json_t *access = json_object_get(doc, "accessLogSettings");
    if (json_is_object(access) && json_object_get(access, "destinationArn") != NULL) {
        st->access_log = arena_alloc(a, sizeof(*st->access_log));
        portico__access_log_settings__init(st->access_log);
        st->access_log->format = pbjson_str(a, access, "format");
        st->access_log->destination = pbjson_str(a, access, "destinationArn");
    }
    st->auto_deploy = json_is_true(json_object_get(doc, "autoDeploy"));
    if (grow(a, (void ***)&x->stages, x->nstages, &x->cap_stages) != 0)
        return STORE_EIO;
    x->stages[x->nstages++] = st;
    return snap_add_def(x, api_id, st->deployment_id);
}

int compiler_v2_snapshot(store_t *s, arena_t *a, Portico__Snapshot *snap)
{
    struct v2_snap x = {.store = s, .a = a};
    int rc = store_v2_stage_visit_all(s, snap_add_stage, &x);
    if (rc != STORE_OK)
        return rc;
    snap->n_v2_stages = x.nstages;
    snap->v2_stages = x.stages;
    snap->n_v2_deployments = x.ndefs;
    snap->v2_deployments = x.defs;
    return STORE_OK;
}
