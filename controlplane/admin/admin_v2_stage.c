/* admin_v2_stage: stages and deployments of apigatewayv2 APIs. */
#include "admin_v2_stage.h"

#include <string.h>

#include "admin_stage_check.h"
#include "admin_v2.h"
#include "store_v2.h"

static const admin_field_t stage_fields[] = {
    {"stageName", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"deploymentId", ADMIN_STRING, .max = 64},
    {"autoDeploy", ADMIN_BOOL},
    {"description", ADMIN_STRING, .max = 1024},
    {"stageVariables", ADMIN_STRING_MAP},
    {"defaultRouteSettings", ADMIN_OBJECT},
    {"routeSettings", ADMIN_OBJECT},
    {"accessLogSettings", ADMIN_OBJECT},
    {"clientCertificateId", ADMIN_STRING, .max = 64},
    {"tags", ADMIN_STRING_MAP},
    {NULL},
};

/* UpdateStage: stageName comes from the path */
static const admin_field_t stage_update_fields[] = {
    {"deploymentId", ADMIN_STRING, .max = 64},        {"autoDeploy", ADMIN_BOOL},
    {"description", ADMIN_STRING, .max = 1024},       {"stageVariables", ADMIN_STRING_MAP},
    {"defaultRouteSettings", ADMIN_OBJECT},           {"accessLogSettings", ADMIN_OBJECT},
    {"clientCertificateId", ADMIN_STRING, .max = 64}, {NULL},
};

static const char *const logging_levels[] = {"ERROR", "INFO", "OFF", NULL};

static const admin_field_t route_settings_fields[] = {
    {"throttlingBurstLimit", ADMIN_INT, .min = 0, .max = 1000000000},
    {"throttlingRateLimit", ADMIN_NUMBER, .min = 0, .max = 1e9},
    {"detailedMetricsEnabled", ADMIN_BOOL},
    {"loggingLevel", ADMIN_STRING, .choices = logging_levels},
    {"dataTraceEnabled", ADMIN_BOOL},
    {NULL},
};

static int stage_check_settings(admin_call_t *c, enum store_v2_protocol p, json_t *doc)
{
    json_t *def = json_object_get(doc, "defaultRouteSettings");
    if (def != NULL && admin_check(c, def, route_settings_fields) != 0)
        return -1;
    const char *key;
    json_t *rs;
    char err[512];
    json_object_foreach(json_object_get(doc, "routeSettings"), key, rs)
    {
        if (store_v2_check_route_key(p, key, err, sizeof(err)) != 0) {
            admin_bad_request(c, "routeSettings: %s", err);
            return -1;
        }
        if (!json_is_object(rs) || admin_check(c, rs, route_settings_fields) != 0) {
            if (!json_is_object(rs))
                admin_bad_request(c, "routeSettings.%s must be an object", key);
            return -1;
        }
    }
    return 0;
}

static int stage_check(admin_call_t *c, enum store_v2_protocol p, json_t *doc)
{
    const char *api_id = admin_arg(c, "api_id");
    char err[256];
    if (store_v2_check_stage_name(json_string_value(json_object_get(doc, "stageName")), err,
                                  sizeof(err)) != 0) {
        admin_bad_request(c, "%s", err);
        return -1;
    }
    const char *dep = json_string_value(json_object_get(doc, "deploymentId"));
    if (dep != NULL) {
        json_t *d = NULL;
        int rc = store_v2_deployment_get(c->store, api_id, dep, &d);
        json_decref(d);
        if (rc != STORE_OK) {
            admin_bad_request(c, "Invalid deployment identifier specified: %s", dep);
            return -1;
        }
    }
    json_t *vars = json_object_get(doc, "stageVariables");
    if (vars != NULL && admin_stage_check_variables(c, vars) != 0)
        return -1;
    json_t *access = json_object_get(doc, "accessLogSettings");
    if (access != NULL && admin_stage_check_access_log(c, access) != 0)
        return -1;
    if (json_object_get(doc, "autoDeploy") == NULL)
        json_object_set_new(doc, "autoDeploy", json_false());
    if (json_object_get(doc, "defaultRouteSettings") == NULL)
        json_object_set_new(doc, "defaultRouteSettings",
                            json_pack("{s:b}", "detailedMetricsEnabled", 0));
    if (json_object_get(doc, "routeSettings") == NULL)
        json_object_set_new(doc, "routeSettings", json_object());
    if (json_object_get(doc, "stageVariables") == NULL)
        json_object_set_new(doc, "stageVariables", json_object());
    if (json_object_get(doc, "tags") == NULL)
        json_object_set_new(doc, "tags", json_object());
    return stage_check_settings(c, p, doc);
}

/* Writes the stage (insert or update), deploying first when it turned
 * autoDeploy on, and publishes. */
