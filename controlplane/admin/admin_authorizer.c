/* admin_authorizer: authorizer documents. TOKEN and REQUEST are the
 * reference's Lambda authorizers: a function invocation URI (fnuri.h) or an
 * HTTP endpoint in authorizerUri;
 * JWT carries the HTTP-API style jwtConfiguration. Every document is
 * validated whole (after PATCH too); a JWT authorizer's key source is
 * recorded in the same transaction and the JWKS fetcher is woken after the
 * commit. An authorizer a method uses cannot be deleted. */
#include "jwks_url.h"
#include "admin_authorizer.h"

#include <stdlib.h>
#include <string.h>

#include "admin_require.h"
#include "crypto.h"
#include "fnuri.h"
#include "jwk.h"
#include "jwks_fetch.h"
#include "params.h"
#include "admin_patch.h"
#include "pattern.h"
#include "store_auth.h"

#define AUTHORIZER_DEFAULT_TTL 300
#define AUTHORIZER_MAX_AUDIENCES 50

static const char *const authorizer_types[] = {"TOKEN", "REQUEST", "JWT", NULL};

static const admin_field_t authorizer_fields[] = {
    {"name", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"type", ADMIN_STRING, .required = 1, .choices = authorizer_types},
    {"authorizerUri", ADMIN_STRING, .max = 2048},
    {"identitySource", ADMIN_STRING, .max = 2048},
    {"identityValidationExpression", ADMIN_STRING, .max = 1024},
    {"authorizerResultTtlInSeconds", ADMIN_INT, .min = 0, .max = 3600},
    {"authType", ADMIN_STRING, .max = 64},
    {"jwtConfiguration", ADMIN_OBJECT},
    {NULL},
};

static const admin_field_t jwt_fields[] = {
    {"issuer", ADMIN_STRING, .required = 1, .min = 1, .max = 2048},
    {"audience", ADMIN_STRING_LIST, .required = 1},
    {"jwksUri", ADMIN_STRING, .max = 2048},
    {NULL},
};

/* Fields the reference accepts that have no meaning without AWS; refused
 * rather than stored and ignored. */
static const char *const authorizer_refused[] = {"authorizerCredentials", "providerARNs", NULL};

static const patch_rule_t authorizer_patch_rules[] = {
    {"/name", PATCH_REPLACE, PATCH_STRING, "name", .max = 128},
    {"/type", PATCH_REPLACE, PATCH_STRING, "type"},
    {"/authorizerUri", PATCH_REPLACE, PATCH_STRING, "authorizerUri", .max = 2048},
    {"/identitySource", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "identitySource",
     .max = 2048},
    {"/identityValidationExpression", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING,
     "identityValidationExpression", .max = 1024},
    {"/authorizerResultTtlInSeconds", PATCH_REPLACE, PATCH_INT, "authorizerResultTtlInSeconds",
     .min = 0, .max = 3600},
    {"/authType", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "authType", .max = 64},
    {NULL},
};

/* ---- validation --------------------------------------------------------- */

static int check_uri(admin_call_t *c, const char *uri)
{
    const char *fn;
    size_t fn_len;
    if (uri != NULL && fnuri_function(uri, strlen(uri), &fn, &fn_len) == 0) {
        if (fnuri_check_template(fn, fn_len) == 0)
            return 0;
        admin_bad_request(c, "Invalid authorizer URI specified: invalid function ARN %.*s",
                          (int)fn_len, fn);
        return -1;
    }
    if (uri == NULL || (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0)) {
        admin_bad_request(c, "Invalid authorizer URI specified: it must be a function invocation "
                             "URI (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                             "{functionArn}/invocations) or an http(s) endpoint");
        return -1;
    }
    return 0;
}

/* One REQUEST identity source: method.request.{header,querystring}.X,
 * stageVariables.X or context.X. */
static int request_source_ok(const char *src)
{
    params_expr_t e;
    if (params_parse_source(src, &e) != 0)
        return 0;
    if (e.kind == PARAMS_SRC_METHOD_REQUEST)
        return e.loc == PARAMS_LOC_HEADER || e.loc == PARAMS_LOC_QUERYSTRING;
    return e.kind == PARAMS_SRC_STAGE_VARIABLE || e.kind == PARAMS_SRC_CONTEXT;
}

