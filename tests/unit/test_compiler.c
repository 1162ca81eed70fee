/* Unit tests for controlplane/compiler.h: API trees, stage documents and snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "compiler.h"
#include "crypto.h"
#include "testdb.h"
#include "store.h"
#include "store_api.h"
#include "store_deploy.h"

/* ---- JSON and protobuf helpers ------------------------------------------ */

static json_t *doc_of(const char *json)
{
    json_error_t err;
    json_t *doc = json_loads(json, 0, &err);
    if (doc == NULL)
        fail_msg("bad JSON in the test: %s (line %d)", err.text, err.line);
    return doc;
}

static void expect_json(json_t *got, const char *want_json)
{
    json_t *want = doc_of(want_json);
    int equal = json_equal(got, want);
    json_decref(want);
    if (!equal) {
        char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        print_error("got %s\n", text != NULL ? text : "(null)");
        free(text);
        fail_msg("want %s", want_json);
    }
}

/* The value of key in a KeyValue list, or NULL. */
static const char *kv_get(Portico__KeyValue **kvs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kvs[i]->key, key) == 0)
            return kvs[i]->value;
    return NULL;
}

static const Portico__ParamFlag *flag_get(Portico__ParamFlag **flags, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(flags[i]->name, name) == 0)
            return flags[i];
    return NULL;
}

static const Portico__Resource *resource_get(const Portico__ApiDefinition *d, const char *path)
{
    for (size_t i = 0; i < d->n_resources; i++)
        if (strcmp(d->resources[i]->path, path) == 0)
            return d->resources[i];
    return NULL;
}

static const Portico__Method *method_get(const Portico__Resource *r, const char *verb)
{
    for (size_t i = 0; i < r->n_methods; i++)
        if (strcmp(r->methods[i]->http_method, verb) == 0)
            return r->methods[i];
    return NULL;
}

static const Portico__IntegrationResponse *int_response_get(const Portico__Integration *in,
                                                            const char *status)
{
    for (size_t i = 0; i < in->n_responses; i++)
        if (strcmp(in->responses[i]->status_code, status) == 0)
            return in->responses[i];
    return NULL;
}

static const Portico__MethodSetting *setting_get(const Portico__StageBinding *b, const char *key)
{
    for (size_t i = 0; i < b->n_method_settings; i++)
        if (strcmp(b->method_settings[i]->key, key) == 0)
            return b->method_settings[i];
    return NULL;
}

/* ---- trees -------------------------------------------------------------- */

static const char full_tree[] =
    "{\"id\": \"api1\", \"name\": \"pets\", \"apiKeySource\": \"HEADER\","
    " \"policy\": \"{\\\"Version\\\": \\\"2012-10-17\\\"}\","
    " \"binaryMediaTypes\": [\"image/png\", \"application/octet-stream\"],"
    " \"disableExecuteApiEndpoint\": true,"
    " \"resources\": ["
    "  {\"id\": \"r0\", \"path\": \"/\"},"
    "  {\"id\": \"r1\", \"parentId\": \"r0\", \"pathPart\": \"pets\", \"path\": \"/pets\","
    "   \"resourceMethods\": {"
    "    \"GET\": {\"httpMethod\": \"GET\", \"authorizationType\": \"COGNITO_USER_POOLS\","
    "     \"authorizerId\": \"auth1\", \"apiKeyRequired\": true,"
    "     \"authorizationScopes\": [\"pets/read\"],"
    "     \"requestParameters\": {\"method.request.querystring.q\": true,"
    "                             \"method.request.header.X-Tenant\": false},"
    "     \"requestModels\": {\"application/json\": \"Empty\"},"
    "     \"requestValidatorId\": \"v1\","
    "     \"methodResponses\": {\"200\": {\"statusCode\": \"200\","
    "       \"responseParameters\": {\"method.response.header.X-Rate\": true}}},"
    "     \"methodIntegration\": {\"type\": \"HTTP_PROXY\", \"httpMethod\": \"GET\","
    "      \"uri\": \"http://${stageVariables.host}/pets\","
    "      \"requestParameters\": {\"integration.request.header.X-Tenant\":"
    "                              \"method.request.header.X-Tenant\"},"
    "      \"requestTemplates\": {\"application/json\": \"{}\"},"
    "      \"passthroughBehavior\": \"WHEN_NO_MATCH\", \"timeoutInMillis\": 5000,"
    "      \"cacheKeyParameters\": [\"method.request.querystring.q\"],"
    "      \"cacheNamespace\": \"r1\", \"contentHandling\": \"CONVERT_TO_TEXT\","
    "      \"integrationResponses\": {\"200\": {\"statusCode\": \"200\","
    "        \"selectionPattern\": \"2\\\\d{2}\","
    "        \"responseParameters\": {\"method.response.header.X-Rate\": \"'10'\"},"
    "        \"responseTemplates\": {\"application/json\": \"$input.body\"},"
    "        \"contentHandling\": \"CONVERT_TO_BINARY\"}}}},"
    "    \"DELETE\": {\"httpMethod\": \"DELETE\", \"authorizationType\": \"NONE\","
    "     \"apiKeyRequired\": false}}}"
    " ]}";