static void stage_save(admin_call_t *c, json_t *doc, int create, int deploy_now)
{
    const char *api_id = admin_arg(c, "api_id");
    const char *name = json_string_value(json_object_get(doc, "stageName"));
    if (admin_begin(c) != 0)
        return;
    int rc = STORE_OK;
    if (deploy_now) {
        char dep[STORE_V2_ID_LEN + 1];
        rc = admin_v2_deploy(c, api_id,
                             "Automatic deployment triggered by changes to the Api configuration",
                             1, dep);
        json_object_set_new(doc, "deploymentId", json_string(dep));
        json_object_set_new(
            doc, "lastDeploymentStatusMessage",
            json_sprintf("Successfully deployed stage with deployment ID '%s'", dep));
    }
    if (rc == STORE_OK)
        rc = create ? store_v2_stage_insert(c->store, api_id, name, admin_now(), doc)
                    : store_v2_stage_update(c->store, api_id, name, admin_now(), doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_STAGES, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "Stage %s already exists", name);
        else
            admin_store_fail(c, rc, "Invalid stage identifier specified");
        return;
    }
    if (admin_commit(c) == 0) {
        json_t *out = NULL;
        if (store_v2_stage_get(c->store, api_id, name, &out) == STORE_OK)
            admin_reply(c, create ? 201 : 200, out);
        else
            admin_reply(c, create ? 201 : 200, json_incref(doc));
    }
}

void admin_v2_stage_create(admin_call_t *c)
{
    enum store_v2_protocol p;
    if (admin_v2_require_api(c, NULL, &p) != 0 || admin_check(c, c->body, stage_fields) != 0)
        return;
    json_t *doc = json_object();
    admin_copy_fields(doc, c->body, stage_fields);
    if (stage_check(c, p, doc) == 0)
        stage_save(c, doc, 1,
                   json_is_true(json_object_get(doc, "autoDeploy")) &&
                       json_object_get(doc, "deploymentId") == NULL);
    json_decref(doc);
}

