/* admin_import_write: an import plan (openapi_in.h) into the store inside
 * the caller's transaction. Every document goes through the same checks as
 * the single-object admin operations (admin_*_check), in an order in which
 * what they look up is already written: models, validators, authorizers,
 * gateway responses, then resources and their methods. */
#include "admin_import.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "admin_authorizer.h"
#include "admin_gwresp.h"
#include "admin_integration.h"
#include "admin_method.h"
#include "admin_model.h"
#include "crypto.h"
#include "openapi_ref.h"
#include "store_api.h"
#include "store_auth.h"
#include "store_model.h"

typedef struct {
    admin_call_t *c;
    const char *api_id;
    json_t *plan;
    json_t *paths;      /* resource path → id */
    json_t *validators; /* name → id */
    json_t *authorizers;
    int merge;
} import_w_t;

static int w_store_fail(import_w_t *w, int rc)
{
    admin_store_fail(w->c, rc, "Invalid REST API identifier specified");
    return -1;
}

/* ---- clearing (overwrite) -------------------------------------------------- */

static int clear_list(admin_call_t *c, const char *api_id, json_t *items, const char *key,
                      int (*del)(store_t *, const char *, const char *))
{
    size_t i;
    json_t *it;
    int rc = STORE_OK;
    json_array_foreach(items, i, it)
    {
        if (rc == STORE_OK)
            rc = del(c->store, api_id, json_string_value(json_object_get(it, key)));
    }
    json_decref(items);
    return rc;
}

int admin_import_clear(admin_call_t *c, const char *api_id, const char *root_id)
{
    json_t *items = NULL, *obj = NULL;
    const char *keys[3] = {api_id, root_id, NULL};
    int rc = store_resource_children(c->store, api_id, root_id, &items);
    rc = rc == STORE_OK ? clear_list(c, api_id, items, "id", store_resource_delete) : rc;
    if (rc == STORE_OK && (rc = store_doc_children(c->store, STORE_DOC_METHOD, keys, &obj)) == 0) {
        const char *verb;
        json_t *m;
        json_object_foreach(obj, verb, m)
        {
            const char *k[3] = {api_id, root_id, verb};
            rc = rc == STORE_OK ? store_doc_delete(c->store, STORE_DOC_METHOD, k) : rc;
        }
        json_decref(obj);
    }
    rc = rc == STORE_OK ? store_model_list(c->store, api_id, &items) : rc;
    rc = rc == STORE_OK ? clear_list(c, api_id, items, "name", store_model_delete) : rc;
    rc = rc == STORE_OK ? store_validator_list(c->store, api_id, &items) : rc;
    rc = rc == STORE_OK ? clear_list(c, api_id, items, "id", store_validator_delete) : rc;
    rc = rc == STORE_OK ? store_authorizer_list(c->store, api_id, &items) : rc;
    rc = rc == STORE_OK ? clear_list(c, api_id, items, "id", store_authorizer_delete) : rc;
    if (rc == STORE_OK && (rc = store_gwresp_all(c->store, api_id, &obj)) == STORE_OK) {
        const char *type;
        json_t *g;
        json_object_foreach(obj, type, g) rc =
            rc == STORE_OK ? store_gwresp_delete(c->store, api_id, type) : rc;
        json_decref(obj);
    }
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return -1;
    }
    return 0;
}

/* ---- models, validators, authorizers, gateway responses ------------------- */

static int write_models(import_w_t *w)
{
    json_t *models = json_object_get(w->plan, "models");
    char err[600];
    const char *name;
    json_t *m;
    json_object_foreach(models, name, m)
    {
        json_t *schema = json_deep_copy(json_object_get(m, "schema"));
        if (openapi_ref_to_url(schema, w->api_id, models, err, sizeof(err)) != 0) {
            json_decref(schema);
            admin_bad_request(w->c, "%s", err);
            return -1;
        }
        char *text = json_dumps(schema, JSON_COMPACT);
        json_decref(schema);
        char id[7];
        crypto_random_id(id, 6);
        json_t *doc = json_pack("{s:s,s:s,s:s,s:s}", "id", id, "name", name, "contentType",
                                "application/json", "schema", text != NULL ? text : "{}");
        free(text);
        int rc = store_model_put(w->c->store, w->api_id, name, doc);
        json_object_set_new(m, "doc", doc);
        if (rc != STORE_OK)
            return w_store_fail(w, rc);
    }
    /* checked once all are stored: a schema may refer to any other */
    json_object_foreach(models, name,
                        m) if (admin_model_check(w->c, json_object_get(m, "doc")) != 0) return -1;
    return 0;
}

