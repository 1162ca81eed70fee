/* admin_gwresp: gateway responses of an API. A type without an override
 * answers its default item ({"defaultResponse": true, ...}); PUT stores an
 * override (201, defaultResponse false), DELETE returns the type to its
 * default. responseParameters map gatewayresponse.header.X to a static
 * value or a request/context/stage-variable source; templates are VTL,
 * compiled when stored (admin_template.h). */
#include "admin_gwresp.h"

#include <string.h>

#include "admin_method.h"
#include "admin_require.h"
#include "admin_template.h"
#include "gwtypes.h"
#include "params.h"
#include "admin_patch.h"
#include "store_auth.h"

static const admin_field_t gwresp_fields[] = {
    {"statusCode", ADMIN_STRING},
    {"responseParameters", ADMIN_STRING_MAP},
    {"responseTemplates", ADMIN_STRING_MAP},
    {NULL},
};

static const patch_rule_t gwresp_patch_rules[] = {
    {"/statusCode", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "statusCode"},
    {"/responseParameters/", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_MAP_ENTRY,
     "responseParameters", .max = 1024},
    {"/responseTemplates/", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_MAP_ENTRY,
     "responseTemplates", .max = ADMIN_TEMPLATE_MAX_BYTES},
    {NULL},
};

json_t *admin_gwresp_default(enum gwtype t)
{
    json_t *item = json_pack("{s:b,s:{},s:{s:s},s:s}", "defaultResponse", 1, "responseParameters",
                             "responseTemplates", "application/json", GWTYPE_DEFAULT_TEMPLATE,
                             "responseType", gwtypes[t].name);
    if (gwtypes[t].status[0] != '\0')
        json_object_set_new(item, "statusCode", json_string(gwtypes[t].status));
    return item;
}

/* {response_type} as a known type; replies 400 otherwise. */
static int gwresp_type(admin_call_t *c, enum gwtype *t)
{
    const char *name = admin_arg(c, "response_type");
    *t = gwtype_find(name);
    if (*t != GWT_NONE)
        return 0;
    admin_fail(c, 400, "BadRequestException",
               "1 validation error detected: Value '%s' at 'responseType' failed to satisfy "
               "constraint: Member must satisfy enum value set: [ACCESS_DENIED, "
               "API_CONFIGURATION_ERROR, AUTHORIZER_CONFIGURATION_ERROR, AUTHORIZER_FAILURE, "
               "BAD_REQUEST_BODY, BAD_REQUEST_PARAMETERS, DEFAULT_4XX, DEFAULT_5XX, EXPIRED_TOKEN, "
               "INTEGRATION_FAILURE, INTEGRATION_TIMEOUT, INVALID_API_KEY, INVALID_SIGNATURE, "
               "MISSING_AUTHENTICATION_TOKEN, QUOTA_EXCEEDED, REQUEST_TOO_LARGE, "
               "RESOURCE_NOT_FOUND, THROTTLED, UNAUTHORIZED, UNSUPPORTED_MEDIA_TYPE, WAF_FILTERED]",
               name);
    return -1;
}

static int check_parameters(admin_call_t *c, json_t *params)
{
    static const char prefix[] = "gatewayresponse.header.";
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v)
    {
        params_expr_t src;
        if (strncmp(k, prefix, sizeof(prefix) - 1) != 0 || k[sizeof(prefix) - 1] == '\0' ||
            strpbrk(k + sizeof(prefix) - 1, " :\r\n") != NULL) {
            admin_bad_request(c, "Invalid parameter name specified: %s", k);
            return -1;
        }
        if (params_parse_source(json_string_value(v), &src) != 0 ||
            src.kind == PARAMS_SRC_INTEGRATION_RESPONSE ||
            (src.kind == PARAMS_SRC_METHOD_REQUEST && src.loc != PARAMS_LOC_HEADER &&
             src.loc != PARAMS_LOC_QUERYSTRING && src.loc != PARAMS_LOC_PATH)) {
            admin_bad_request(c, "Invalid mapping expression specified: %s", json_string_value(v));
            return -1;
        }
        if (src.kind == PARAMS_SRC_STATIC && memchr(src.name, '\n', src.name_len) != NULL) {
            admin_bad_request(c, "Invalid mapping expression specified: %s", json_string_value(v));
            return -1;
        }
    }
    return 0;
}

static int gwresp_check_doc(admin_call_t *c, json_t *doc)
{
    if (admin_check(c, doc, gwresp_fields) != 0)
        return -1;
    const char *code = json_string_value(json_object_get(doc, "statusCode"));
    if (code != NULL && !admin_valid_status_code(code)) {
        admin_bad_request(c, "Invalid status code specified: %s", code);
        return -1;
    }
    return check_parameters(c, json_object_get(doc, "responseParameters")) != 0 ||
                   admin_template_check_map(c, json_object_get(doc, "responseTemplates")) != 0
               ? -1
               : 0;
}

