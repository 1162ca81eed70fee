/* admin_v2_auth: authorizers and models of apigatewayv2 APIs. */
#include "admin_v2_auth.h"

#include <string.h>

#include "admin_v2.h"
#include "cp.h"
#include "jsonschema.h"
#include "jwks_fetch.h"
#include "jwks_url.h"
#include "store_auth.h"
#include "store_v2.h"

static const char *const authorizer_types[] = {"JWT", "REQUEST", NULL};
static const char *const payload_versions[] = {"1.0", "2.0", NULL};

static const admin_field_t authorizer_fields[] = {
    {"name", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"authorizerType", ADMIN_STRING, .required = 1, .choices = authorizer_types},
    {"identitySource", ADMIN_STRING_LIST},
    {"jwtConfiguration", ADMIN_OBJECT},
    {"authorizerUri", ADMIN_STRING, .max = 2048},
    {"authorizerPayloadFormatVersion", ADMIN_STRING, .choices = payload_versions},
    {"enableSimpleResponses", ADMIN_BOOL},
    {"authorizerResultTtlInSeconds", ADMIN_INT, .min = 0, .max = 3600},
    {"authorizerCredentialsArn", ADMIN_STRING, .max = 2048},
    {"identityValidationExpression", ADMIN_STRING, .max = 1024},
    {NULL},
};

static const admin_field_t jwt_fields[] = {
    {"issuer", ADMIN_STRING, .required = 1, .min = 1, .max = 2048},
    {"audience", ADMIN_STRING_LIST},
    {NULL},
};

/* One identity source: HTTP APIs "$request.header.X", "$request.querystring.X",
 * "$context.X", "$stageVariables.X"; WebSocket "route.request.header.X",
 * "route.request.querystring.X", "stageVariables.X", "context.X". */
static int identity_source_ok(enum store_v2_protocol p, const char *s)
{
    static const char *const http[] = {"$request.header.", "$request.querystring.", "$context.",
                                       "$stageVariables.", NULL};
    static const char *const ws[] = {"route.request.header.", "route.request.querystring.",
                                     "stageVariables.", "context.", NULL};
    const char *const *prefixes = p == STORE_V2_HTTP ? http : ws;
    for (size_t i = 0; prefixes[i] != NULL; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(s, prefixes[i], n) != 0 || s[n] == '\0')
            continue;
        for (const char *c = s + n; *c != '\0'; c++)
            if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == ',')
                return 0;
        return 1;
    }
    return 0;
}

static int authorizer_check_jwt(admin_call_t *c, enum store_v2_protocol p, json_t *doc)
{
    if (p != STORE_V2_HTTP) {
        admin_bad_request(c, "JWT authorizers are supported only for HTTP APIs");
        return -1;
    }
    json_t *jwt = json_object_get(doc, "jwtConfiguration");
    if (jwt == NULL) {
        admin_bad_request(c, "jwtConfiguration (issuer, audience) is required for JWT authorizers");
        return -1;
    }
    if (admin_check(c, jwt, jwt_fields) != 0)
        return -1;
    const char *issuer = json_string_value(json_object_get(jwt, "issuer"));
    if (!jwks_url_allowed(issuer)) {
        admin_bad_request(c, "The issuer must be an https URL (http only on loopback)");
        return -1;
    }
    if (json_array_size(json_object_get(jwt, "audience")) == 0) {
        admin_bad_request(c, "At least one audience is required for JWT authorizers");
        return -1;
    }
    json_t *src = json_object_get(doc, "identitySource");
    if (json_array_size(src) != 1) {
        admin_bad_request(c, "JWT authorizers take exactly one identity source, e.g. "
                             "$request.header.Authorization");
        return -1;
    }
    static const char *const not_jwt[] = {"authorizerUri", "authorizerPayloadFormatVersion",
                                          "enableSimpleResponses", "authorizerCredentialsArn"};
    for (size_t i = 0; i < sizeof(not_jwt) / sizeof(not_jwt[0]); i++)
        if (json_object_get(doc, not_jwt[i]) != NULL) {
            admin_bad_request(c, "%s is not supported for JWT authorizers", not_jwt[i]);
            return -1;
        }
    return 0;
}

