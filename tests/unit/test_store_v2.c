/* Unit tests for the apigatewayv2 store: the string rules of
 * controlplane/store/store_v2_check.h (route keys per protocol, selection
 * expressions, ids, stage names, integration types / payload format
 * versions / timeouts, parameter mapping keys), table-driven; the documents
 * of store_v2.h (unique names among siblings, responses deleted with their
 * parent, the API's cascade); and compiler_v2 (a frozen V2ApiDefinition and
 * the snapshot's v2 stages, deployments and API mappings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "compiler_v2.h"
#include "openapi_v2.h"
#include "store_api.h"
#include "store_domain.h"
#include "store_schema.h"
#include "store_v2.h"
#include "store_v2_check.h"
#include "testdb.h"

/* ---- pure checks --------------------------------------------------------- */

static void route_keys(void **state)
{
    (void)state;
    static const struct {
        enum store_v2_protocol p;
        const char *key;
        int ok;
    } cases[] = {
        {STORE_V2_HTTP, "$default", 1},
        {STORE_V2_HTTP, "GET /pets", 1},
        {STORE_V2_HTTP, "ANY /{proxy+}", 1},
        {STORE_V2_HTTP, "GET /pets/{id}/toys", 1},
        {STORE_V2_HTTP, "DELETE /", 1},
        {STORE_V2_HTTP, "OPTIONS /a.b/c-d/e_f/~g", 1},
        {STORE_V2_HTTP, "get /pets", 0},
        {STORE_V2_HTTP, "FETCH /pets", 0},
        {STORE_V2_HTTP, "GET pets", 0},
        {STORE_V2_HTTP, "GET  /pets", 0},
        {STORE_V2_HTTP, "GET /pets/", 0},
        {STORE_V2_HTTP, "GET //pets", 0},
        {STORE_V2_HTTP, "GET /{proxy+}/more", 0},
        {STORE_V2_HTTP, "GET /{}", 0},
        {STORE_V2_HTTP, "GET /{a b}", 0},
        {STORE_V2_HTTP, "GET /pets?x=1", 0},
        {STORE_V2_HTTP, "GET /pe ts", 0},
        {STORE_V2_HTTP, "$connect", 0},
        {STORE_V2_HTTP, "", 0},
        {STORE_V2_WEBSOCKET, "$connect", 1},
        {STORE_V2_WEBSOCKET, "$disconnect", 1},
        {STORE_V2_WEBSOCKET, "$default", 1},
        {STORE_V2_WEBSOCKET, "sendmessage", 1},
        {STORE_V2_WEBSOCKET, "GET /pets", 1}, /* any custom text */
        {STORE_V2_WEBSOCKET, "$custom", 0},
        {STORE_V2_WEBSOCKET, "a\nb", 0},
        {STORE_V2_WEBSOCKET, "", 0},
    };
    char err[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = store_v2_check_route_key(cases[i].p, cases[i].key, err, sizeof(err));
        if ((rc == 0) != cases[i].ok)
            fail_msg("route key \"%s\" (protocol %d): got %d", cases[i].key, cases[i].p, rc);
    }
    char long_key[200];
    memset(long_key, 'a', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    assert_int_equal(store_v2_check_route_key(STORE_V2_WEBSOCKET, long_key, err, sizeof(err)), -1);
}

static void selection_expressions(void **state)
{
    (void)state;
    static const struct {
        enum store_v2_protocol p;
        const char *expr;
        int ok;
    } cases[] = {
        {STORE_V2_HTTP, "$request.method $request.path", 1},
        {STORE_V2_HTTP, "$request.body.action", 0},
        {STORE_V2_WEBSOCKET, "$request.body.action", 1},
        {STORE_V2_WEBSOCKET, "${request.body.action}", 1},
        {STORE_V2_WEBSOCKET, "$request.body.message.type", 1},
        {STORE_V2_WEBSOCKET, "${request.body.service}-${request.body.action}", 1},
        {STORE_V2_WEBSOCKET, "$request.header.x-route", 1},
        {STORE_V2_WEBSOCKET, "action", 0},
        {STORE_V2_WEBSOCKET, "$request.body", 0},
        {STORE_V2_WEBSOCKET, "$request.body.", 0},
        {STORE_V2_WEBSOCKET, "${request.body.action", 0},
        {STORE_V2_WEBSOCKET, "$request.query.x", 0},
        {STORE_V2_WEBSOCKET, "", 0},
        {STORE_V2_WEBSOCKET, NULL, 0},
    };
    char err[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = store_v2_check_route_selection(cases[i].p, cases[i].expr, err, sizeof(err));
        if ((rc == 0) != cases[i].ok)
            fail_msg("selection \"%s\": got %d", cases[i].expr ? cases[i].expr : "(null)", rc);
    }
    assert_int_equal(store_v2_check_api_key_selection("$request.header.x-api-key", err, 512), 0);
    assert_int_equal(
        store_v2_check_api_key_selection("$context.authorizer.usageIdentifierKey", err, 512), 0);
    assert_int_equal(store_v2_check_api_key_selection("$request.header.other", err, 512), -1);
}

static void ids_stage_names_protocols(void **state)
{
    (void)state;
    assert_true(store_v2_is_id("abc123defg", STORE_V2_API_ID_LEN));
    assert_false(store_v2_is_id("abc123def", STORE_V2_API_ID_LEN));
    assert_false(store_v2_is_id("ABC123defg", STORE_V2_API_ID_LEN));
    assert_false(store_v2_is_id("abc-123def", STORE_V2_API_ID_LEN));
    assert_true(store_v2_is_id("a1b2c3d", STORE_V2_ID_LEN));
    assert_false(store_v2_is_id(NULL, STORE_V2_ID_LEN));
    char err[256];
    static const struct {
        const char *name;
        int ok;
    } stages[] = {{"$default", 1}, {"prod", 1},   {"v1_beta-2", 1}, {"", 0},
                  {"a b", 0},      {"$other", 0}, {"x/y", 0},       {NULL, 0}};
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
        if ((store_v2_check_stage_name(stages[i].name, err, sizeof(err)) == 0) != stages[i].ok)
            fail_msg("stage name %s", stages[i].name ? stages[i].name : "(null)");
    enum store_v2_protocol p;
    assert_int_equal(store_v2_check_protocol("HTTP", &p), 0);
    assert_int_equal(p, STORE_V2_HTTP);
    assert_int_equal(store_v2_check_protocol("WEBSOCKET", &p), 0);
    assert_int_equal(p, STORE_V2_WEBSOCKET);
    assert_int_equal(store_v2_check_protocol("REST", &p), -1);
}

static void integrations(void **state)
{
    (void)state;
    static const struct {
        enum store_v2_protocol p;
        const char *type, *pfv;
        long timeout;
        int ok;
        const char *pfv_out;
        long timeout_out;
    } cases[] = {
        {STORE_V2_HTTP, "HTTP_PROXY", NULL, -1, 1, "1.0", 30000},
        {STORE_V2_HTTP, "AWS_PROXY", "2.0", 50, 1, "2.0", 50},
        {STORE_V2_HTTP, "AWS_PROXY", "1.0", 30000, 1, "1.0", 30000},
        {STORE_V2_HTTP, "AWS_PROXY", NULL, -1, 0, NULL, 0},
        {STORE_V2_HTTP, "AWS_PROXY", "3.0", -1, 0, NULL, 0},
        {STORE_V2_HTTP, "HTTP_PROXY", "2.0", -1, 0, NULL, 0},
        {STORE_V2_HTTP, "MOCK", NULL, -1, 0, NULL, 0},
        {STORE_V2_HTTP, "HTTP", NULL, -1, 0, NULL, 0},
        {STORE_V2_HTTP, "HTTP_PROXY", NULL, 30001, 0, NULL, 0},
        {STORE_V2_HTTP, "HTTP_PROXY", NULL, 49, 0, NULL, 0},
        {STORE_V2_WEBSOCKET, "MOCK", NULL, -1, 1, "1.0", 29000},
        {STORE_V2_WEBSOCKET, "HTTP", NULL, 1000, 1, "1.0", 1000},
        {STORE_V2_WEBSOCKET, "AWS", NULL, -1, 1, "1.0", 29000},
        {STORE_V2_WEBSOCKET, "AWS_PROXY", "2.0", -1, 0, NULL, 0},
        {STORE_V2_WEBSOCKET, "HTTP_PROXY", NULL, 29001, 0, NULL, 0},
        {STORE_V2_WEBSOCKET, "VPC", NULL, -1, 0, NULL, 0},
        {STORE_V2_WEBSOCKET, NULL, NULL, -1, 0, NULL, 0},
    };
    char err[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *pfv = NULL;
        long timeout = 0;
        int rc = store_v2_check_integration(cases[i].p, cases[i].type, cases[i].pfv, &pfv,
                                            cases[i].timeout, &timeout, err, sizeof(err));
        if ((rc == 0) != cases[i].ok)
            fail_msg("integration case %zu (%s): got %d", i,
                     cases[i].type ? cases[i].type : "(null)", rc);
        if (rc == 0) {
            assert_string_equal(pfv, cases[i].pfv_out);
            assert_int_equal(timeout, cases[i].timeout_out);
        }
    }
}

static void parameter_keys(void **state)
{
    (void)state;
    static const struct {
        enum store_v2_protocol p;
        const char *key;
        int ok;
    } cases[] = {
        {STORE_V2_HTTP, "overwrite:header.x-a", 1},
        {STORE_V2_HTTP, "append:querystring.q", 1},
        {STORE_V2_HTTP, "remove:header.Cookie", 1},
        {STORE_V2_HTTP, "overwrite:path", 1},
        {STORE_V2_HTTP, "append:path", 0},
        {STORE_V2_HTTP, "replace:header.x", 0},
        {STORE_V2_HTTP, "overwrite:header.", 0},
        {STORE_V2_HTTP, "overwrite:header.a b", 0},
        {STORE_V2_HTTP, "integration.request.header.x", 0},
        {STORE_V2_WEBSOCKET, "integration.request.header.x", 1},
        {STORE_V2_WEBSOCKET, "integration.request.querystring.q", 1},
        {STORE_V2_WEBSOCKET, "integration.request.path.p", 1},
        {STORE_V2_WEBSOCKET, "integration.request.body.p", 0},
        {STORE_V2_WEBSOCKET, "overwrite:header.x", 0},
    };
    char err[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if ((store_v2_check_request_parameter(cases[i].p, cases[i].key, err, sizeof(err)) == 0) !=
            cases[i].ok)
            fail_msg("request parameter %s", cases[i].key);
    assert_int_equal(store_v2_check_response_parameter("200", "overwrite:statuscode", err, 512), 0);
    assert_int_equal(store_v2_check_response_parameter("404", "append:header.x", err, 512), 0);
    assert_int_equal(store_v2_check_response_parameter("600", "append:header.x", err, 512), -1);
    assert_int_equal(store_v2_check_response_parameter("20", "append:header.x", err, 512), -1);
    assert_int_equal(store_v2_check_response_parameter("200", "append:querystring.x", err, 512),
                     -1);
}

/* ---- OpenAPI for HTTP APIs ---------------------------------------------- */

static void counter_id(char *out, size_t len)
{
    static unsigned n;
    snprintf(out, len + 1, "%0*u", (int)len, ++n);
}

static void openapi_plans(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        int ok;
    } cases[] = {
        {"{\"openapi\":\"3.0.1\",\"info\":{\"title\":\"t\"},\"paths\":{}}", 1},
        {"{\"swagger\":\"2.0\",\"info\":{\"title\":\"t\"},\"paths\":{}}", 0},
        {"{\"openapi\":\"3.0.1\",\"info\":{},\"paths\":{}}", 0},
        {"{\"openapi\":\"3.0.1\",\"info\":{\"title\":\"t\"},\"paths\":{\"/a\":{\"get\":"
         "{\"security\":[{\"nope\":[]}]}}}}",
         0},
    };
    char err[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *doc = json_loads(cases[i].doc, 0, NULL);
        assert_non_null(doc);
        json_t *plan = openapi_v2_plan(doc, counter_id, err, sizeof(err));
        if ((plan != NULL) != cases[i].ok)
            fail_msg("openapi case %zu: %s", i, plan == NULL ? err : "accepted");
        json_decref(plan);
        json_decref(doc);
    }
    const char *text =
        "{\"openapi\":\"3.0.1\",\"info\":{\"title\":\"t\",\"version\":2},"
        "\"paths\":{\"/p/{id}\":{\"get\":{\"security\":[{\"j\":[\"s\"]}],"
        "\"x-amazon-apigateway-integration\":{\"type\":\"http_proxy\",\"httpMethod\":\"GET\","
        "\"uri\":\"https://e.example/\"}}},\"/$default\":{\"x-amazon-apigateway-any-method\":{}}},"
        "\"components\":{\"securitySchemes\":{\"j\":{\"x-amazon-apigateway-authorizer\":"
        "{\"type\":\"jwt\",\"identitySource\":\"$request.header.Authorization\","
        "\"jwtConfiguration\":{\"issuer\":\"https://i.example\",\"audience\":[\"a\"]}}},"
        "\"k\":{\"type\":\"apiKey\"}}}}";
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    json_t *plan = openapi_v2_plan(doc, counter_id, err, sizeof(err));
    assert_non_null(plan);
    assert_string_equal(json_string_value(json_object_get(json_object_get(plan, "api"), "version")),
                        "2");
    json_t *routes = json_object_get(plan, "routes");
    assert_int_equal(json_array_size(routes), 2);
    json_t *get = json_array_get(routes, 0), *def = json_array_get(routes, 1);
    if (strcmp(json_string_value(json_object_get(get, "routeKey")), "$default") == 0) {
        json_t *t = get;
        get = def;
        def = t;
    }
    assert_string_equal(json_string_value(json_object_get(get, "routeKey")), "GET /p/{id}");
    assert_string_equal(json_string_value(json_object_get(def, "routeKey")), "$default");
    assert_string_equal(json_string_value(json_object_get(get, "authorizationType")), "JWT");
    json_t *integ = json_array_get(json_object_get(plan, "integrations"), 0);
    char target[64];
    snprintf(target, sizeof(target), "integrations/%s",
             json_string_value(json_object_get(integ, "integrationId")));
    assert_string_equal(json_string_value(json_object_get(get, "target")), target);
    assert_string_equal(json_string_value(json_object_get(integ, "integrationType")), "HTTP_PROXY");
    json_t *au = json_array_get(json_object_get(plan, "authorizers"), 0);
    assert_string_equal(json_string_value(json_object_get(get, "authorizerId")),
                        json_string_value(json_object_get(au, "authorizerId")));
    assert_int_equal(json_array_size(json_object_get(plan, "warnings")), 1); /* "k" */
    /* and back out */
    json_t *api = json_pack("{s:s,s:s}", "name", "t", "apiEndpoint", "https://x.example");
    json_t *out = openapi_v2_export(api, routes, json_object_get(plan, "integrations"),
                                    json_object_get(plan, "authorizers"), "prod", 1);
    json_t *op = json_object_get(json_object_get(json_object_get(out, "paths"), "/p/{id}"), "get");
    assert_non_null(op);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(op, "x-amazon-apigateway-integration"), "type")),
                        "http_proxy");
    assert_non_null(json_object_get(json_object_get(json_object_get(out, "paths"), "/$default"),
                                    "x-amazon-apigateway-any-method"));
    json_t *server = json_array_get(json_object_get(out, "servers"), 0);
    assert_string_equal(json_string_value(json_object_get(server, "url")),
                        "https://x.example/{basePath}");
    json_decref(out);
    json_decref(api);
    json_decref(plan);
    json_decref(doc);
}

