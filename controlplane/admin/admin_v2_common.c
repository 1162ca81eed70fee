/* admin_v2_common: the API lookup, paging, deployments and automatic
 * deployment, and the generic handlers of the documents under an API. */
#include "admin_v2.h"

#include <stdlib.h>
#include <string.h>

#include "compiler_v2.h"
#include "crypto.h"
#include "store_v2.h"

int admin_v2_require_api(admin_call_t *c, json_t **doc, enum store_v2_protocol *p)
{
    const char *id = admin_arg(c, "api_id");
    json_t *api = NULL;
    int rc = store_v2_api_get(c->store, id, &api);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid API identifier specified");
        return -1;
    }
    if (p != NULL &&
        store_v2_check_protocol(json_string_value(json_object_get(api, "protocolType")), p) != 0)
        *p = STORE_V2_HTTP;
    if (doc != NULL)
        *doc = api;
    else
        json_decref(api);
    return 0;
}

int admin_v2_page(admin_call_t *c, int *limit, const char **after)
{
    const char *l = admin_query(c, "maxResults");
    *limit = 100;
    if (l != NULL) {
        char *end;
        long v = strtol(l, &end, 10);
        if (*l == '\0' || *end != '\0' || v < 1 || v > 500) {
            admin_bad_request(c, "Invalid maxResults value: %s; must be between 1 and 500", l);
            return -1;
        }
        *limit = (int)v;
    }
    *after = admin_query(c, "nextToken");
    return 0;
}

void admin_v2_reply_page(admin_call_t *c, json_t *items, int more, const char *id_field)
{
    json_t *body = json_object();
    if (more && json_array_size(items) > 0) {
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        json_t *token = json_object_get(last, id_field);
        if (token != NULL)
            json_object_set(body, "nextToken", token);
    }
    json_object_set_new(body, "items", items);
    admin_reply(c, 200, body);
}

int admin_v2_deploy(admin_call_t *c, const char *api_id, const char *description, int auto_deployed,
                    char *dep_id)
{
    crypto_random_id(dep_id, STORE_V2_ID_LEN);
    uint8_t *def = NULL;
    size_t len = 0;
    int rc = compiler_v2_pack(c->store, api_id, dep_id, &def, &len);
    if (rc == STORE_OK)
        rc = store_v2_deployment_insert(c->store, api_id, dep_id, admin_now(), description,
                                        auto_deployed, def, len);
    free(def);
    return rc;
}

int admin_v2_changed(admin_call_t *c, const char *api_id)
{
    json_t *stages = NULL;
    int more;
    int rc = store_v2_stage_list(c->store, api_id, NULL, -1, &stages, &more);
    if (rc != STORE_OK)
        return rc;
    char dep_id[STORE_V2_ID_LEN + 1] = "";
    size_t i;
    json_t *st;
    json_array_foreach(stages, i, st)
    {
        if (!json_is_true(json_object_get(st, "autoDeploy")))
            continue;
        if (dep_id[0] == '\0' &&
            (rc = admin_v2_deploy(c, api_id,
                                  "Automatic deployment triggered by changes to the "
                                  "Api configuration",
                                  1, dep_id)) != STORE_OK)
            break;
        json_object_set_new(st, "deploymentId", json_string(dep_id));
        json_object_set_new(
            st, "lastDeploymentStatusMessage",
            json_sprintf("Successfully deployed stage with deployment ID '%s'", dep_id));
        rc = store_v2_stage_update(
            c->store, api_id, json_string_value(json_object_get(st, "stageName")), admin_now(), st);
        if (rc != STORE_OK)
            break;
    }
    json_decref(stages);
    if (rc != STORE_OK)
        return rc;
    return publish_change(c->publish, dep_id[0] != '\0' ? PUBLISH_STAGES : PUBLISH_DEFINITION, NULL,
                          0);
}

int admin_v2_string_map(admin_call_t *c, json_t *map, const char *field)
{
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v)
    {
        if (!json_is_string(v)) {
            admin_bad_request(c, "Invalid value for %s.%s: a string is expected", field, k);
            return -1;
        }
    }
    return 0;
}

/* ---- documents under an API --------------------------------------------- */

int admin_v2_routes_use(admin_call_t *c, const char *field, const char *value)
{
    store_v2_key_t key = {admin_arg(c, "api_id"), STORE_V2_ROUTE, "", NULL, NULL};
    json_t *routes;
    int more;
    int rc = store_v2_item_list(c->store, &key, NULL, -1, &routes, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return -1;
    }
    int used = 0;
    size_t i;
    json_t *r;
    json_array_foreach(routes, i, r)
    {
        const char *v = json_string_value(json_object_get(r, field));
        used |= v != NULL && strcmp(v, value) == 0;
    }
    json_decref(routes);
    return used;
}

int admin_v2_item_load(admin_call_t *c, const char *kind, const char *parent_id, const char *id,
                       json_t **doc)
{
    store_v2_key_t key = {admin_arg(c, "api_id"), kind, parent_id, id, NULL};
    return store_v2_item_get(c->store, &key, doc);
}

/* Checks the API and the parent ({route_id} / {integration_id}); replies 404. */
static int item_scope(admin_call_t *c, const admin_v2_kind_t *k, json_t **api,
                      enum store_v2_protocol *p, const char **parent_id)
{
    if (admin_v2_require_api(c, api, p) != 0)
        return -1;
    *parent_id = "";
    if (k->parent_arg == NULL)
        return 0;
    *parent_id = admin_arg(c, k->parent_arg);
    json_t *parent = NULL;
    int rc = admin_v2_item_load(c, k->parent_kind, "", *parent_id, &parent);
    json_decref(parent);
    if (rc != STORE_OK) {
        if (api != NULL)
            json_decref(*api);
        admin_store_fail(c, rc, "Invalid parent identifier specified");
        return -1;
    }
    return 0;
}