/* The id of an existing document named name (merge), else a new one. */
static void reuse_id(json_t *existing, const char *name, char id[7])
{
    size_t i;
    json_t *it;
    json_array_foreach(existing, i, it)
    {
        const char *n = json_string_value(json_object_get(it, "name"));
        const char *x = json_string_value(json_object_get(it, "id"));
        if (n != NULL && x != NULL && strcmp(n, name) == 0 && strlen(x) < 7) {
            strcpy(id, x);
            return;
        }
    }
    crypto_random_id(id, 6);
}

static int write_validators(import_w_t *w)
{
    json_t *existing = NULL;
    if (w->merge && store_validator_list(w->c->store, w->api_id, &existing) != STORE_OK)
        return w_store_fail(w, STORE_EIO);
    const char *name;
    json_t *v;
    int rc = STORE_OK;
    json_object_foreach(json_object_get(w->plan, "validators"), name, v)
    {
        char id[7];
        reuse_id(existing, name, id);
        json_object_set_new(v, "id", json_string(id));
        json_object_set_new(w->validators, name, json_string(id));
        if (rc == STORE_OK)
            rc = store_validator_put(w->c->store, w->api_id, id, v);
    }
    json_decref(existing);
    return rc == STORE_OK ? 0 : w_store_fail(w, rc);
}

static int write_authorizers(import_w_t *w, int *jwt)
{
    json_t *existing = NULL;
    if (w->merge && store_authorizer_list(w->c->store, w->api_id, &existing) != STORE_OK)
        return w_store_fail(w, STORE_EIO);
    const char *name;
    json_t *a;
    int rc = STORE_OK;
    json_object_foreach(json_object_get(w->plan, "authorizers"), name, a)
    {
        char id[7];
        reuse_id(existing, name, id);
        if (admin_authorizer_check(w->c, a) != 0) {
            json_decref(existing);
            return -1;
        }
        json_object_set_new(a, "id", json_string(id));
        json_object_set_new(w->authorizers, name, json_string(id));
        json_t *cfg = json_object_get(a, "jwtConfiguration");
        if (rc == STORE_OK)
            rc = store_authorizer_put(w->c->store, w->api_id, id, a);
        if (rc == STORE_OK && cfg != NULL) {
            const char *uri = json_string_value(json_object_get(cfg, "jwksUri"));
            rc = store_jwks_ensure(w->c->store, json_string_value(json_object_get(cfg, "issuer")),
                                   uri != NULL ? uri : "");
            *jwt = 1;
        }
    }
    json_decref(existing);
    return rc == STORE_OK ? 0 : w_store_fail(w, rc);
}

static int write_gateway_responses(import_w_t *w)
{
    const char *type;
    json_t *g;
    json_object_foreach(json_object_get(w->plan, "gatewayResponses"), type, g)
    {
        json_t *doc = json_deep_copy(g);
        json_object_del(doc, "responseType");
        int rc = admin_gwresp_check(w->c, doc) != 0 ? -1 : STORE_OK;
        if (rc == STORE_OK)
            json_object_set_new(doc, "responseType", json_string(type));
        if (rc == STORE_OK &&
            (rc = store_gwresp_put(w->c->store, w->api_id, type, doc)) != STORE_OK)
            w_store_fail(w, rc);
        json_decref(doc);
        if (rc != STORE_OK)
            return -1;
    }
    return 0;
}

/* ---- resources -------------------------------------------------------------- */

