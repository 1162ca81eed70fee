/* admin_v2_integration: integrations and integration responses. */
#include "admin_v2_integration.h"

#include <stdio.h>
#include <string.h>

#include "admin_template.h"
#include "admin_v2.h"
#include "store_v2.h"

static const char *const integ_types[] = {"AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK", NULL};
static const char *const passthroughs[] = {"WHEN_NO_MATCH", "NEVER", "WHEN_NO_TEMPLATES", NULL};
static const char *const content_handlings[] = {"CONVERT_TO_BINARY", "CONVERT_TO_TEXT", NULL};
static const char *const connection_types[] = {"INTERNET", "VPC_LINK", NULL};
static const char *const verbs[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                    "HEAD", "OPTIONS", "ANY", NULL};

static const admin_field_t integration_fields[] = {
    {"integrationType", ADMIN_STRING, .required = 1, .choices = integ_types},
    {"integrationUri", ADMIN_STRING, .max = 2048},
    {"integrationMethod", ADMIN_STRING, .choices = verbs},
    {"integrationSubtype", ADMIN_STRING, .max = 128},
    {"payloadFormatVersion", ADMIN_STRING, .max = 8},
    {"timeoutInMillis", ADMIN_INT, .min = 0, .max = 1000000},
    {"requestParameters", ADMIN_STRING_MAP},
    {"requestTemplates", ADMIN_STRING_MAP},
    {"templateSelectionExpression", ADMIN_STRING, .max = 256},
    {"passthroughBehavior", ADMIN_STRING, .choices = passthroughs},
    {"contentHandlingStrategy", ADMIN_STRING, .choices = content_handlings},
    {"responseParameters", ADMIN_OBJECT},
    {"connectionType", ADMIN_STRING, .choices = connection_types},
    {"connectionId", ADMIN_STRING, .max = 64},
    {"credentialsArn", ADMIN_STRING, .max = 2048},
    {"description", ADMIN_STRING, .max = 1024},
    {"tlsConfig", ADMIN_OBJECT},
    {NULL},
};

static int printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static int integration_check_uri(admin_call_t *c, const char *type, const char *uri)
{
    if (strcmp(type, "MOCK") == 0) {
        if (uri != NULL && uri[0] != '\0') {
            admin_bad_request(c, "MOCK integrations take no integrationUri");
            return -1;
        }
        return 0;
    }
    if (uri == NULL || uri[0] == '\0') {
        admin_bad_request(c, "integrationUri is required for %s integrations", type);
        return -1;
    }
    int http = strncmp(type, "HTTP", 4) == 0;
    int ok = printable(uri) &&
             (http ? strncmp(uri, "http://", 7) == 0 || strncmp(uri, "https://", 8) == 0
                   : strncmp(uri, "arn:", 4) == 0);
    if (!ok) {
        admin_bad_request(c, "Invalid integration URI specified: %s (%s)", uri,
                          http ? "an http:// or https:// URL" : "a function or service ARN");
        return -1;
    }
    return 0;
}

static int integration_check_params(admin_call_t *c, enum store_v2_protocol p, json_t *doc)
{
    char err[512];
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(doc, "requestParameters"), k, v)
    {
        if (store_v2_check_request_parameter(p, k, err, sizeof(err)) != 0) {
            admin_bad_request(c, "%s", err);
            return -1;
        }
        const char *val = json_string_value(v);
        if ((val[0] == '\0' && strncmp(k, "remove:", 7) != 0) || strchr(val, '\n') != NULL ||
            strchr(val, '\r') != NULL) {
            admin_bad_request(c, "Invalid mapping value for %s", k);
            return -1;
        }
    }
    json_t *rp = json_object_get(doc, "responseParameters");
    if (rp == NULL)
        return 0;
    if (p != STORE_V2_HTTP) {
        admin_bad_request(c, "responseParameters on integrations are supported only for HTTP "
                             "APIs; WebSocket APIs map responses in integration responses");
        return -1;
    }
    const char *status;
    json_t *map;
    json_object_foreach(rp, status, map)
    {
        if (!json_is_object(map)) {
            admin_bad_request(c, "Invalid responseParameters for status %s: a map", status);
            return -1;
        }
        json_object_foreach(map, k, v)
        {
            if (store_v2_check_response_parameter(status, k, err, sizeof(err)) != 0 ||
                !json_is_string(v)) {
                admin_bad_request(c, "%s", json_is_string(v) ? err : "Invalid mapping value");
                return -1;
            }
        }
    }
    return 0;
}

