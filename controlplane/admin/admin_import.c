/* admin_import: the import request — options, the document, the plan, the
 * RestApi document and the one transaction around admin_import_write. */
#include "admin_import.h"

#include <string.h>

#include "admin_require.h"
#include "arena.h"
#include "crypto.h"
#include "jwks_fetch.h"
#include "openapi_in.h"
#include "policy.h"
#include "store_api.h"
#include "yamljson.h"

typedef struct {
    int fail_on_warnings;
    enum openapi_basepath basepath;
    const char *endpoint_type; /* NULL: EDGE on create, unchanged on PUT */
} import_opts_t;

static int import_options(admin_call_t *c, import_opts_t *o)
{
    static const char *const bp[] = {"ignore", "prepend", "split", NULL};
    static const char *const ep[] = {"EDGE", "REGIONAL", "PRIVATE", NULL};
    const char *f = admin_query(c, "failonwarnings");
    const char *b = admin_query(c, "basepath");
    const char *e = admin_query(c, "endpointConfigurationTypes");
    o->fail_on_warnings = f != NULL && strcasecmp(f, "true") == 0;
    o->basepath = OPENAPI_BASEPATH_IGNORE;
    o->endpoint_type = NULL;
    for (int i = 0; b != NULL && bp[i] != NULL; i++)
        if (strcmp(b, bp[i]) == 0)
            o->basepath = (enum openapi_basepath)i, b = NULL;
    for (int i = 0; e != NULL && ep[i] != NULL; i++)
        if (strcmp(e, ep[i]) == 0)
            o->endpoint_type = ep[i];
    if (b != NULL) {
        admin_bad_request(c, "Invalid basepath parameter: %s (ignore, prepend or split)", b);
        return -1;
    }
    if (e != NULL && o->endpoint_type == NULL) {
        admin_bad_request(c, "Invalid endpointConfigurationTypes parameter: %s", e);
        return -1;
    }
    if (f != NULL && strcasecmp(f, "true") != 0 && strcasecmp(f, "false") != 0) {
        admin_bad_request(c, "Invalid failonwarnings parameter: %s", f);
        return -1;
    }
    return 0;
}

/* The request body → plan; replies 400 on any problem. */
static json_t *import_plan(admin_call_t *c, const import_opts_t *o)
{
    char err[600];
    json_t *doc;
    h2o_iovec_t e = c->req->entity;
    if (e.base == NULL || e.len == 0) {
        admin_bad_request(c, "Invalid OpenAPI input: the request body is empty");
        return NULL;
    }
    if (yamljson_load(e.base, e.len, &doc, err, sizeof(err)) != 0) {
        admin_bad_request(c, "Invalid OpenAPI input: the body is neither JSON nor YAML: %s", err);
        return NULL;
    }
    json_t *plan = openapi_in_plan(doc, o->basepath, err, sizeof(err));
    json_decref(doc);
    if (plan == NULL) {
        admin_bad_request(c, "%s", err);
        return NULL;
    }
    json_t *warnings = json_object_get(plan, "warnings");
    if (o->fail_on_warnings && json_array_size(warnings) > 0) {
        char msg[4096] = "Warnings found during import:";
        size_t i;
        json_t *w;
        json_array_foreach(warnings, i, w)
        {
            size_t n = strlen(msg);
            snprintf(msg + n, sizeof(msg) - n, "\n\t%s", json_string_value(w));
        }
        admin_bad_request(c, "%s", msg);
        json_decref(plan);
        return NULL;
    }
    return plan;
}

static int import_check_policy(admin_call_t *c, json_t *api, const char *api_id)
{
    const char *policy = json_string_value(json_object_get(api, "policy"));
    if (policy == NULL || policy[0] == '\0')
        return 0;
    char err[512];
    policy_t *p;
    arena_t *a = arena_create(16 * 1024);
    int rc = a != NULL ? policy_parse(policy, strlen(policy), POLICY_RESOURCE, api_id, a, &p, err,
                                      sizeof(err))
                       : -1;
    arena_destroy(a);
    if (rc != 0)
        admin_bad_request(c, "Invalid policy document: %s", a != NULL ? err : "out of memory");
    return rc;
}

/* The plan's API settings over doc (a RestApi document). */
static void import_api_fields(json_t *doc, json_t *api, const import_opts_t *o)
{
    json_object_update(doc, api);
    if (o->endpoint_type != NULL)
        json_object_set_new(doc, "endpointConfiguration",
                            json_pack("{s:[s]}", "types", o->endpoint_type));
}