/* {name}, {name+} or literal characters the reference allows in a path part. */
static int part_ok(const char *p, size_t n, int last)
{
    if (n == 0)
        return 0;
    if (p[0] == '{') {
        if (n < 3 || p[n - 1] != '}')
            return 0;
        size_t end = p[n - 2] == '+' ? n - 2 : n - 1;
        if (end != n - 1 && !last)
            return 0;
        for (size_t i = 1; i < end; i++)
            if (!isalnum((unsigned char)p[i]) && p[i] != '_' && p[i] != '-' && p[i] != '.')
                return 0;
        return end > 1;
    }
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && strchr("-._~:@!$&'()*+,;=", p[i]) == NULL)
            return 0;
    return 1;
}

/* The id of path, creating the resources on the way. */
static const char *ensure_path(import_w_t *w, const char *path)
{
    const char *id = json_string_value(json_object_get(w->paths, path));
    if (id != NULL)
        return id;
    const char *slash = strrchr(path, '/');
    char parent[1024];
    snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
    if (parent[0] == '\0')
        strcpy(parent, "/");
    const char *part = slash + 1;
    if (!part_ok(part, strlen(part), 1)) {
        admin_bad_request(w->c,
                          "Resource's path part only allow a-zA-Z0-9._- and curly braces at "
                          "the beginning and the end and an optional plus sign before the "
                          "closing brace: %s",
                          path);
        return NULL;
    }
    const char *parent_id = ensure_path(w, parent);
    if (parent_id == NULL)
        return NULL;
    char new_id[7];
    crypto_random_id(new_id, 6);
    int rc = store_resource_insert(w->c->store, w->api_id, new_id, parent_id, part, path);
    if (rc != STORE_OK) {
        admin_store_fail(w->c, rc == STORE_ECONFLICT ? STORE_EINVAL : rc, "");
        return NULL;
    }
    json_object_set_new(w->paths, path, json_string(new_id));
    return json_string_value(json_object_get(w->paths, path));
}

static int load_paths(import_w_t *w)
{
    json_t *items;
    int more;
    int rc = store_resource_list(w->c->store, w->api_id, NULL, 1 << 30, &items, &more);
    if (rc != STORE_OK)
        return w_store_fail(w, rc);
    size_t i;
    json_t *r;
    json_array_foreach(items, i, r) json_object_set(
        w->paths, json_string_value(json_object_get(r, "path")), json_object_get(r, "id"));
    json_decref(items);
    return 0;
}

/* ---- methods ------------------------------------------------------------------ */

/* plan names → ids; what only the plan uses removed. */
static int method_links(import_w_t *w, json_t *m)
{
    const char *an = json_string_value(json_object_get(m, "authorizerName"));
    const char *vn = json_string_value(json_object_get(m, "requestValidatorName"));
    if (an != NULL)
        json_object_set(m, "authorizerId", json_object_get(w->authorizers, an));
    if (vn != NULL)
        json_object_set(m, "requestValidatorId", json_object_get(w->validators, vn));
    json_object_del(m, "authorizerName");
    json_object_del(m, "requestValidatorName");
    return 0;
}

static int put_children(import_w_t *w, enum store_doc_kind kind, const char *rid, const char *verb,
                        json_t *children)
{
    const char *code;
    json_t *d;
    json_object_foreach(children, code, d)
    {
        int ok = kind == STORE_DOC_METHOD_RESPONSE
                     ? admin_method_response_check(w->c, code, d)
                     : admin_integration_response_check(w->c, code, d);
        if (ok != 0)
            return -1;
        const char *keys[4] = {w->api_id, rid, verb, code};
        int rc = store_doc_put(w->c->store, kind, keys, d);
        if (rc != STORE_OK)
            return w_store_fail(w, rc);
    }
    return 0;
}