json_t *admin_gwresp_current(admin_call_t *c, enum gwtype t, int *rc)
{
    json_t *doc = NULL;
    *rc = store_gwresp_get(c->store, admin_arg(c, "restapi_id"), gwtypes[t].name, &doc);
    if (*rc == STORE_ENOTFOUND) {
        *rc = STORE_OK;
        return admin_gwresp_default(t);
    }
    return doc;
}

int admin_gwresp_store(admin_call_t *c, enum gwtype t, json_t *doc)
{
    json_object_set_new(doc, "responseType", json_string(gwtypes[t].name));
    json_object_set_new(doc, "defaultResponse", json_false());
    if (json_object_get(doc, "responseParameters") == NULL)
        json_object_set_new(doc, "responseParameters", json_object());
    if (json_object_size(json_object_get(doc, "responseTemplates")) == 0)
        json_object_set_new(doc, "responseTemplates",
                            json_pack("{s:s}", "application/json", GWTYPE_DEFAULT_TEMPLATE));
    if (json_object_get(doc, "statusCode") == NULL && gwtypes[t].status[0] != '\0')
        json_object_set_new(doc, "statusCode", json_string(gwtypes[t].status));
    if (gwresp_check_doc(c, doc) != 0)
        return -1;
    return store_gwresp_put(c->store, admin_arg(c, "restapi_id"), gwtypes[t].name, doc);
}

static void gwresp_write(admin_call_t *c, enum gwtype t, json_t *doc, int status)
{
    if (admin_begin(c) != 0)
        return;
    int rc = admin_gwresp_store(c, t, doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        if (!c->replied)
            admin_store_fail(c, rc, "Invalid API identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, status, json_incref(doc));
}

void admin_gwresp_put(admin_call_t *c)
{
    enum gwtype t;
    if (admin_require_api(c, NULL) != 0 || gwresp_type(c, &t) != 0 ||
        admin_check(c, c->body, gwresp_fields) != 0)
        return;
    json_t *doc = json_object();
    admin_copy_fields(doc, c->body, gwresp_fields);
    gwresp_write(c, t, doc, 201);
    json_decref(doc);
}

void admin_gwresp_get(admin_call_t *c)
{
    enum gwtype t;
    int rc;
    if (admin_require_api(c, NULL) != 0 || gwresp_type(c, &t) != 0)
        return;
    json_t *doc = admin_gwresp_current(c, t, &rc);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, "");
    else
        admin_reply(c, 200, doc);
}

void admin_gwresp_update(admin_call_t *c)
{
    enum gwtype t;
    patch_op_t *ops;
    size_t n;
    int rc;
    if (admin_require_api(c, NULL) != 0 || gwresp_type(c, &t) != 0 || patch_parse(c, &ops, &n) != 0)
        return;
    json_t *doc = admin_gwresp_current(c, t, &rc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        rc = patch_apply(c, doc, &ops[i], gwresp_patch_rules);
        if (rc < 0 || (rc == 0 && patch_invalid_path(c, &ops[i]) != 0))
            goto out;
    }
    gwresp_write(c, t, doc, 200);
out:
    json_decref(doc);
}

void admin_gwresp_delete(admin_call_t *c)
{
    enum gwtype t;
    if (admin_require_api(c, NULL) != 0 || gwresp_type(c, &t) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_gwresp_delete(c->store, admin_arg(c, "restapi_id"), gwtypes[t].name);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Gateway Response specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}

void admin_gwresp_list(admin_call_t *c)
{
    int limit;
    const char *position;
    json_t *overrides;
    if (admin_require_api(c, NULL) != 0 || admin_page(c, &limit, &position) != 0)
        return;
    int rc = store_gwresp_all(c->store, admin_arg(c, "restapi_id"), &overrides);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    json_t *items = json_array();
    int more = 0;
    for (int t = 0; t < GWT_COUNT; t++) {
        if (position != NULL && strcmp(gwtypes[t].name, position) <= 0)
            continue;
        if ((int)json_array_size(items) == limit) {
            more = 1;
            break;
        }
        json_t *o = json_object_get(overrides, gwtypes[t].name);
        json_array_append_new(items, o != NULL ? json_incref(o) : admin_gwresp_default(t));
    }
    json_decref(overrides);
    admin_reply_page(c, items, more, "responseType");
}

/* For admin_import. */
int admin_gwresp_check(admin_call_t *c, json_t *doc)
{
    return gwresp_check_doc(c, doc);
}
