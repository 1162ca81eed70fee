/* admin_integration: integration documents. Types this build executes are
 * accepted (MOCK, HTTP, HTTP_PROXY, and AWS_PROXY and AWS with the Lambda
 * invocation URI, fnuri.h); the others (AWS service integrations other than
 * Lambda, VPC links) are refused with 400 rather than stored and ignored.
 * Mapping templates are compiled when stored (admin_template.h). */
#include "admin_integration.h"

#include <string.h>

#include "admin_method.h"
#include "admin_template.h"
#include "fnuri.h"
#include "pathtmpl.h"
#include "params.h"
#include "pattern.h"
#include "store_api.h"

static const char *const integration_types[] = {"MOCK",      "HTTP", "HTTP_PROXY",
                                                "AWS_PROXY", "AWS",  NULL};
static const char *const integration_http_methods[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                                       "HEAD", "OPTIONS", "ANY", NULL};
static const char *const passthrough_behaviors[] = {"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER",
                                                    NULL};
static const char *const content_handlings[] = {"CONVERT_TO_BINARY", "CONVERT_TO_TEXT", NULL};
static const char *const connection_types[] = {"INTERNET", NULL};

static const admin_field_t integration_fields[] = {
    {"type", ADMIN_STRING, .required = 1, .choices = integration_types},
    {"httpMethod", ADMIN_STRING, .choices = integration_http_methods},
    {"uri", ADMIN_STRING, .max = 2048},
    {"connectionType", ADMIN_STRING, .choices = connection_types},
    {"requestParameters", ADMIN_STRING_MAP},
    {"requestTemplates", ADMIN_STRING_MAP},
    {"passthroughBehavior", ADMIN_STRING, .choices = passthrough_behaviors},
    {"cacheNamespace", ADMIN_STRING, .max = 128},
    {"cacheKeyParameters", ADMIN_STRING_LIST},
    {"contentHandling", ADMIN_STRING, .choices = content_handlings},
    {"timeoutInMillis", ADMIN_INT, .min = 50, .max = 29000},
    {"credentials", ADMIN_STRING, .max = 2048}, /* AWS, AWS_PROXY: kept, not needed here */
    {NULL},
};

static const admin_field_t integration_response_fields[] = {
    {"selectionPattern", ADMIN_STRING, .max = 1024},
    {"responseParameters", ADMIN_STRING_MAP},
    {"responseTemplates", ADMIN_STRING_MAP},
    {"contentHandling", ADMIN_STRING, .choices = content_handlings},
    {NULL},
};

/* AWS and AWS_PROXY: the Lambda invocation URI; a function reference that
 * may name its function or alias with ${stageVariables.x}. */
static int integration_check_function_uri(admin_call_t *c, const char *type, const char *uri)
{
    const char *fn;
    size_t fn_len;
    if (uri == NULL) {
        admin_bad_request(c, "Invalid ARN specified in the request");
        return -1;
    }
    if (fnuri_function(uri, strlen(uri), &fn, &fn_len) != 0) {
        if (strcmp(type, "AWS") == 0 && fnuri_is_aws(uri, strlen(uri)))
            admin_bad_request(c, "AWS service integrations other than Lambda are not supported: "
                                 "use arn:aws:apigateway:{region}:lambda:path/2015-03-31/"
                                 "functions/{functionArn}/invocations");
        else
            admin_bad_request(c,
                              "Invalid ARN specified in the request: %s integrations take "
                              "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                              "{functionArn}/invocations",
                              type);
        return -1;
    }
    if (fnuri_check_template(fn, fn_len) != 0) {
        admin_bad_request(c, "Invalid function ARN or invalid uri: %.*s", (int)fn_len, fn);
        return -1;
    }
    return 0;
}

static int integration_check_uri(admin_call_t *c, const char *type, const char *uri)
{
    if (strcmp(type, "AWS_PROXY") == 0 || strcmp(type, "AWS") == 0)
        return integration_check_function_uri(c, type, uri);
    if (strcmp(type, "HTTP_PROXY") != 0 && strcmp(type, "HTTP") != 0)
        return 0;
    if (uri == NULL || (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0)) {
        admin_bad_request(c, "Invalid HTTP endpoint specified for URI");
        return -1;
    }
    if (pathtmpl_uri_host_has_param(uri, strlen(uri))) { /* a request must not pick the host */
        admin_bad_request(c,
                          "Invalid HTTP endpoint specified for URI: a path parameter in the host");
        return -1;
    }
    return 0;
}