void admin_v2_stage_list(admin_call_t *c)
{
    int limit, more;
    const char *after;
    json_t *items;
    if (admin_v2_require_api(c, NULL, NULL) != 0 || admin_v2_page(c, &limit, &after) != 0)
        return;
    int rc = store_v2_stage_list(c->store, admin_arg(c, "api_id"), after, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_v2_reply_page(c, items, more, "stageName");
}

static int stage_load(admin_call_t *c, json_t **doc)
{
    int rc = store_v2_stage_get(c->store, admin_arg(c, "api_id"), admin_arg(c, "stage_name"), doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid stage identifier specified");
        return -1;
    }
    return 0;
}

void admin_v2_stage_get(admin_call_t *c)
{
    json_t *doc;
    if (admin_v2_require_api(c, NULL, NULL) == 0 && stage_load(c, &doc) == 0)
        admin_reply(c, 200, doc);
}

void admin_v2_stage_update(admin_call_t *c)
{
    enum store_v2_protocol p;
    json_t *doc = NULL;
    if (admin_v2_require_api(c, NULL, &p) != 0 || stage_load(c, &doc) != 0)
        return;
    int was_auto = json_is_true(json_object_get(doc, "autoDeploy"));
    if (admin_check(c, c->body, stage_update_fields) != 0)
        goto out;
    json_t *rs = json_object_get(c->body, "routeSettings");
    if (rs != NULL && !json_is_object(rs)) {
        admin_bad_request(c, "routeSettings must be an object");
        goto out;
    }
    admin_copy_fields(doc, c->body, stage_update_fields);
    /* routeSettings merge by route key, as the reference's UpdateStage does */
    if (rs != NULL)
        json_object_update(json_object_get(doc, "routeSettings"), rs);
    if (stage_check(c, p, doc) != 0)
        goto out;
    int deploy_now = !was_auto && json_is_true(json_object_get(doc, "autoDeploy")) &&
                     json_object_get(c->body, "deploymentId") == NULL;
    stage_save(c, doc, 0, deploy_now);
out:
    json_decref(doc);
}

/* Applies edit to the stage and saves it; answers 204. */
static void stage_edit(admin_call_t *c, int (*edit)(admin_call_t *c, json_t *doc))
{
    json_t *doc = NULL;
    if (admin_v2_require_api(c, NULL, NULL) != 0 || stage_load(c, &doc) != 0)
        return;
    const char *api_id = admin_arg(c, "api_id");
    if (edit(c, doc) != 0 || admin_begin(c) != 0)
        goto out;
    int rc = store_v2_stage_update(c->store, api_id, admin_arg(c, "stage_name"), admin_now(), doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_STAGES, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid stage identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
out:
    json_decref(doc);
}

static int edit_access_log(admin_call_t *c, json_t *doc)
{
    (void)c;
    json_object_del(doc, "accessLogSettings");
    return 0;
}

static int edit_route_settings(admin_call_t *c, json_t *doc)
{
    const char *key = admin_arg(c, "route_key");
    if (json_object_del(json_object_get(doc, "routeSettings"), key) != 0) {
        admin_not_found(c, "Unable to find route settings for route key %s", key);
        return -1;
    }
    return 0;
}

void admin_v2_stage_access_log_delete(admin_call_t *c)
{
    stage_edit(c, edit_access_log);
}

void admin_v2_stage_route_settings_delete(admin_call_t *c)
{
    stage_edit(c, edit_route_settings);
}

void admin_v2_stage_authorizer_cache_reset(admin_call_t *c)
{
    /* authorizer results are cached on the data planes only for the TTL;
     * nothing is kept here to flush */
    json_t *doc;
    if (admin_v2_require_api(c, NULL, NULL) == 0 && stage_load(c, &doc) == 0) {
        json_decref(doc);
        admin_reply(c, 204, NULL);
    }
}

void admin_v2_stage_delete(admin_call_t *c)
{
    if (admin_v2_require_api(c, NULL, NULL) != 0 || admin_begin(c) != 0)
        return;
    /* its API mappings go with it (foreign key) */
    int rc = store_v2_stage_delete(c->store, admin_arg(c, "api_id"), admin_arg(c, "stage_name"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_STAGES | PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid stage identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}

/* ---- deployments --------------------------------------------------------- */

static const admin_field_t deployment_fields[] = {
    {"description", ADMIN_STRING, .max = 1024},
    {"stageName", ADMIN_STRING, .min = 1, .max = 128},
    {NULL},
};

void admin_v2_deployment_create(admin_call_t *c)
{
    if (admin_v2_require_api(c, NULL, NULL) != 0 || admin_check(c, c->body, deployment_fields) != 0)
        return;
    const char *api_id = admin_arg(c, "api_id");
    const char *stage_name = json_string_value(json_object_get(c->body, "stageName"));
    const char *desc = json_string_value(json_object_get(c->body, "description"));
    json_t *stage = NULL;
    if (stage_name != NULL) {
        if (store_v2_stage_get(c->store, api_id, stage_name, &stage) != STORE_OK) {
            admin_bad_request(c, "Invalid stage identifier specified: %s", stage_name);
            return;
        }
        if (json_is_true(json_object_get(stage, "autoDeploy"))) {
            admin_bad_request(c,
                              "The stage %s has autoDeploy enabled: it is deployed on every "
                              "change already",
                              stage_name);
            goto out;
        }
    }
    if (admin_begin(c) != 0)
        goto out;
    char dep[STORE_V2_ID_LEN + 1];
    int rc = admin_v2_deploy(c, api_id, desc, 0, dep);
    if (rc == STORE_OK && stage != NULL) {
        json_object_set_new(stage, "deploymentId", json_string(dep));
        rc = store_v2_stage_update(c->store, api_id, stage_name, admin_now(), stage);
    }
    if (rc == STORE_OK)
        rc = publish_change(c->publish, stage != NULL ? PUBLISH_STAGES : PUBLISH_DEPLOYMENTS, NULL,
                            0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0) {
        json_t *d = NULL;
        rc = store_v2_deployment_get(c->store, api_id, dep, &d);
        if (rc == STORE_OK)
            admin_reply(c, 201, d);
        else
            admin_store_fail(c, rc, "");
    }
out:
    json_decref(stage);
}

void admin_v2_deployment_list(admin_call_t *c)
{
    int limit, more;
    const char *after;
    json_t *items;
    if (admin_v2_require_api(c, NULL, NULL) != 0 || admin_v2_page(c, &limit, &after) != 0)
        return;
    int rc =
        store_v2_deployment_list(c->store, admin_arg(c, "api_id"), after, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_v2_reply_page(c, items, more, "deploymentId");
}

void admin_v2_deployment_get(admin_call_t *c)
{
    json_t *d;
    if (admin_v2_require_api(c, NULL, NULL) != 0)
        return;
    int rc = store_v2_deployment_get(c->store, admin_arg(c, "api_id"),
                                     admin_arg(c, "deployment_id"), &d);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid deployment identifier specified");
        return;
    }
    admin_reply(c, 200, d);
}

void admin_v2_deployment_update(admin_call_t *c)
{
    static const admin_field_t fields[] = {{"description", ADMIN_STRING, .max = 1024}, {NULL}};
    if (admin_v2_require_api(c, NULL, NULL) != 0 || admin_check(c, c->body, fields) != 0 ||
        admin_begin(c) != 0)
        return;
    const char *api_id = admin_arg(c, "api_id"), *id = admin_arg(c, "deployment_id");
    int rc = store_v2_deployment_describe(
        c->store, api_id, id, json_string_value(json_object_get(c->body, "description")));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEPLOYMENTS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid deployment identifier specified");
        return;
    }
    if (admin_commit(c) != 0)
        return;
    json_t *d;
    rc = store_v2_deployment_get(c->store, api_id, id, &d);
    if (rc == STORE_OK)
        admin_reply(c, 200, d);
    else
        admin_store_fail(c, rc, "Invalid deployment identifier specified");
}

void admin_v2_deployment_delete(admin_call_t *c)
{
    if (admin_v2_require_api(c, NULL, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc =
        store_v2_deployment_delete(c->store, admin_arg(c, "api_id"), admin_arg(c, "deployment_id"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEPLOYMENTS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        if (rc == STORE_ECONFLICT)
            admin_bad_request(c, "Active stages pointing to this deployment must be moved or "
                                 "deleted");
        else
            admin_store_fail(c, rc, "Invalid deployment identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}