static int integration_check(admin_call_t *c, json_t *api, enum store_v2_protocol p, json_t *doc,
                             json_t *old)
{
    (void)api;
    (void)old;
    char err[512];
    const char *type = json_string_value(json_object_get(doc, "integrationType"));
    const char *pfv_in = json_string_value(json_object_get(doc, "payloadFormatVersion"));
    json_t *t = json_object_get(doc, "timeoutInMillis");
    const char *pfv;
    long timeout;
    if (store_v2_check_integration(p, type, pfv_in, &pfv,
                                   t != NULL ? (long)json_integer_value(t) : -1, &timeout, err,
                                   sizeof(err)) != 0) {
        admin_bad_request(c, "%s", err);
        return -1;
    }
    json_object_set_new(doc, "payloadFormatVersion", json_string(pfv));
    json_object_set_new(doc, "timeoutInMillis", json_integer(timeout));
    if (integration_check_uri(c, type, json_string_value(json_object_get(doc, "integrationUri"))) !=
        0)
        return -1;
    const char *conn = json_string_value(json_object_get(doc, "connectionType"));
    if (conn != NULL && strcmp(conn, "VPC_LINK") == 0) {
        admin_bad_request(c, "VPC links are not supported by this gateway");
        return -1;
    }
    json_object_set_new(doc, "connectionType", json_string("INTERNET"));
    const char *method = json_string_value(json_object_get(doc, "integrationMethod"));
    if (strncmp(type, "HTTP", 4) == 0 && method == NULL) {
        if (p == STORE_V2_WEBSOCKET) {
            admin_bad_request(c, "integrationMethod is required for %s integrations", type);
            return -1;
        }
        json_object_set_new(doc, "integrationMethod", json_string("ANY"));
    } else if (strncmp(type, "AWS", 3) == 0 && method == NULL) {
        json_object_set_new(doc, "integrationMethod", json_string("POST"));
    }
    if (p == STORE_V2_HTTP) {
        static const char *const ws_only[] = {"requestTemplates", "templateSelectionExpression",
                                              "passthroughBehavior", "contentHandlingStrategy"};
        for (size_t i = 0; i < sizeof(ws_only) / sizeof(ws_only[0]); i++)
            if (json_object_get(doc, ws_only[i]) != NULL) {
                admin_bad_request(c, "%s is supported only for WebSocket APIs", ws_only[i]);
                return -1;
            }
    } else if (strstr(type, "PROXY") == NULL) {
        if (admin_template_check_map(c, json_object_get(doc, "requestTemplates")) != 0)
            return -1;
        if (json_object_get(doc, "passthroughBehavior") == NULL)
            json_object_set_new(doc, "passthroughBehavior", json_string("WHEN_NO_MATCH"));
        json_object_set_new(doc, "integrationResponseSelectionExpression",
                            json_string(strcmp(type, "AWS") == 0
                                            ? "${integration.response.body.errorMessage}"
                                            : "${integration.response.statuscode}"));
    } else if (json_object_get(doc, "requestTemplates") != NULL) {
        admin_bad_request(c, "Request templates are not supported for %s integrations", type);
        return -1;
    }
    return integration_check_params(c, p, doc);
}

static int integration_before_delete(admin_call_t *c, const char *id)
{
    char target[64];
    snprintf(target, sizeof(target), "integrations/%s", id);
    int used = admin_v2_routes_use(c, "target", target);
    if (used == 1)
        admin_conflict(c,
                       "Integration %s is the target of a route: change or delete the route "
                       "first",
                       id);
    return used != 0 ? -1 : 0;
}

