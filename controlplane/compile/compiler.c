/* compiler: JSON documents → protobuf. Definitions and snapshots are built in
 * an arena and packed; nothing here keeps state between calls. */
#include "compiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "compiler_auth.h"
#include "compiler_model.h"
#include "domain_tls.h"
#include "iam_keys.h"
#include "compiler_plans.h"
#include "compiler_v2.h"
#include "log.h"
#include "pbjson.h"
#include "store_api.h"
#include "store_deploy.h"
#include "store_domain.h"

#define ARENA_CHUNK (256 * 1024)

/* ---- the API tree ------------------------------------------------------- */

struct tree_ctx {
    json_t *by_id; /* resource id → resource object */
};

static json_t *tree_method(struct tree_ctx *t, const char *rid, const char *verb)
{
    json_t *res = json_object_get(t->by_id, rid);
    json_t *methods = json_object_get(res, "resourceMethods");
    return json_object_get(methods, verb);
}

static int tree_add_method(void *ctx, const char *const *keys, json_t *doc)
{
    struct tree_ctx *t = ctx;
    json_t *res = json_object_get(t->by_id, keys[0]);
    if (res == NULL)
        return 0;
    json_t *methods = json_object_get(res, "resourceMethods");
    if (methods == NULL) {
        methods = json_object();
        json_object_set_new(res, "resourceMethods", methods);
    }
    json_object_set_new(doc, "methodResponses", json_object());
    json_object_set(methods, keys[1], doc);
    return 0;
}

static int tree_add_method_response(void *ctx, const char *const *keys, json_t *doc)
{
    json_t *m = tree_method(ctx, keys[0], keys[1]);
    if (m != NULL)
        json_object_set(json_object_get(m, "methodResponses"), keys[2], doc);
    return 0;
}

static int tree_add_integration(void *ctx, const char *const *keys, json_t *doc)
{
    json_t *m = tree_method(ctx, keys[0], keys[1]);
    if (m != NULL) {
        json_object_set_new(doc, "integrationResponses", json_object());
        json_object_set(m, "methodIntegration", doc);
    }
    return 0;
}

static int tree_add_integration_response(void *ctx, const char *const *keys, json_t *doc)
{
    json_t *m = tree_method(ctx, keys[0], keys[1]);
    json_t *integ = json_object_get(m, "methodIntegration");
    if (integ != NULL)
        json_object_set(json_object_get(integ, "integrationResponses"), keys[2], doc);
    return 0;
}

int compiler_api_tree(store_t *s, const char *api_id, json_t **tree)
{
    json_t *api = NULL, *resources = NULL;
    int more, rc = store_restapi_get(s, api_id, &api);
    if (rc == STORE_OK)
        rc = store_resource_list(s, api_id, NULL, 1 << 30, &resources, &more);
    if (rc != STORE_OK) {
        json_decref(api);
        return rc;
    }
    struct tree_ctx t = {.by_id = json_object()};
    size_t i;
    json_t *res;
    json_array_foreach(resources, i, res)
        json_object_set(t.by_id, json_string_value(json_object_get(res, "id")), res);
    rc = store_doc_visit_api(s, STORE_DOC_METHOD, api_id, tree_add_method, &t);
    if (rc == STORE_OK)
        rc =
            store_doc_visit_api(s, STORE_DOC_METHOD_RESPONSE, api_id, tree_add_method_response, &t);
    if (rc == STORE_OK)
        rc = store_doc_visit_api(s, STORE_DOC_INTEGRATION, api_id, tree_add_integration, &t);
    if (rc == STORE_OK)
        rc = store_doc_visit_api(s, STORE_DOC_INTEGRATION_RESPONSE, api_id,
                                 tree_add_integration_response, &t);
    json_decref(t.by_id);
    if (rc == STORE_OK)
        rc = compiler_auth_tree(s, api_id, api);
    if (rc == STORE_OK)
        rc = compiler_model_tree(s, api_id, api);
    if (rc != STORE_OK) {
        json_decref(api);
        json_decref(resources);
        return rc;
    }
    json_object_set_new(api, "resources", resources);
    *tree = api;
    return STORE_OK;
}

