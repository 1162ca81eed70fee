/* admin_v2_route: routes and route responses. */
#include "admin_v2_route.h"

#include <string.h>

#include "admin_v2.h"
#include "store_v2.h"

static const char *const auth_types[] = {"NONE", "JWT", "AWS_IAM", "CUSTOM", NULL};

static const admin_field_t route_fields[] = {
    {"routeKey", ADMIN_STRING, .required = 1, .min = 1, .max = 512},
    {"target", ADMIN_STRING, .max = 128},
    {"authorizationType", ADMIN_STRING, .choices = auth_types},
    {"authorizerId", ADMIN_STRING, .max = 64},
    {"authorizationScopes", ADMIN_STRING_LIST},
    {"apiKeyRequired", ADMIN_BOOL},
    {"operationName", ADMIN_STRING, .max = 256},
    {"routeResponseSelectionExpression", ADMIN_STRING, .max = 256},
    {"requestModels", ADMIN_STRING_MAP},
    {"modelSelectionExpression", ADMIN_STRING, .max = 256},
    {"requestParameters", ADMIN_OBJECT},
    {NULL},
};

/* "route.request.header.NAME" / "route.request.querystring.NAME" -> {"required": bool} */
static int route_check_params(admin_call_t *c, json_t *params)
{
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v)
    {
        const char *name = strncmp(k, "route.request.header.", 21) == 0        ? k + 21
                           : strncmp(k, "route.request.querystring.", 26) == 0 ? k + 26
                                                                               : NULL;
        int ok = name != NULL && name[0] != '\0' && json_is_object(v);
        for (const char *ch = name; ok && *ch != '\0'; ch++)
            ok = (unsigned char)*ch > 0x20 && *ch != 0x7f;
        json_t *req = json_object_get(v, "required");
        if (!ok || (req != NULL && !json_is_boolean(req))) {
            admin_bad_request(c,
                              "Invalid request parameter %s: route.request.header.{name} or "
                              "route.request.querystring.{name} with {\"required\": boolean}",
                              k);
            return -1;
        }
    }
    return 0;
}

/* requestModels name models of the API. */
static int route_check_models(admin_call_t *c, json_t *models)
{
    if (json_object_size(models) == 0)
        return 0;
    store_v2_key_t key = {admin_arg(c, "api_id"), STORE_V2_MODEL, "", NULL, NULL};
    json_t *all;
    int more;
    int rc = store_v2_item_list(c->store, &key, NULL, -1, &all, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return -1;
    }
    const char *k;
    json_t *v, *m;
    size_t i;
    int missing = 0;
    json_object_foreach(models, k, v)
    {
        int found = 0;
        json_array_foreach(all, i, m) found |=
            strcmp(json_string_value(json_object_get(m, "name")), json_string_value(v)) == 0;
        if (!found) {
            admin_bad_request(c, "Invalid model specified in requestModels: %s",
                              json_string_value(v));
            missing = 1;
            break;
        }
    }
    json_decref(all);
    return missing ? -1 : 0;
}