static int authorizer_check_request(admin_call_t *c, enum store_v2_protocol p, json_t *doc)
{
    const char *uri = json_string_value(json_object_get(doc, "authorizerUri"));
    int ok = uri != NULL && (strncmp(uri, "https://", 8) == 0 || strncmp(uri, "http://", 7) == 0 ||
                             strncmp(uri, "arn:", 4) == 0);
    for (const char *ch = uri; ok && *ch != '\0'; ch++)
        ok = (unsigned char)*ch > 0x20 && *ch != 0x7f;
    if (!ok) {
        admin_bad_request(c, "authorizerUri is required for REQUEST authorizers: an http(s) URL "
                             "or a function invocation URI");
        return -1;
    }
    if (json_object_get(doc, "jwtConfiguration") != NULL) {
        admin_bad_request(c, "jwtConfiguration is supported only for JWT authorizers");
        return -1;
    }
    const char *pfv = json_string_value(json_object_get(doc, "authorizerPayloadFormatVersion"));
    if (p == STORE_V2_HTTP && pfv == NULL) {
        admin_bad_request(c, "AuthorizerPayloadFormatVersion is required for REQUEST "
                             "authorizers of HTTP APIs");
        return -1;
    }
    if (p == STORE_V2_WEBSOCKET && pfv != NULL) {
        admin_bad_request(c, "AuthorizerPayloadFormatVersion is supported only for HTTP APIs");
        return -1;
    }
    if (json_is_true(json_object_get(doc, "enableSimpleResponses")) &&
        (pfv == NULL || strcmp(pfv, "2.0") != 0)) {
        admin_bad_request(c, "Simple responses are supported only with payload format version "
                             "2.0");
        return -1;
    }
    json_int_t ttl = json_integer_value(json_object_get(doc, "authorizerResultTtlInSeconds"));
    if (ttl > 0 && json_array_size(json_object_get(doc, "identitySource")) == 0) {
        admin_bad_request(c, "Identity source is required when caching is enabled "
                             "(authorizerResultTtlInSeconds > 0)");
        return -1;
    }
    if (p == STORE_V2_WEBSOCKET && json_array_size(json_object_get(doc, "identitySource")) == 0) {
        admin_bad_request(c, "Identity source is required for REQUEST authorizers of WebSocket "
                             "APIs");
        return -1;
    }
    return 0;
}

static int authorizer_check(admin_call_t *c, json_t *api, enum store_v2_protocol p, json_t *doc,
                            json_t *old)
{
    (void)api;
    (void)old;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "identitySource"), i, v)
    {
        if (!identity_source_ok(p, json_string_value(v))) {
            admin_bad_request(c, "Invalid identity source %s: %s", json_string_value(v),
                              p == STORE_V2_HTTP
                                  ? "$request.header.{name}, $request.querystring.{name}, "
                                    "$context.{name} or $stageVariables.{name}"
                                  : "route.request.header.{name}, "
                                    "route.request.querystring.{name}, stageVariables.{name} "
                                    "or context.{name}");
            return -1;
        }
    }
    const char *type = json_string_value(json_object_get(doc, "authorizerType"));
    if (strcmp(type, "JWT") == 0)
        return authorizer_check_jwt(c, p, doc);
    if (authorizer_check_request(c, p, doc) != 0)
        return -1;
    if (json_object_get(doc, "authorizerResultTtlInSeconds") == NULL)
        json_object_set_new(doc, "authorizerResultTtlInSeconds", json_integer(0));
    return 0;
}

/* The issuer becomes a JWKS source (OIDC discovery), fetched like REST JWT
 * authorizers' and shipped in Snapshot.jwks. */
static int authorizer_after_write(admin_call_t *c, json_t *doc)
{
    json_t *jwt = json_object_get(doc, "jwtConfiguration");
    if (jwt == NULL)
        return STORE_OK;
    return store_jwks_ensure(c->store, json_string_value(json_object_get(jwt, "issuer")), "");
}

static void authorizer_after_commit(admin_call_t *c, json_t *doc)
{
    if (json_object_get(doc, "jwtConfiguration") != NULL && c->cp->jwks != NULL)
        jwks_fetch_wake(c->cp->jwks);
}

static int authorizer_before_delete(admin_call_t *c, const char *id)
{
    int used = admin_v2_routes_use(c, "authorizerId", id);
    if (used == 1)
        admin_conflict(c, "Authorizer %s is used by a route: change the route first", id);
    return used != 0 ? -1 : 0;
}

const admin_v2_kind_t admin_v2_authorizer_kind = {
    .kind = STORE_V2_AUTHORIZER,
    .what = "Authorizer",
    .id_field = "authorizerId",
    .id_arg = "authorizer_id",
    .name_field = "name",
    .fields = authorizer_fields,
    .check = authorizer_check,
    .after_write = authorizer_after_write,
    .after_commit = authorizer_after_commit,
    .before_delete = authorizer_before_delete,
};