/* Compiles full_tree; the definition lives in *arena, which the caller destroys. */
static Portico__ApiDefinition *definition_of(const char *tree_json, arena_t **arena)
{
    char err[256] = "";
    Portico__ApiDefinition *def = NULL;
    json_t *tree = doc_of(tree_json);
    *arena = arena_create(64 * 1024);
    assert_non_null(*arena);
    int rc = compiler_definition_from_tree(tree, "dep1", *arena, &def, err, sizeof(err));
    json_decref(tree);
    if (rc != 0)
        fail_msg("compiler_definition_from_tree: %s", err);
    assert_non_null(def);
    return def;
}

static void definition_api_fields(void **state)
{
    arena_t *a;
    Portico__ApiDefinition *d = definition_of(full_tree, &a);
    assert_string_equal(d->api_id, "api1");
    assert_string_equal(d->deployment_id, "dep1");
    assert_string_equal(d->api_key_source, "HEADER");
    assert_string_equal(d->policy, "{\"Version\": \"2012-10-17\"}");
    assert_true(d->disable_execute_api_endpoint);
    assert_int_equal(d->n_binary_media_types, 2);
    assert_string_equal(d->binary_media_types[0], "image/png");
    assert_string_equal(d->binary_media_types[1], "application/octet-stream");
    assert_int_equal(d->n_resources, 2);
    const Portico__Resource *root = resource_get(d, "/");
    assert_non_null(root);
    assert_string_equal(root->id, "r0");
    assert_int_equal(root->n_methods, 0);
    const Portico__Resource *pets = resource_get(d, "/pets");
    assert_non_null(pets);
    assert_string_equal(pets->id, "r1");
    assert_int_equal(pets->n_methods, 2);
    arena_destroy(a);
}

static void definition_method_fields(void **state)
{
    arena_t *a;
    Portico__ApiDefinition *d = definition_of(full_tree, &a);
    const Portico__Method *m = method_get(resource_get(d, "/pets"), "GET");
    assert_non_null(m);
    assert_string_equal(m->authorization_type, "COGNITO_USER_POOLS");
    assert_string_equal(m->authorizer_id, "auth1");
    assert_true(m->api_key_required);
    assert_int_equal(m->n_authorization_scopes, 1);
    assert_string_equal(m->authorization_scopes[0], "pets/read");
    assert_int_equal(m->n_request_parameters, 2);
    assert_true(flag_get(m->request_parameters, 2, "method.request.querystring.q")->required);
    assert_false(flag_get(m->request_parameters, 2, "method.request.header.X-Tenant")->required);
    assert_string_equal(kv_get(m->request_models, m->n_request_models, "application/json"),
                        "Empty");
    assert_string_equal(m->request_validator_id, "v1");
    assert_int_equal(m->n_method_responses, 1);
    assert_string_equal(m->method_responses[0]->status_code, "200");
    const Portico__ParamFlag *rate =
        flag_get(m->method_responses[0]->response_parameters,
                 m->method_responses[0]->n_response_parameters, "method.response.header.X-Rate");
    assert_non_null(rate);
    assert_true(rate->required);

    const Portico__Method *del = method_get(resource_get(d, "/pets"), "DELETE");
    assert_non_null(del);
    assert_string_equal(del->authorization_type, "NONE");
    assert_false(del->api_key_required);
    assert_null(del->integration);
    assert_string_equal(del->authorizer_id, "");
    arena_destroy(a);
}