/* ---- the store and the compiler ----------------------------------------- */

static void put(store_t *s, const char *api, const char *kind, const char *parent, const char *id,
                const char *name, const char *doc_text, int expect)
{
    json_t *doc = json_loads(doc_text, 0, NULL);
    assert_non_null(doc);
    store_v2_key_t k = {api, kind, parent, id, name};
    assert_int_equal(store_v2_item_insert(s, &k, doc), expect);
    json_decref(doc);
}

static void make_api(store_t *s, const char *id, const char *protocol)
{
    json_t *doc = json_pack("{s:s,s:s,s:s}", "apiId", id, "name", id, "protocolType", protocol);
    assert_int_equal(store_v2_api_insert(s, id, 1700000000, doc), STORE_OK);
    json_decref(doc);
}

static void documents(void **state)
{
    store_t *s = ((testdb_t *)*state)->s;
    make_api(s, "api0000001", "WEBSOCKET");
    put(s, "api0000001", STORE_V2_ROUTE, "", "r000001", "$connect",
        "{\"routeId\":\"r000001\",\"routeKey\":\"$connect\"}", STORE_OK);
    put(s, "api0000001", STORE_V2_ROUTE, "", "r000002", "$connect",
        "{\"routeId\":\"r000002\",\"routeKey\":\"$connect\"}", STORE_ECONFLICT);
    put(s, "api0000001", STORE_V2_ROUTE, "", "r000003", "send",
        "{\"routeId\":\"r000003\",\"routeKey\":\"send\"}", STORE_OK);
    put(s, "api0000001", STORE_V2_ROUTE_RESPONSE, "r000001", "rr00001", "$default",
        "{\"routeResponseId\":\"rr00001\",\"routeResponseKey\":\"$default\"}", STORE_OK);
    /* the same key under another route is fine */
    put(s, "api0000001", STORE_V2_ROUTE_RESPONSE, "r000003", "rr00002", "$default",
        "{\"routeResponseId\":\"rr00002\",\"routeResponseKey\":\"$default\"}", STORE_OK);
    put(s, "nosuchapi0", STORE_V2_ROUTE, "", "r000009", "x", "{}", STORE_ECONFLICT);

    store_v2_key_t routes = {"api0000001", STORE_V2_ROUTE, "", NULL, NULL};
    json_t *items;
    int more;
    assert_int_equal(store_v2_item_list(s, &routes, NULL, 1, &items, &more), STORE_OK);
    assert_int_equal(json_array_size(items), 1);
    assert_true(more);
    json_decref(items);
    assert_int_equal(store_v2_item_list(s, &routes, "r000001", 10, &items, &more), STORE_OK);
    assert_int_equal(json_array_size(items), 1);
    assert_false(more);
    json_decref(items);

    /* a route's responses go with it */
    store_v2_key_t r1 = {"api0000001", STORE_V2_ROUTE, "", "r000001", NULL};
    assert_int_equal(store_v2_item_delete(s, &r1), STORE_OK);
    assert_int_equal(store_v2_item_delete(s, &r1), STORE_ENOTFOUND);
    store_v2_key_t rr1 = {"api0000001", STORE_V2_ROUTE_RESPONSE, "r000001", "rr00001", NULL};
    json_t *doc = NULL;
    assert_int_equal(store_v2_item_get(s, &rr1, &doc), STORE_ENOTFOUND);
    store_v2_key_t rr2 = {"api0000001", STORE_V2_ROUTE_RESPONSE, "r000003", "rr00002", NULL};
    assert_int_equal(store_v2_item_get(s, &rr2, &doc), STORE_OK);
    json_decref(doc);

    /* renaming onto a sibling's key conflicts */
    put(s, "api0000001", STORE_V2_ROUTE, "", "r000004", "other",
        "{\"routeId\":\"r000004\",\"routeKey\":\"other\"}", STORE_OK);
    json_t *renamed = json_pack("{s:s,s:s}", "routeId", "r000004", "routeKey", "send");
    store_v2_key_t r4 = {"api0000001", STORE_V2_ROUTE, "", "r000004", "send"};
    assert_int_equal(store_v2_item_update(s, &r4, renamed), STORE_ECONFLICT);
    json_decref(renamed);

    /* the API takes everything with it */
    assert_int_equal(store_v2_api_delete(s, "api0000001"), STORE_OK);
    assert_int_equal(store_v2_item_get(s, &rr2, &doc), STORE_ENOTFOUND);
    assert_int_equal(store_v2_api_get(s, "api0000001", &doc), STORE_ENOTFOUND);
}