/* ---- tree → ApiDefinition ----------------------------------------------- */

static Portico__Integration *definition_integration(arena_t *a, json_t *doc)
{
    Portico__Integration *in = arena_alloc(a, sizeof(*in));
    portico__integration__init(in);
    in->type = pbjson_str(a, doc, "type");
    in->http_method = pbjson_str(a, doc, "httpMethod");
    in->uri = pbjson_str(a, doc, "uri");
    pbjson_kv_list(a, json_object_get(doc, "requestParameters"), &in->n_request_parameters,
                   &in->request_parameters);
    pbjson_kv_list(a, json_object_get(doc, "requestTemplates"), &in->n_request_templates,
                   &in->request_templates);
    in->passthrough_behavior = pbjson_str(a, doc, "passthroughBehavior");
    json_int_t timeout = json_integer_value(json_object_get(doc, "timeoutInMillis"));
    in->timeout_ms = timeout > 0 ? (uint32_t)timeout : 29000;
    pbjson_string_list(a, json_object_get(doc, "cacheKeyParameters"), &in->n_cache_key_parameters,
                       &in->cache_key_parameters);
    in->cache_namespace = pbjson_str(a, doc, "cacheNamespace");
    in->content_handling = pbjson_str(a, doc, "contentHandling");
    json_t *responses = json_object_get(doc, "integrationResponses");
    in->n_responses = json_object_size(responses);
    in->responses = arena_alloc(a, sizeof(*in->responses) * (in->n_responses + 1));
    size_t i = 0;
    const char *code;
    json_t *r;
    json_object_foreach(responses, code, r)
    {
        Portico__IntegrationResponse *ir = arena_alloc(a, sizeof(*ir));
        portico__integration_response__init(ir);
        ir->status_code = arena_strdup(a, code);
        ir->selection_pattern = pbjson_str(a, r, "selectionPattern");
        pbjson_kv_list(a, json_object_get(r, "responseParameters"), &ir->n_response_parameters,
                       &ir->response_parameters);
        pbjson_kv_list(a, json_object_get(r, "responseTemplates"), &ir->n_response_templates,
                       &ir->response_templates);
        ir->content_handling = pbjson_str(a, r, "contentHandling");
        in->responses[i++] = ir;
    }
    return in;
}

static Portico__Method *definition_method(arena_t *a, const char *verb, json_t *doc)
{
    Portico__Method *m = arena_alloc(a, sizeof(*m));
    portico__method__init(m);
    m->http_method = arena_strdup(a, verb);
    m->authorization_type = pbjson_str(a, doc, "authorizationType");
    m->authorizer_id = pbjson_str(a, doc, "authorizerId");
    m->api_key_required = json_is_true(json_object_get(doc, "apiKeyRequired"));
    pbjson_string_list(a, json_object_get(doc, "authorizationScopes"), &m->n_authorization_scopes,
                       &m->authorization_scopes);
    pbjson_flag_list(a, json_object_get(doc, "requestParameters"), &m->n_request_parameters,
                     &m->request_parameters);
    pbjson_kv_list(a, json_object_get(doc, "requestModels"), &m->n_request_models,
                   &m->request_models);
    m->request_validator_id = pbjson_str(a, doc, "requestValidatorId");
    m->operation_name = pbjson_str(a, doc, "operationName");
    json_t *integ = json_object_get(doc, "methodIntegration");
    if (integ != NULL)
        m->integration = definition_integration(a, integ);
    json_t *responses = json_object_get(doc, "methodResponses");
    m->n_method_responses = json_object_size(responses);
    m->method_responses =
        arena_alloc(a, sizeof(*m->method_responses) * (m->n_method_responses + 1));
    size_t i = 0;
    const char *code;
    json_t *r;
    json_object_foreach(responses, code, r)
    {
        Portico__MethodResponse *mr = arena_alloc(a, sizeof(*mr));
        portico__method_response__init(mr);
        mr->status_code = arena_strdup(a, code);
        pbjson_flag_list(a, json_object_get(r, "responseParameters"), &mr->n_response_parameters,
                         &mr->response_parameters);
        pbjson_kv_list(a, json_object_get(r, "responseModels"), &mr->n_response_models,
                       &mr->response_models);
        m->method_responses[i++] = mr;
    }
    return m;
}