static void definition_integration_fields(void **state)
{
    arena_t *a;
    Portico__ApiDefinition *d = definition_of(full_tree, &a);
    const Portico__Integration *in = method_get(resource_get(d, "/pets"), "GET")->integration;
    assert_non_null(in);
    assert_string_equal(in->type, "HTTP_PROXY");
    assert_string_equal(in->http_method, "GET");
    assert_string_equal(in->uri, "http://${stageVariables.host}/pets");
    assert_string_equal(kv_get(in->request_parameters, in->n_request_parameters,
                               "integration.request.header.X-Tenant"),
                        "method.request.header.X-Tenant");
    assert_string_equal(kv_get(in->request_templates, in->n_request_templates, "application/json"),
                        "{}");
    assert_string_equal(in->passthrough_behavior, "WHEN_NO_MATCH");
    assert_int_equal(in->timeout_ms, 5000);
    assert_int_equal(in->n_cache_key_parameters, 1);
    assert_string_equal(in->cache_key_parameters[0], "method.request.querystring.q");
    assert_string_equal(in->cache_namespace, "r1");
    assert_string_equal(in->content_handling, "CONVERT_TO_TEXT");
    assert_int_equal(in->n_responses, 1);
    const Portico__IntegrationResponse *r = int_response_get(in, "200");
    assert_non_null(r);
    assert_string_equal(r->selection_pattern, "2\\d{2}");
    assert_string_equal(
        kv_get(r->response_parameters, r->n_response_parameters, "method.response.header.X-Rate"),
        "'10'");
    assert_string_equal(kv_get(r->response_templates, r->n_response_templates, "application/json"),
                        "$input.body");
    assert_string_equal(r->content_handling, "CONVERT_TO_BINARY");
    arena_destroy(a);
}

static void definition_defaults(void **state)
{
    arena_t *a;
    Portico__ApiDefinition *d = definition_of(
        "{\"id\": \"api2\", \"resources\": [{\"id\": \"r0\", \"path\": \"/\","
        " \"resourceMethods\": {\"ANY\": {\"methodIntegration\": {\"type\": \"MOCK\"}}}}]}",
        &a);
    assert_string_equal(d->api_key_source, "");
    assert_false(d->disable_execute_api_endpoint);
    assert_int_equal(d->n_binary_media_types, 0);
    const Portico__Method *m = method_get(resource_get(d, "/"), "ANY");
    assert_non_null(m);
    assert_string_equal(m->authorization_type, "");
    assert_int_equal(m->n_method_responses, 0);
    assert_int_equal(m->integration->timeout_ms, 29000);
    assert_int_equal(m->integration->n_responses, 0);
    assert_string_equal(m->integration->uri, "");
    arena_destroy(a);
}

static void definition_packs_and_decodes(void **state)
{
    json_t *tree = doc_of(full_tree);
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(compiler_pack_definition(tree, "dep1", &bytes, &len), STORE_OK);
    json_decref(tree);
    Portico__ApiDefinition *d = portico__api_definition__unpack(NULL, len, bytes);
    free(bytes);
    assert_non_null(d);
    assert_string_equal(d->api_id, "api1");
    assert_string_equal(d->deployment_id, "dep1");
    assert_int_equal(d->n_resources, 2);
    portico__api_definition__free_unpacked(d, NULL);
}

static void summary_from_tree(void **state)
{
    json_t *tree = doc_of(full_tree);
    json_t *summary = compiler_summary_from_tree(tree);
    json_decref(tree);
    /* the root has no methods, so it is left out */
    expect_json(
        summary,
        "{\"/pets\": {"
        " \"GET\": {\"authorizationType\": \"COGNITO_USER_POOLS\", \"apiKeyRequired\": true},"
        " \"DELETE\": {\"authorizationType\": \"NONE\", \"apiKeyRequired\": false}}}");
    json_decref(summary);
}

static void summary_of_empty_api(void **state)
{
    json_t *tree = doc_of("{\"id\": \"api1\", \"resources\": [{\"id\": \"r0\", \"path\": \"/\"}]}");
    json_t *summary = compiler_summary_from_tree(tree);
    expect_json(summary, "{}");
    json_decref(summary);
    json_decref(tree);
}