/* A method.request.* source must be declared by the method, as the reference requires. */
static int integration_check_parameters(admin_call_t *c, json_t *params, json_t *method)
{
    json_t *declared = json_object_get(method, "requestParameters");
    const char *target;
    json_t *v;
    json_object_foreach(params, target, v)
    {
        params_expr_t t, s;
        const char *src = json_string_value(v);
        if (params_parse_integration_target(target, &t) != 0) {
            admin_bad_request(c, "Invalid mapping expression specified: %s", target);
            return -1;
        }
        if (params_parse_source(src, &s) != 0 || s.kind == PARAMS_SRC_INTEGRATION_RESPONSE) {
            admin_bad_request(c, "Invalid mapping expression specified: %s", src);
            return -1;
        }
        if (s.kind == PARAMS_SRC_METHOD_REQUEST && s.loc != PARAMS_LOC_BODY &&
            json_object_get(declared, src) == NULL) {
            admin_bad_request(c,
                              "Invalid mapping expression specified: Validation Result: warnings "
                              ": [], errors : [Invalid mapping expression parameter specified: %s]",
                              src);
            return -1;
        }
    }
    return 0;
}

/* Cache key parameters name method request parameters the method declares. */
static int integration_check_cache_keys(admin_call_t *c, json_t *keys, json_t *method)
{
    json_t *declared = json_object_get(method, "requestParameters");
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *name = json_string_value(k);
        params_expr_t e;
        if (params_parse_source(name, &e) != 0 || e.kind != PARAMS_SRC_METHOD_REQUEST ||
            json_object_get(declared, name) == NULL) {
            admin_bad_request(c,
                              "Invalid cache key parameter specified: %s (a method.request "
                              "parameter the method declares in requestParameters)",
                              name);
            return -1;
        }
    }
    return 0;
}

static json_t *integration_doc(admin_call_t *c)
{
    json_t *doc = json_object();
    admin_copy_fields(doc, c->body, integration_fields);
    /* the reference's wire name is httpMethod; accept the CLI's spelling too */
    json_t *alias = json_object_get(c->body, "integrationHttpMethod");
    if (json_object_get(doc, "httpMethod") == NULL && json_is_string(alias))
        json_object_set(doc, "httpMethod", alias);
    if (json_object_get(doc, "connectionType") == NULL)
        json_object_set_new(doc, "connectionType", json_string("INTERNET"));
    if (json_object_get(doc, "passthroughBehavior") == NULL)
        json_object_set_new(doc, "passthroughBehavior", json_string("WHEN_NO_MATCH"));
    if (json_object_get(doc, "timeoutInMillis") == NULL)
        json_object_set_new(doc, "timeoutInMillis", json_integer(29000));
    if (json_object_get(doc, "cacheKeyParameters") == NULL)
        json_object_set_new(doc, "cacheKeyParameters", json_array());
    if (json_object_get(doc, "cacheNamespace") == NULL)
        json_object_set_new(doc, "cacheNamespace", json_string(admin_arg(c, "resource_id")));
    return doc;
}

static int integration_check(admin_call_t *c, json_t *doc, json_t *method)
{
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (strcmp(type, "MOCK") != 0 && json_object_get(doc, "httpMethod") == NULL) {
        admin_bad_request(c, "Enumeration value for HttpMethod must be non-empty");
        return -1;
    }
    if (integration_check_uri(c, type, json_string_value(json_object_get(doc, "uri"))) != 0 ||
        integration_check_cache_keys(c, json_object_get(doc, "cacheKeyParameters"), method) != 0 ||
        admin_template_check_map(c, json_object_get(doc, "requestTemplates")) != 0)
        return -1;
    return integration_check_parameters(c, json_object_get(doc, "requestParameters"), method);
}

void admin_integration_put(admin_call_t *c)
{
    const char *keys[4];
    json_t *method;
    json_t *alias = json_object_get(c->body, "integrationHttpMethod");
    if (alias != NULL && !json_is_string(alias)) {
        admin_bad_request(c, "Invalid type for integrationHttpMethod: expected a string");
        return;
    }
    if (admin_check(c, c->body, integration_fields) != 0 || admin_require_method(c, &method) != 0)
        return;
    json_t *doc = integration_doc(c);
    if (integration_check(c, doc, method) != 0 || admin_begin(c) != 0)
        goto out;
    int rc = store_doc_put(c->store, STORE_DOC_INTEGRATION, admin_method_doc_keys(c, keys), doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Method identifier specified");
        goto out;
    }
    json_t *responses = NULL;
    if (store_doc_children(c->store, STORE_DOC_INTEGRATION_RESPONSE, keys, &responses) !=
        STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, STORE_EIO, "");
        goto out;
    }
    if (admin_commit(c) == 0) {
        json_object_set_new(doc, "integrationResponses", responses);
        admin_reply(c, 201, json_incref(doc));
    } else {
        json_decref(responses);
    }
