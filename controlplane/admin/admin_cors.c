/* admin_cors: one call that sets up CORS for a resource the way the
 * reference's console does ("Enable CORS"), out of ordinary API objects:
 *   - an OPTIONS method (no authorization) with a MOCK integration whose 200
 *     integration response sets Access-Control-Allow-Headers/-Methods/
 *     -Origin (and -Max-Age, -Allow-Credentials, -Expose-Headers when asked)
 *     as static method.response.header values;
 *   - Access-Control-Allow-Origin on the other methods' responses where the
 *     gateway writes them (MOCK integrations; an HTTP_PROXY endpoint sends
 *     its own headers, as with the reference);
 *   - Access-Control-Allow-Origin and -Headers on the DEFAULT_4XX and
 *     DEFAULT_5XX gateway responses, so a browser can read error answers.
 * Everything is one transaction and takes effect at the next deployment. */
#include "admin_cors.h"

#include <string.h>

#include "admin_gwresp.h"
#include "admin_require.h"
#include "store_api.h"

#define CORS_DEFAULT_HEADERS "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
#define HDR "method.response.header."

static const admin_field_t cors_fields[] = {
    {"allowOrigin", ADMIN_STRING, .min = 1, .max = 1024},
    {"allowMethods", ADMIN_STRING_LIST},
    {"allowHeaders", ADMIN_STRING_LIST},
    {"exposeHeaders", ADMIN_STRING_LIST},
    {"maxAge", ADMIN_INT, .min = 0, .max = 86400},
    {"allowCredentials", ADMIN_BOOL},
    {NULL},
};

typedef struct {
    const char *origin;
    char methods[256], headers[2048], expose[2048], max_age[16];
    int credentials;
} cors_t;

/* Joins a string list with commas; a value that could break out of the
 * static quoting or the header is refused. */
static int cors_join(admin_call_t *c, json_t *list, const char *dflt, char *out, size_t cap)
{
    size_t n = 0, i;
    json_t *v;
    out[0] = '\0';
    if (list == NULL) {
        snprintf(out, cap, "%s", dflt);
        return 0;
    }
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v);
        if (strpbrk(s, "',\r\n") != NULL || s[0] == '\0' || n + strlen(s) + 2 > cap) {
            admin_bad_request(c, "Invalid CORS value: %s", s);
            return -1;
        }
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n > 0 ? "," : "", s);
    }
    return 0;
}

static int cors_parse(admin_call_t *c, json_t *methods, cors_t *x)
{
    if (admin_check(c, c->body, cors_fields) != 0)
        return -1;
    json_t *origin = json_object_get(c->body, "allowOrigin");
    x->origin = origin != NULL ? json_string_value(origin) : "*";
    x->credentials = json_is_true(json_object_get(c->body, "allowCredentials"));
    if (strpbrk(x->origin, "'\r\n ") != NULL || (x->credentials && strcmp(x->origin, "*") == 0)) {
        admin_bad_request(c, "Invalid allowOrigin: one origin (not '*' with allowCredentials)");
        return -1;
    }
    char dflt[256] = "", *p = dflt;
    const char *verb;
    json_t *m;
    json_object_foreach(methods, verb, m) if (strcmp(verb, "OPTIONS") != 0) p +=
        snprintf(p, sizeof(dflt) - (size_t)(p - dflt), "%s,", verb);
    snprintf(p, sizeof(dflt) - (size_t)(p - dflt), "OPTIONS");
    json_t *age = json_object_get(c->body, "maxAge");
    if (age != NULL)
        snprintf(x->max_age, sizeof(x->max_age), "%lld", (long long)json_integer_value(age));
    return cors_join(c, json_object_get(c->body, "allowMethods"), dflt, x->methods,
                     sizeof(x->methods)) != 0 ||
                   cors_join(c, json_object_get(c->body, "allowHeaders"), CORS_DEFAULT_HEADERS,
                             x->headers, sizeof(x->headers)) != 0 ||
                   cors_join(c, json_object_get(c->body, "exposeHeaders"), "", x->expose,
                             sizeof(x->expose)) != 0
               ? -1
               : 0;
}

static void set_static(json_t *obj, const char *key, const char *value)
{
    char buf[4200];
    snprintf(buf, sizeof(buf), "'%s'", value);
    json_object_set_new(obj, key, json_string(buf));
}

/* Header → static value pairs this setup writes on preflight answers. */
static json_t *preflight_values(const cors_t *x)
{
    json_t *v = json_object();
    set_static(v, HDR "Access-Control-Allow-Headers", x->headers);
    set_static(v, HDR "Access-Control-Allow-Methods", x->methods);
    set_static(v, HDR "Access-Control-Allow-Origin", x->origin);
    if (x->max_age[0] != '\0')
        set_static(v, HDR "Access-Control-Max-Age", x->max_age);
    if (x->credentials)
        set_static(v, HDR "Access-Control-Allow-Credentials", "true");
    return v;
}

/* Values on actual answers: the origin, credentials and exposed headers. */
static json_t *answer_values(const cors_t *x)
{
    json_t *v = json_object();
    set_static(v, HDR "Access-Control-Allow-Origin", x->origin);
    if (x->credentials)
        set_static(v, HDR "Access-Control-Allow-Credentials", "true");
    if (x->expose[0] != '\0')
        set_static(v, HDR "Access-Control-Expose-Headers", x->expose);
    return v;
}

static json_t *declarations(json_t *values)
{
    json_t *d = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(values, k, v) json_object_set_new(d, k, json_false());
    return d;
}