/* ---- stages ------------------------------------------------------------- */

static const char full_stage[] =
    "{\"stageName\": \"prod\", \"deploymentId\": \"d1\","
    " \"variables\": {\"host\": \"10.0.0.1\", \"mode\": \"live\"},"
    " \"methodSettings\": {"
    "  \"*/*\": {\"metricsEnabled\": true, \"loggingLevel\": \"INFO\","
    "   \"dataTraceEnabled\": true, \"throttlingBurstLimit\": 100,"
    "   \"throttlingRateLimit\": 50.5, \"cachingEnabled\": true, \"cacheTtlInSeconds\": 300,"
    "   \"cacheDataEncrypted\": true, \"requireAuthorizationForCacheControl\": true,"
    "   \"unauthorizedCacheControlHeaderStrategy\": \"SUCCEED_WITH_RESPONSE_HEADER\"},"
    "  \"pets/GET\": {\"throttlingBurstLimit\": 5, \"throttlingRateLimit\": 1}},"
    " \"canarySettings\": {\"deploymentId\": \"d2\", \"percentTraffic\": 12.5,"
    "  \"stageVariableOverrides\": {\"mode\": \"canary\"}, \"useStageCache\": true},"
    " \"cacheClusterEnabled\": true, \"cacheClusterSize\": \"0.5\","
    " \"accessLogSettings\": {\"format\": \"$context.requestId\","
    "  \"destinationArn\": \"file:///var/log/portico.log\"},"
    " \"tracingEnabled\": true, \"cacheFlushGeneration\": 3}";

static Portico__StageBinding *stage_of(const char *json, arena_t *a)
{
    Portico__StageBinding *b = NULL;
    json_t *doc = doc_of(json);
    assert_int_equal(compiler_stage_from_doc("api1", doc, a, &b), 0);
    json_decref(doc);
    assert_non_null(b);
    return b;
}

static void stage_fields(void **state)
{
    arena_t *a = arena_create(16 * 1024);
    Portico__StageBinding *b = stage_of(full_stage, a);
    assert_string_equal(b->api_id, "api1");
    assert_string_equal(b->stage_name, "prod");
    assert_string_equal(b->deployment_id, "d1");
    assert_int_equal(b->n_variables, 2);
    assert_string_equal(kv_get(b->variables, b->n_variables, "host"), "10.0.0.1");
    assert_string_equal(kv_get(b->variables, b->n_variables, "mode"), "live");
    assert_true(b->cache_cluster_enabled);
    assert_float_equal(b->cache_cluster_size_gb, 0.5, 1e-9);
    assert_non_null(b->access_log);
    assert_string_equal(b->access_log->format, "$context.requestId");
    assert_string_equal(b->access_log->destination, "file:///var/log/portico.log");
    assert_true(b->tracing_enabled);
    assert_int_equal(b->cache_flush_generation, 3);
    arena_destroy(a);
}

static void stage_method_settings(void **state)
{
    arena_t *a = arena_create(16 * 1024);
    Portico__StageBinding *b = stage_of(full_stage, a);
    assert_int_equal(b->n_method_settings, 2);
    const Portico__MethodSetting *all = setting_get(b, "*/*");
    assert_non_null(all);
    assert_true(all->metrics_enabled);
    assert_string_equal(all->logging_level, "INFO");
    assert_true(all->data_trace_enabled);
    assert_int_equal(all->throttling_burst_limit, 100);
    assert_float_equal(all->throttling_rate_limit, 50.5, 1e-9);
    assert_true(all->caching_enabled);
    assert_int_equal(all->cache_ttl_seconds, 300);
    assert_true(all->cache_data_encrypted);
    assert_true(all->require_authorization_for_cache_control);
    assert_string_equal(all->unauthorized_cache_control_header_strategy,
                        "SUCCEED_WITH_RESPONSE_HEADER");
    const Portico__MethodSetting *get = setting_get(b, "pets/GET");
    assert_non_null(get);
    assert_int_equal(get->throttling_burst_limit, 5);
    /* an integer JSON number still reads as a rate */
    assert_float_equal(get->throttling_rate_limit, 1.0, 1e-9);
    assert_false(get->metrics_enabled);
    assert_string_equal(get->logging_level, "");
    arena_destroy(a);
}

