/* admin_apikey: keys are identified by the SHA-256 of their value (all a
 * data plane ever gets). The control plane also keeps the value sealed
 * (store_sealed.h) so that includeValue(s)=true answers it as the reference
 * does; with --api-key-values hashed it keeps none and shows a value once,
 * in the create response. */
#include "admin_apikey.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keyrec.h"
#include "admin_patch.h"
#include "sealbox.h"
#include "store_sealed.h"
#include "store_keys.h"

#define APIKEY_VALUE_MIN 20
#define APIKEY_VALUE_MAX 128
#define APIKEY_GENERATED_LEN 40

static const admin_field_t apikey_fields[] = {
    {"name", ADMIN_STRING, .max = 1024},
    {"description", ADMIN_STRING, .max = 4096},
    {"enabled", ADMIN_BOOL},
    {"value", ADMIN_STRING},
    {"customerId", ADMIN_STRING, .max = 1024},
    {"generateDistinctId", ADMIN_BOOL},
    {NULL},
};

static const patch_rule_t apikey_patch_rules[] = {
    {"/name", PATCH_REPLACE, PATCH_STRING, "name", .max = 1024},
    {"/description", PATCH_REPLACE, PATCH_STRING, "description", .max = 4096},
    {"/enabled", PATCH_REPLACE, PATCH_BOOL, "enabled"},
    {"/customerId", PATCH_REPLACE, PATCH_STRING, "customerId", .max = 1024},
    {NULL},
};

/* Key values travel in a header: printable ASCII without spaces. */
static int apikey_check_value(admin_call_t *c, const char *v)
{
    size_t len = strlen(v);
    if (len < APIKEY_VALUE_MIN) {
        admin_bad_request(c, "API Key value should be at least %d characters", APIKEY_VALUE_MIN);
        return -1;
    }
    if (len > APIKEY_VALUE_MAX) {
        admin_bad_request(c, "API Key value should be at most %d characters", APIKEY_VALUE_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (v[i] <= 0x20 || v[i] >= 0x7f) {
            admin_bad_request(c, "API Key value must be printable ASCII without spaces");
            return -1;
        }
    }
    return 0;
}

/* Keeps value sealed beside the key (inside the caller's transaction). */
static int apikey_seal_value(admin_call_t *c, const char *id, const char *value)
{
    if (c->cp->api_key_values_hashed)
        return STORE_OK;
    size_t len;
    uint8_t *sealed = sealbox_seal(&c->cp->seal_secret, value, strlen(value), &len);
    if (sealed == NULL)
        return STORE_EIO;
    int rc = store_apikey_set_sealed(c->store, id, sealed, len);
    free(sealed);
    return rc;
}

int admin_apikey_add_value(admin_call_t *c, json_t *doc)
{
    uint8_t *sealed;
    size_t len, plain_len;
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (c->cp->api_key_values_hashed || id == NULL)
        return STORE_OK;
    int rc = store_apikey_sealed(c->store, id, &sealed, &len);
    if (rc == STORE_ENOTFOUND)
        return STORE_OK; /* kept only as a hash (made under --api-key-values hashed) */
    if (rc != STORE_OK)
        return rc;
    char *value = sealbox_open(&c->cp->seal_secret, sealed, len, &plain_len);
    free(sealed);
    if (value == NULL)
        return STORE_EIO;
    json_object_set_new(doc, "value", json_stringn(value, plain_len));
    sealbox_free(value, plain_len);
    return STORE_OK;
}

/* includeValue(s): 1 when asked for and allowed, 0 when not asked, -1
 * (answered 400) when the values are not kept. */
static int apikey_include(admin_call_t *c, const char *param)
{
    const char *include = admin_query(c, param);
    if (include == NULL || strcmp(include, "false") == 0)
        return 0;
    if (!c->cp->api_key_values_hashed)
        return 1;
    admin_bad_request(c,
                      "%s is not supported: this control plane keeps only a SHA-256 of each "
                      "key value (--api-key-values hashed), shown once when the key is created",
                      param);
    return -1;
}

static int apikey_check_body(admin_call_t *c)
{
    if (admin_check(c, c->body, apikey_fields) != 0)
        return -1;
    const char *value = json_string_value(json_object_get(c->body, "value"));
    if (value != NULL && apikey_check_value(c, value) != 0)
        return -1;
    json_t *stage_keys = json_object_get(c->body, "stageKeys");
    if (stage_keys != NULL && !json_is_null(stage_keys) &&
        !(json_is_array(stage_keys) && json_array_size(stage_keys) == 0)) {
        admin_bad_request(c, "stageKeys is not supported: associate keys through usage plans");
        return -1;
    }
    if (json_object_get(c->body, "tags") != NULL) {
        admin_bad_request(c, "tags are not supported on API keys");
        return -1;
    }
    return 0;
}

static const char *jstr_or(json_t *obj, const char *name, const char *dflt)
{
    const char *v = json_string_value(json_object_get(obj, name));
    return v != NULL ? v : dflt;
}

/* The record for a document (name, description, customerId, enabled). */
static void apikey_from_doc(store_apikey_t *k, const char *id, json_t *doc)
{
    k->id = id;
    k->name = jstr_or(doc, "name", "");
    k->description = jstr_or(doc, "description", "");
    k->customer_id = jstr_or(doc, "customerId", "");
    k->enabled = json_is_true(json_object_get(doc, "enabled"));
}

void admin_apikey_create(admin_call_t *c)
{
    if (apikey_check_body(c) != 0)
        return;
    char id[KEYREC_KEY_ID_LEN + 1], generated[APIKEY_GENERATED_LEN + 1];
    crypto_random_id(id, KEYREC_KEY_ID_LEN);
    const char *value = json_string_value(json_object_get(c->body, "value"));
    if (value == NULL) {
        crypto_random_token(generated, APIKEY_GENERATED_LEN);
        value = generated;
    }
    store_apikey_t k;
    apikey_from_doc(&k, id, c->body);
    crypto_sha256(value, strlen(value), k.sha256);
    snprintf(k.prefix, sizeof(k.prefix), "%.*s", STORE_KEY_PREFIX_LEN, value);
    if (admin_begin(c) != 0)
        return;
    int64_t now = admin_now();
    int rc = store_apikey_insert(c->store, &k, now);
    if (rc == STORE_OK)
        rc = apikey_seal_value(c, id, value);
    /* a new key is in no plan yet: data planes have nothing to learn */
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_KEY_INFO, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "An API key with this value already exists");
        else
            admin_store_fail(c, rc, "");
        return;
    }
    if (admin_commit(c) != 0)
        return;
    json_t *doc;
    if (store_apikey_get(c->store, id, &doc) != STORE_OK) {
        admin_store_fail(c, STORE_EIO, "");
        return;
    }
    json_object_set_new(doc, "value", json_string(value));
    admin_reply(c, 201, doc);
}