static int put_options(admin_call_t *c, const char *const *keys, const cors_t *x)
{
    json_t *values = preflight_values(x);
    json_t *method = json_pack("{s:s,s:s,s:b}", "httpMethod", "OPTIONS", "authorizationType",
                               "NONE", "apiKeyRequired", 0);
    json_t *mresp = json_pack("{s:s,s:o,s:{s:s}}", "statusCode", "200", "responseParameters",
                              declarations(values), "responseModels", "application/json", "Empty");
    json_t *integ = json_pack("{s:s,s:{s:s},s:s,s:i,s:s,s:[]}", "type", "MOCK", "requestTemplates",
                              "application/json", "{\"statusCode\": 200}", "passthroughBehavior",
                              "WHEN_NO_MATCH", "timeoutInMillis", 29000, "cacheNamespace", keys[1],
                              "cacheKeyParameters");
    json_t *iresp = json_pack("{s:s,s:O,s:{s:s}}", "statusCode", "200", "responseParameters",
                              values, "responseTemplates", "application/json", "");
    const char *rkeys[] = {keys[0], keys[1], "OPTIONS", "200"};
    int rc = store_doc_put(c->store, STORE_DOC_METHOD, rkeys, method);
    if (rc == STORE_OK)
        rc = store_doc_put(c->store, STORE_DOC_METHOD_RESPONSE, rkeys, mresp);
    if (rc == STORE_OK)
        rc = store_doc_put(c->store, STORE_DOC_INTEGRATION, rkeys, integ);
    if (rc == STORE_OK)
        rc = store_doc_put(c->store, STORE_DOC_INTEGRATION_RESPONSE, rkeys, iresp);
    json_decref(values);
    json_decref(method);
    json_decref(mresp);
    json_decref(integ);
    json_decref(iresp);
    return rc;
}

/* Merges `values` into each child document's map `field` (declarations
 * when declare) and stores it back. */
static int merge_children(admin_call_t *c, enum store_doc_kind kind, const char **keys,
                          const char *field, json_t *values, int declare)
{
    json_t *children;
    int rc = store_doc_children(c->store, kind, keys, &children);
    if (rc != STORE_OK)
        return rc;
    const char *code;
    json_t *doc;
    json_object_foreach(children, code, doc)
    {
        if (rc != STORE_OK)
            break;
        json_t *map = json_object_get(doc, field);
        if (!json_is_object(map)) {
            map = json_object();
            json_object_set_new(doc, field, map);
        }
        json_t *add = declare ? declarations(values) : json_incref(values);
        json_object_update(map, add);
        json_decref(add);
        keys[3] = code;
        rc = store_doc_put(c->store, kind, keys, doc);
    }
    json_decref(children);
    return rc;
}

/* The other methods: declare the origin on their method responses and set
 * it on MOCK integration responses. */
static int update_methods(admin_call_t *c, json_t *methods, const cors_t *x, json_t *updated)
{
    json_t *values = answer_values(x);
    int rc = STORE_OK;
    const char *verb;
    json_t *m;
    json_object_foreach(methods, verb, m)
    {
        if (rc != STORE_OK || strcmp(verb, "OPTIONS") == 0)
            continue;
        const char *keys[4] = {admin_arg(c, "restapi_id"), admin_arg(c, "resource_id"), verb};
        json_t *integ = NULL;
        rc = merge_children(c, STORE_DOC_METHOD_RESPONSE, keys, "responseParameters", values, 1);
        if (rc == STORE_OK &&
            store_doc_get(c->store, STORE_DOC_INTEGRATION, keys, &integ) == STORE_OK) {
            if (strcmp(json_string_value(json_object_get(integ, "type")), "MOCK") == 0)
                rc = merge_children(c, STORE_DOC_INTEGRATION_RESPONSE, keys, "responseParameters",
                                    values, 0);
            json_decref(integ);
        }
        json_array_append_new(updated, json_string(verb));
    }
    json_decref(values);
    return rc;
}

static int update_gateway_responses(admin_call_t *c, const cors_t *x)
{
    static const enum gwtype types[] = {GWT_DEFAULT_4XX, GWT_DEFAULT_5XX};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int rc;
        json_t *doc = admin_gwresp_current(c, types[i], &rc);
        if (rc != STORE_OK)
            return rc;
        json_t *params = json_object_get(doc, "responseParameters");
        set_static(params, "gatewayresponse.header.Access-Control-Allow-Origin", x->origin);
        set_static(params, "gatewayresponse.header.Access-Control-Allow-Headers", x->headers);
        if (x->credentials)
            set_static(params, "gatewayresponse.header.Access-Control-Allow-Credentials", "true");
        rc = admin_gwresp_store(c, types[i], doc);
        json_decref(doc);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

void admin_cors_put(admin_call_t *c)
{
    const char *keys[] = {admin_arg(c, "restapi_id"), admin_arg(c, "resource_id")};
    json_t *methods = NULL, *updated = json_array();
    cors_t x = {0};
    if (admin_require_resource(c, NULL) != 0)
        goto out;
    int rc = store_doc_children(c->store, STORE_DOC_METHOD, keys, &methods);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (cors_parse(c, methods, &x) != 0 || admin_begin(c) != 0)
        goto out;
    rc = put_options(c, keys, &x);
    if (rc == STORE_OK)
        rc = update_methods(c, methods, &x, updated);
    if (rc == STORE_OK)
        rc = update_gateway_responses(c, &x);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        if (!c->replied)
            admin_store_fail(c, rc, "Invalid Resource identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 200,
                    json_pack("{s:s,s:s,s:s,s:s,s:O,s:[s,s]}", "resourceId", keys[1], "allowOrigin",
                              x.origin, "allowMethods", x.methods, "allowHeaders", x.headers,
                              "methodsUpdated", updated, "gatewayResponses", "DEFAULT_4XX",
                              "DEFAULT_5XX"));
out:
    json_decref(methods);
    json_decref(updated);
}