/* Method setting keys name a resource path with "/" written "~1". */
static void stage_method_setting_keys(void **state)
{
    static const struct {
        const char *key, *path, *verb;
    } cases[] = {
        {"*/*", "*", "*"},
        {"~1pets/GET", "/pets", "GET"},
        {"~1pets~1{petId}/DELETE", "/pets/{petId}", "DELETE"},
        {"~1/GET", "/", "GET"},
        {"pets/GET", "/pets", "GET"},
        {"~1a~0b/ANY", "/a~b", "ANY"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        arena_t *a = arena_create(16 * 1024);
        char json[256];
        snprintf(json, sizeof(json),
                 "{\"stageName\": \"s\", \"deploymentId\": \"d\", \"methodSettings\": "
                 "{\"%s\": {}}}",
                 cases[i].key);
        Portico__StageBinding *b = stage_of(json, a);
        assert_int_equal(b->n_method_settings, 1);
        if (strcmp(b->method_settings[0]->resource_path, cases[i].path) != 0 ||
            strcmp(b->method_settings[0]->http_method, cases[i].verb) != 0)
            fail_msg("%s: got %s %s, want %s %s", cases[i].key,
                     b->method_settings[0]->resource_path, b->method_settings[0]->http_method,
                     cases[i].path, cases[i].verb);
        arena_destroy(a);
    }
}

static void stage_canary(void **state)
{
    arena_t *a = arena_create(16 * 1024);
    Portico__StageBinding *b = stage_of(full_stage, a);
    assert_non_null(b->canary);
    assert_string_equal(b->canary->deployment_id, "d2");
    assert_float_equal(b->canary->percent_traffic, 12.5, 1e-9);
    assert_int_equal(b->canary->n_stage_variable_overrides, 1);
    assert_string_equal(b->canary->stage_variable_overrides[0]->key, "mode");
    assert_string_equal(b->canary->stage_variable_overrides[0]->value, "canary");
    assert_true(b->canary->use_stage_cache);
    b = stage_of("{\"stageName\": \"s\", \"deploymentId\": \"d1\","
                 " \"canarySettings\": {\"deploymentId\": \"d2\", \"percentTraffic\": 10}}",
                 a);
    assert_float_equal(b->canary->percent_traffic, 10.0, 1e-9);
    arena_destroy(a);
}

static void stage_minimal(void **state)
{
    arena_t *a = arena_create(16 * 1024);
    Portico__StageBinding *b = stage_of("{\"stageName\": \"dev\", \"deploymentId\": \"d1\"}", a);
    assert_string_equal(b->stage_name, "dev");
    assert_int_equal(b->n_variables, 0);
    assert_int_equal(b->n_method_settings, 0);
    assert_null(b->canary);
    assert_null(b->access_log);
    assert_false(b->cache_cluster_enabled);
    assert_float_equal(b->cache_cluster_size_gb, 0, 1e-9);
    /* canary settings without a deployment are no canary */
    b = stage_of("{\"stageName\": \"dev\", \"deploymentId\": \"d1\","
                 " \"canarySettings\": {\"percentTraffic\": 10}}",
                 a);
    assert_null(b->canary);
    arena_destroy(a);
}

/* ---- a store behind the snapshot ---------------------------------------- */

typedef testdb_t fixture_t;

#define setup_store testdb_setup
#define teardown_store testdb_teardown

static void put_json(store_t *s, enum store_doc_kind kind, const char *const *keys,
                     const char *json)
{
    json_t *doc = doc_of(json);
    assert_int_equal(store_doc_put(s, kind, keys, doc), STORE_OK);
    json_decref(doc);
}

/* api1: / and /pets with GET (MOCK, one 200 response and a 200 method response). */
static void populate_api(store_t *s)
{
    static const char *const k_get[] = {"api1", "r1", "GET"};
    static const char *const k_get_200[] = {"api1", "r1", "GET", "200"};
    json_t *api = doc_of("{\"id\": \"api1\", \"name\": \"pets\", \"apiKeySource\": \"HEADER\"}");
    assert_int_equal(store_restapi_insert(s, "api1", 1000, api), STORE_OK);
    json_decref(api);
    assert_int_equal(store_resource_insert(s, "api1", "r0", NULL, "", "/"), STORE_OK);
    assert_int_equal(store_resource_insert(s, "api1", "r1", "r0", "pets", "/pets"), STORE_OK);
    put_json(
        s, STORE_DOC_METHOD, k_get,
        "{\"httpMethod\": \"GET\", \"authorizationType\": \"NONE\", \"apiKeyRequired\": false}");
    put_json(s, STORE_DOC_METHOD_RESPONSE, k_get_200, "{\"statusCode\": \"200\"}");
    put_json(s, STORE_DOC_INTEGRATION, k_get,
             "{\"type\": \"MOCK\", \"requestTemplates\": {\"application/json\":"
             " \"{\\\"statusCode\\\": 200}\"}}");
    put_json(s, STORE_DOC_INTEGRATION_RESPONSE, k_get_200,
             "{\"statusCode\": \"200\", \"selectionPattern\": \"\"}");
}

/* Freezes the stored API as deployment id, as the admin layer does on deploy. */
static void deploy(store_t *s, const char *id)
{
    json_t *tree = NULL;
    uint8_t *bytes = NULL, sha[32];
    size_t len = 0;
    assert_int_equal(compiler_api_tree(s, "api1", &tree), STORE_OK);
    assert_int_equal(compiler_pack_definition(tree, id, &bytes, &len), STORE_OK);
    crypto_sha256(bytes, len, sha);
    json_t *summary = compiler_summary_from_tree(tree);
    store_deployment_t d = {
        .api_id = "api1",
        .id = id,
        .created_at = 2000,
        .definition = bytes,
        .definition_len = len,
        .sha256 = sha,
        .summary = summary,
    };
    assert_int_equal(store_deployment_insert(s, &d), STORE_OK);
    json_decref(summary);
    json_decref(tree);
    free(bytes);
}

static void add_stage(store_t *s, const char *name, const char *json)
{
    json_t *doc = doc_of(json);
    assert_int_equal(store_stage_insert(s, "api1", name, 3000, doc), STORE_OK);
    json_decref(doc);
}

static void bump(store_t *s)
{
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_bump_version(s, NULL), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
}

/* Builds and decodes the snapshot; the caller frees it with free_unpacked. */
static Portico__Snapshot *snapshot_of(store_t *s, uint64_t want_version)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    uint64_t version = 12345;
    assert_int_equal(compiler_build_snapshot(s, &bytes, &len, &version), STORE_OK);
    assert_int_equal(version, want_version);
    Portico__Snapshot *snap = portico__snapshot__unpack(NULL, len, bytes);
    free(bytes);
    assert_non_null(snap);
    assert_int_equal(snap->version, want_version);
    assert_string_equal(snap->store_id, store_id(s));
    assert_true(snap->created_at_ms > 0);
    assert_non_null(snap->settings);
    return snap;
}