static int route_check_auth(admin_call_t *c, enum store_v2_protocol p, json_t *doc)
{
    const char *type = json_string_value(json_object_get(doc, "authorizationType"));
    const char *authorizer = json_string_value(json_object_get(doc, "authorizerId"));
    const char *key = json_string_value(json_object_get(doc, "routeKey"));
    if (type == NULL)
        json_object_set_new(doc, "authorizationType", json_string(type = "NONE"));
    if (p == STORE_V2_WEBSOCKET && strcmp(type, "NONE") != 0 && strcmp(key, "$connect") != 0) {
        admin_bad_request(c, "Currently, authorization is restricted to the $connect route only");
        return -1;
    }
    if (p == STORE_V2_WEBSOCKET && strcmp(type, "JWT") == 0) {
        admin_bad_request(c, "JWT authorizers are supported only for HTTP APIs");
        return -1;
    }
    if (strcmp(type, "JWT") == 0 || strcmp(type, "CUSTOM") == 0) {
        json_t *au = NULL;
        int rc = authorizer != NULL
                     ? admin_v2_item_load(c, STORE_V2_AUTHORIZER, "", authorizer, &au)
                     : STORE_ENOTFOUND;
        const char *au_type = json_string_value(json_object_get(au, "authorizerType"));
        int ok =
            rc == STORE_OK && strcmp(au_type, strcmp(type, "JWT") == 0 ? "JWT" : "REQUEST") == 0;
        json_decref(au);
        if (!ok) {
            admin_bad_request(c,
                              "Invalid authorizer ID specified: authorizationType %s needs "
                              "the id of an existing %s authorizer",
                              type, strcmp(type, "JWT") == 0 ? "JWT" : "REQUEST");
            return -1;
        }
    } else if (authorizer != NULL) {
        json_object_del(doc, "authorizerId");
    }
    json_t *scopes = json_object_get(doc, "authorizationScopes");
    if (json_array_size(scopes) > 0 && strcmp(type, "JWT") != 0 &&
        json_object_get(c->body, "authorizationScopes") == NULL) {
        json_object_del(doc, "authorizationScopes"); /* left from an earlier JWT route */
        scopes = NULL;
    }
    if (json_array_size(scopes) > 0 && strcmp(type, "JWT") != 0) {
        admin_bad_request(c, "Authorization scopes are supported only for JWT authorizers");
        return -1;
    }
    return 0;
}

static int route_check(admin_call_t *c, json_t *api, enum store_v2_protocol p, json_t *doc,
                       json_t *old)
{
    (void)api;
    (void)old;
    char err[512];
    const char *key = json_string_value(json_object_get(doc, "routeKey"));
    if (store_v2_check_route_key(p, key, err, sizeof(err)) != 0) {
        admin_bad_request(c, "%s", err);
        return -1;
    }
    const char *target = json_string_value(json_object_get(doc, "target"));
    if (target != NULL && target[0] == '\0') {
        json_object_del(doc, "target");
        target = NULL;
    }
    if (target != NULL) {
        json_t *integ = NULL;
        int rc = strncmp(target, "integrations/", 13) == 0
                     ? admin_v2_item_load(c, STORE_V2_INTEGRATION, "", target + 13, &integ)
                     : STORE_ENOTFOUND;
        json_decref(integ);
        if (rc != STORE_OK) {
            admin_bad_request(c,
                              "Invalid target %s: integrations/{integrationId} of an existing "
                              "integration",
                              target);
            return -1;
        }
    }
    if (route_check_auth(c, p, doc) != 0)
        return -1;
    if (json_object_get(doc, "apiKeyRequired") == NULL)
        json_object_set_new(doc, "apiKeyRequired", json_false());
    if (p == STORE_V2_HTTP) {
        static const char *const ws_only[] = {"routeResponseSelectionExpression", "requestModels",
                                              "modelSelectionExpression", "requestParameters"};
        for (size_t i = 0; i < sizeof(ws_only) / sizeof(ws_only[0]); i++)
            if (json_object_get(doc, ws_only[i]) != NULL) {
                admin_bad_request(c, "%s is supported only for WebSocket APIs", ws_only[i]);
                return -1;
            }
        if (json_is_true(json_object_get(doc, "apiKeyRequired"))) {
            admin_bad_request(c, "API keys are supported only for WebSocket APIs");
            return -1;
        }
        return 0;
    }
    const char *rrse = json_string_value(json_object_get(doc, "routeResponseSelectionExpression"));
    if (rrse != NULL && rrse[0] != '\0' && strcmp(rrse, "$default") != 0) {
        admin_bad_request(c, "Currently, only $default is supported as the route response "
                             "selection expression");
        return -1;
    }
    if (route_check_models(c, json_object_get(doc, "requestModels")) != 0)
        return -1;
    json_t *params = json_object_get(doc, "requestParameters");
    if (params != NULL && json_object_size(params) > 0 && strcmp(key, "$connect") != 0) {
        admin_bad_request(c, "Request parameters are supported only on the $connect route");
        return -1;
    }
    return route_check_params(c, params);
}