static int check_request_sources(admin_call_t *c, const char *list, int ttl)
{
    if (list == NULL || list[0] == '\0') {
        if (ttl > 0) {
            admin_bad_request(c, "Identity source is required when authorizer caching is on");
            return -1;
        }
        return 0;
    }
    char *copy = strdup(list), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n > 0 && tok[n - 1] == ' ')
            tok[--n] = '\0';
        if (!request_source_ok(tok)) {
            admin_bad_request(c, "Invalid identity source specified: %s", tok);
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

static int check_token(admin_call_t *c, json_t *doc)
{
    const char *src = json_string_value(json_object_get(doc, "identitySource"));
    params_expr_t e;
    if (src == NULL || params_parse_source(src, &e) != 0 || e.kind != PARAMS_SRC_METHOD_REQUEST ||
        e.loc != PARAMS_LOC_HEADER) {
        admin_bad_request(c, "Invalid identity source specified: a TOKEN authorizer reads one "
                             "header, method.request.header.NAME");
        return -1;
    }
    const char *re = json_string_value(json_object_get(doc, "identityValidationExpression"));
    char err[256];
    pattern_t *p = re != NULL ? pattern_compile(re, err, sizeof(err)) : NULL;
    if (re != NULL && p == NULL) {
        admin_bad_request(c, "Invalid identity validation expression: %s", err);
        return -1;
    }
    pattern_free(p);
    return 0;
}

/* $request.header.X (the HTTP-API form) or method.request.header.X. */
static int jwt_source_ok(const char *src)
{
    static const char http_api[] = "$request.header.";
    if (strncmp(src, http_api, sizeof(http_api) - 1) == 0)
        return src[sizeof(http_api) - 1] != '\0' && strpbrk(src, " ,") == NULL;
    params_expr_t e;
    return params_parse_source(src, &e) == 0 && e.kind == PARAMS_SRC_METHOD_REQUEST &&
           e.loc == PARAMS_LOC_HEADER;
}

static int check_jwt(admin_call_t *c, json_t *doc)
{
    json_t *jwt = json_object_get(doc, "jwtConfiguration");
    if (jwt == NULL) {
        admin_bad_request(c, "jwtConfiguration is required for a JWT authorizer");
        return -1;
    }
    if (admin_check(c, jwt, jwt_fields) != 0)
        return -1;
    size_t naud = json_array_size(json_object_get(jwt, "audience"));
    if (naud == 0 || naud > AUTHORIZER_MAX_AUDIENCES) {
        admin_bad_request(c, "jwtConfiguration.audience must list 1 to %d audiences",
                          AUTHORIZER_MAX_AUDIENCES);
        return -1;
    }
    const char *issuer = json_string_value(json_object_get(jwt, "issuer"));
    const char *uri = json_string_value(json_object_get(jwt, "jwksUri"));
    if (!jwks_url_allowed(issuer) || (uri != NULL && !jwks_url_allowed(uri))) {
        admin_bad_request(c, "The issuer and jwksUri must be https URLs (http only on loopback)");
        return -1;
    }
    const char *src = json_string_value(json_object_get(doc, "identitySource"));
    if (!jwt_source_ok(src)) {
        admin_bad_request(c, "Invalid identity source specified: a JWT authorizer reads one "
                             "header, $request.header.NAME");
        return -1;
    }
    if (json_object_get(doc, "authorizerUri") != NULL ||
        json_object_get(doc, "identityValidationExpression") != NULL ||
        json_object_get(doc, "authorizerResultTtlInSeconds") != NULL) {
        admin_bad_request(c, "authorizerUri, identityValidationExpression and "
                             "authorizerResultTtlInSeconds apply to TOKEN and REQUEST authorizers");
        return -1;
    }
    return 0;
}

/* The whole document, after defaults; shared by create and PATCH. */
static int authorizer_check_doc(admin_call_t *c, json_t *doc)
{
    for (const char *const *f = authorizer_refused; *f != NULL; f++) {
        if (json_object_get(doc, *f) != NULL) {
            admin_bad_request(c, "%s is not supported: authorizers are HTTP endpoints here", *f);
            return -1;
        }
    }
    if (admin_check(c, doc, authorizer_fields) != 0)
        return -1;
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (strcmp(type, "JWT") == 0)
        return check_jwt(c, doc);
    if (json_object_get(doc, "jwtConfiguration") != NULL) {
        admin_bad_request(c, "jwtConfiguration applies to JWT authorizers");
        return -1;
    }
    if (check_uri(c, json_string_value(json_object_get(doc, "authorizerUri"))) != 0)
        return -1;
    if (strcmp(type, "TOKEN") == 0)
        return check_token(c, doc);
    if (json_object_get(doc, "identityValidationExpression") != NULL) {
        admin_bad_request(c, "identityValidationExpression applies to TOKEN authorizers");
        return -1;
    }
    int ttl = (int)json_integer_value(json_object_get(doc, "authorizerResultTtlInSeconds"));
    return check_request_sources(c, json_string_value(json_object_get(doc, "identitySource")), ttl);
}

static void authorizer_defaults(json_t *doc)
{
    const char *type = json_string_value(json_object_get(doc, "type"));
    int jwt = type != NULL && strcmp(type, "JWT") == 0;
    if (jwt && json_object_get(doc, "identitySource") == NULL)
        json_object_set_new(doc, "identitySource", json_string("$request.header.Authorization"));
    if (!jwt && json_object_get(doc, "authorizerResultTtlInSeconds") == NULL)
        json_object_set_new(doc, "authorizerResultTtlInSeconds",
                            json_integer(AUTHORIZER_DEFAULT_TTL));
}

/* ---- writes ------------------------------------------------------------- */

/* Stores doc (and its JWKS source) in one transaction; replies on failure. */
static int authorizer_store(admin_call_t *c, const char *id, json_t *doc)
{
    if (admin_begin(c) != 0)
        return -1;
    int rc = store_authorizer_put(c->store, admin_arg(c, "restapi_id"), id, doc);
    json_t *jwt = json_object_get(doc, "jwtConfiguration");
    if (rc == STORE_OK && jwt != NULL) {
        const char *uri = json_string_value(json_object_get(jwt, "jwksUri"));
        rc = store_jwks_ensure(c->store, json_string_value(json_object_get(jwt, "issuer")),
                               uri != NULL ? uri : "");
    }
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid authorizer ID specified");
        return -1;
    }
    if (admin_commit(c) != 0)
        return -1;
    if (jwt != NULL)
        jwks_fetch_wake(c->cp->jwks);
    return 0;
}