static void api_tree_from_store(void **state)
{
    fixture_t *f = *state;
    json_t *tree = NULL;
    populate_api(f->s);
    assert_int_equal(compiler_api_tree(f->s, "api1", &tree), STORE_OK);
    assert_string_equal(json_string_value(json_object_get(tree, "name")), "pets");
    json_t *resources = json_object_get(tree, "resources");
    assert_int_equal(json_array_size(resources), 2);
    json_t *pets = json_array_get(resources, 1);
    assert_string_equal(json_string_value(json_object_get(pets, "path")), "/pets");
    json_t *get = json_object_get(json_object_get(pets, "resourceMethods"), "GET");
    assert_non_null(get);
    expect_json(json_object_get(get, "methodResponses"), "{\"200\": {\"statusCode\": \"200\"}}");
    json_t *integ = json_object_get(get, "methodIntegration");
    assert_string_equal(json_string_value(json_object_get(integ, "type")), "MOCK");
    expect_json(json_object_get(integ, "integrationResponses"),
                "{\"200\": {\"statusCode\": \"200\", \"selectionPattern\": \"\"}}");
    json_decref(tree);
    tree = NULL;
    assert_int_equal(compiler_api_tree(f->s, "nope", &tree), STORE_ENOTFOUND);
    assert_null(tree);
}

