/* admin_method: PUT creates (409 when the method exists, as the reference
 * does); PATCH changes; DELETE also removes the integration and responses. */
#include "admin_method.h"

#include <ctype.h>
#include <string.h>

#include "admin_authorizer.h"
#include "admin_model.h"
#include "admin_require.h"
#include "params.h"
#include "admin_patch.h"
#include "store_api.h"

static const char *const http_methods[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                           "HEAD", "OPTIONS", "ANY", NULL};

/* Authorization types this build enforces; the rest (AWS_IAM,
 * COGNITO_USER_POOLS) are refused rather than ignored. */
static const char *const authorization_types[] = {"NONE", "CUSTOM", "JWT", "AWS_IAM", NULL};

static const admin_field_t method_fields[] = {
    {"authorizationType", ADMIN_STRING, .required = 1, .choices = authorization_types},
    {"authorizerId", ADMIN_STRING, .max = 64},
    {"apiKeyRequired", ADMIN_BOOL},
    {"operationName", ADMIN_STRING, .max = 1024},
    {"requestParameters", ADMIN_BOOL_MAP},
    {"requestModels", ADMIN_STRING_MAP},
    {"requestValidatorId", ADMIN_STRING, .max = 64},
    {"authorizationScopes", ADMIN_STRING_LIST},
    {NULL},
};

static const patch_rule_t method_patch_rules[] = {
    {"/authorizationType", PATCH_REPLACE, PATCH_STRING, "authorizationType"},
    {"/authorizationScopes", PATCH_REMOVE, PATCH_STRING, "authorizationScopes"},
    {"/authorizerId", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "authorizerId",
     .max = 64},
    {"/apiKeyRequired", PATCH_REPLACE, PATCH_BOOL, "apiKeyRequired"},
    {"/operationName", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "operationName",
     .max = 1024},
    {"/requestValidatorId", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING,
     "requestValidatorId", .max = 64},
    {"/requestParameters/", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_MAP_ENTRY,
     "requestParameters"},
    {"/requestModels/", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_MAP_ENTRY, "requestModels"},
    {NULL},
};

static const admin_field_t method_response_fields[] = {
    {"responseParameters", ADMIN_BOOL_MAP},
    {"responseModels", ADMIN_STRING_MAP},
    {NULL},
};

int admin_valid_status_code(const char *code)
{
    return strlen(code) == 3 && isdigit((unsigned char)code[0]) &&
           isdigit((unsigned char)code[1]) && isdigit((unsigned char)code[2]) && code[0] >= '1' &&
           code[0] <= '5';
}

static int method_check_verb(admin_call_t *c)
{
    const char *verb = admin_arg(c, "http_method");
    for (const char *const *m = http_methods; *m != NULL; m++)
        if (strcmp(*m, verb) == 0)
            return 0;
    admin_bad_request(c,
                      "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,"
                      "OPTIONS,HEAD,ANY");
    return -1;
}

const char **admin_method_doc_keys(admin_call_t *c, const char **keys)
{
    keys[0] = admin_arg(c, "restapi_id");
    keys[1] = admin_arg(c, "resource_id");
    keys[2] = admin_arg(c, "http_method");
    keys[3] = admin_arg(c, "status_code");
    return keys;
}

int admin_require_method(admin_call_t *c, json_t **m)
{
    const char *keys[4];
    if (method_check_verb(c) != 0 || admin_require_resource(c, NULL) != 0)
        return -1;
    json_t *found = NULL;
    int rc = store_doc_get(c->store, STORE_DOC_METHOD, admin_method_doc_keys(c, keys), &found);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Method identifier specified");
        return -1;
    }
    if (m != NULL)
        *m = found;
    else
        json_decref(found);
    return 0;
}

int admin_method_expand(admin_call_t *c, const char *resource_id, const char *verb, json_t *m)
{
    const char *keys[] = {admin_arg(c, "restapi_id"), resource_id, verb};
    json_t *responses, *integ;
    int rc = store_doc_children(c->store, STORE_DOC_METHOD_RESPONSE, keys, &responses);
    if (rc != STORE_OK)
        return rc;
    json_object_set_new(m, "methodResponses", responses);
    rc = store_doc_get(c->store, STORE_DOC_INTEGRATION, keys, &integ);
    if (rc == STORE_ENOTFOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    json_t *int_responses;
    rc = store_doc_children(c->store, STORE_DOC_INTEGRATION_RESPONSE, keys, &int_responses);
    if (rc != STORE_OK) {
        json_decref(integ);
        return rc;
    }
    json_object_set_new(integ, "integrationResponses", int_responses);
    json_object_set_new(m, "methodIntegration", integ);
    return STORE_OK;
}

/* Cross-field checks shared by PUT and PATCH. */
static int method_check_doc(admin_call_t *c, json_t *doc)
{
    if (admin_check(c, doc, method_fields) != 0)
        return -1;
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(doc, "requestParameters"), name, v)
    {
        if (params_check_method_request(name) != 0) {
            admin_bad_request(c, "Invalid method parameter name specified: %s", name);
            return -1;
        }
    }
    if (admin_model_check_method(c, doc) != 0)
        return -1;
    return admin_authorizer_check_method(c, doc);
}

