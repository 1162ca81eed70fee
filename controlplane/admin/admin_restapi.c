/* admin_restapi: REST API documents. The root resource is created with the
 * API in the same transaction, so an API never exists without "/". */
#include "admin_restapi.h"

#include <string.h>

#include "admin_import.h"
#include "admin_require.h"
#include "crypto.h"
#include "admin_patch.h"
#include "policy.h"
#include "store_api.h"
#include "store_model.h"

static const char *const api_key_sources[] = {"HEADER", "AUTHORIZER", NULL};

static const admin_field_t restapi_fields[] = {
    {"name", ADMIN_STRING, .required = 1, .min = 1, .max = 1024},
    {"description", ADMIN_STRING, .max = 4096},
    {"version", ADMIN_STRING, .max = 1024},
    {"binaryMediaTypes", ADMIN_STRING_LIST},
    {"minimumCompressionSize", ADMIN_INT, .min = 0, .max = 10485760},
    {"apiKeySource", ADMIN_STRING, .choices = api_key_sources},
    {"endpointConfiguration", ADMIN_OBJECT},
    {"policy", ADMIN_STRING, .max = 65536},
    {"tags", ADMIN_STRING_MAP},
    {"disableExecuteApiEndpoint", ADMIN_BOOL},
    {NULL},
};

static const patch_rule_t restapi_patch_rules[] = {
    {"/name", PATCH_REPLACE, PATCH_STRING, "name", .max = 1024},
    {"/description", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "description",
     .max = 4096},
    {"/version", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "version", .max = 1024},
    {"/policy", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_JSON_STRING, "policy"},
    {"/apiKeySource", PATCH_REPLACE, PATCH_STRING, "apiKeySource"},
    {"/disableExecuteApiEndpoint", PATCH_REPLACE, PATCH_BOOL, "disableExecuteApiEndpoint"},
    {"/minimumCompressionSize", PATCH_REPLACE | PATCH_REMOVE, PATCH_INT, "minimumCompressionSize",
     .min = 0, .max = 10485760},
    {NULL},
};

/* The resource policy is parsed as the data plane will evaluate it, so a
 * policy that is stored is one that is enforced. */
static int restapi_check_policy(admin_call_t *c, json_t *body, const char *api_id)
{
    const char *policy = json_string_value(json_object_get(body, "policy"));
    if (policy == NULL || policy[0] == '\0')
        return 0;
    char err[512];
    policy_t *p;
    arena_t *a = arena_create(16 * 1024);
    int rc = a != NULL ? policy_parse(policy, strlen(policy), POLICY_RESOURCE, api_id, a, &p, err,
                                      sizeof(err))
                       : -1;
    arena_destroy(a);
    if (rc != 0) {
        admin_bad_request(c, "Invalid policy document: %s", a != NULL ? err : "out of memory");
        return -1;
    }
    return 0;
}

static json_t *restapi_new_doc(json_t *body, const char *id, const char *root_id)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "id", json_string(id));
    admin_copy_fields(doc, body, restapi_fields);
    json_object_set_new(doc, "createdDate", json_integer(admin_now()));
    if (json_object_get(doc, "apiKeySource") == NULL)
        json_object_set_new(doc, "apiKeySource", json_string("HEADER"));
    if (json_object_get(doc, "endpointConfiguration") == NULL)
        json_object_set_new(doc, "endpointConfiguration", json_pack("{s:[s]}", "types", "EDGE"));
    if (json_object_get(doc, "disableExecuteApiEndpoint") == NULL)
        json_object_set_new(doc, "disableExecuteApiEndpoint", json_false());
    if (json_object_get(doc, "tags") == NULL)
        json_object_set_new(doc, "tags", json_object());
    json_object_set_new(doc, "rootResourceId", json_string(root_id));
    return doc;
}

