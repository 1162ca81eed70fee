/* openapi_in_ext: the reference's x-amazon-apigateway-* extensions →
 * import plan parts: integrations, authorizers (security schemes), request
 * validators, gateway responses and the API's own settings. */
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "fnuri.h"
#include "gwtypes.h"
#include "openapi_in.h"

#define EXT "x-amazon-apigateway-"

static json_t *upper(const char *s)
{
    char buf[64];
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < sizeof(buf); i++)
        buf[i] = (char)toupper((unsigned char)s[i]);
    buf[i] = '\0';
    return json_string(buf);
}

/* A status code or count given as a number or a string → a string. */
static json_t *as_code(json_t *v)
{
    char buf[32];
    if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(buf);
    }
    return json_is_string(v) ? json_incref(v) : NULL;
}

static int string_map(json_t *v)
{
    const char *k;
    json_t *x;
    if (!json_is_object(v))
        return 0;
    json_object_foreach(v, k, x) if (!json_is_string(x)) return 0;
    return 1;
}

/* ---- integrations --------------------------------------------------------- */

static const char *const integration_keys[] = {"type",
                                               "uri",
                                               "httpMethod",
                                               "requestParameters",
                                               "requestTemplates",
                                               "responses",
                                               "passthroughBehavior",
                                               "contentHandling",
                                               "cacheKeyParameters",
                                               "cacheNamespace",
                                               "timeoutInMillis",
                                               "connectionType",
                                               NULL};

static int known_key(const char *const *keys, const char *k)
{
    for (; *keys != NULL; keys++)
        if (strcmp(*keys, k) == 0)
            return 1;
    return 0;
}

static int copy_map(openapi_ctx_t *x, json_t *dst, json_t *src, const char *key, const char *where)
{
    json_t *v = json_object_get(src, key);
    if (v == NULL)
        return 0;
    if (!string_map(v))
        return openapi_fail(x, "%s: %s must map names to strings", where, key);
    json_object_set(dst, key, v);
    return 0;
}

static int integration_response(openapi_ctx_t *x, json_t *out, const char *pattern, json_t *r,
                                const char *where)
{
    json_t *code = as_code(json_object_get(r, "statusCode"));
    if (code == NULL)
        return openapi_fail(x, "%s: integration response %s has no statusCode", where, pattern);
    json_t *ir = json_pack("{s:o}", "statusCode", code);
    if (strcmp(pattern, "default") != 0)
        json_object_set_new(ir, "selectionPattern", json_string(pattern));
    if (copy_map(x, ir, r, "responseParameters", where) != 0 ||
        copy_map(x, ir, r, "responseTemplates", where) != 0) {
        json_decref(ir);
        return -1;
    }
    if (json_is_string(json_object_get(r, "contentHandling")))
        json_object_set_new(ir, "contentHandling",
                            upper(json_string_value(json_object_get(r, "contentHandling"))));
    json_object_set_new(out, json_string_value(code), ir);
    return 0;
}

static int integration_responses(openapi_ctx_t *x, json_t *in, json_t *ext, const char *where)
{
    json_t *out = json_object();
    json_object_set_new(in, "integrationResponses", out);
    const char *pattern;
    json_t *r;
    json_object_foreach(json_object_get(ext, "responses"), pattern, r)
    {
        if (integration_response(x, out, pattern, r, where) != 0)
            return -1;
    }
    return 0;
}

static int integration_fields(openapi_ctx_t *x, json_t *in, json_t *ext, const char *where)
{
    static const char *const strings[] = {"uri", "cacheNamespace", NULL};
    for (int i = 0; strings[i] != NULL; i++)
        if (json_is_string(json_object_get(ext, strings[i])))
            json_object_set(in, strings[i], json_object_get(ext, strings[i]));
    static const char *const enums[] = {"httpMethod", "passthroughBehavior", "contentHandling",
                                        NULL};
    for (int i = 0; enums[i] != NULL; i++)
        if (json_is_string(json_object_get(ext, enums[i])))
            json_object_set_new(in, enums[i],
                                upper(json_string_value(json_object_get(ext, enums[i]))));
    json_t *t = json_object_get(ext, "timeoutInMillis");
    if (t != NULL) {
        if (!json_is_integer(t) || json_integer_value(t) < 50 || json_integer_value(t) > 29000)
            return openapi_fail(x, "%s: timeoutInMillis must be between 50 and 29000", where);
        json_object_set(in, "timeoutInMillis", t);
    }
    json_t *ck = json_object_get(ext, "cacheKeyParameters");
    if (json_is_array(ck))
        json_object_set(in, "cacheKeyParameters", ck);
    if (copy_map(x, in, ext, "requestParameters", where) != 0 ||
        copy_map(x, in, ext, "requestTemplates", where) != 0)
        return -1;
    return integration_responses(x, in, ext, where);
}