void admin_authorizer_create(admin_call_t *c)
{
    if (admin_require_api(c, NULL) != 0)
        return;
    char id[7];
    crypto_random_id(id, 6);
    for (const char *const *f = authorizer_refused; *f != NULL; f++) {
        if (json_object_get(c->body, *f) != NULL) {
            admin_bad_request(c, "%s is not supported: authorizers are HTTP endpoints here", *f);
            return;
        }
    }
    if (admin_check(c, c->body, authorizer_fields) != 0)
        return;
    json_t *doc = json_pack("{s:s}", "id", id);
    admin_copy_fields(doc, c->body, authorizer_fields);
    authorizer_defaults(doc);
    if (authorizer_check_doc(c, doc) == 0 && authorizer_store(c, id, doc) == 0)
        admin_reply(c, 201, json_incref(doc));
    json_decref(doc);
}

void admin_authorizer_list(admin_call_t *c)
{
    json_t *items;
    if (admin_require_api(c, NULL) != 0)
        return;
    int rc = store_authorizer_list(c->store, admin_arg(c, "restapi_id"), &items);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, 0, "id");
}

static int authorizer_load(admin_call_t *c, json_t **doc)
{
    if (admin_require_api(c, NULL) != 0)
        return -1;
    int rc = store_authorizer_get(c->store, admin_arg(c, "restapi_id"),
                                  admin_arg(c, "authorizer_id"), doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid authorizer ID specified");
        return -1;
    }
    return 0;
}

void admin_authorizer_get(admin_call_t *c)
{
    json_t *doc;
    if (authorizer_load(c, &doc) == 0)
        admin_reply(c, 200, doc);
}

/* /jwtConfiguration/{issuer,jwksUri,audience}: audience takes a
 * comma-separated list. 1 applied, 0 not such a path, -1 replied. */