const admin_v2_kind_t admin_v2_integration_kind = {
    .kind = STORE_V2_INTEGRATION,
    .what = "Integration",
    .id_field = "integrationId",
    .id_arg = "integration_id",
    .name_field = "integrationId", /* no unique name: the id itself */
    .fields = integration_fields,
    .check = integration_check,
    .before_delete = integration_before_delete,
};

void admin_v2_integration_create(admin_call_t *c)
{
    admin_v2_item_create(c, &admin_v2_integration_kind);
}
void admin_v2_integration_list(admin_call_t *c)
{
    admin_v2_item_list(c, &admin_v2_integration_kind);
}
void admin_v2_integration_get(admin_call_t *c)
{
    admin_v2_item_get(c, &admin_v2_integration_kind);
}
void admin_v2_integration_update(admin_call_t *c)
{
    admin_v2_item_update(c, &admin_v2_integration_kind);
}
void admin_v2_integration_delete(admin_call_t *c)
{
    admin_v2_item_delete(c, &admin_v2_integration_kind);
}

/* ---- integration responses (WebSocket) ---------------------------------- */

static const admin_field_t integration_response_fields[] = {
    {"integrationResponseKey", ADMIN_STRING, .required = 1, .min = 1, .max = 256},
    {"responseTemplates", ADMIN_STRING_MAP},
    {"templateSelectionExpression", ADMIN_STRING, .max = 256},
    {"responseParameters", ADMIN_STRING_MAP},
    {"contentHandlingStrategy", ADMIN_STRING, .choices = content_handlings},
    {NULL},
};

static int integration_response_check(admin_call_t *c, json_t *api, enum store_v2_protocol p,
                                      json_t *doc, json_t *old)
{
    (void)api;
    (void)old;
    if (p != STORE_V2_WEBSOCKET) {
        admin_bad_request(c, "Integration responses are supported only for WebSocket APIs");
        return -1;
    }
    const char *key = json_string_value(json_object_get(doc, "integrationResponseKey"));
    size_t n = strlen(key);
    if (strcmp(key, "$default") != 0 && (n < 3 || key[0] != '/' || key[n - 1] != '/')) {
        admin_bad_request(c, "Invalid integration response key %s: $default or a /regex/", key);
        return -1;
    }
    if (admin_template_check_map(c, json_object_get(doc, "responseTemplates")) != 0)
        return -1;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(doc, "responseParameters"), k, v)
    {
        if (strncmp(k, "method.response.header.", 23) != 0 || !printable(k + 23) || k[23] == '\0') {
            admin_bad_request(c, "Invalid mapping expression specified: %s", k);
            return -1;
        }
    }
    return 0;
}

static const admin_v2_kind_t integration_response_kind = {
    .kind = STORE_V2_INTEGRATION_RESPONSE,
    .what = "IntegrationResponse",
    .id_field = "integrationResponseId",
    .id_arg = "integration_response_id",
    .parent_arg = "integration_id",
    .parent_kind = STORE_V2_INTEGRATION,
    .name_field = "integrationResponseKey",
    .fields = integration_response_fields,
    .check = integration_response_check,
};

void admin_v2_integration_response_create(admin_call_t *c)
{
    admin_v2_item_create(c, &integration_response_kind);
}
void admin_v2_integration_response_list(admin_call_t *c)
{
    admin_v2_item_list(c, &integration_response_kind);
}
void admin_v2_integration_response_get(admin_call_t *c)
{
    admin_v2_item_get(c, &integration_response_kind);
}
void admin_v2_integration_response_update(admin_call_t *c)
{
    admin_v2_item_update(c, &integration_response_kind);
}
void admin_v2_integration_response_delete(admin_call_t *c)
{
    admin_v2_item_delete(c, &integration_response_kind);
}
