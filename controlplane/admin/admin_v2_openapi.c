/* admin_v2_openapi: HTTP API import, reimport and export. */
#include "admin_v2_openapi.h"

#include <stdlib.h>
#include <string.h>

#include "admin_v2.h"
#include "admin_v2_api.h"
#include "crypto.h"
#include "openapi_v2.h"
#include "store_v2.h"
#include "yamljson.h"

static void new_id(char *out, size_t len)
{
    crypto_random_id(out, len);
}

/* The document in {"body": "..."} as a plan; replies 400 and returns NULL. */
static json_t *import_plan(admin_call_t *c)
{
    const char *body = json_string_value(json_object_get(c->body, "body"));
    if (body == NULL) {
        admin_bad_request(c, "body is required: the OpenAPI document as a string");
        return NULL;
    }
    char err[512];
    json_t *doc = NULL;
    if (yamljson_load(body, strlen(body), &doc, err, sizeof(err)) != 0) {
        admin_bad_request(c, "Invalid OpenAPI document: %s", err);
        return NULL;
    }
    json_t *plan = openapi_v2_plan(doc, new_id, err, sizeof(err));
    json_decref(doc);
    if (plan == NULL) {
        admin_bad_request(c, "%s", err);
        return NULL;
    }
    const char *fail = admin_query(c, "failOnWarnings");
    json_t *warnings = json_object_get(plan, "warnings");
    if (fail != NULL && strcmp(fail, "true") == 0 && json_array_size(warnings) > 0) {
        admin_bad_request(c, "Warnings found during import: %s",
                          json_string_value(json_array_get(warnings, 0)));
        json_decref(plan);
        return NULL;
    }
    return plan;
}

/* Checks and writes one family's documents of the plan (inside the
 * transaction, {api_id} set). */
static int import_items(admin_call_t *c, json_t *api, json_t *items, const admin_v2_kind_t *k)
{
    size_t i;
    json_t *doc;
    json_array_foreach(items, i, doc)
    {
        if (admin_check(c, doc, k->fields) != 0 || k->check(c, api, STORE_V2_HTTP, doc, NULL) != 0)
            return -1;
        store_v2_key_t key = {json_string_value(json_object_get(api, "apiId")), k->kind, "",
                              json_string_value(json_object_get(doc, k->id_field)),
                              json_string_value(json_object_get(doc, k->name_field))};
        int rc = store_v2_item_insert(c->store, &key, doc);
        if (rc == STORE_OK && k->after_write != NULL)
            rc = k->after_write(c, doc);
        if (rc != STORE_OK) {
            if (rc == STORE_ECONFLICT)
                admin_conflict(c, "The document names %s %s twice", k->name_field,
                               key.name != NULL ? key.name : "");
            else
                admin_store_fail(c, rc, "");
            return -1;
        }
    }
    return 0;
}

static int import_all(admin_call_t *c, json_t *api, json_t *plan)
{
    if (import_items(c, api, json_object_get(plan, "authorizers"), &admin_v2_authorizer_kind) !=
            0 ||
        import_items(c, api, json_object_get(plan, "integrations"), &admin_v2_integration_kind) !=
            0 ||
        import_items(c, api, json_object_get(plan, "routes"), &admin_v2_route_kind) != 0)
        return -1;
    return 0;
}

static void set_api_arg(admin_call_t *c, const char *id)
{
    if (admin_arg(c, "api_id") == NULL && c->nargs < ADMIN_MAX_ARGS) {
        c->arg_names[c->nargs] = "api_id";
        c->args[c->nargs++] = h2o_strdup(&c->req->pool, id, SIZE_MAX).base;
    }
}

static void reply_api(admin_call_t *c, const char *id, json_t *plan, int status)
{
    json_t *api = NULL;
    int rc = store_v2_api_get(c->store, id, &api);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid API identifier specified");
        return;
    }
    if (json_array_size(json_object_get(plan, "warnings")) > 0)
        json_object_set(api, "warnings", json_object_get(plan, "warnings"));
    admin_reply(c, status, api);
}

void admin_v2_import(admin_call_t *c)
{
    json_t *plan = import_plan(c);
    if (plan == NULL)
        return;
    json_t *api = json_deep_copy(json_object_get(plan, "api"));
    json_object_set_new(api, "protocolType", json_string("HTTP"));
    if (admin_v2_api_complete(c, api) != 0)
        goto out;
    const char *id = json_string_value(json_object_get(api, "apiId"));
    set_api_arg(c, id);
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_v2_api_insert(c->store, id, admin_now(), api);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (import_all(c, api, plan) != 0) {
        publish_rollback(c->publish);
        goto out;
    }
    rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0)
        reply_api(c, id, plan, 201);
out:
    json_decref(api);
    json_decref(plan);
}