json_t *openapi_in_integration(openapi_ctx_t *x, json_t *ext, const char *where, int *failed)
{
    const char *type = json_string_value(json_object_get(ext, "type"));
    const char *conn = json_string_value(json_object_get(ext, "connectionType"));
    if (conn != NULL && strcasecmp(conn, "VPC_LINK") == 0) {
        *failed = openapi_fail(x, "%s: integrations over VPC_LINK are not supported", where);
        return NULL;
    }
    if (type == NULL) {
        *failed = openapi_fail(x, "%s: the integration has no type", where);
        return NULL;
    }
    const char *uri = json_string_value(json_object_get(ext, "uri"));
    const char *fn;
    size_t fn_len;
    int lambda = (strcasecmp(type, "AWS_PROXY") == 0 || strcasecmp(type, "AWS") == 0) &&
                 uri != NULL && fnuri_function(uri, strlen(uri), &fn, &fn_len) == 0;
    if (strcasecmp(type, "MOCK") != 0 && strcasecmp(type, "HTTP_PROXY") != 0 &&
        strcasecmp(type, "HTTP") != 0 && !lambda) {
        openapi_warn(x, "%s: integration type %s is not supported; the method is not imported",
                     where, type);
        *failed = 1; /* skip the method, no error */
        return NULL;
    }
    json_t *in = json_pack("{s:o}", "type", upper(type));
    const char *k;
    json_t *v;
    json_object_foreach(ext, k, v) if (!known_key(integration_keys, k))
        openapi_warn(x, "%s: integration attribute %s is not imported", where, k);
    if (integration_fields(x, in, ext, where) != 0) {
        json_decref(in);
        *failed = -1;
        return NULL;
    }
    return in;
}

/* ---- security schemes ----------------------------------------------------- */

static int http_uri(const char *uri)
{
    return uri != NULL && (strncmp(uri, "http://", 7) == 0 || strncmp(uri, "https://", 8) == 0);
}

/* An authorizer Portico can call: an HTTP endpoint or a function (a Lambda
 * invocation URI, as the reference's documents name Lambda authorizers). */
static int authorizer_uri_ok(const char *uri)
{
    const char *fn;
    size_t fn_len;
    return http_uri(uri) || (uri != NULL && fnuri_function(uri, strlen(uri), &fn, &fn_len) == 0 &&
                             fnuri_check_template(fn, fn_len) == 0);
}

static json_t *authorizer_doc(openapi_ctx_t *x, const char *name, json_t *scheme, json_t *a)
{
    const char *type = json_string_value(json_object_get(a, "type"));
    json_t *doc = json_pack("{s:s,s:o}", "name", name, "type", upper(type));
    static const char *const copied[] = {"identitySource", "identityValidationExpression",
                                         "authorizerResultTtlInSeconds", "jwtConfiguration", NULL};
    for (int i = 0; copied[i] != NULL; i++) {
        json_t *v = json_object_get(a, copied[i]);
        /* an empty string is the reference's "not set" (exports write one) */
        if (v != NULL && !(json_is_string(v) && json_string_length(v) == 0))
            json_object_set(doc, copied[i], v);
    }
    const char *uri = json_string_value(json_object_get(a, "authorizerUri"));
    if (uri != NULL)
        json_object_set_new(doc, "authorizerUri", json_string(uri));
    const char *header = json_string_value(json_object_get(scheme, "name"));
    if (json_object_get(doc, "identitySource") == NULL && header != NULL &&
        strcasecmp(type, "TOKEN") == 0) {
        char src[300];
        snprintf(src, sizeof(src), "method.request.header.%s", header);
        json_object_set_new(doc, "identitySource", json_string(src));
    }
    if (json_is_string(json_object_get(scheme, "x-amazon-apigateway-authtype")))
        json_object_set(doc, "authType", json_object_get(scheme, "x-amazon-apigateway-authtype"));
    (void)x;
    return doc;
}

