/* admin_deployment: a deployment freezes the API as it is now; with a
 * stageName it also creates that stage or moves it to the new deployment, in
 * the same transaction. */
#include "admin_deployment.h"

#include <string.h>

#include "admin_require.h"
#include "admin_stage.h"
#include "admin_stage_check.h"
#include "compiler.h"
#include "crypto.h"
#include "pathtmpl.h"
#include "store_deploy.h"

static const admin_field_t deployment_fields[] = {
    {"stageName", ADMIN_STRING, .max = 128},
    {"stageDescription", ADMIN_STRING, .max = 4096},
    {"description", ADMIN_STRING, .max = 4096},
    {"cacheClusterEnabled", ADMIN_BOOL},
    {"cacheClusterSize", ADMIN_STRING},
    {"variables", ADMIN_STRING_MAP},
    {"canarySettings", ADMIN_OBJECT},
    {"tracingEnabled", ADMIN_BOOL},
    {NULL},
};

/* The reference refuses to deploy an API without methods or with a method lacking an integration.
 */
static int deployment_check_tree(admin_call_t *c, json_t *tree)
{
    size_t i, methods = 0;
    json_t *res;
    json_array_foreach(json_object_get(tree, "resources"), i, res)
    {
        const char *verb;
        json_t *m;
        json_object_foreach(json_object_get(res, "resourceMethods"), verb, m)
        {
            methods++;
            json_t *integ = json_object_get(m, "methodIntegration");
            if (integ == NULL) {
                admin_bad_request(c, "No integration defined for method");
                return -1;
            }
            /* an integration stored before {param} was refused in its host */
            const char *uri = json_string_value(json_object_get(integ, "uri"));
            if (uri != NULL && pathtmpl_uri_host_has_param(uri, strlen(uri))) {
                admin_bad_request(c, "Invalid HTTP endpoint specified for URI: a path "
                                     "parameter in the host");
                return -1;
            }
        }
    }
    if (methods == 0) {
        admin_bad_request(c, "The REST API doesn't contain any methods");
        return -1;
    }
    return 0;
}

/* The stage's canary now runs deployment_id with the request's canary settings. */
static void deployment_set_canary(json_t *doc, json_t *settings, const char *deployment_id)
{
    json_t *canary = json_pack("{s:s,s:f,s:{},s:b}", "deploymentId", deployment_id,
                               "percentTraffic", 0.0, "stageVariableOverrides", "useStageCache", 0);
    json_object_update(canary, settings);
    json_object_set_new(canary, "deploymentId", json_string(deployment_id));
    json_object_set_new(doc, "canarySettings", canary);
}

/* Points stage_name at deployment_id (or its canary at it), creating the stage when new. */
static int deployment_bind_stage(admin_call_t *c, const char *stage_name, const char *deployment_id)
{
    const char *api_id = admin_arg(c, "restapi_id");
    json_t *doc = NULL, *canary = json_object_get(c->body, "canarySettings");
    int rc = store_stage_get(c->store, api_id, stage_name, &doc);
    int create = rc == STORE_ENOTFOUND;
    if (rc != STORE_OK && !create)
        return rc;
    if (create) {
        doc = admin_stage_new_doc(stage_name, deployment_id);
        json_t *desc = json_object_get(c->body, "stageDescription");
        if (desc != NULL)
            json_object_set(doc, "description", desc);
        json_t *cache = json_object_get(c->body, "cacheClusterEnabled");
        if (cache != NULL)
            json_object_set(doc, "cacheClusterEnabled", cache);
    } else if (canary != NULL) {
        deployment_set_canary(doc, canary, deployment_id);
    } else {
        json_object_set_new(doc, "deploymentId", json_string(deployment_id));
    }
    json_t *vars = json_object_get(c->body, "variables");
    if (vars != NULL && canary == NULL)
        json_object_update(json_object_get(doc, "variables"), vars);
    int64_t now = admin_now();
    rc = create ? store_stage_insert(c->store, api_id, stage_name, now, doc)
                : store_stage_update(c->store, api_id, stage_name, now, doc);
    json_decref(doc);
    return rc;
}