static json_t *import_new_api(json_t *api, const import_opts_t *o, const char *id,
                              const char *root_id)
{
    json_t *doc = json_pack("{s:s,s:I,s:s,s:{s:[s]},s:b,s:{},s:s}", "id", id, "createdDate",
                            (json_int_t)admin_now(), "apiKeySource", "HEADER",
                            "endpointConfiguration", "types", "EDGE", "disableExecuteApiEndpoint",
                            0, "tags", "rootResourceId", root_id);
    import_api_fields(doc, api, o);
    return doc;
}

/* Makes admin_arg(c, "restapi_id") answer id, for the shared checks. */
static void import_set_api_arg(admin_call_t *c, char *id)
{
    if (admin_arg(c, "restapi_id") == NULL && c->nargs < ADMIN_MAX_ARGS) {
        c->arg_names[c->nargs] = "restapi_id";
        c->args[c->nargs++] = id;
    }
}

/* Writes, publishes and commits; replies with doc and the warnings. */
static void import_finish(admin_call_t *c, json_t *doc, json_t *plan, int status, int jwt)
{
    if (publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0) != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, STORE_EIO, "");
        return;
    }
    if (admin_commit(c) != 0)
        return;
    if (jwt)
        jwks_fetch_wake(c->cp->jwks);
    json_t *reply = json_deep_copy(doc);
    json_t *warnings = json_object_get(plan, "warnings");
    if (json_array_size(warnings) > 0)
        json_object_set(reply, "warnings", warnings);
    admin_reply(c, status, reply);
}

void admin_import_create(admin_call_t *c)
{
    import_opts_t o;
    char id[11], root_id[11];
    int jwt = 0;
    if (import_options(c, &o) != 0)
        return;
    json_t *plan = import_plan(c, &o);
    if (plan == NULL)
        return;
    crypto_random_id(id, 10);
    crypto_random_id(root_id, 10);
    import_set_api_arg(c, id);
    json_t *doc = import_new_api(json_object_get(plan, "api"), &o, id, root_id);
    if (import_check_policy(c, doc, id) != 0 || admin_begin(c) != 0)
        goto out;
    int rc = store_restapi_insert(c->store, id,
                                  json_integer_value(json_object_get(doc, "createdDate")), doc);
    if (rc == STORE_OK)
        rc = store_resource_insert(c->store, id, root_id, NULL, "", "/");
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_import_write(c, id, root_id, plan, 0, &jwt) != 0) {
        store_rollback(c->store);
        goto out;
    }
    import_finish(c, doc, plan, 201, jwt);
out:
    json_decref(doc);
    json_decref(plan);
}

static int import_put_mode(admin_call_t *c, int *merge)
{
    const char *mode = admin_query(c, "mode");
    if (mode != NULL && (strcmp(mode, "overwrite") == 0 || strcmp(mode, "merge") == 0)) {
        *merge = strcmp(mode, "merge") == 0;
        return 0;
    }
    admin_bad_request(c, "Invalid mode parameter: %s (overwrite or merge)",
                      mode != NULL ? mode : "(none)");
    return -1;
}

void admin_import_put(admin_call_t *c)
{
    import_opts_t o;
    int merge, jwt = 0;
    json_t *doc = NULL, *plan = NULL;
    if (import_put_mode(c, &merge) != 0 || import_options(c, &o) != 0 ||
        admin_require_api(c, &doc) != 0)
        return;
    const char *id = admin_arg(c, "restapi_id");
    char root_id[64];
    snprintf(root_id, sizeof(root_id), "%s",
             json_string_value(json_object_get(doc, "rootResourceId")));
    plan = import_plan(c, &o);
    if (plan == NULL)
        goto out;
    if (!merge) {
        static const char *const reset[] = {
            "policy", "description", "binaryMediaTypes", "minimumCompressionSize", "version", NULL};
        for (int i = 0; reset[i] != NULL; i++)
            json_object_del(doc, reset[i]);
        json_object_set_new(doc, "apiKeySource", json_string("HEADER"));
        json_object_set_new(doc, "disableExecuteApiEndpoint", json_false());
    }
    import_api_fields(doc, json_object_get(plan, "api"), &o);
    if (import_check_policy(c, doc, id) != 0 || admin_begin(c) != 0)
        goto out;
    int rc = store_restapi_update(c->store, id, doc);
    if (rc != STORE_OK || (!merge && admin_import_clear(c, id, root_id) != 0)) {
        store_rollback(c->store);
        if (rc != STORE_OK)
            admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_import_write(c, id, root_id, plan, merge, &jwt) != 0) {
        store_rollback(c->store);
        goto out;
    }
    import_finish(c, doc, plan, 200, jwt);
out:
    json_decref(doc);
    json_decref(plan);
}