/* Deletes every document of kind in the API. */
static int clear_kind(admin_call_t *c, const char *api_id, const char *kind)
{
    store_v2_key_t key = {api_id, kind, "", NULL, NULL};
    json_t *items;
    int more;
    int rc = store_v2_item_list(c->store, &key, NULL, -1, &items, &more);
    const char *id_field = strcmp(kind, STORE_V2_ROUTE) == 0         ? "routeId"
                           : strcmp(kind, STORE_V2_INTEGRATION) == 0 ? "integrationId"
                                                                     : "authorizerId";
    size_t i;
    json_t *doc;
    json_array_foreach(items, i, doc)
    {
        if (rc != STORE_OK)
            break;
        key.id = json_string_value(json_object_get(doc, id_field));
        rc = store_v2_item_delete(c->store, &key);
    }
    json_decref(items);
    return rc;
}

void admin_v2_reimport(admin_call_t *c)
{
    json_t *api;
    enum store_v2_protocol p;
    if (admin_v2_require_api(c, &api, &p) != 0)
        return;
    json_t *plan = NULL;
    if (p != STORE_V2_HTTP) {
        admin_bad_request(c, "OpenAPI import is supported only for HTTP APIs");
        goto out;
    }
    if ((plan = import_plan(c)) == NULL)
        goto out;
    json_object_update(api, json_object_get(plan, "api"));
    if (json_object_get(json_object_get(plan, "api"), "corsConfiguration") == NULL)
        json_object_del(api, "corsConfiguration");
    if (admin_v2_api_check(c, api) != 0 || admin_begin(c) != 0)
        goto out;
    const char *id = admin_arg(c, "api_id");
    int rc = store_v2_api_update(c->store, id, api);
    if (rc == STORE_OK)
        rc = clear_kind(c, id, STORE_V2_ROUTE);
    if (rc == STORE_OK)
        rc = clear_kind(c, id, STORE_V2_INTEGRATION);
    if (rc == STORE_OK)
        rc = clear_kind(c, id, STORE_V2_AUTHORIZER);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        goto out;
    }
    if (import_all(c, api, plan) != 0) {
        publish_rollback(c->publish);
        goto out;
    }
    rc = admin_v2_changed(c, id);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0)
        reply_api(c, id, plan, 201);
out:
    json_decref(plan);
    json_decref(api);
}

static json_t *all_of(admin_call_t *c, const char *kind)
{
    store_v2_key_t key = {admin_arg(c, "api_id"), kind, "", NULL, NULL};
    json_t *items = NULL;
    int more;
    if (store_v2_item_list(c->store, &key, NULL, -1, &items, &more) != STORE_OK)
        return NULL;
    return items;
}

void admin_v2_export(admin_call_t *c)
{
    json_t *api;
    enum store_v2_protocol p;
    if (admin_v2_require_api(c, &api, &p) != 0)
        return;
    json_t *routes = NULL, *integrations = NULL, *authorizers = NULL, *doc = NULL;
    const char *spec = admin_arg(c, "specification");
    const char *type = admin_query(c, "outputType");
    const char *ext = admin_query(c, "includeExtensions");
    const char *stage = admin_query(c, "stageName");
    if (p != STORE_V2_HTTP) {
        admin_bad_request(c, "Export is supported only for HTTP APIs");
        goto out;
    }
    if (strcmp(spec, "OAS30") != 0) {
        admin_bad_request(c, "Invalid specification %s: OAS30", spec);
        goto out;
    }
    if (type == NULL || (strcmp(type, "JSON") != 0 && strcmp(type, "YAML") != 0)) {
        admin_bad_request(c, "outputType must be JSON or YAML");
        goto out;
    }
    if (stage != NULL) {
        json_t *st = NULL;
        int rc = store_v2_stage_get(c->store, admin_arg(c, "api_id"), stage, &st);
        json_decref(st);
        if (rc != STORE_OK) {
            admin_store_fail(c, rc, "Invalid stage identifier specified");
            goto out;
        }
    }
    routes = all_of(c, STORE_V2_ROUTE);
    integrations = all_of(c, STORE_V2_INTEGRATION);
    authorizers = all_of(c, STORE_V2_AUTHORIZER);
    if (routes == NULL || integrations == NULL || authorizers == NULL) {
        admin_store_fail(c, STORE_EIO, "");
        goto out;
    }
    doc = openapi_v2_export(api, routes, integrations, authorizers, stage,
                            ext == NULL || strcmp(ext, "false") != 0);
    char *text = NULL;
    size_t len = 0;
    if (strcmp(type, "JSON") == 0) {
        text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        len = text != NULL ? strlen(text) : 0;
    } else if (yamljson_dump(doc, &text, &len) != 0) {
        text = NULL;
    }
    if (text == NULL) {
        admin_store_fail(c, STORE_EIO, "");
        goto out;
    }
    admin_reply_text(c, 200, strcmp(type, "JSON") == 0 ? "application/json" : "application/yaml",
                     text, len);
out:
    json_decref(doc);
    json_decref(routes);
    json_decref(integrations);
    json_decref(authorizers);
    json_decref(api);
}
