/* admin_model: /restapis/{id}/models[/{model_name}]. A model's schema is a
 * string that must parse as JSON and be a draft-4 schema (checked against
 * the meta-schema and compiled with common/jsonschema, the data plane's own
 * validator, so a stored model always compiles there); other models of the
 * API are reached by their URL form. Models are addressed by name, which
 * cannot change. A model that a method's requestModels or another model's
 * schema uses cannot be deleted. Also the method-side check of
 * requestModels and requestValidatorId. */
#include "admin_model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "admin_require.h"
#include "crypto.h"
#include "jsonschema.h"
#include "modelurl.h"
#include "admin_patch.h"
#include "store_model.h"

#define MODEL_SCHEMA_MAX 400000 /* bytes of a model's schema text */

static const admin_field_t model_fields[] = {
    {"name", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"contentType", ADMIN_STRING, .required = 1, .min = 1, .max = 256},
    {"description", ADMIN_STRING, .max = 4096},
    {"schema", ADMIN_STRING, .max = MODEL_SCHEMA_MAX},
    {NULL},
};

static const patch_rule_t model_patch_rules[] = {
    {"/schema", PATCH_REPLACE, PATCH_STRING, "schema", .max = MODEL_SCHEMA_MAX},
    {"/description", PATCH_REPLACE, PATCH_STRING, "description", .max = 4096},
    {NULL},
};

/* Other models of the API for "$ref"s, except `skip` (a model being deleted). */
typedef struct {
    admin_call_t *c;
    const char *skip;
} model_resolver_t;

static json_t *resolve_model(void *arg, const char *uri)
{
    model_resolver_t *mr = arg;
    const char *name = modelurl_name(uri, admin_arg(mr->c, "restapi_id"));
    json_t *doc = NULL;
    if (name == NULL || (mr->skip != NULL && strcmp(name, mr->skip) == 0) ||
        store_model_get(mr->c->store, admin_arg(mr->c, "restapi_id"), name, &doc) != STORE_OK)
        return NULL;
    const char *text = json_string_value(json_object_get(doc, "schema"));
    json_t *schema = text != NULL ? json_loads(text, JSON_ALLOW_NUL, NULL) : NULL;
    json_decref(doc);
    return schema;
}

/* 0 when the schema text of model name compiles; else why in err. */
static int schema_compiles(admin_call_t *c, const char *name, const char *text, const char *skip,
                           char *err, size_t err_len)
{
    char url[512];
    json_error_t jerr;
    if (modelurl_format(url, sizeof(url), admin_arg(c, "restapi_id"), name) != 0) {
        snprintf(err, err_len, "model name too long");
        return -1;
    }
    json_t *schema = json_loads(text, JSON_ALLOW_NUL, &jerr);
    if (schema == NULL) {
        snprintf(err, err_len, "the schema is not JSON: %s at line %d, column %d", jerr.text,
                 jerr.line, jerr.column);
        return -1;
    }
    model_resolver_t mr = {c, skip};
    int rc = jsonschema_check(schema, url, resolve_model, &mr, err, err_len);
    json_decref(schema);
    return rc;
}

static int model_check_doc(admin_call_t *c, json_t *doc)
{
    if (admin_check(c, doc, model_fields) != 0)
        return -1;
    const char *name = json_string_value(json_object_get(doc, "name"));
    for (const char *p = name; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p)) {
            admin_bad_request(c, "Model name must be non-empty and alphanumeric");
            return -1;
        }
    }
    const char *text = json_string_value(json_object_get(doc, "schema"));
    if (text == NULL || *text == '\0') {
        admin_bad_request(c, "Model schema must have at least 1 property or array items defined");
        return -1;
    }
    char err[600];
    if (schema_compiles(c, name, text, NULL, err, sizeof(err)) != 0) {
        admin_bad_request(c,
                          "Invalid model specified: Validation Result: warnings : [], errors : "
                          "[Invalid model schema specified: %s]",
                          err);
        return -1;
    }
    return 0;
}

static int model_store(admin_call_t *c, json_t *doc)
{
    const char *api_id = admin_arg(c, "restapi_id");
    int rc =
        store_model_put(c->store, api_id, json_string_value(json_object_get(doc, "name")), doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid API identifier specified");
        return -1;
    }
    return admin_commit(c);
}

void admin_model_create(admin_call_t *c)
{
    if (admin_require_api(c, NULL) != 0 || model_check_doc(c, c->body) != 0)
        return;
    char id[7];
    crypto_random_id(id, 6);
    json_t *doc = json_pack("{s:s}", "id", id), *existing = NULL;
    admin_copy_fields(doc, c->body, model_fields);
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_model_get(c->store, admin_arg(c, "restapi_id"),
                             json_string_value(json_object_get(doc, "name")), &existing);
    if (rc != STORE_ENOTFOUND) {
        store_rollback(c->store);
        if (rc == STORE_OK)
            admin_conflict(c, "Model name already exists for this REST API");
        else
            admin_store_fail(c, rc, "");
        goto out;
    }
    if (model_store(c, doc) == 0)
        admin_reply(c, 201, json_incref(doc));
out:
    json_decref(existing);
    json_decref(doc);
}

void admin_model_reply_page(admin_call_t *c, json_t *items, const char *key)
{
    int limit;
    const char *position;
    if (admin_page(c, &limit, &position) != 0) {
        json_decref(items);
        return;
    }
    json_t *page = json_array(), *it;
    size_t i;
    int more = 0;
    json_array_foreach(items, i, it)
    {
        const char *k = json_string_value(json_object_get(it, key));
        if (position != NULL && k != NULL && strcmp(k, position) <= 0)
            continue;
        if ((int)json_array_size(page) == limit) {
            more = 1;
            break;
        }
        json_array_append(page, it);
    }
    json_decref(items);
    admin_reply_page(c, page, more, key);
}