void admin_apikey_list(admin_call_t *c)
{
    int limit, more;
    const char *position;
    json_t *items = NULL, *item;
    size_t i;
    int include = apikey_include(c, "includeValues");
    if (include < 0 || admin_page(c, &limit, &position) != 0)
        return;
    int rc = store_apikey_list(c->store, admin_query(c, "name"), admin_query(c, "customerId"),
                               position, limit, &items, &more);
    json_array_foreach(items, i, item)
    {
        if (rc != STORE_OK || !include)
            break;
        rc = admin_apikey_add_value(c, item);
    }
    if (rc != STORE_OK) {
        json_decref(items);
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, more, "id");
}

static int apikey_require(admin_call_t *c, json_t **doc)
{
    int rc = store_apikey_get(c->store, admin_arg(c, "api_key_id"), doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid API Key identifier specified");
        return -1;
    }
    return 0;
}

void admin_apikey_get(admin_call_t *c)
{
    json_t *doc;
    int include = apikey_include(c, "includeValue");
    if (include < 0 || apikey_require(c, &doc) != 0)
        return;
    int rc = include ? admin_apikey_add_value(c, doc) : STORE_OK;
    if (rc != STORE_OK) {
        json_decref(doc);
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply(c, 200, doc);
}

static int apikey_patch(admin_call_t *c, json_t *doc)
{
    patch_op_t *ops;
    size_t n;
    if (patch_parse(c, &ops, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int rc = patch_apply(c, doc, &ops[i], apikey_patch_rules);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return patch_invalid_path(c, &ops[i]);
    }
    return admin_check(c, doc, apikey_fields);
}

void admin_apikey_update(admin_call_t *c)
{
    json_t *doc;
    const char *id = admin_arg(c, "api_key_id");
    uint8_t sha[KEYREC_SHA_LEN];
    if (apikey_require(c, &doc) != 0)
        return;
    int was_enabled = json_is_true(json_object_get(doc, "enabled"));
    if (apikey_patch(c, doc) != 0 || admin_begin(c) != 0)
        goto out;
    store_apikey_t k;
    apikey_from_doc(&k, id, doc);
    int changed = k.enabled != was_enabled;
    int rc = store_apikey_update(c->store, &k, admin_now());
    if (rc == STORE_OK)
        rc = store_apikey_sha(c->store, id, sha);
    if (rc == STORE_OK) /* only enabling or disabling changes what data planes enforce */
        rc = publish_change(c->publish, changed ? PUBLISH_KEYS : PUBLISH_KEY_INFO, sha,
                            changed ? 1 : 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid API Key identifier specified");
        goto out;
    }
    if (admin_commit(c) != 0)
        goto out;
    json_decref(doc);
    if (apikey_require(c, &doc) == 0)
        admin_reply(c, 200, doc);
    return;
out:
    json_decref(doc);
}

void admin_apikey_delete(admin_call_t *c)
{
    const char *id = admin_arg(c, "api_key_id");
    uint8_t sha[KEYREC_SHA_LEN];
    if (admin_begin(c) != 0)
        return;
    int rc = store_apikey_sha(c->store, id, sha);
    if (rc == STORE_OK)
        rc = store_apikey_delete(c->store, id);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_KEYS, sha, 1);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid API Key identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