static void item_fail(admin_call_t *c, const admin_v2_kind_t *k, const char *name, int rc)
{
    if (rc == STORE_ECONFLICT)
        admin_conflict(c, "%s with %s %s already exists for this API", k->what, k->name_field,
                       name != NULL ? name : "");
    else
        admin_store_fail(c, rc, "Invalid identifier specified");
}

/* Writes doc (insert or update) and finishes the change. */
static void item_write(admin_call_t *c, const admin_v2_kind_t *k, const char *parent_id,
                       json_t *doc, int create)
{
    const char *api_id = admin_arg(c, "api_id");
    store_v2_key_t key = {api_id, k->kind, parent_id,
                          json_string_value(json_object_get(doc, k->id_field)),
                          json_string_value(json_object_get(doc, k->name_field))};
    if (admin_begin(c) != 0)
        return;
    int rc = create ? store_v2_item_insert(c->store, &key, doc)
                    : store_v2_item_update(c->store, &key, doc);
    if (rc == STORE_OK && k->after_write != NULL)
        rc = k->after_write(c, doc);
    if (rc == STORE_OK)
        rc = admin_v2_changed(c, api_id);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        item_fail(c, k, key.name, rc);
        return;
    }
    if (admin_commit(c) != 0)
        return;
    if (k->after_commit != NULL)
        k->after_commit(c, doc);
    admin_reply(c, create ? 201 : 200, json_incref(doc));
}

void admin_v2_item_create(admin_call_t *c, const admin_v2_kind_t *k)
{
    json_t *api;
    enum store_v2_protocol p;
    const char *parent_id;
    if (item_scope(c, k, &api, &p, &parent_id) != 0)
        return;
    json_t *doc = json_object();
    if (admin_check(c, c->body, k->fields) != 0)
        goto out;
    admin_copy_fields(doc, c->body, k->fields);
    char id[STORE_V2_ID_LEN + 1];
    crypto_random_id(id, STORE_V2_ID_LEN);
    json_object_set_new(doc, k->id_field, json_string(id));
    if (k->check(c, api, p, doc, NULL) != 0)
        goto out;
    item_write(c, k, parent_id, doc, 1);
out:
    json_decref(doc);
    json_decref(api);
}

void admin_v2_item_get(admin_call_t *c, const admin_v2_kind_t *k)
{
    const char *parent_id;
    if (item_scope(c, k, NULL, NULL, &parent_id) != 0)
        return;
    json_t *doc;
    int rc = admin_v2_item_load(c, k->kind, parent_id, admin_arg(c, k->id_arg), &doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid identifier specified");
        return;
    }
    admin_reply(c, 200, doc);
}

void admin_v2_item_list(admin_call_t *c, const admin_v2_kind_t *k)
{
    const char *parent_id, *after;
    int limit, more;
    if (item_scope(c, k, NULL, NULL, &parent_id) != 0 || admin_v2_page(c, &limit, &after) != 0)
        return;
    store_v2_key_t key = {admin_arg(c, "api_id"), k->kind, parent_id, NULL, NULL};
    json_t *items;
    int rc = store_v2_item_list(c->store, &key, after, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_v2_reply_page(c, items, more, k->id_field);
}

void admin_v2_item_update(admin_call_t *c, const admin_v2_kind_t *k)
{
    json_t *api, *old = NULL, *doc = NULL;
    enum store_v2_protocol p;
    const char *parent_id;
    if (item_scope(c, k, &api, &p, &parent_id) != 0)
        return;
    int rc = admin_v2_item_load(c, k->kind, parent_id, admin_arg(c, k->id_arg), &old);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid identifier specified");
        goto out;
    }
    /* the update's fields: none is required, the merged document is checked whole */
    size_t n = 0;
    while (k->fields[n].name != NULL)
        n++;
    admin_field_t *optional = calloc(n + 1, sizeof(*optional));
    if (optional == NULL) {
        admin_store_fail(c, STORE_EIO, "");
        goto out;
    }
    memcpy(optional, k->fields, n * sizeof(*optional));
    for (size_t i = 0; i < n; i++)
        optional[i].required = 0;
    int bad = admin_check(c, c->body, optional);
    if (!bad) {
        doc = json_deep_copy(old);
        admin_copy_fields(doc, c->body, optional);
    }
    free(optional);
    if (bad || k->check(c, api, p, doc, old) != 0)
        goto out;
    item_write(c, k, parent_id, doc, 0);
out:
    json_decref(doc);
    json_decref(old);
    json_decref(api);
}

void admin_v2_item_delete(admin_call_t *c, const admin_v2_kind_t *k)
{
    const char *parent_id;
    if (item_scope(c, k, NULL, NULL, &parent_id) != 0)
        return;
    if (k->before_delete != NULL && k->before_delete(c, admin_arg(c, k->id_arg)) != 0)
        return;
    if (admin_begin(c) != 0)
        return;
    const char *api_id = admin_arg(c, "api_id");
    store_v2_key_t key = {api_id, k->kind, parent_id, admin_arg(c, k->id_arg), NULL};
    int rc = store_v2_item_delete(c->store, &key);
    if (rc == STORE_OK)
        rc = admin_v2_changed(c, api_id);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}