/* A canary deployment needs an existing stage: its own deploymentId stays put. */
static int deployment_check_canary(admin_call_t *c, const char *stage_name)
{
    static const admin_field_t fields[] = {
        {"percentTraffic", ADMIN_NUMBER, .min = 0, .max = 100},
        {"stageVariableOverrides", ADMIN_STRING_MAP},
        {"useStageCache", ADMIN_BOOL},
        {NULL},
    };
    json_t *canary = json_object_get(c->body, "canarySettings");
    if (canary == NULL)
        return 0;
    if (admin_check(c, canary, fields) != 0 ||
        admin_stage_check_variables(c, json_object_get(canary, "stageVariableOverrides")) != 0)
        return -1;
    json_t *stage = NULL;
    if (stage_name == NULL ||
        store_stage_get(c->store, admin_arg(c, "restapi_id"), stage_name, &stage) != STORE_OK) {
        admin_bad_request(c, "A canary deployment needs an existing stage: %s does not exist",
                          stage_name != NULL ? stage_name : "(no stageName)");
        return -1;
    }
    json_decref(stage);
    return 0;
}

static int deployment_check_body(admin_call_t *c, const char **stage_name)
{
    if (admin_check(c, c->body, deployment_fields) != 0 ||
        admin_stage_check_variables(c, json_object_get(c->body, "variables")) != 0)
        return -1;
    *stage_name = json_string_value(json_object_get(c->body, "stageName"));
    if (*stage_name != NULL && !admin_stage_name_ok(*stage_name)) {
        admin_bad_request(c, "Stage name only allows a-zA-Z0-9_- and 1 to 128 characters");
        return -1;
    }
    return deployment_check_canary(c, *stage_name);
}

void admin_deployment_create(admin_call_t *c)
{
    const char *stage_name, *api_id = admin_arg(c, "restapi_id");
    json_t *tree = NULL, *summary = NULL;
    uint8_t *def = NULL;
    size_t def_len;
    if (admin_require_api(c, NULL) != 0 || deployment_check_body(c, &stage_name) != 0)
        return;
    int rc = compiler_api_tree(c->store, api_id, &tree);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid API identifier specified");
        return;
    }
    if (deployment_check_tree(c, tree) != 0)
        goto out;
    char id[7];
    crypto_random_id(id, 6);
    if (admin_begin(c) != 0)
        goto out;
    rc = compiler_pack_definition(tree, id, &def, &def_len);
    summary = compiler_summary_from_tree(tree);
    uint8_t sha[32];
    if (rc == STORE_OK) {
        crypto_sha256(def, def_len, sha);
        const char *desc = json_string_value(json_object_get(c->body, "description"));
        store_deployment_t d = {.api_id = api_id,
                                .id = id,
                                .created_at = admin_now(),
                                .description = desc,
                                .definition = def,
                                .definition_len = def_len,
                                .sha256 = sha,
                                .summary = summary};
        rc = store_deployment_insert(c->store, &d);
    }
    if (rc == STORE_OK && stage_name != NULL)
        rc = deployment_bind_stage(c, stage_name, id);
    if (rc == STORE_OK) /* with a stageName a stage now uses it: a snapshot */
        rc = publish_change(c->publish, PUBLISH_DEPLOYMENTS | (stage_name ? PUBLISH_STAGES : 0),
                            NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0) {
        json_t *reply = json_pack("{s:s,s:I}", "id", id, "createdDate", (json_int_t)admin_now());
        json_t *desc = json_object_get(c->body, "description");
        if (desc != NULL)
            json_object_set(reply, "description", desc);
        admin_reply(c, 201, reply);
    }
out:
    free(def);
    json_decref(summary);
    json_decref(tree);
}

void admin_deployment_list(admin_call_t *c)
{
    int limit, more;
    const char *position;
    json_t *items;
    if (admin_require_api(c, NULL) != 0 || admin_page(c, &limit, &position) != 0)
        return;
    int rc =
        store_deployment_list(c->store, admin_arg(c, "restapi_id"), position, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, more, "id");
}

void admin_deployment_get(admin_call_t *c)
{
    json_t *d;
    if (admin_require_api(c, NULL) != 0)
        return;
    int rc = store_deployment_get(c->store, admin_arg(c, "restapi_id"),
                                  admin_arg(c, "deployment_id"), &d);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Deployment identifier specified");
        return;
    }
    admin_reply(c, 200, d);
}

void admin_deployment_delete(admin_call_t *c)
{
    const char *api_id = admin_arg(c, "restapi_id"), *id = admin_arg(c, "deployment_id");
    int users = 0;
    if (admin_require_api(c, NULL) != 0 || admin_require_deployment(c, id, 404) != 0)
        return;
    if (admin_begin(c) != 0)
        return;
    int rc = store_deployment_users(c->store, api_id, id, &users);
    if (rc == STORE_OK && users > 0) {
        store_rollback(c->store);
        admin_bad_request(c, "Active stages pointing to this deployment must be moved or deleted");
        return;
    }
    if (rc == STORE_OK)
        rc = store_deployment_delete(c->store, api_id, id);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEPLOYMENTS, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Deployment identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