void admin_method_put(admin_call_t *c)
{
    const char *keys[4];
    if (method_check_verb(c) != 0 || admin_require_resource(c, NULL) != 0)
        return;
    if (method_check_doc(c, c->body) != 0)
        return;
    json_t *doc = json_pack("{s:s}", "httpMethod", admin_arg(c, "http_method"));
    admin_copy_fields(doc, c->body, method_fields);
    if (json_object_get(doc, "apiKeyRequired") == NULL)
        json_object_set_new(doc, "apiKeyRequired", json_false());
    json_t *existing = NULL;
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_doc_get(c->store, STORE_DOC_METHOD, admin_method_doc_keys(c, keys), &existing);
    if (rc == STORE_OK) {
        store_rollback(c->store);
        admin_conflict(c, "Method already exists for this resource");
        goto out;
    }
    rc = rc == STORE_ENOTFOUND ? store_doc_put(c->store, STORE_DOC_METHOD, keys, doc) : rc;
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Resource identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0) {
        json_object_set_new(doc, "methodResponses", json_object());
        admin_reply(c, 201, json_incref(doc));
    }
out:
    json_decref(existing);
    json_decref(doc);
}

void admin_method_get(admin_call_t *c)
{
    json_t *m;
    if (admin_require_method(c, &m) != 0)
        return;
    int rc = admin_method_expand(c, admin_arg(c, "resource_id"), admin_arg(c, "http_method"), m);
    if (rc != STORE_OK) {
        json_decref(m);
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply(c, 200, m);
}

void admin_method_update(admin_call_t *c)
{
    const char *keys[4];
    json_t *m;
    patch_op_t *ops;
    size_t n;
    if (admin_require_method(c, &m) != 0)
        return;
    if (patch_parse(c, &ops, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int rc = patch_apply(c, m, &ops[i], method_patch_rules);
        if (rc < 0 || (rc == 0 && patch_invalid_path(c, &ops[i]) != 0))
            goto out;
    }
    /* map entries arrive as strings; requestParameters hold booleans */
    json_t *params = json_object_get(m, "requestParameters");
    const char *name;
    json_t *v;
    json_object_foreach(params, name, v) if (json_is_string(v))
        json_object_set_new(params, name, json_boolean(strcmp(json_string_value(v), "true") == 0));
    if (method_check_doc(c, m) != 0 || admin_begin(c) != 0)
        goto out;
    int rc = store_doc_put(c->store, STORE_DOC_METHOD, admin_method_doc_keys(c, keys), m);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Method identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0 && admin_method_expand(c, keys[1], keys[2], m) == STORE_OK)
        admin_reply(c, 200, json_incref(m));
    else if (!c->replied)
        admin_store_fail(c, STORE_EIO, "");
out:
    json_decref(m);
}

void admin_method_doc_delete(admin_call_t *c, enum store_doc_kind kind, const char *not_found)
{
    const char *keys[4];
    if (admin_begin(c) != 0)
        return;
    int rc = store_doc_delete(c->store, kind, admin_method_doc_keys(c, keys));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, not_found);
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}

void admin_method_delete(admin_call_t *c)
{
    if (admin_require_method(c, NULL) == 0)
        admin_method_doc_delete(c, STORE_DOC_METHOD, "Invalid Method identifier specified");
}

static int response_check_code(admin_call_t *c)
{
    if (admin_valid_status_code(admin_arg(c, "status_code")))
        return 0;
    admin_bad_request(c, "Invalid status code specified: %s", admin_arg(c, "status_code"));
    return -1;
}

void admin_method_response_put(admin_call_t *c)
{
    const char *keys[4];
    if (admin_require_method(c, NULL) != 0 || response_check_code(c) != 0 ||
        admin_check(c, c->body, method_response_fields) != 0)
        return;
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(c->body, "responseParameters"), name, v)
    {
        if (params_check_method_response(name) != 0) {
            admin_bad_request(c, "Invalid response parameter name specified: %s", name);
            return;
        }
    }
    if (admin_model_check_map(c, json_object_get(c->body, "responseModels")) != 0)
        return;
    json_t *doc = json_pack("{s:s}", "statusCode", admin_arg(c, "status_code"));
    admin_copy_fields(doc, c->body, method_response_fields);
    if (admin_begin(c) != 0)
        goto out;
    int rc =
        store_doc_put(c->store, STORE_DOC_METHOD_RESPONSE, admin_method_doc_keys(c, keys), doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Method identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 201, json_incref(doc));
out:
    json_decref(doc);
}

void admin_method_response_get(admin_call_t *c)
{
    const char *keys[4];
    json_t *doc;
    if (admin_require_method(c, NULL) != 0 || response_check_code(c) != 0)
        return;
    int rc =
        store_doc_get(c->store, STORE_DOC_METHOD_RESPONSE, admin_method_doc_keys(c, keys), &doc);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, "Invalid Response status code specified");
    else
        admin_reply(c, 200, doc);
}

void admin_method_response_delete(admin_call_t *c)
{
    if (admin_require_method(c, NULL) == 0 && response_check_code(c) == 0)
        admin_method_doc_delete(c, STORE_DOC_METHOD_RESPONSE,
                                "Invalid Response status code specified");
}

/* ---- for admin_import: the checks of PUT, on a document ------------------ */

int admin_method_check(admin_call_t *c, json_t *doc)
{
    return method_check_doc(c, doc);
}

int admin_method_response_check(admin_call_t *c, const char *code, json_t *doc)
{
    if (!admin_valid_status_code(code)) {
        admin_bad_request(c, "Invalid status code specified: %s", code);
        return -1;
    }
    if (admin_check(c, doc, method_response_fields) != 0)
        return -1;
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(doc, "responseParameters"), name, v)
    {
        if (params_check_method_response(name) != 0) {
            admin_bad_request(c, "Invalid response parameter name specified: %s", name);
            return -1;
        }
    }
    return admin_model_check_map(c, json_object_get(doc, "responseModels"));
}
