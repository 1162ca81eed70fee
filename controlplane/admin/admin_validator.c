/* admin_validator: request validators — a name and two switches,
 * validateRequestBody and validateRequestParameters (both false unless
 * given). A validator a method uses cannot be deleted. */
#include "admin_validator.h"

#include <stdlib.h>

#include "admin_model.h"
#include "admin_require.h"
#include "crypto.h"
#include "admin_patch.h"
#include "store_model.h"

static const admin_field_t validator_fields[] = {
    {"name", ADMIN_STRING, .max = 1024},
    {"validateRequestBody", ADMIN_BOOL},
    {"validateRequestParameters", ADMIN_BOOL},
    {NULL},
};

static const patch_rule_t validator_patch_rules[] = {
    {"/name", PATCH_REPLACE, PATCH_STRING, "name", .max = 1024},
    {"/validateRequestBody", PATCH_REPLACE, PATCH_BOOL, "validateRequestBody"},
    {"/validateRequestParameters", PATCH_REPLACE, PATCH_BOOL, "validateRequestParameters"},
    {NULL},
};

static int validator_store(admin_call_t *c, const char *id, json_t *doc)
{
    if (admin_begin(c) != 0)
        return -1;
    int rc = store_validator_put(c->store, admin_arg(c, "restapi_id"), id, doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Request Validator identifier specified");
        return -1;
    }
    return admin_commit(c);
}

void admin_validator_create(admin_call_t *c)
{
    if (admin_require_api(c, NULL) != 0 || admin_check(c, c->body, validator_fields) != 0)
        return;
    char id[7];
    crypto_random_id(id, 6);
    json_t *doc = json_pack("{s:s}", "id", id);
    admin_copy_fields(doc, c->body, validator_fields);
    if (json_object_get(doc, "validateRequestBody") == NULL)
        json_object_set_new(doc, "validateRequestBody", json_false());
    if (json_object_get(doc, "validateRequestParameters") == NULL)
        json_object_set_new(doc, "validateRequestParameters", json_false());
    if (validator_store(c, id, doc) == 0)
        admin_reply(c, 201, json_incref(doc));
    json_decref(doc);
}

void admin_validator_list(admin_call_t *c)
{
    json_t *items;
    if (admin_require_api(c, NULL) != 0)
        return;
    int rc = store_validator_list(c->store, admin_arg(c, "restapi_id"), &items);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_model_reply_page(c, items, "id");
}

static int validator_load(admin_call_t *c, json_t **doc)
{
    if (admin_require_api(c, NULL) != 0)
        return -1;
    int rc = store_validator_get(c->store, admin_arg(c, "restapi_id"),
                                 admin_arg(c, "requestvalidator_id"), doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Request Validator identifier specified");
        return -1;
    }
    return 0;
}

void admin_validator_get(admin_call_t *c)
{
    json_t *doc;
    if (validator_load(c, &doc) == 0)
        admin_reply(c, 200, doc);
}

void admin_validator_update(admin_call_t *c)
{
    json_t *doc;
    patch_op_t *ops;
    size_t n;
    if (validator_load(c, &doc) != 0)
        return;
    if (patch_parse(c, &ops, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int rc = patch_apply(c, doc, &ops[i], validator_patch_rules);
        if (rc < 0 || (rc == 0 && patch_invalid_path(c, &ops[i]) != 0))
            goto out;
    }
    if (admin_check(c, doc, validator_fields) == 0 &&
        validator_store(c, admin_arg(c, "requestvalidator_id"), doc) == 0)
        admin_reply(c, 200, json_incref(doc));
out:
    json_decref(doc);
}

void admin_validator_delete(admin_call_t *c)
{
    json_t *doc;
    char *user = NULL;
    if (validator_load(c, &doc) != 0)
        return;
    json_decref(doc);
    const char *api_id = admin_arg(c, "restapi_id"), *id = admin_arg(c, "requestvalidator_id");
    if (admin_begin(c) != 0)
        return;
    int rc = store_validator_user(c->store, api_id, id, &user);
    if (rc == STORE_OK) {
        store_rollback(c->store);
        admin_conflict(c, "Cannot delete request validator '%s', is referenced in method: %s", id,
                       user);
        free(user);
        return;
    }
    rc = rc == STORE_ENOTFOUND ? store_validator_delete(c->store, api_id, id) : rc;
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Request Validator identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
