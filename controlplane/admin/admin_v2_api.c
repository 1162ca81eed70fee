/* admin_v2_api: apigatewayv2 API documents. */
#include "admin_v2_api.h"

#include <string.h>

#include "admin_v2.h"
#include "crypto.h"
#include "iam_keys.h"
#include "store_v2.h"

static const char *const protocols[] = {"HTTP", "WEBSOCKET", NULL};
static const char *const ip_types[] = {"ipv4", "dualstack", NULL};

static const admin_field_t api_fields[] = {
    {"name", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"protocolType", ADMIN_STRING, .required = 1, .choices = protocols},
    {"routeSelectionExpression", ADMIN_STRING, .max = 256},
    {"apiKeySelectionExpression", ADMIN_STRING, .max = 256},
    {"corsConfiguration", ADMIN_OBJECT},
    {"description", ADMIN_STRING, .max = 1024},
    {"disableExecuteApiEndpoint", ADMIN_BOOL},
    {"disableSchemaValidation", ADMIN_BOOL},
    {"version", ADMIN_STRING, .max = 64},
    {"tags", ADMIN_STRING_MAP},
    {"ipAddressType", ADMIN_STRING, .choices = ip_types},
    {NULL},
};

/* what UpdateApi may change (protocolType may not) */
static const admin_field_t api_update_fields[] = {
    {"name", ADMIN_STRING, .min = 1, .max = 128},
    {"routeSelectionExpression", ADMIN_STRING, .max = 256},
    {"apiKeySelectionExpression", ADMIN_STRING, .max = 256},
    {"corsConfiguration", ADMIN_OBJECT},
    {"description", ADMIN_STRING, .max = 1024},
    {"disableExecuteApiEndpoint", ADMIN_BOOL},
    {"disableSchemaValidation", ADMIN_BOOL},
    {"version", ADMIN_STRING, .max = 64},
    {"ipAddressType", ADMIN_STRING, .choices = ip_types},
    {NULL},
};

static const admin_field_t quick_fields[] = {
    {"target", ADMIN_STRING, .min = 1, .max = 2048},
    {"routeKey", ADMIN_STRING, .min = 1, .max = 512},
    {"credentialsArn", ADMIN_STRING, .max = 2048},
    {NULL},
};

static const admin_field_t cors_fields[] = {
    {"allowOrigins", ADMIN_STRING_LIST},
    {"allowMethods", ADMIN_STRING_LIST},
    {"allowHeaders", ADMIN_STRING_LIST},
    {"exposeHeaders", ADMIN_STRING_LIST},
    {"maxAge", ADMIN_INT, .min = -1, .max = 86400},
    {"allowCredentials", ADMIN_BOOL},
    {NULL},
};

static int api_check_cors(admin_call_t *c, json_t *cors)
{
    if (admin_check(c, cors, cors_fields) != 0)
        return -1;
    json_t *origins = json_object_get(cors, "allowOrigins"), *v;
    size_t i;
    json_array_foreach(origins, i, v)
    {
        const char *o = json_string_value(v);
        if (strcmp(o, "*") == 0 && json_is_true(json_object_get(cors, "allowCredentials"))) {
            admin_bad_request(c, "allowCredentials is not supported with the origin *");
            return -1;
        }
        if (strcmp(o, "*") != 0 && strncmp(o, "http://", 7) != 0 &&
            strncmp(o, "https://", 8) != 0) {
            admin_bad_request(c, "Invalid origin %s: * or a scheme://host[:port] origin", o);
            return -1;
        }
        for (const char *ch = o; *ch != '\0'; ch++)
            if ((unsigned char)*ch <= 0x20 || *ch == 0x7f || *ch == ',') {
                admin_bad_request(c, "Invalid origin %s", o);
                return -1;
            }
    }
    static const char *const lists[] = {"allowMethods", "allowHeaders", "exposeHeaders"};
    for (size_t l = 0; l < 3; l++) {
        json_array_foreach(json_object_get(cors, lists[l]), i, v)
        {
            const char *s = json_string_value(v);
            int ok = s[0] != '\0';
            for (const char *ch = s; ok && *ch != '\0'; ch++)
                ok = (unsigned char)*ch > 0x20 && *ch != 0x7f && *ch != ',' && *ch != ':';
            if (!ok) {
                admin_bad_request(c, "Invalid value %s in %s", s, lists[l]);
                return -1;
            }
        }
    }
    return 0;
}