static int security_scheme(openapi_ctx_t *x, const char *name, json_t *scheme)
{
    json_t *a = json_object_get(scheme, EXT "authorizer");
    const char *type = json_string_value(json_object_get(a, "type"));
    const char *authtype = json_string_value(json_object_get(scheme, EXT "authtype"));
    const char *stype = json_string_value(json_object_get(scheme, "type"));
    const char *in = json_string_value(json_object_get(scheme, "in"));
    const char *hname = json_string_value(json_object_get(scheme, "name"));
    if (a == NULL && authtype == NULL && stype != NULL && strcmp(stype, "apiKey") == 0 &&
        in != NULL && strcmp(in, "header") == 0 && hname != NULL &&
        strcasecmp(hname, "x-api-key") == 0) {
        json_object_set_new(json_object_get(x->plan, "apiKeySchemes"), name, json_true());
        return 0;
    }
    if (a == NULL && authtype != NULL && strcasecmp(authtype, "awsSigv4") == 0) {
        /* the reference's IAM authorization: the method becomes AWS_IAM */
        json_object_set_new(json_object_get(x->plan, "iamSchemes"), name, json_true());
        return 0;
    }
    int ok = type != NULL && (strcasecmp(type, "token") == 0 || strcasecmp(type, "request") == 0 ||
                              strcasecmp(type, "jwt") == 0);
    if (ok && strcasecmp(type, "jwt") != 0 &&
        !authorizer_uri_ok(json_string_value(json_object_get(a, "authorizerUri")))) {
        openapi_warn(x,
                     "security scheme %s: authorizerUri is neither an HTTP endpoint nor a "
                     "function invocation URI; not imported",
                     name);
        ok = 0;
    } else if (!ok) {
        openapi_warn(x, "security scheme %s (%s) is not supported; not imported", name,
                     type != NULL       ? type
                     : authtype != NULL ? authtype
                     : stype            ? stype
                                        : "?");
    }
    if (!ok) {
        json_object_set_new(json_object_get(x->plan, "deniedSchemes"), name, json_true());
        return 0;
    }
    json_object_set_new(json_object_get(x->plan, "authorizers"), name,
                        authorizer_doc(x, name, scheme, a));
    return 0;
}

int openapi_in_security_schemes(openapi_ctx_t *x, json_t *schemes)
{
    const char *name;
    json_t *scheme;
    json_object_foreach(schemes, name, scheme)
    {
        if (strlen(name) == 0 || strlen(name) > 128)
            return openapi_fail(x, "Invalid security scheme name");
        if (security_scheme(x, name, scheme) != 0)
            return -1;
    }
    return 0;
}

/* ---- root extensions ------------------------------------------------------ */

static int root_validators(openapi_ctx_t *x, json_t *v)
{
    const char *name;
    json_t *val;
    json_object_foreach(v, name, val)
    {
        json_object_set_new(
            json_object_get(x->plan, "validators"), name,
            json_pack("{s:s,s:b,s:b}", "name", name, "validateRequestBody",
                      json_is_true(json_object_get(val, "validateRequestBody")),
                      "validateRequestParameters",
                      json_is_true(json_object_get(val, "validateRequestParameters"))));
    }
    return 0;
}