static void integration_defaults(json_t *in, const char *rid)
{
    json_object_set_new(in, "connectionType", json_string("INTERNET"));
    if (json_object_get(in, "passthroughBehavior") == NULL)
        json_object_set_new(in, "passthroughBehavior", json_string("WHEN_NO_MATCH"));
    if (json_object_get(in, "timeoutInMillis") == NULL)
        json_object_set_new(in, "timeoutInMillis", json_integer(29000));
    if (json_object_get(in, "cacheKeyParameters") == NULL)
        json_object_set_new(in, "cacheKeyParameters", json_array());
    if (json_object_get(in, "cacheNamespace") == NULL)
        json_object_set_new(in, "cacheNamespace", json_string(rid));
}

static int put_integration(import_w_t *w, const char *rid, const char *verb, json_t *m, json_t *in)
{
    json_t *responses = json_object_get(in, "integrationResponses");
    json_incref(responses);
    json_object_del(in, "integrationResponses");
    integration_defaults(in, rid);
    const char *keys[3] = {w->api_id, rid, verb};
    int rc = admin_integration_check(w->c, in, m) != 0 ? -1 : 0;
    if (rc == 0 && (rc = store_doc_put(w->c->store, STORE_DOC_INTEGRATION, keys, in)) != STORE_OK)
        rc = w_store_fail(w, rc);
    if (rc == 0)
        rc = put_children(w, STORE_DOC_INTEGRATION_RESPONSE, rid, verb, responses);
    json_decref(responses);
    return rc;
}

static int put_method(import_w_t *w, const char *rid, const char *verb, json_t *plan_m)
{
    json_t *m = json_deep_copy(plan_m);
    json_t *in = json_incref(json_object_get(m, "methodIntegration"));
    json_t *responses = json_incref(json_object_get(m, "methodResponses"));
    json_object_del(m, "methodIntegration");
    json_object_del(m, "methodResponses");
    method_links(w, m);
    const char *keys[3] = {w->api_id, rid, verb};
    int rc = w->merge ? store_doc_delete(w->c->store, STORE_DOC_METHOD, keys) : STORE_OK;
    rc = rc == STORE_ENOTFOUND ? STORE_OK : rc;
    if (rc != STORE_OK)
        rc = w_store_fail(w, rc);
    else if (admin_method_check(w->c, m) != 0)
        rc = -1;
    else if ((rc = store_doc_put(w->c->store, STORE_DOC_METHOD, keys, m)) != STORE_OK)
        rc = w_store_fail(w, rc);
    if (rc == 0)
        rc = put_children(w, STORE_DOC_METHOD_RESPONSE, rid, verb, responses);
    if (rc == 0 && in != NULL)
        rc = put_integration(w, rid, verb, m, in);
    json_decref(in);
    json_decref(responses);
    json_decref(m);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_resources(import_w_t *w)
{
    json_t *resources = json_object_get(w->plan, "resources");
    size_t n = json_object_size(resources), i = 0;
    const char **paths = calloc(n + 1, sizeof(*paths));
    const char *path;
    json_t *methods;
    if (paths == NULL)
        return w_store_fail(w, STORE_EIO);
    json_object_foreach(resources, path, methods) paths[i++] = path;
    qsort(paths, n, sizeof(*paths), cmp_str);
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++) {
        const char *rid = ensure_path(w, paths[i]);
        const char *verb;
        json_t *m;
        rc = rid != NULL ? 0 : -1;
        json_object_foreach(json_object_get(resources, paths[i]), verb, m)
        {
            if (rc == 0)
                rc = put_method(w, rid, verb, m);
        }
    }
    free(paths);
    return rc;
}

int admin_import_write(admin_call_t *c, const char *api_id, const char *root_id, json_t *plan,
                       int merge, int *jwt)
{
    import_w_t w = {c, api_id, plan, json_object(), json_object(), json_object(), merge};
    json_object_set_new(w.paths, "/", json_string(root_id));
    int rc = load_paths(&w);
    if (rc == 0)
        rc = write_models(&w);
    if (rc == 0)
        rc = write_validators(&w);
    if (rc == 0)
        rc = write_authorizers(&w, jwt);
    if (rc == 0)
        rc = write_gateway_responses(&w);
    if (rc == 0)
        rc = write_resources(&w);
    json_decref(w.paths);
    json_decref(w.validators);
    json_decref(w.authorizers);
    return rc;
}