static void snapshot_of_empty_store(void **state)
{
    fixture_t *f = *state;
    Portico__Snapshot *snap = snapshot_of(f->s, 0);
    assert_int_equal(snap->n_stages, 0);
    assert_int_equal(snap->n_deployments, 0);
    portico__snapshot__free_unpacked(snap, NULL);
}

static void snapshot_has_stage_and_deployment(void **state)
{
    fixture_t *f = *state;
    populate_api(f->s);
    deploy(f->s, "d1");
    add_stage(f->s, "prod",
              "{\"stageName\": \"prod\", \"deploymentId\": \"d1\", \"variables\": {\"a\": \"1\"}}");
    bump(f->s);
    Portico__Snapshot *snap = snapshot_of(f->s, 1);
    assert_int_equal(snap->n_stages, 1);
    const Portico__StageBinding *b = snap->stages[0];
    assert_string_equal(b->api_id, "api1");
    assert_string_equal(b->stage_name, "prod");
    assert_string_equal(b->deployment_id, "d1");
    assert_string_equal(kv_get(b->variables, b->n_variables, "a"), "1");
    assert_null(b->canary);
    assert_int_equal(snap->n_deployments, 1);
    const Portico__ApiDefinition *d = snap->deployments[0];
    assert_string_equal(d->api_id, "api1");
    assert_string_equal(d->deployment_id, "d1");
    assert_string_equal(d->api_key_source, "HEADER");
    const Portico__Method *m = method_get(resource_get(d, "/pets"), "GET");
    assert_non_null(m);
    assert_non_null(m->integration);
    assert_string_equal(m->integration->type, "MOCK");
    assert_non_null(int_response_get(m->integration, "200"));
    portico__snapshot__free_unpacked(snap, NULL);
}

static void snapshot_includes_canary_deployment_once(void **state)
{
    fixture_t *f = *state;
    populate_api(f->s);
    deploy(f->s, "d1");
    deploy(f->s, "d2");
    deploy(f->s, "d3"); /* no stage uses it: not in the snapshot */
    add_stage(f->s, "prod",
              "{\"stageName\": \"prod\", \"deploymentId\": \"d1\","
              " \"canarySettings\": {\"deploymentId\": \"d2\", \"percentTraffic\": 10}}");
    add_stage(f->s, "dev", "{\"stageName\": \"dev\", \"deploymentId\": \"d1\"}");
    bump(f->s);
    bump(f->s);
    Portico__Snapshot *snap = snapshot_of(f->s, 2);
    assert_int_equal(snap->n_stages, 2);
    assert_int_equal(snap->n_deployments, 2);
    int seen_d1 = 0, seen_d2 = 0;
    for (size_t i = 0; i < snap->n_deployments; i++) {
        seen_d1 += strcmp(snap->deployments[i]->deployment_id, "d1") == 0;
        seen_d2 += strcmp(snap->deployments[i]->deployment_id, "d2") == 0;
    }
    assert_int_equal(seen_d1, 1);
    assert_int_equal(seen_d2, 1);
    for (size_t i = 0; i < snap->n_stages; i++) {
        if (strcmp(snap->stages[i]->stage_name, "prod") == 0) {
            assert_non_null(snap->stages[i]->canary);
            assert_string_equal(snap->stages[i]->canary->deployment_id, "d2");
        }
    }
    portico__snapshot__free_unpacked(snap, NULL);
}

#define STORE_CASE(fn) cmocka_unit_test_setup_teardown(fn, setup_store, teardown_store)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(definition_api_fields),
        cmocka_unit_test(definition_method_fields),
        cmocka_unit_test(definition_integration_fields),
        cmocka_unit_test(definition_defaults),
        cmocka_unit_test(definition_packs_and_decodes),
        cmocka_unit_test(summary_from_tree),
        cmocka_unit_test(summary_of_empty_api),
        cmocka_unit_test(stage_fields),
        cmocka_unit_test(stage_method_settings),
        cmocka_unit_test(stage_method_setting_keys),
        cmocka_unit_test(stage_canary),
        cmocka_unit_test(stage_minimal),
        STORE_CASE(api_tree_from_store),
        STORE_CASE(snapshot_of_empty_store),
        STORE_CASE(snapshot_has_stage_and_deployment),
        STORE_CASE(snapshot_includes_canary_deployment_once),
    };
    return cmocka_run_group_tests_name("compiler", tests, NULL, NULL);
}