const admin_v2_kind_t admin_v2_route_kind = {
    .kind = STORE_V2_ROUTE,
    .what = "Route",
    .id_field = "routeId",
    .id_arg = "route_id",
    .name_field = "routeKey",
    .fields = route_fields,
    .check = route_check,
};

void admin_v2_route_create(admin_call_t *c)
{
    admin_v2_item_create(c, &admin_v2_route_kind);
}
void admin_v2_route_list(admin_call_t *c)
{
    admin_v2_item_list(c, &admin_v2_route_kind);
}
void admin_v2_route_get(admin_call_t *c)
{
    admin_v2_item_get(c, &admin_v2_route_kind);
}
void admin_v2_route_update(admin_call_t *c)
{
    admin_v2_item_update(c, &admin_v2_route_kind);
}
void admin_v2_route_delete(admin_call_t *c)
{
    admin_v2_item_delete(c, &admin_v2_route_kind);
}

/* DeleteRouteRequestParameter: the body is the route without that key. */
void admin_v2_route_param_delete(admin_call_t *c)
{
    json_t *doc = NULL;
    if (admin_v2_require_api(c, NULL, NULL) != 0)
        return;
    int rc = admin_v2_item_load(c, STORE_V2_ROUTE, "", admin_arg(c, "route_id"), &doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Route identifier specified");
        return;
    }
    const char *param = admin_arg(c, "param_key");
    json_t *params = json_object_get(doc, "requestParameters");
    if (json_object_get(params, param) == NULL) {
        admin_not_found(c, "Invalid request parameter key specified: %s", param);
        goto out;
    }
    json_object_del(params, param);
    const char *api_id = admin_arg(c, "api_id");
    store_v2_key_t key = {api_id, STORE_V2_ROUTE, "", admin_arg(c, "route_id"),
                          json_string_value(json_object_get(doc, "routeKey"))};
    if (admin_begin(c) != 0)
        goto out;
    rc = store_v2_item_update(c->store, &key, doc);
    if (rc == STORE_OK)
        rc = admin_v2_changed(c, api_id);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid Route identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
out:
    json_decref(doc);
}

/* ---- route responses (WebSocket) ---------------------------------------- */

static const admin_field_t route_response_fields[] = {
    {"routeResponseKey", ADMIN_STRING, .required = 1, .min = 1, .max = 256},
    {"responseModels", ADMIN_STRING_MAP},
    {"responseParameters", ADMIN_OBJECT},
    {"modelSelectionExpression", ADMIN_STRING, .max = 256},
    {NULL},
};

static int route_response_check(admin_call_t *c, json_t *api, enum store_v2_protocol p, json_t *doc,
                                json_t *old)
{
    (void)api;
    (void)old;
    if (p != STORE_V2_WEBSOCKET) {
        admin_bad_request(c, "Route responses are supported only for WebSocket APIs");
        return -1;
    }
    if (strcmp(json_string_value(json_object_get(doc, "routeResponseKey")), "$default") != 0) {
        admin_bad_request(c, "Currently, only $default is supported as a route response key");
        return -1;
    }
    return 0;
}

static const admin_v2_kind_t route_response_kind = {
    .kind = STORE_V2_ROUTE_RESPONSE,
    .what = "RouteResponse",
    .id_field = "routeResponseId",
    .id_arg = "route_response_id",
    .parent_arg = "route_id",
    .parent_kind = STORE_V2_ROUTE,
    .name_field = "routeResponseKey",
    .fields = route_response_fields,
    .check = route_response_check,
};

void admin_v2_route_response_create(admin_call_t *c)
{
    admin_v2_item_create(c, &route_response_kind);
}
void admin_v2_route_response_list(admin_call_t *c)
{
    admin_v2_item_list(c, &route_response_kind);
}
void admin_v2_route_response_get(admin_call_t *c)
{
    admin_v2_item_get(c, &route_response_kind);
}
void admin_v2_route_response_update(admin_call_t *c)
{
    admin_v2_item_update(c, &route_response_kind);
}
void admin_v2_route_response_delete(admin_call_t *c)
{
    admin_v2_item_delete(c, &route_response_kind);
}