void admin_model_list(admin_call_t *c)
{
    json_t *items;
    if (admin_require_api(c, NULL) != 0)
        return;
    int rc = store_model_list(c->store, admin_arg(c, "restapi_id"), &items);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_model_reply_page(c, items, "name");
}

static int model_load(admin_call_t *c, json_t **doc)
{
    if (admin_require_api(c, NULL) != 0)
        return -1;
    const char *name = admin_arg(c, "model_name");
    int rc = store_model_get(c->store, admin_arg(c, "restapi_id"), name, doc);
    if (rc == STORE_ENOTFOUND)
        admin_not_found(c, "Invalid model name specified: %s", name);
    else if (rc != STORE_OK)
        admin_store_fail(c, rc, "");
    return rc == STORE_OK ? 0 : -1;
}

void admin_model_get(admin_call_t *c)
{
    json_t *doc;
    if (model_load(c, &doc) == 0)
        admin_reply(c, 200, doc);
}

void admin_model_update(admin_call_t *c)
{
    json_t *doc;
    patch_op_t *ops;
    size_t n;
    if (model_load(c, &doc) != 0)
        return;
    if (patch_parse(c, &ops, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int rc = patch_apply(c, doc, &ops[i], model_patch_rules);
        if (rc < 0 || (rc == 0 && patch_invalid_path(c, &ops[i]) != 0))
            goto out;
    }
    if (model_check_doc(c, doc) == 0 && admin_begin(c) == 0 && model_store(c, doc) == 0)
        admin_reply(c, 200, json_incref(doc));
out:
    json_decref(doc);
}

/* The name of another model whose schema needs `name`, or NULL. */
static char *model_referrer(admin_call_t *c, const char *name, json_t *models)
{
    size_t i;
    json_t *m;
    char err[256];
    json_array_foreach(models, i, m)
    {
        const char *other = json_string_value(json_object_get(m, "name"));
        const char *text = json_string_value(json_object_get(m, "schema"));
        if (other != NULL && text != NULL && strcmp(other, name) != 0 &&
            schema_compiles(c, other, text, name, err, sizeof(err)) != 0)
            return strdup(other);
    }
    return NULL;
}

void admin_model_delete(admin_call_t *c)
{
    json_t *doc, *models = NULL;
    char *user = NULL;
    if (model_load(c, &doc) != 0)
        return;
    json_decref(doc);
    const char *api_id = admin_arg(c, "restapi_id"), *name = admin_arg(c, "model_name");
    if (admin_begin(c) != 0)
        return;
    int rc = store_model_user(c->store, api_id, name, &user);
    if (rc == STORE_OK) {
        admin_conflict(c, "Cannot delete model '%s', is referenced in method request: %s", name,
                       user);
        goto fail;
    }
    rc = rc == STORE_ENOTFOUND ? store_model_response_user(c->store, api_id, name, &user) : rc;
    if (rc == STORE_OK) {
        admin_conflict(c, "Cannot delete model '%s', is referenced in method response: %s", name,
                       user);
        goto fail;
    }
    rc = rc == STORE_ENOTFOUND ? store_model_list(c->store, api_id, &models) : rc;
    if (rc == STORE_OK && (user = model_referrer(c, name, models)) != NULL) {
        admin_conflict(c, "Cannot delete model '%s', is referenced in model: %s", name, user);
        goto fail;
    }
    rc = rc == STORE_OK ? store_model_delete(c->store, api_id, name) : rc;
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid model name specified");
        goto fail;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
    json_decref(models);
    return;
fail:
    store_rollback(c->store);
    free(user);
    json_decref(models);
}

int admin_model_check_method(admin_call_t *c, json_t *method)
{
    const char *api_id = admin_arg(c, "restapi_id");
    const char *vid = json_string_value(json_object_get(method, "requestValidatorId"));
    json_t *doc = NULL;
    if (vid != NULL && *vid != '\0') {
        int rc = store_validator_get(c->store, api_id, vid, &doc);
        json_decref(doc);
        if (rc != STORE_OK) {
            if (rc == STORE_ENOTFOUND)
                admin_bad_request(c, "Invalid Request Validator identifier specified");
            else
                admin_store_fail(c, rc, "");
            return -1;
        }
    }
    return admin_model_check_map(c, json_object_get(method, "requestModels"));
}

int admin_model_check_map(admin_call_t *c, json_t *models)
{
    const char *api_id = admin_arg(c, "restapi_id");
    json_t *doc = NULL;
    const char *type;
    json_t *v;
    json_object_foreach(models, type, v)
    {
        const char *name = json_string_value(v);
        for (const char *p = type; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x21 || *p == 0x7f) {
                admin_bad_request(c, "Invalid content type specified: %s", type);
                return -1;
            }
        }
        int rc = name != NULL ? store_model_get(c->store, api_id, name, &doc) : STORE_ENOTFOUND;
        json_decref(doc);
        doc = NULL;
        if (rc != STORE_OK) {
            if (rc == STORE_ENOTFOUND)
                admin_bad_request(c, "Invalid model identifier specified: %s",
                                  name != NULL ? name : "");
            else
                admin_store_fail(c, rc, "");
            return -1;
        }
    }
    return 0;
}

/* For admin_import (the API is admin_arg "restapi_id"). */
int admin_model_check(admin_call_t *c, json_t *doc)
{
    return model_check_doc(c, doc);
}
