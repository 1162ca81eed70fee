/* admin_stage: stage documents. Validation runs on the whole document after
 * patches are applied, so no sequence of operations can store a bad stage. */
#include "admin_stage.h"

#include <string.h>

#include "admin_require.h"
#include "admin_stage_cache.h"
#include "admin_stage_check.h"
#include "admin_stage_patch.h"
#include "admin_patch.h"
#include "store_deploy.h"

static const char *const cache_cluster_sizes[] = {"0.5",  "1.6", "6.1", "13.5", "28.4",
                                                  "58.2", "118", "237", NULL};

static const admin_field_t stage_fields[] = {
    {"stageName", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"deploymentId", ADMIN_STRING, .required = 1, .min = 1, .max = 64},
    {"description", ADMIN_STRING, .max = 4096},
    {"cacheClusterEnabled", ADMIN_BOOL},
    {"cacheClusterSize", ADMIN_STRING, .choices = cache_cluster_sizes},
    {"variables", ADMIN_STRING_MAP},
    {"tracingEnabled", ADMIN_BOOL},
    {"tags", ADMIN_STRING_MAP},
    {"documentationVersion", ADMIN_STRING, .max = 64},
    {"canarySettings", ADMIN_OBJECT},
    {"accessLogSettings", ADMIN_OBJECT},
    {NULL},
};

static const patch_rule_t stage_patch_rules[] = {
    {"/description", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "description",
     .max = 4096},
    {"/deploymentId", PATCH_REPLACE, PATCH_STRING, "deploymentId", .max = 64},
    {"/variables/", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_MAP_ENTRY, "variables",
     .max = STAGE_MAX_VARIABLE_VALUE},
    {"/cacheClusterEnabled", PATCH_REPLACE, PATCH_BOOL, "cacheClusterEnabled"},
    {"/cacheClusterSize", PATCH_REPLACE, PATCH_STRING, "cacheClusterSize"},
    {"/tracingEnabled", PATCH_REPLACE, PATCH_BOOL, "tracingEnabled"},
    {NULL},
};

json_t *admin_stage_new_doc(const char *name, const char *deployment_id)
{
    json_t *doc =
        json_pack("{s:s,s:s,s:s,s:b,s:s,s:{},s:{},s:b,s:{}}", "stageName", name, "deploymentId",
                  deployment_id, "description", "", "cacheClusterEnabled", 0, "cacheClusterStatus",
                  "NOT_AVAILABLE", "methodSettings", "variables", "tracingEnabled", 0, "tags");
    admin_stage_cache_stamp(doc);
    return doc;
}

/* Whole-document checks shared by create and update. */
static int stage_check_doc(admin_call_t *c, json_t *doc)
{
    if (admin_check(c, doc, stage_fields) != 0 ||
        admin_stage_check_variables(c, json_object_get(doc, "variables")) != 0 ||
        admin_stage_check_canary(c, json_object_get(doc, "canarySettings")) != 0 ||
        admin_stage_cache_check(c, doc) != 0 ||
        admin_stage_check_access_log(c, json_object_get(doc, "accessLogSettings")) != 0)
        return -1;
    return admin_require_deployment(c, json_string_value(json_object_get(doc, "deploymentId")),
                                    400);
}

/* A canary always carries all four fields, as the reference shows them. */
static void stage_normalize_canary(json_t *doc)
{
    json_t *canary = json_object_get(doc, "canarySettings");
    if (!json_is_object(canary))
        return;
    if (json_object_get(canary, "percentTraffic") == NULL)
        json_object_set_new(canary, "percentTraffic", json_real(0));
    if (json_object_get(canary, "stageVariableOverrides") == NULL)
        json_object_set_new(canary, "stageVariableOverrides", json_object());
    if (json_object_get(canary, "useStageCache") == NULL)
        json_object_set_new(canary, "useStageCache", json_false());
}

static void stage_status(json_t *doc)
{
    stage_normalize_canary(doc);
    int enabled = json_is_true(json_object_get(doc, "cacheClusterEnabled"));
    json_object_set_new(doc, "cacheClusterStatus",
                        json_string(enabled ? "AVAILABLE" : "NOT_AVAILABLE"));
    if (enabled && json_object_get(doc, "cacheClusterSize") == NULL)
        json_object_set_new(doc, "cacheClusterSize", json_string("0.5"));
}