int compiler_definition_from_tree(json_t *tree, const char *deployment_id, arena_t *a,
                                  Portico__ApiDefinition **out, char *err, size_t err_len)
{
    Portico__ApiDefinition *def = arena_alloc(a, sizeof(*def));
    if (def == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    portico__api_definition__init(def);
    def->api_id = pbjson_str(a, tree, "id");
    def->deployment_id = arena_strdup(a, deployment_id);
    def->api_key_source = pbjson_str(a, tree, "apiKeySource");
    def->policy = pbjson_str(a, tree, "policy");
    def->disable_execute_api_endpoint =
        json_is_true(json_object_get(tree, "disableExecuteApiEndpoint"));
    pbjson_string_list(a, json_object_get(tree, "binaryMediaTypes"), &def->n_binary_media_types,
                       &def->binary_media_types);
    json_t *resources = json_object_get(tree, "resources");
    def->n_resources = json_array_size(resources);
    def->resources = arena_alloc(a, sizeof(*def->resources) * (def->n_resources + 1));
    size_t i;
    json_t *res;
    json_array_foreach(resources, i, res)
    {
        Portico__Resource *r = arena_alloc(a, sizeof(*r));
        portico__resource__init(r);
        r->id = pbjson_str(a, res, "id");
        r->path = pbjson_str(a, res, "path");
        json_t *methods = json_object_get(res, "resourceMethods");
        r->n_methods = json_object_size(methods);
        r->methods = arena_alloc(a, sizeof(*r->methods) * (r->n_methods + 1));
        size_t k = 0;
        const char *verb;
        json_t *m;
        json_object_foreach(methods, verb, m) r->methods[k++] = definition_method(a, verb, m);
        def->resources[i] = r;
    }
    compiler_auth_definition(a, tree, def);
    compiler_model_definition(a, tree, def);
    *out = def;
    return 0;
}

json_t *compiler_summary_from_tree(json_t *tree)
{
    json_t *summary = json_object();
    size_t i;
    json_t *res;
    json_array_foreach(json_object_get(tree, "resources"), i, res)
    {
        json_t *methods = json_object_get(res, "resourceMethods");
        if (json_object_size(methods) == 0)
            continue;
        json_t *entry = json_object();
        const char *verb;
        json_t *m;
        json_object_foreach(methods, verb, m)
        {
            json_object_set_new(entry, verb,
                                json_pack("{s:O,s:O}", "authorizationType",
                                          json_object_get(m, "authorizationType"), "apiKeyRequired",
                                          json_object_get(m, "apiKeyRequired")));
        }
        json_object_set_new(summary, json_string_value(json_object_get(res, "path")), entry);
    }
    return summary;
}

int compiler_pack_definition(json_t *tree, const char *deployment_id, uint8_t **out,
                             size_t *out_len)
{
    arena_t *a = arena_create(ARENA_CHUNK);
    Portico__ApiDefinition *def;
    char err[256];
    int rc = STORE_EIO;
    if (a == NULL ||
        compiler_definition_from_tree(tree, deployment_id, a, &def, err, sizeof(err)) != 0)
        goto out;
    size_t len = portico__api_definition__get_packed_size(def);
    uint8_t *buf = malloc(len == 0 ? 1 : len);
    if (buf == NULL)
        goto out;
    portico__api_definition__pack(def, buf);
    *out = buf;
    *out_len = len;
    rc = STORE_OK;
out:
    arena_destroy(a);
    return rc;
}

/* ---- stages and the snapshot -------------------------------------------- */

/* "~1pets~1{id}/GET" → "/pets/{id}" and "GET"; "*" + "/" + "*" stays. */
static void method_setting_split(arena_t *a, const char *key, Portico__MethodSetting *m)
{
    const char *slash = strrchr(key, '/');
    size_t rlen = slash != NULL ? (size_t)(slash - key) : strlen(key);
    char *path = arena_alloc(a, rlen + 2);
    size_t n = 0;
    if (!(rlen == 1 && key[0] == '*') && (rlen < 2 || memcmp(key, "~1", 2) != 0))
        path[n++] = '/'; /* "pets/GET" names /pets too */
    for (size_t i = 0; i < rlen; i++) {
        if (key[i] == '~' && i + 1 < rlen && (key[i + 1] == '1' || key[i + 1] == '0')) {
            path[n++] = key[i + 1] == '1' ? '/' : '~';
            i++;
        } else {
            path[n++] = key[i];
        }
    }
    path[n] = '\0';
    m->resource_path = path;
    m->http_method = arena_strdup(a, slash != NULL ? slash + 1 : "*");
}

static Portico__MethodSetting *stage_method_setting(arena_t *a, const char *key, json_t *ms)
{
    Portico__MethodSetting *m = arena_alloc(a, sizeof(*m));
    portico__method_setting__init(m);
    m->key = arena_strdup(a, key);
    method_setting_split(a, key, m);
    m->metrics_enabled = json_is_true(json_object_get(ms, "metricsEnabled"));
    m->logging_level = pbjson_str(a, ms, "loggingLevel");
    m->data_trace_enabled = json_is_true(json_object_get(ms, "dataTraceEnabled"));
    json_int_t burst = json_integer_value(json_object_get(ms, "throttlingBurstLimit"));
    double rate = json_number_value(json_object_get(ms, "throttlingRateLimit"));
    if (rate >= 0) { /* -1: no stage or method throttle */
        /* a rate without a burst (-1) may burst one second's worth */
        m->throttling_burst_limit = burst >= 0 ? (uint32_t)burst : (uint32_t)ceil(fmax(rate, 1));
        m->throttling_rate_limit = rate;
    }
    m->caching_enabled = json_is_true(json_object_get(ms, "cachingEnabled"));
    m->cache_ttl_seconds = (uint32_t)json_integer_value(json_object_get(ms, "cacheTtlInSeconds"));
    m->cache_data_encrypted = json_is_true(json_object_get(ms, "cacheDataEncrypted"));
    m->require_authorization_for_cache_control =
        json_is_true(json_object_get(ms, "requireAuthorizationForCacheControl"));
    m->unauthorized_cache_control_header_strategy =
        pbjson_str(a, ms, "unauthorizedCacheControlHeaderStrategy");
    return m;
}

int compiler_stage_from_doc(const char *api_id, json_t *doc, arena_t *a,
                            Portico__StageBinding **out)
{
    Portico__StageBinding *b = arena_alloc(a, sizeof(*b));
    portico__stage_binding__init(b);
    b->api_id = arena_strdup(a, api_id);
    b->stage_name = pbjson_str(a, doc, "stageName");
    b->deployment_id = pbjson_str(a, doc, "deploymentId");
    pbjson_kv_list(a, json_object_get(doc, "variables"), &b->n_variables, &b->variables);
    json_t *settings = json_object_get(doc, "methodSettings");
    b->n_method_settings = json_object_size(settings);
    b->method_settings = arena_alloc(a, sizeof(*b->method_settings) * (b->n_method_settings + 1));
    size_t i = 0;
    const char *key;
    json_t *ms;
    json_object_foreach(settings, key, ms) b->method_settings[i++] =
        stage_method_setting(a, key, ms);
    json_t *canary = json_object_get(doc, "canarySettings");
    if (json_is_object(canary) && json_object_get(canary, "deploymentId") != NULL) {
        Portico__Canary *cn = arena_alloc(a, sizeof(*cn));
        portico__canary__init(cn);
        cn->deployment_id = pbjson_str(a, canary, "deploymentId");
        cn->percent_traffic = json_number_value(json_object_get(canary, "percentTraffic"));
        pbjson_kv_list(a, json_object_get(canary, "stageVariableOverrides"),
                       &cn->n_stage_variable_overrides, &cn->stage_variable_overrides);
        cn->use_stage_cache = json_is_true(json_object_get(canary, "useStageCache"));
        b->canary = cn;
    }
    b->cache_cluster_enabled = json_is_true(json_object_get(doc, "cacheClusterEnabled"));
    const char *size = json_string_value(json_object_get(doc, "cacheClusterSize"));
    b->cache_cluster_size_gb = size != NULL ? strtod(size, NULL) : 0;
    json_t *access = json_object_get(doc, "accessLogSettings");
    if (json_is_object(access)) {
        b->access_log = arena_alloc(a, sizeof(*b->access_log));
        portico__access_log_settings__init(b->access_log);
        b->access_log->format = pbjson_str(a, access, "format");
        b->access_log->destination = pbjson_str(a, access, "destinationArn");
    }
    b->tracing_enabled = json_is_true(json_object_get(doc, "tracingEnabled"));
    b->cache_flush_generation =
        (uint64_t)json_integer_value(json_object_get(doc, "cacheFlushGeneration"));
    *out = b;
    return 0;
}

struct snapshot_ctx {
    store_t *store;
    arena_t *arena;
    Portico__StageBinding **stages;
    size_t nstages, cap_stages;
    Portico__ApiDefinition **defs;
    size_t ndefs, cap_defs;
    Portico__DomainName **domains;
    size_t ndomains, cap_domains;
    Portico__BasePathMapping **mappings; /* of the domain being collected */
    size_t cap_mappings;
};

static int snapshot_has_def(struct snapshot_ctx *x, const char *api_id, const char *dep_id)
{
    for (size_t i = 0; i < x->ndefs; i++)
        if (strcmp(x->defs[i]->deployment_id, dep_id) == 0 &&
            strcmp(x->defs[i]->api_id, api_id) == 0)
            return 1;
    return 0;
}

static int grow(arena_t *a, void ***arr, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap == 0 ? 64 : *cap * 2;
    void **bigger = arena_alloc(a, sizeof(void *) * ncap);
    if (bigger == NULL)
        return -1;
    if (n > 0)
        memcpy(bigger, *arr, sizeof(void *) * n);
    *arr = bigger;
    *cap = ncap;
    return 0;
}

static int snapshot_add_def(struct snapshot_ctx *x, const char *api_id, const char *dep_id)
{
    if (dep_id == NULL || dep_id[0] == '\0' || snapshot_has_def(x, api_id, dep_id))
        return 0;
    uint8_t *bytes;
    size_t len;
    int rc = store_deployment_definition(x->store, api_id, dep_id, &bytes, &len);
    if (rc != STORE_OK)
        return rc;
    ProtobufCAllocator alloc = arena_protobuf_allocator(x->arena);
    Portico__ApiDefinition *def = portico__api_definition__unpack(&alloc, len, bytes);
    free(bytes);
    if (def == NULL) {
        log_error("compiler: deployment %s/%s does not decode", api_id, dep_id);
        return STORE_EIO;
    }
    if (grow(x->arena, (void ***)&x->defs, x->ndefs, &x->cap_defs) != 0)
        return STORE_EIO;
    x->defs[x->ndefs++] = def;
    return 0;
}

static int snapshot_add_stage(void *ctx, const char *api_id, json_t *doc)
{
    struct snapshot_ctx *x = ctx;
    Portico__StageBinding *b;
    compiler_stage_from_doc(api_id, doc, x->arena, &b);
    if (grow(x->arena, (void ***)&x->stages, x->nstages, &x->cap_stages) != 0)
        return STORE_EIO;
    x->stages[x->nstages++] = b;
    int rc = snapshot_add_def(x, api_id, b->deployment_id);
    if (rc == 0 && b->canary != NULL)
        rc = snapshot_add_def(x, api_id, b->canary->deployment_id);
    return rc;
}

/* Mappings arrive ordered by domain; each new domain starts a new entry. */
static int snapshot_add_mapping(void *ctx, const char *domain, const store_mapping_t *m)
{
    struct snapshot_ctx *x = ctx;
    Portico__DomainName *d = x->ndomains > 0 ? x->domains[x->ndomains - 1] : NULL;
    if (d == NULL || strcmp(d->name, domain) != 0) {
        if (grow(x->arena, (void ***)&x->domains, x->ndomains, &x->cap_domains) != 0)
            return STORE_EIO;
        d = arena_alloc(x->arena, sizeof(*d));
        portico__domain_name__init(d);
        d->name = arena_strdup(x->arena, domain);
        x->domains[x->ndomains++] = d;
        x->mappings = NULL;
        x->cap_mappings = 0;
    }
    if (grow(x->arena, (void ***)&x->mappings, d->n_mappings, &x->cap_mappings) != 0)
        return STORE_EIO;
    Portico__BasePathMapping *bm = arena_alloc(x->arena, sizeof(*bm));
    portico__base_path_mapping__init(bm);
    bm->base_path = arena_strdup(x->arena, m->base_path);
    bm->api_id = arena_strdup(x->arena, m->api_id);
    bm->stage = arena_strdup(x->arena, m->stage);
    x->mappings[d->n_mappings++] = bm;
    d->mappings = x->mappings;
    return 0;
}

int compiler_build_snapshot(store_t *s, uint8_t **out, size_t *out_len, uint64_t *version)
{
    static const compiler_settings_t defaults = {0, 0, 0};
    return compiler_build_snapshot_with(s, &defaults, out, out_len, version);
}

int compiler_build_snapshot_with(store_t *s, const compiler_settings_t *cs, uint8_t **out,
                                 size_t *out_len, uint64_t *version)
{
    struct snapshot_ctx x = {.store = s, .arena = arena_create(ARENA_CHUNK)};
    if (x.arena == NULL)
        return STORE_EIO;
    Portico__Snapshot snap = PORTICO__SNAPSHOT__INIT;
    Portico__Settings settings = PORTICO__SETTINGS__INIT;
    uint8_t *key_table = NULL;
    int rc = store_begin_read(s);
    if (rc == STORE_OK)
        rc = store_version(s, &snap.version);
    if (rc == STORE_OK)
        rc = store_stage_visit_all(s, snapshot_add_stage, &x);
    if (rc == STORE_OK)
        rc = store_mapping_visit_all(s, snapshot_add_mapping, &x);
    if (rc == STORE_OK)
        rc = compiler_v2_snapshot(s, x.arena, &snap);
    if (rc == STORE_OK)
        rc = compiler_auth_jwks(s, x.arena, x.defs, x.ndefs, snap.v2_deployments,
                                snap.n_v2_deployments, &snap.jwks, &snap.n_jwks);
    if (rc == STORE_OK)
        rc = domain_tls_snapshot(s, x.arena, &snap.domain_tls, &snap.n_domain_tls);
    if (rc == STORE_OK)
        rc = compiler_plans_add(s, x.arena, &snap, &key_table);
    if (rc == STORE_OK)
        rc = iam_keys_snapshot(s, x.arena, (int64_t)(clock_wall_ms() / 86400000),
                               &snap.iam_signing_keys, &snap.n_iam_signing_keys);
    if (rc == STORE_OK)
        rc = store_commit(s);
    else
        store_rollback(s);
    if (rc != STORE_OK)
        goto out;
    snap.created_at_ms = clock_wall_ms();
    snap.store_id = (char *)store_id(s);
    snap.n_stages = x.nstages;
    snap.stages = x.stages;
    snap.n_deployments = x.ndefs;
    snap.deployments = x.defs;
    snap.n_domains = x.ndomains;
    snap.domains = x.domains;
    settings.account_rate_limit = cs->account_rate_limit;
    settings.account_burst_limit = cs->account_burst_limit;
    snap.settings = &settings;
    size_t len = portico__snapshot__get_packed_size(&snap);
    uint8_t *buf = malloc(len == 0 ? 1 : len);
    if (buf == NULL) {
        rc = STORE_EIO;
        goto out;
    }
    portico__snapshot__pack(&snap, buf);
    *out = buf;
    *out_len = len;
    *version = snap.version;
out:
    free(key_table);
    arena_destroy(x.arena);
    return rc;
}