out:
    json_decref(method);
    json_decref(doc);
}

static int require_integration(admin_call_t *c, json_t **doc)
{
    const char *keys[4];
    if (admin_require_method(c, NULL) != 0)
        return -1;
    json_t *found;
    int rc = store_doc_get(c->store, STORE_DOC_INTEGRATION, admin_method_doc_keys(c, keys), &found);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "No integration defined for method");
        return -1;
    }
    if (doc != NULL)
        *doc = found;
    else
        json_decref(found);
    return 0;
}

void admin_integration_get(admin_call_t *c)
{
    const char *keys[4];
    json_t *doc, *responses;
    if (require_integration(c, &doc) != 0)
        return;
    int rc = store_doc_children(c->store, STORE_DOC_INTEGRATION_RESPONSE,
                                admin_method_doc_keys(c, keys), &responses);
    if (rc != STORE_OK) {
        json_decref(doc);
        admin_store_fail(c, rc, "");
        return;
    }
    json_object_set_new(doc, "integrationResponses", responses);
    admin_reply(c, 200, doc);
}

void admin_integration_delete(admin_call_t *c)
{
    if (require_integration(c, NULL) == 0)
        admin_method_doc_delete(c, STORE_DOC_INTEGRATION, "No integration defined for method");
}

static int response_check_doc(admin_call_t *c, const char *code, json_t *body)
{
    if (!admin_valid_status_code(code)) {
        admin_bad_request(c, "Invalid status code specified: %s", code);
        return -1;
    }
    if (admin_check(c, body, integration_response_fields) != 0)
        return -1;
    const char *pattern = json_string_value(json_object_get(body, "selectionPattern"));
    if (pattern != NULL && pattern[0] != '\0') {
        char err[256];
        pattern_t *re = pattern_compile(pattern, err, sizeof(err));
        if (re == NULL) {
            admin_bad_request(c, "Invalid selection pattern specified: %s (%s)", pattern, err);
            return -1;
        }
        pattern_free(re);
    }
    if (admin_template_check_map(c, json_object_get(c->body, "responseTemplates")) != 0)
        return -1;
    const char *target;
    json_t *v;
    json_object_foreach(json_object_get(body, "responseParameters"), target, v)
    {
        params_expr_t t, s;
        if (params_parse_response_target(target, &t) != 0 ||
            params_parse_source(json_string_value(v), &s) != 0 ||
            (s.kind != PARAMS_SRC_STATIC && s.kind != PARAMS_SRC_INTEGRATION_RESPONSE &&
             s.kind != PARAMS_SRC_STAGE_VARIABLE && s.kind != PARAMS_SRC_CONTEXT)) {
            admin_bad_request(c, "Invalid mapping expression specified: %s", target);
            return -1;
        }
    }
    return 0;
}

static int response_check(admin_call_t *c)
{
    return response_check_doc(c, admin_arg(c, "status_code"), c->body);
}

void admin_integration_response_put(admin_call_t *c)
{
    const char *keys[4];
    if (require_integration(c, NULL) != 0 || response_check(c) != 0)
        return;
    json_t *doc = json_pack("{s:s}", "statusCode", admin_arg(c, "status_code"));
    admin_copy_fields(doc, c->body, integration_response_fields);
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_doc_put(c->store, STORE_DOC_INTEGRATION_RESPONSE, admin_method_doc_keys(c, keys),
                           doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "No integration defined for method");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 201, json_incref(doc));
out:
    json_decref(doc);
}

void admin_integration_response_get(admin_call_t *c)
{
    const char *keys[4];
    json_t *doc;
    if (require_integration(c, NULL) != 0)
        return;
    int rc = store_doc_get(c->store, STORE_DOC_INTEGRATION_RESPONSE, admin_method_doc_keys(c, keys),
                           &doc);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, "Invalid Response status code specified");
    else
        admin_reply(c, 200, doc);
}

void admin_integration_response_delete(admin_call_t *c)
{
    if (require_integration(c, NULL) == 0)
        admin_method_doc_delete(c, STORE_DOC_INTEGRATION_RESPONSE,
                                "Invalid Response status code specified");
}

/* ---- for admin_import: the checks of PUT, on a document ------------------ */

int admin_integration_check(admin_call_t *c, json_t *doc, json_t *method)
{
    if (admin_check(c, doc, integration_fields) != 0)
        return -1;
    return integration_check(c, doc, method);
}

int admin_integration_response_check(admin_call_t *c, const char *code, json_t *doc)
{
    return response_check_doc(c, code, doc);
}
