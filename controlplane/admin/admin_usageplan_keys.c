/* admin_usageplan_keys: a plan's members. Adding or removing a key is a
 * keys-only change: it goes to the data planes as a key delta, and a key may
 * be in only one plan per API stage, as in the reference service. */
#include "admin_usageplan_keys.h"

#include "admin_apikey.h"
#include "admin_usageplan.h"
#include "keyrec.h"
#include "store_keys.h"

static const admin_field_t plan_key_fields[] = {
    {"keyId", ADMIN_STRING, .required = 1, .min = 1, .max = 64},
    {"keyType", ADMIN_STRING, .required = 1, .choices = (const char *const[]){"API_KEY", NULL}},
    {NULL},
};

void admin_usageplan_key_add(admin_call_t *c)
{
    const char *plan_id = admin_arg(c, "usageplan_id");
    uint8_t sha[KEYREC_SHA_LEN];
    int conflict = 0;
    if (admin_usageplan_require(c, NULL) != 0 || admin_check(c, c->body, plan_key_fields) != 0)
        return;
    const char *key_id = json_string_value(json_object_get(c->body, "keyId"));
    if (admin_begin(c) != 0)
        return;
    int rc = store_apikey_sha(c->store, key_id, sha);
    if (rc == STORE_ENOTFOUND) {
        store_rollback(c->store);
        admin_not_found(c, ADMIN_KEY_NOT_FOUND);
        return;
    }
    if (rc == STORE_OK)
        rc = store_plan_key_add(c->store, plan_id, key_id);
    if (rc == STORE_OK)
        rc = store_plan_stage_conflict(c->store, plan_id, key_id, &conflict);
    if (rc == STORE_OK && !conflict)
        rc = publish_change(c->publish, PUBLISH_KEYS, sha, 1);
    if (rc != STORE_OK || conflict) {
        store_rollback(c->store);
        if (conflict)
            admin_conflict(c,
                           "Usage Plan %s cannot be added because API Key %s cannot reference "
                           "multiple Usage Plans with the same API Stage",
                           plan_id, key_id);
        else if (rc == STORE_ECONFLICT)
            admin_conflict(c, "API Key %s is already in usage plan %s", key_id, plan_id);
        else
            admin_store_fail(c, rc, ADMIN_PLAN_NOT_FOUND);
        return;
    }
    json_t *item = NULL;
    if (admin_commit(c) == 0 && store_plan_key_get(c->store, plan_id, key_id, &item) == STORE_OK &&
        admin_apikey_add_value(c, item) == STORE_OK) {
        admin_reply(c, 201, item);
        return;
    }
    json_decref(item);
    if (!c->replied)
        admin_store_fail(c, STORE_EIO, "");
}

void admin_usageplan_key_list(admin_call_t *c)
{
    int limit, more;
    const char *position;
    json_t *items = NULL;
    if (admin_usageplan_require(c, NULL) != 0 || admin_page(c, &limit, &position) != 0)
        return;
    int rc = store_plan_key_list(c->store, admin_arg(c, "usageplan_id"), admin_query(c, "name"),
                                 position, limit, &items, &more);
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) if (rc == STORE_OK) rc = admin_apikey_add_value(c, item);
    if (rc != STORE_OK) {
        json_decref(items);
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, more, "id");
}

void admin_usageplan_key_get(admin_call_t *c)
{
    json_t *item;
    if (admin_usageplan_require(c, NULL) != 0)
        return;
    int rc =
        store_plan_key_get(c->store, admin_arg(c, "usageplan_id"), admin_arg(c, "key_id"), &item);
    if (rc == STORE_OK && (rc = admin_apikey_add_value(c, item)) != STORE_OK)
        json_decref(item);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, "Invalid Usage Plan Key identifier specified");
    else
        admin_reply(c, 200, item);
}

void admin_usageplan_key_delete(admin_call_t *c)
{
    uint8_t sha[KEYREC_SHA_LEN];
    const char *key_id = admin_arg(c, "key_id");
    if (admin_usageplan_require(c, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_plan_key_delete(c->store, admin_arg(c, "usageplan_id"), key_id);
    if (rc == STORE_OK)
        rc = store_apikey_sha(c->store, key_id, sha);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_KEYS, sha, 1);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Usage Plan Key identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