/* The whole document's rules (create and after an update's merge). */
int admin_v2_api_check(admin_call_t *c, json_t *doc)
{
    enum store_v2_protocol p;
    char err[512];
    store_v2_check_protocol(json_string_value(json_object_get(doc, "protocolType")), &p);
    const char *rse = json_string_value(json_object_get(doc, "routeSelectionExpression"));
    if (p == STORE_V2_HTTP && rse == NULL)
        json_object_set_new(doc, "routeSelectionExpression",
                            json_string(rse = "$request.method $request.path"));
    if (store_v2_check_route_selection(p, rse, err, sizeof(err)) != 0) {
        admin_bad_request(c, "%s", err);
        return -1;
    }
    const char *akse = json_string_value(json_object_get(doc, "apiKeySelectionExpression"));
    if (akse == NULL)
        json_object_set_new(doc, "apiKeySelectionExpression",
                            json_string(akse = "$request.header.x-api-key"));
    if (store_v2_check_api_key_selection(akse, err, sizeof(err)) != 0) {
        admin_bad_request(c, "%s", err);
        return -1;
    }
    json_t *cors = json_object_get(doc, "corsConfiguration");
    if (cors != NULL && p != STORE_V2_HTTP) {
        admin_bad_request(c, "CORS configuration is supported only for HTTP APIs");
        return -1;
    }
    if (cors != NULL && api_check_cors(c, cors) != 0)
        return -1;
    return 0;
}

/* A quick create target: an http(s) URL or a function ARN, printable. */
static int quick_target_ok(const char *t)
{
    if (strncmp(t, "http://", 7) != 0 && strncmp(t, "https://", 8) != 0 &&
        strncmp(t, "arn:", 4) != 0)
        return 0;
    for (; *t != '\0'; t++)
        if ((unsigned char)*t <= 0x20 || *t == 0x7f)
            return 0;
    return 1;
}

/* HTTP APIs' quick create: the integration, route and $default stage. */
static int api_quick_create(admin_call_t *c, const char *api_id)
{
    const char *target = json_string_value(json_object_get(c->body, "target"));
    const char *route_key = json_string_value(json_object_get(c->body, "routeKey"));
    const char *creds = json_string_value(json_object_get(c->body, "credentialsArn"));
    char iid[STORE_V2_ID_LEN + 1], rid[STORE_V2_ID_LEN + 1], dep[STORE_V2_ID_LEN + 1];
    crypto_random_id(iid, STORE_V2_ID_LEN);
    crypto_random_id(rid, STORE_V2_ID_LEN);
    int lambda = strncmp(target, "arn:", 4) == 0;
    json_t *integ = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:i,s:b,s:s}", "integrationId", iid, "integrationType",
        lambda ? "AWS_PROXY" : "HTTP_PROXY", "integrationUri", target, "payloadFormatVersion",
        lambda ? "2.0" : "1.0", "connectionType", "INTERNET", "timeoutInMillis", 30000,
        "apiGatewayManaged", 1, "integrationMethod", lambda ? "POST" : "ANY");
    if (creds != NULL)
        json_object_set_new(integ, "credentialsArn", json_string(creds));
    char target_ref[32];
    snprintf(target_ref, sizeof(target_ref), "integrations/%s", iid);
    json_t *route =
        json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "routeId", rid, "routeKey",
                  route_key != NULL ? route_key : "$default", "target", target_ref,
                  "authorizationType", "NONE", "apiKeyRequired", 0, "apiGatewayManaged", 1);
    store_v2_key_t ik = {api_id, STORE_V2_INTEGRATION, "", iid, iid};
    store_v2_key_t rk = {api_id, STORE_V2_ROUTE, "", rid,
                         json_string_value(json_object_get(route, "routeKey"))};
    int rc = store_v2_item_insert(c->store, &ik, integ);
    if (rc == STORE_OK)
        rc = store_v2_item_insert(c->store, &rk, route);
    if (rc == STORE_OK)
        rc = admin_v2_deploy(c, api_id,
                             "Automatic deployment triggered by changes to the Api "
                             "configuration",
                             1, dep);
    json_t *stage = json_pack("{s:s,s:s,s:b,s:b,s:{s:b},s:{},s:{},s:{}}", "stageName", "$default",
                              "deploymentId", dep, "autoDeploy", 1, "apiGatewayManaged", 1,
                              "defaultRouteSettings", "detailedMetricsEnabled", 0, "routeSettings",
                              "stageVariables", "tags");
    if (rc == STORE_OK)
        rc = store_v2_stage_insert(c->store, api_id, "$default", admin_now(), stage);
    json_decref(integ);
    json_decref(route);
    json_decref(stage);
    return rc;
}