static int stage_write(admin_call_t *c, const char *name, json_t *doc, int create)
{
    const char *api_id = admin_arg(c, "restapi_id");
    int64_t now = admin_now();
    if (admin_begin(c) != 0)
        return -1;
    int rc = create ? store_stage_insert(c->store, api_id, name, now, doc)
                    : store_stage_update(c->store, api_id, name, now, doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_STAGES, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        if (rc == STORE_ECONFLICT && create)
            admin_conflict(c, "Stage already exists");
        else
            admin_store_fail(c, rc, "Invalid Stage identifier specified");
        return -1;
    }
    return admin_commit(c);
}

void admin_stage_create(admin_call_t *c)
{
    if (admin_require_api(c, NULL) != 0 || stage_check_doc(c, c->body) != 0)
        return;
    const char *name = json_string_value(json_object_get(c->body, "stageName"));
    if (!admin_stage_name_ok(name)) {
        admin_bad_request(c, "Stage name only allows a-zA-Z0-9_- and 1 to 128 characters");
        return;
    }
    json_t *doc = admin_stage_new_doc(name, "");
    admin_copy_fields(doc, c->body, stage_fields);
    stage_status(doc);
    json_t *existing = NULL;
    if (store_stage_get(c->store, admin_arg(c, "restapi_id"), name, &existing) == STORE_OK) {
        admin_conflict(c, "Stage already exists");
        goto out;
    }
    if (stage_write(c, name, doc, 1) == 0) {
        json_object_set_new(doc, "createdDate", json_integer(admin_now()));
        json_object_set_new(doc, "lastUpdatedDate", json_integer(admin_now()));
        admin_reply(c, 201, admin_stage_cache_hide(json_incref(doc)));
    }
out:
    json_decref(existing);
    json_decref(doc);
}

void admin_stage_list(admin_call_t *c)
{
    json_t *items;
    if (admin_require_api(c, NULL) != 0)
        return;
    int rc = store_stage_list(c->store, admin_arg(c, "restapi_id"), admin_query(c, "deploymentId"),
                              &items);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    size_t i;
    json_t *doc;
    json_array_foreach(items, i, doc) admin_stage_cache_hide(doc);
    admin_reply(c, 200, json_pack("{s:o}", "item", items));
}

static int stage_require(admin_call_t *c, json_t **doc)
{
    if (admin_require_api(c, NULL) != 0)
        return -1;
    int rc = store_stage_get(c->store, admin_arg(c, "restapi_id"), admin_arg(c, "stage_name"), doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Stage identifier specified");
        return -1;
    }
    return 0;
}

void admin_stage_get(admin_call_t *c)
{
    json_t *doc;
    if (stage_require(c, &doc) == 0)
        admin_reply(c, 200, admin_stage_cache_hide(doc));
}

/* Plain fields first, then canary settings, then method settings. */
static int stage_apply_op(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    int rc = op->op == PATCH_COPY ? 0 : patch_apply(c, doc, op, stage_patch_rules);
    if (rc == 0)
        rc = admin_stage_patch_canary(c, doc, op);
    if (rc == 0)
        rc = admin_stage_patch_access_log(c, doc, op);
    if (rc == 0)
        rc = admin_stage_patch_method_setting(c, doc, op);
    if (rc == 0)
        return patch_invalid_path(c, op);
    return rc < 0 ? -1 : 0;
}

static int stage_apply_patch(admin_call_t *c, json_t *doc)
{
    patch_op_t *ops;
    size_t n;
    if (patch_parse(c, &ops, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (stage_apply_op(c, doc, &ops[i]) != 0)
            return -1;
    return 0;
}

void admin_stage_update(admin_call_t *c)
{
    json_t *doc;
    if (stage_require(c, &doc) != 0)
        return;
    if (stage_apply_patch(c, doc) != 0 || stage_check_doc(c, doc) != 0)
        goto out;
    stage_status(doc);
    if (stage_write(c, admin_arg(c, "stage_name"), doc, 0) == 0) {
        json_object_set_new(doc, "lastUpdatedDate", json_integer(admin_now()));
        admin_reply(c, 200, admin_stage_cache_hide(json_incref(doc)));
    }
out:
    json_decref(doc);
}

void admin_stage_delete(admin_call_t *c)
{
    if (admin_require_api(c, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_stage_delete(c->store, admin_arg(c, "restapi_id"), admin_arg(c, "stage_name"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_STAGES, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Stage identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