static void migration_runs_twice(void **state)
{
    store_t *s = ((testdb_t *)*state)->s;
    const char *last = store_schema_migration(store_schema_count() - 1);
    assert_non_null(strstr(last, "v2_apis"));
    assert_int_equal(sqlite3_exec(store_db(s), last, NULL, NULL, NULL), SQLITE_OK);
}

static void snapshot_carries_v2(void **state)
{
    store_t *s = ((testdb_t *)*state)->s;
    make_api(s, "httpapi001", "HTTP");
    put(s, "httpapi001", STORE_V2_INTEGRATION, "", "i000001", "i000001",
        "{\"integrationId\":\"i000001\",\"integrationType\":\"HTTP_PROXY\","
        "\"integrationUri\":\"http://127.0.0.1:9/\",\"payloadFormatVersion\":\"1.0\","
        "\"timeoutInMillis\":30000,\"responseParameters\":{\"200\":{\"append:header.x\":\"y\"}}}",
        STORE_OK);
    put(s, "httpapi001", STORE_V2_ROUTE, "", "r000001", "GET /pets/{id}",
        "{\"routeId\":\"r000001\",\"routeKey\":\"GET /pets/{id}\",\"target\":"
        "\"integrations/i000001\",\"authorizationType\":\"JWT\",\"authorizerId\":\"a000001\","
        "\"authorizationScopes\":[\"read\"]}",
        STORE_OK);
    put(s, "httpapi001", STORE_V2_AUTHORIZER, "", "a000001", "jwt",
        "{\"authorizerId\":\"a000001\",\"name\":\"jwt\",\"authorizerType\":\"JWT\","
        "\"identitySource\":[\"$request.header.Authorization\"],"
        "\"jwtConfiguration\":{\"issuer\":\"https://issuer.example\",\"audience\":[\"a\"]}}",
        STORE_OK);
    uint8_t *def = NULL;
    size_t len = 0;
    assert_int_equal(compiler_v2_pack(s, "httpapi001", "d000001", &def, &len), STORE_OK);
    Portico__V2ApiDefinition *d = portico__v2_api_definition__unpack(NULL, len, def);
    assert_non_null(d);
    assert_string_equal(d->protocol_type, "HTTP");
    assert_int_equal(d->n_routes, 1);
    assert_string_equal(d->routes[0]->route_key, "GET /pets/{id}");
    assert_string_equal(d->routes[0]->target_integration_id, "i000001");
    assert_int_equal(d->routes[0]->n_authorization_scopes, 1);
    assert_int_equal(d->n_integrations, 1);
    assert_int_equal(d->integrations[0]->timeout_ms, 30000);
    assert_int_equal(d->integrations[0]->n_response_parameters, 1);
    assert_string_equal(d->integrations[0]->response_parameters[0]->status_code, "200");
    assert_int_equal(d->n_authorizers, 1);
    assert_string_equal(d->authorizers[0]->jwt->issuer, "https://issuer.example");
    portico__v2_api_definition__free_unpacked(d, NULL);
    assert_int_equal(
        store_v2_deployment_insert(s, "httpapi001", "d000001", 1700000000, "", 1, def, len),
        STORE_OK);
    free(def);
    json_t *stage =
        json_pack("{s:s,s:s,s:b,s:{s:s},s:{s:{s:i,s:f}}}", "stageName", "$default", "deploymentId",
                  "d000001", "autoDeploy", 1, "stageVariables", "v", "1", "routeSettings",
                  "GET /pets/{id}", "throttlingBurstLimit", 5, "throttlingRateLimit", 2.5);
    assert_int_equal(store_v2_stage_insert(s, "httpapi001", "$default", 1700000000, stage),
                     STORE_OK);
    json_decref(stage);
    /* a stage on a deployment that does not exist is refused */
    json_t *bad = json_pack("{s:s,s:s}", "stageName", "x", "deploymentId", "nope");
    assert_int_equal(store_v2_stage_insert(s, "httpapi001", "x", 1, bad), STORE_ECONFLICT);
    json_decref(bad);
    /* the deployment is in use */
    assert_int_equal(store_v2_deployment_delete(s, "httpapi001", "d000001"), STORE_ECONFLICT);
    json_t *domain = json_pack("{s:s}", "domainName", "api.example.com");
    assert_int_equal(store_domain_insert(s, "api.example.com", 1, domain), STORE_OK);
    json_decref(domain);
    store_mapping_t m = {"v1", "httpapi001", "$default"};
    assert_int_equal(store_v2_mapping_insert(s, "api.example.com", "m000001", &m), STORE_OK);
    assert_int_equal(store_v2_mapping_insert(s, "api.example.com", "m000002", &m), STORE_ECONFLICT);
    /* a REST base path mapping may not take the same base path, and the other way round */
    json_t *rest = json_pack("{s:s,s:s}", "id", "rest000001", "name", "rest");
    assert_int_equal(store_restapi_insert(s, "rest000001", 1, rest), STORE_OK);
    json_decref(rest);
    store_mapping_t v1 = {"v1", "rest000001", ""};
    assert_int_equal(store_mapping_insert(s, "api.example.com", &v1), STORE_ECONFLICT);
    v1.base_path = "other";
    assert_int_equal(store_mapping_insert(s, "api.example.com", &v1), STORE_OK);
    m.base_path = "other";
    assert_int_equal(store_v2_mapping_update(s, "api.example.com", "m000001", &m), STORE_ECONFLICT);

    uint8_t *bytes;
    uint64_t version;
    assert_int_equal(compiler_build_snapshot(s, &bytes, &len, &version), STORE_OK);
    Portico__Snapshot *snap = portico__snapshot__unpack(NULL, len, bytes);
    free(bytes);
    assert_non_null(snap);
    assert_int_equal(snap->n_v2_stages, 1);
    assert_string_equal(snap->v2_stages[0]->stage_name, "$default");
    assert_string_equal(snap->v2_stages[0]->deployment_id, "d000001");
    assert_true(snap->v2_stages[0]->auto_deploy);
    assert_int_equal(snap->v2_stages[0]->n_variables, 1);
    assert_int_equal(snap->v2_stages[0]->n_route_settings, 1);
    assert_true(snap->v2_stages[0]->route_settings[0]->has_throttle);
    assert_int_equal(snap->v2_stages[0]->route_settings[0]->throttling_burst_limit, 5);
    assert_int_equal(snap->n_v2_deployments, 1);
    assert_string_equal(snap->v2_deployments[0]->deployment_id, "d000001");
    /* the JWT authorizer's issuer travels as a key set (no keys fetched yet) */
    assert_int_equal(snap->n_jwks, 1);
    assert_string_equal(snap->jwks[0]->issuer, "https://issuer.example");
    assert_int_equal(snap->n_domains, 1);
    assert_int_equal(snap->domains[0]->n_mappings, 2); /* ordered by base path */
    assert_string_equal(snap->domains[0]->mappings[0]->base_path, "other");
    assert_string_equal(snap->domains[0]->mappings[0]->api_id, "rest000001");
    assert_string_equal(snap->domains[0]->mappings[1]->base_path, "v1");
    assert_string_equal(snap->domains[0]->mappings[1]->api_id, "httpapi001");
    assert_string_equal(snap->domains[0]->mappings[1]->stage, "$default");
    portico__snapshot__free_unpacked(snap, NULL);
    /* a mapping needs its stage, and goes with it */
    store_mapping_t nostage = {"x", "httpapi001", "nope"};
    assert_int_equal(store_v2_mapping_insert(s, "api.example.com", "m000003", &nostage),
                     STORE_ECONFLICT);
    assert_int_equal(store_v2_stage_delete(s, "httpapi001", "$default"), STORE_OK);
    json_t *gone = NULL;
    assert_int_equal(store_v2_mapping_get(s, "api.example.com", "m000001", &gone), STORE_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(route_keys),
        cmocka_unit_test(selection_expressions),
        cmocka_unit_test(ids_stage_names_protocols),
        cmocka_unit_test(integrations),
        cmocka_unit_test(parameter_keys),
        cmocka_unit_test(openapi_plans),
        cmocka_unit_test_setup_teardown(documents, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(migration_runs_twice, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(snapshot_carries_v2, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