static int patch_jwt(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    static const char prefix[] = "/jwtConfiguration/";
    if (strncmp(op->path, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    const char *field = op->path + sizeof(prefix) - 1;
    if (strcmp(field, "issuer") != 0 && strcmp(field, "jwksUri") != 0 &&
        strcmp(field, "audience") != 0)
        return patch_invalid_path(c, op);
    json_t *jwt = json_object_get(doc, "jwtConfiguration");
    if (!json_is_object(jwt)) {
        jwt = json_object();
        json_object_set_new(doc, "jwtConfiguration", jwt);
    }
    if (op->op == PATCH_REMOVE) {
        json_object_del(jwt, field);
        return 1;
    }
    if ((op->op != PATCH_REPLACE && op->op != PATCH_ADD) || op->value == NULL) {
        admin_bad_request(c, "Invalid patch operation specified for %s", op->path);
        return -1;
    }
    if (strcmp(field, "audience") != 0) {
        json_object_set_new(jwt, field, json_string(op->value));
        return 1;
    }
    json_t *list = json_array();
    char *copy = strdup(op->value), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
        json_array_append_new(list, json_string(t + strspn(t, " ")));
    free(copy);
    json_object_set_new(jwt, "audience", list);
    return 1;
}

void admin_authorizer_update(admin_call_t *c)
{
    json_t *doc;
    patch_op_t *ops;
    size_t n;
    if (authorizer_load(c, &doc) != 0)
        return;
    if (patch_parse(c, &ops, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int rc = patch_jwt(c, doc, &ops[i]);
        if (rc == 0)
            rc = patch_apply(c, doc, &ops[i], authorizer_patch_rules);
        if (rc < 0 || (rc == 0 && patch_invalid_path(c, &ops[i]) != 0))
            goto out;
    }
    authorizer_defaults(doc);
    if (authorizer_check_doc(c, doc) == 0 &&
        authorizer_store(c, admin_arg(c, "authorizer_id"), doc) == 0)
        admin_reply(c, 200, json_incref(doc));
out:
    json_decref(doc);
}

void admin_authorizer_delete(admin_call_t *c)
{
    json_t *doc;
    char *user = NULL;
    if (authorizer_load(c, &doc) != 0)
        return;
    json_decref(doc);
    const char *api_id = admin_arg(c, "restapi_id"), *id = admin_arg(c, "authorizer_id");
    if (admin_begin(c) != 0)
        return;
    int rc = store_authorizer_user(c->store, api_id, id, &user);
    if (rc == STORE_OK) {
        store_rollback(c->store);
        admin_conflict(c, "Cannot delete authorizer '%s', is referenced in method: %s", id, user);
        free(user);
        return;
    }
    rc = rc == STORE_ENOTFOUND ? store_authorizer_delete(c->store, api_id, id) : rc;
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid authorizer ID specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}

int admin_authorizer_check_method(admin_call_t *c, json_t *method)
{
    const char *auth = json_string_value(json_object_get(method, "authorizationType"));
    const char *id = json_string_value(json_object_get(method, "authorizerId"));
    int custom = strcmp(auth, "CUSTOM") == 0, jwt = strcmp(auth, "JWT") == 0;
    if (json_array_size(json_object_get(method, "authorizationScopes")) > 0 && !jwt) {
        admin_bad_request(c, "authorizationScopes apply to JWT authorization");
        return -1;
    }
    if (!custom && !jwt)
        return 0;
    json_t *doc = NULL;
    int rc = id != NULL ? store_authorizer_get(c->store, admin_arg(c, "restapi_id"), id, &doc)
                        : STORE_ENOTFOUND;
    const char *type = json_string_value(json_object_get(doc, "type"));
    int fits = rc == STORE_OK && (jwt ? strcmp(type, "JWT") == 0 : strcmp(type, "JWT") != 0);
    json_decref(doc);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND) {
        admin_store_fail(c, rc, "");
        return -1;
    }
    if (!fits) {
        admin_bad_request(c,
                          "Invalid authorizer ID specified. Setting the authorization type to "
                          "%s requires a valid %s authorizer.",
                          auth, jwt ? "JWT" : "TOKEN or REQUEST");
        return -1;
    }
    return 0;
}

void admin_jwks_list(admin_call_t *c)
{
    json_t *items;
    int rc = store_jwks_list(c->store, &items);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    /* key material stays out of listings: kid, kty and alg say enough */
    size_t i, k;
    json_t *src, *key;
    json_array_foreach(items, i, src) json_array_foreach(json_object_get(src, "keys"), k, key)
    {
        json_object_del(key, "pem");
        json_object_del(key, "k");
    }
    admin_reply(c, 200, json_pack("{s:o}", "item", items));
}

/* ---- for admin_import: the checks of create, on a document (defaults added) */

int admin_authorizer_check(admin_call_t *c, json_t *doc)
{
    for (const char *const *f = authorizer_refused; *f != NULL; f++) {
        if (json_object_get(doc, *f) != NULL) {
            admin_bad_request(c, "%s is not supported: authorizers are HTTP endpoints here", *f);
            return -1;
        }
    }
    if (admin_check(c, doc, authorizer_fields) != 0)
        return -1;
    authorizer_defaults(doc);
    return authorizer_check_doc(c, doc);
}