static void api_endpoint(json_t *doc, const char *id, enum store_v2_protocol p)
{
    json_object_set_new(doc, "apiEndpoint",
                        json_sprintf("%s://%s.execute-api.%s.amazonaws.com",
                                     p == STORE_V2_HTTP ? "https" : "wss", id, iam_keys_region()));
}

int admin_v2_api_complete(admin_call_t *c, json_t *doc)
{
    if (admin_check(c, doc, api_fields) != 0)
        return -1;
    enum store_v2_protocol p;
    if (store_v2_check_protocol(json_string_value(json_object_get(doc, "protocolType")), &p) != 0) {
        admin_bad_request(c, "Invalid protocol type: HTTP or WEBSOCKET");
        return -1;
    }
    char id[STORE_V2_API_ID_LEN + 1];
    crypto_random_id(id, STORE_V2_API_ID_LEN);
    json_object_set_new(doc, "apiId", json_string(id));
    api_endpoint(doc, id, p);
    if (json_object_get(doc, "disableExecuteApiEndpoint") == NULL)
        json_object_set_new(doc, "disableExecuteApiEndpoint", json_false());
    if (json_object_get(doc, "ipAddressType") == NULL)
        json_object_set_new(doc, "ipAddressType", json_string("ipv4"));
    if (json_object_get(doc, "tags") == NULL)
        json_object_set_new(doc, "tags", json_object());
    return admin_v2_api_check(c, doc);
}

void admin_v2_api_create(admin_call_t *c)
{
    if (admin_check(c, c->body, api_fields) != 0 || admin_check(c, c->body, quick_fields) != 0)
        return;
    enum store_v2_protocol p;
    store_v2_check_protocol(json_string_value(json_object_get(c->body, "protocolType")), &p);
    const char *target = json_string_value(json_object_get(c->body, "target"));
    const char *route_key = json_string_value(json_object_get(c->body, "routeKey"));
    char err[512];
    if ((target != NULL || route_key != NULL) && p != STORE_V2_HTTP) {
        admin_bad_request(c, "Quick create (target, routeKey) is supported only for HTTP APIs");
        return;
    }
    if (route_key != NULL && target == NULL) {
        admin_bad_request(c, "routeKey requires a target");
        return;
    }
    if (route_key != NULL && store_v2_check_route_key(p, route_key, err, sizeof(err)) != 0) {
        admin_bad_request(c, "%s", err);
        return;
    }
    if (target != NULL && !quick_target_ok(target)) {
        admin_bad_request(c, "Invalid target %s: an http(s) URL or a function ARN", target);
        return;
    }
    json_t *doc = json_object();
    admin_copy_fields(doc, c->body, api_fields);
    if (admin_v2_api_complete(c, doc) != 0 || admin_begin(c) != 0)
        goto out;
    const char *id = json_string_value(json_object_get(doc, "apiId"));
    int64_t now = admin_now();
    int rc = store_v2_api_insert(c->store, id, now, doc);
    if (rc == STORE_OK && target != NULL)
        rc = api_quick_create(c, id);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, target != NULL ? PUBLISH_STAGES : PUBLISH_DEFINITION, NULL,
                            0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0) {
        char date[32];
        store_v2_iso(now, date, sizeof(date));
        json_object_set_new(doc, "createdDate", json_string(date));
        admin_reply(c, 201, json_incref(doc));
    }
out:
    json_decref(doc);
}