static int root_gateway_responses(openapi_ctx_t *x, json_t *v)
{
    const char *type;
    json_t *r;
    json_object_foreach(v, type, r)
    {
        if (gwtype_find(type) == GWT_NONE)
            return openapi_fail(x, "Invalid gateway response type: %s", type);
        json_t *doc = json_pack("{s:s}", "responseType", type);
        json_t *code = as_code(json_object_get(r, "statusCode"));
        if (code != NULL)
            json_object_set_new(doc, "statusCode", code);
        if (copy_map(x, doc, r, "responseParameters", type) != 0 ||
            copy_map(x, doc, r, "responseTemplates", type) != 0) {
            json_decref(doc);
            return -1;
        }
        json_object_set_new(json_object_get(x->plan, "gatewayResponses"), type, doc);
    }
    return 0;
}

static int root_api_settings(openapi_ctx_t *x)
{
    json_t *api = json_object_get(x->plan, "api");
    json_t *src = json_object_get(x->doc, EXT "api-key-source");
    if (src != NULL) {
        const char *s = json_string_value(src);
        if (s == NULL || (strcasecmp(s, "HEADER") != 0 && strcasecmp(s, "AUTHORIZER") != 0))
            return openapi_fail(x, "Invalid apiKeySource: must be HEADER or AUTHORIZER");
        json_object_set_new(api, "apiKeySource", upper(s));
    }
    json_t *bin = json_object_get(x->doc, EXT "binary-media-types");
    size_t i;
    json_t *t;
    json_array_foreach(bin, i, t)
    {
        if (!json_is_string(t) || json_string_length(t) == 0 || json_string_length(t) > 256)
            return openapi_fail(x, "Invalid binary media type in " EXT "binary-media-types");
    }
    if (bin != NULL && !json_is_array(bin))
        return openapi_fail(x, EXT "binary-media-types must be a list of media types");
    if (bin != NULL)
        json_object_set(api, "binaryMediaTypes", bin);
    json_t *mcs = json_object_get(x->doc, EXT "minimum-compression-size");
    if (mcs != NULL) {
        if (!json_is_integer(mcs) || json_integer_value(mcs) < 0 ||
            json_integer_value(mcs) > 10485760)
            return openapi_fail(x, "Invalid minimum compression size");
        json_object_set(api, "minimumCompressionSize", mcs);
    }
    json_t *policy = json_object_get(x->doc, EXT "policy");
    char *text = json_is_object(policy) ? json_dumps(policy, JSON_COMPACT) : NULL;
    if (text != NULL)
        json_object_set_new(api, "policy", json_string(text));
    free(text);
    return 0;
}

/* x-amazon-apigateway-endpoint-configuration: disableExecuteApiEndpoint
 * maps; VPC endpoints do not exist here. */
static int root_endpoint_configuration(openapi_ctx_t *x, json_t *v)
{
    if (v == NULL)
        return 0;
    json_t *off = json_object_get(v, "disableExecuteApiEndpoint");
    if (!json_is_object(v) || (off != NULL && !json_is_boolean(off)))
        return openapi_fail(x, "Invalid " EXT "endpoint-configuration");
    if (off != NULL)
        json_object_set(json_object_get(x->plan, "api"), "disableExecuteApiEndpoint", off);
    if (json_object_get(v, "vpcEndpointIds") != NULL)
        openapi_warn(x, EXT "endpoint-configuration.vpcEndpointIds is not supported; ignored");
    return 0;
}

static const char *const root_known[] = {EXT "endpoint-configuration",
                                         EXT "api-key-source",
                                         EXT "binary-media-types",
                                         EXT "minimum-compression-size",
                                         EXT "policy",
                                         EXT "request-validators",
                                         EXT "request-validator",
                                         EXT "gateway-responses",
                                         NULL};

int openapi_in_root_extensions(openapi_ctx_t *x)
{
    if (root_api_settings(x) != 0 ||
        root_validators(x, json_object_get(x->doc, EXT "request-validators")) != 0 ||
        root_gateway_responses(x, json_object_get(x->doc, EXT "gateway-responses")) != 0 ||
        root_endpoint_configuration(x, json_object_get(x->doc, EXT "endpoint-configuration")) != 0)
        return -1;
    const char *k;
    json_t *v;
    json_object_foreach(x->doc, k, v)
    {
        if (strncmp(k, EXT, strlen(EXT)) == 0 && !known_key(root_known, k))
            openapi_warn(x, "%s is not supported; ignored", k);
    }
    return 0;
}
