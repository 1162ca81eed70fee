/* admin_resource: resources and the path grammar checks the reference applies
 * (one variable child per parent, greedy variables only as leaves). */
#include "admin_resource.h"

#include <string.h>

#include "admin_method.h"
#include "admin_require.h"
#include "crypto.h"
#include "pathtmpl.h"
#include "store_api.h"

/* Adds resourceMethods: method names with {} or, embedded, the full methods. */
static int resource_add_methods(admin_call_t *c, json_t *res, int embed)
{
    const char *keys[] = {admin_arg(c, "restapi_id"),
                          json_string_value(json_object_get(res, "id"))};
    json_t *methods;
    int rc = store_doc_children(c->store, STORE_DOC_METHOD, keys, &methods);
    if (rc != STORE_OK)
        return rc;
    if (json_object_size(methods) == 0) {
        json_decref(methods);
        return STORE_OK;
    }
    const char *verb;
    json_t *m;
    json_object_foreach(methods, verb, m)
    {
        if (embed)
            rc = admin_method_expand(c, keys[1], verb, m);
        else
            json_object_set_new(methods, verb, json_object());
        if (rc != STORE_OK)
            break;
    }
    json_object_set_new(res, "resourceMethods", methods);
    return rc;
}

static int resource_embed_methods(admin_call_t *c)
{
    const char *embed = admin_query(c, "embed");
    return embed != NULL && strstr(embed, "methods") != NULL;
}

void admin_resource_list(admin_call_t *c)
{
    int limit, more;
    const char *position;
    json_t *items;
    if (admin_require_api(c, NULL) != 0 || admin_page(c, &limit, &position) != 0)
        return;
    int rc =
        store_resource_list(c->store, admin_arg(c, "restapi_id"), position, limit, &items, &more);
    size_t i;
    json_t *res;
    int embed = resource_embed_methods(c);
    json_array_foreach(items, i, res) if (rc == STORE_OK) rc = resource_add_methods(c, res, embed);
    if (rc != STORE_OK) {
        json_decref(items);
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, more, "path");
}

void admin_resource_get(admin_call_t *c)
{
    json_t *res;
    if (admin_require_resource(c, &res) != 0)
        return;
    int rc = resource_add_methods(c, res, resource_embed_methods(c));
    if (rc != STORE_OK) {
        json_decref(res);
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply(c, 200, res);
}

/* Checks pathPart against its parent and siblings; replies and returns -1 when refused. */
static int resource_check_part(admin_call_t *c, json_t *parent, const char *part)
{
    const char *name;
    size_t name_len;
    enum pathtmpl_kind kind = pathtmpl_classify(part, strlen(part), &name, &name_len);
    if (kind == PATHTMPL_INVALID) {
        admin_bad_request(
            c, "Resource's path part only allow a-zA-Z0-9._- and curly braces at the "
               "beginning and the end and an optional plus sign before the closing brace.");
        return -1;
    }
    const char *ppath = json_string_value(json_object_get(parent, "path"));
    const char *last = strrchr(ppath, '/');
    if (last != NULL &&
        pathtmpl_classify(last + 1, strlen(last + 1), NULL, NULL) == PATHTMPL_GREEDY) {
        admin_bad_request(c, "Cannot create a child of a resource with a greedy path variable");
        return -1;
    }
    json_t *siblings;
    int rc = store_resource_children(c->store, admin_arg(c, "restapi_id"),
                                     admin_arg(c, "parent_id"), &siblings);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return -1;
    }
    size_t i;
    json_t *sib;
    rc = 0;
    json_array_foreach(siblings, i, sib)
    {
        const char *spart = json_string_value(json_object_get(sib, "pathPart"));
        if (strcmp(spart, part) == 0) {
            admin_conflict(c, "Another resource with the same parent already has this name: %s",
                           part);
            rc = -1;
            break;
        }
        if (kind != PATHTMPL_LITERAL &&
            pathtmpl_classify(spart, strlen(spart), NULL, NULL) != PATHTMPL_LITERAL) {
            admin_bad_request(c,
                              "A sibling (%s) of this resource already has a variable path part "
                              "-- only one is allowed",
                              spart);
            rc = -1;
            break;
        }
    }
    json_decref(siblings);
    return rc;
}

static const admin_field_t resource_fields[] = {
    {"pathPart", ADMIN_STRING, .required = 1, .min = 1, .max = 512},
    {NULL},
};

void admin_resource_create(admin_call_t *c)
{
    if (admin_check(c, c->body, resource_fields) != 0 || admin_require_api(c, NULL) != 0)
        return;
    const char *api_id = admin_arg(c, "restapi_id"), *parent_id = admin_arg(c, "parent_id");
    json_t *parent = NULL;
    int rc = store_resource_get(c->store, api_id, parent_id, &parent);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Resource identifier specified");
        return;
    }
    const char *part = json_string_value(json_object_get(c->body, "pathPart"));
    if (resource_check_part(c, parent, part) != 0 || admin_begin(c) != 0)
        goto out;
    const char *ppath = json_string_value(json_object_get(parent, "path"));
    char id[7];
    crypto_random_id(id, 6);
    char *path = h2o_concat(&c->req->pool,
                            h2o_iovec_init(ppath, strcmp(ppath, "/") == 0 ? 0 : strlen(ppath)),
                            h2o_iovec_init(H2O_STRLIT("/")), h2o_iovec_init(part, strlen(part)))
                     .base;
    rc = store_resource_insert(c->store, api_id, id, parent_id, part, path);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "Another resource with the same parent already has this name: %s",
                           part);
        else
            admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 201,
                    json_pack("{s:s,s:s,s:s,s:s}", "id", id, "parentId", parent_id, "pathPart",
                              part, "path", path));
out:
    json_decref(parent);
}

void admin_resource_delete(admin_call_t *c)
{
    json_t *res;
    if (admin_require_resource(c, &res) != 0)
        return;
    int is_root = json_object_get(res, "parentId") == NULL;
    json_decref(res);
    if (is_root) {
        admin_bad_request(c, "Cannot delete the root resource");
        return;
    }
    if (admin_begin(c) != 0)
        return;
    int rc =
        store_resource_delete(c->store, admin_arg(c, "restapi_id"), admin_arg(c, "resource_id"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Resource identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