void admin_restapi_create(admin_call_t *c)
{
    const char *mode = admin_query(c, "mode");
    if (mode != NULL && strcmp(mode, "import") == 0) {
        admin_import_create(c);
        return;
    }
    if (mode != NULL) {
        admin_bad_request(c, "Invalid mode parameter: %s (import)", mode);
        return;
    }
    if (admin_check(c, c->body, restapi_fields) != 0)
        return;
    if (json_object_get(c->body, "cloneFrom") != NULL) {
        admin_bad_request(c, "cloneFrom is not supported");
        return;
    }
    char id[11], root_id[11];
    crypto_random_id(id, 10);
    if (restapi_check_policy(c, c->body, id) != 0)
        return;
    crypto_random_id(root_id, 10);
    json_t *doc = restapi_new_doc(c->body, id, root_id);
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_restapi_insert(c->store, id,
                                  json_integer_value(json_object_get(doc, "createdDate")), doc);
    if (rc == STORE_OK)
        rc = store_resource_insert(c->store, id, root_id, NULL, "", "/");
    if (rc == STORE_OK)
        rc = store_model_defaults(c->store, id);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 201, json_incref(doc));
out:
    json_decref(doc);
}

void admin_restapi_list(admin_call_t *c)
{
    int limit;
    const char *position;
    json_t *items;
    int more;
    if (admin_page(c, &limit, &position) != 0)
        return;
    int rc = store_restapi_list(c->store, position, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, more, "id");
}

void admin_restapi_get(admin_call_t *c)
{
    json_t *doc;
    if (admin_require_api(c, &doc) == 0)
        admin_reply(c, 200, doc);
}

/* add/remove /binaryMediaTypes/<type with "/" as "~1">, as the aws CLI
 * sends them; 0 when op is about something else. */
static int restapi_patch_media_type(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    static const char prefix[] = "/binaryMediaTypes/";
    size_t plen = sizeof(prefix) - 1;
    if (strncmp(op->path, prefix, plen) != 0 || op->path[plen] == '\0' ||
        (op->op != PATCH_ADD && op->op != PATCH_REMOVE))
        return 0;
    const char *type = patch_unescape(c, op->path + plen, strlen(op->path + plen));
    json_t *list = json_object_get(doc, "binaryMediaTypes"), *v;
    size_t i;
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(doc, "binaryMediaTypes", list);
    }
    json_array_foreach(list, i, v) if (strcmp(json_string_value(v), type) == 0) break;
    if (op->op == PATCH_ADD && i == json_array_size(list))
        json_array_append_new(list, json_string(type));
    else if (op->op == PATCH_REMOVE && i < json_array_size(list))
        json_array_remove(list, i);
    return 1;
}

static int restapi_patch_ops(admin_call_t *c, json_t *doc)
{
    patch_op_t *ops;
    size_t n;
    if (patch_parse(c, &ops, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int rc = restapi_patch_media_type(c, doc, &ops[i]);
        if (rc == 0)
            rc = patch_apply(c, doc, &ops[i], restapi_patch_rules);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return patch_invalid_path(c, &ops[i]);
    }
    /* re-validate the whole document so no combination of patches can break it */
    json_t *name = json_object_get(doc, "name");
    if (!json_is_string(name) || json_string_length(name) == 0) {
        admin_bad_request(c, "name must not be empty");
        return -1;
    }
    if (admin_check(c, doc, restapi_fields) != 0 ||
        restapi_check_policy(c, doc, admin_arg(c, "restapi_id")) != 0)
        return -1;
    return 0;
}

void admin_restapi_update(admin_call_t *c)
{
    json_t *doc;
    if (admin_require_api(c, &doc) != 0)
        return;
    if (restapi_patch_ops(c, doc) != 0)
        goto out;
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_restapi_update(c->store, admin_arg(c, "restapi_id"), doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 200, json_incref(doc));
out:
    json_decref(doc);
}

void admin_restapi_delete(admin_call_t *c)
{
    if (admin_require_api(c, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_restapi_delete(c->store, admin_arg(c, "restapi_id"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_APIS, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