void admin_v2_api_list(admin_call_t *c)
{
    int limit, more;
    const char *after;
    json_t *items;
    if (admin_v2_page(c, &limit, &after) != 0)
        return;
    int rc = store_v2_api_list(c->store, after, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_v2_reply_page(c, items, more, "apiId");
}

void admin_v2_api_get(admin_call_t *c)
{
    json_t *doc;
    if (admin_v2_require_api(c, &doc, NULL) == 0)
        admin_reply(c, 200, doc);
}

/* The quick-created (apiGatewayManaged) document of kind, or NULL. */
static json_t *managed_item(admin_call_t *c, const char *kind)
{
    store_v2_key_t key = {admin_arg(c, "api_id"), kind, "", NULL, NULL};
    json_t *items = NULL, *found = NULL, *v;
    int more;
    size_t i;
    if (store_v2_item_list(c->store, &key, NULL, -1, &items, &more) != STORE_OK)
        return NULL;
    json_array_foreach(items, i, v) if (json_is_true(json_object_get(v, "apiGatewayManaged")))
        found = json_incref(v);
    json_decref(items);
    return found;
}

/* UpdateApi's target / routeKey change the quick-created integration and
 * route (inside the transaction). Replies and returns -1 on refusal. */
static int api_update_quick(admin_call_t *c, json_t *route, json_t *integ)
{
    const char *api_id = admin_arg(c, "api_id");
    const char *target = json_string_value(json_object_get(c->body, "target"));
    const char *route_key = json_string_value(json_object_get(c->body, "routeKey"));
    int rc = STORE_OK;
    if (target != NULL) {
        int lambda = strncmp(target, "arn:", 4) == 0;
        json_object_set_new(integ, "integrationUri", json_string(target));
        json_object_set_new(integ, "integrationType",
                            json_string(lambda ? "AWS_PROXY" : "HTTP_PROXY"));
        json_object_set_new(integ, "payloadFormatVersion", json_string(lambda ? "2.0" : "1.0"));
        json_object_set_new(integ, "integrationMethod", json_string(lambda ? "POST" : "ANY"));
        const char *iid = json_string_value(json_object_get(integ, "integrationId"));
        store_v2_key_t k = {api_id, STORE_V2_INTEGRATION, "", iid, iid};
        rc = store_v2_item_update(c->store, &k, integ);
    }
    if (rc == STORE_OK && route_key != NULL) {
        json_object_set_new(route, "routeKey", json_string(route_key));
        store_v2_key_t k = {api_id, STORE_V2_ROUTE, "",
                            json_string_value(json_object_get(route, "routeId")), route_key};
        rc = store_v2_item_update(c->store, &k, route);
    }
    if (rc != STORE_OK) {
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "Route with routeKey %s already exists for this API",
                           route_key != NULL ? route_key : "");
        else
            admin_store_fail(c, rc, "");
        return -1;
    }
    return 0;
}

static void api_save(admin_call_t *c, json_t *doc, json_t *route, json_t *integ)
{
    const char *id = admin_arg(c, "api_id");
    if (admin_v2_api_check(c, doc) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_v2_api_update(c->store, id, doc);
    if (rc == STORE_OK && route != NULL && api_update_quick(c, route, integ) != 0) {
        publish_rollback(c->publish);
        return;
    }
    if (rc == STORE_OK)
        rc = admin_v2_changed(c, id);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 200, json_incref(doc));
}

void admin_v2_api_update(admin_call_t *c)
{
    json_t *doc, *route = NULL, *integ = NULL;
    if (admin_v2_require_api(c, &doc, NULL) != 0)
        return;
    if (admin_check(c, c->body, api_update_fields) != 0 ||
        admin_check(c, c->body, quick_fields) != 0)
        goto out;
    const char *target = json_string_value(json_object_get(c->body, "target"));
    const char *route_key = json_string_value(json_object_get(c->body, "routeKey"));
    if (target != NULL || route_key != NULL) {
        char err[512];
        route = managed_item(c, STORE_V2_ROUTE);
        integ = managed_item(c, STORE_V2_INTEGRATION);
        if (route == NULL || integ == NULL) {
            admin_bad_request(c, "target and routeKey can be updated only on an API made by "
                                 "quick create");
            goto out;
        }
        if (route_key != NULL &&
            store_v2_check_route_key(STORE_V2_HTTP, route_key, err, sizeof(err)) != 0) {
            admin_bad_request(c, "%s", err);
            goto out;
        }
        if (target != NULL && !quick_target_ok(target)) {
            admin_bad_request(c, "Invalid target %s: an http(s) URL or a function ARN", target);
            goto out;
        }
    }
    admin_copy_fields(doc, c->body, api_update_fields);
    api_save(c, doc, route, integ);
out:
    json_decref(route);
    json_decref(integ);
    json_decref(doc);
}

void admin_v2_cors_delete(admin_call_t *c)
{
    json_t *doc;
    if (admin_v2_require_api(c, &doc, NULL) != 0)
        return;
    json_object_del(doc, "corsConfiguration");
    const char *id = admin_arg(c, "api_id");
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_v2_api_update(c->store, id, doc);
    if (rc == STORE_OK)
        rc = admin_v2_changed(c, id);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
out:
    json_decref(doc);
}

void admin_v2_api_delete(admin_call_t *c)
{
    if (admin_v2_require_api(c, NULL, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_v2_api_delete(c->store, admin_arg(c, "api_id"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_APIS | PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}