void admin_v2_authorizer_create(admin_call_t *c)
{
    admin_v2_item_create(c, &admin_v2_authorizer_kind);
}
void admin_v2_authorizer_list(admin_call_t *c)
{
    admin_v2_item_list(c, &admin_v2_authorizer_kind);
}
void admin_v2_authorizer_get(admin_call_t *c)
{
    admin_v2_item_get(c, &admin_v2_authorizer_kind);
}
void admin_v2_authorizer_update(admin_call_t *c)
{
    admin_v2_item_update(c, &admin_v2_authorizer_kind);
}
void admin_v2_authorizer_delete(admin_call_t *c)
{
    admin_v2_item_delete(c, &admin_v2_authorizer_kind);
}

/* ---- models (WebSocket APIs) --------------------------------------------- */

#define V2_MODEL_SCHEMA_MAX 32768

static const admin_field_t model_fields[] = {
    {"name", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"schema", ADMIN_STRING, .required = 1, .min = 1, .max = V2_MODEL_SCHEMA_MAX},
    {"contentType", ADMIN_STRING, .max = 256},
    {"description", ADMIN_STRING, .max = 1024},
    {NULL},
};

static int model_check(admin_call_t *c, json_t *api, enum store_v2_protocol p, json_t *doc,
                       json_t *old)
{
    (void)api;
    (void)old;
    if (p != STORE_V2_WEBSOCKET) {
        admin_bad_request(c, "Models are supported only for WebSocket APIs");
        return -1;
    }
    const char *name = json_string_value(json_object_get(doc, "name"));
    for (const char *ch = name; *ch != '\0'; ch++)
        if (!((*ch >= 'a' && *ch <= 'z') || (*ch >= 'A' && *ch <= 'Z') ||
              (*ch >= '0' && *ch <= '9'))) {
            admin_bad_request(c, "Model name must be non-empty and alphanumeric");
            return -1;
        }
    const char *text = json_string_value(json_object_get(doc, "schema"));
    json_error_t jerr;
    json_t *schema = json_loads(text, JSON_ALLOW_NUL, &jerr);
    char err[600];
    if (schema == NULL) {
        admin_bad_request(c,
                          "Invalid model specified: the schema is not JSON: %s at line %d, "
                          "column %d",
                          jerr.text, jerr.line, jerr.column);
        return -1;
    }
    int rc = jsonschema_check(schema, "", NULL, NULL, err, sizeof(err));
    json_decref(schema);
    if (rc != 0) {
        admin_bad_request(c,
                          "Invalid model specified: Validation Result: warnings : [], errors "
                          ": [Invalid model schema specified: %s]",
                          err);
        return -1;
    }
    if (json_object_get(doc, "contentType") == NULL)
        json_object_set_new(doc, "contentType", json_string("application/json"));
    return 0;
}

static int model_before_delete(admin_call_t *c, const char *id)
{
    json_t *model = NULL;
    int rc = admin_v2_item_load(c, STORE_V2_MODEL, "", id, &model);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid model identifier specified");
        return -1;
    }
    const char *name = json_string_value(json_object_get(model, "name"));
    store_v2_key_t key = {admin_arg(c, "api_id"), STORE_V2_ROUTE, "", NULL, NULL};
    json_t *routes = NULL;
    int more, used = 0;
    rc = store_v2_item_list(c->store, &key, NULL, -1, &routes, &more);
    size_t i;
    json_t *r, *v;
    const char *k;
    json_array_foreach(routes, i, r)
    {
        json_object_foreach(json_object_get(r, "requestModels"), k, v) used |=
            strcmp(json_string_value(v), name) == 0;
    }
    json_decref(routes);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, "");
    else if (used)
        admin_conflict(c, "Model %s is used by a route's requestModels", name);
    json_decref(model);
    return rc != STORE_OK || used ? -1 : 0;
}

static const admin_v2_kind_t model_kind = {
    .kind = STORE_V2_MODEL,
    .what = "Model",
    .id_field = "modelId",
    .id_arg = "model_id",
    .name_field = "name",
    .fields = model_fields,
    .check = model_check,
    .before_delete = model_before_delete,
};

void admin_v2_model_create(admin_call_t *c)
{
    admin_v2_item_create(c, &model_kind);
}
void admin_v2_model_list(admin_call_t *c)
{
    admin_v2_item_list(c, &model_kind);
}
void admin_v2_model_get(admin_call_t *c)
{
    admin_v2_item_get(c, &model_kind);
}
void admin_v2_model_update(admin_call_t *c)
{
    admin_v2_item_update(c, &model_kind);
}
void admin_v2_model_delete(admin_call_t *c)
{
    admin_v2_item_delete(c, &model_kind);
}
