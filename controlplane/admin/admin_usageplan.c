/* admin_usageplan: documents are validated whole (after patches too) before
 * they are stored; apiStages must name existing stages, and a key may be in
 * only one plan per API stage, as in the reference service. */
#include "admin_usageplan.h"

#include <stdlib.h>
#include <string.h>

#include "admin_require.h"
#include "admin_usageplan_patch.h"
#include "crypto.h"
#include "keyrec.h"
#include "admin_patch.h"
#include "store_api.h"
#include "store_deploy.h"
#include "store_keys.h"

#define PLAN_MAX_RATE 1e9
#define PLAN_MAX_BURST 2147483647.0
#define PLAN_MAX_QUOTA 1e12

static const char *const quota_periods[] = {"DAY", "WEEK", "MONTH", NULL};
static const char *const method_verbs[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                           "HEAD", "OPTIONS", "ANY", NULL};

static const admin_field_t plan_fields[] = {
    {"name", ADMIN_STRING, .required = 1, .min = 1, .max = 1024},
    {"description", ADMIN_STRING, .max = 4096},
    {"throttle", ADMIN_OBJECT},
    {"quota", ADMIN_OBJECT},
    {"productCode", ADMIN_STRING, .max = 1024},
    {"tags", ADMIN_STRING_MAP},
    {NULL},
};

static const admin_field_t throttle_fields[] = {
    {"rateLimit", ADMIN_NUMBER, .required = 1, .min = 0, .max = PLAN_MAX_RATE},
    {"burstLimit", ADMIN_INT, .required = 1, .min = 0, .max = PLAN_MAX_BURST},
    {NULL},
};

static const admin_field_t quota_fields[] = {
    {"limit", ADMIN_INT, .required = 1, .min = 0, .max = PLAN_MAX_QUOTA},
    {"offset", ADMIN_INT, .min = 0, .max = PLAN_MAX_QUOTA},
    {"period", ADMIN_STRING, .required = 1, .choices = quota_periods},
    {NULL},
};

static const admin_field_t stage_fields[] = {
    {"apiId", ADMIN_STRING, .required = 1, .min = 1, .max = 64},
    {"stage", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {"throttle", ADMIN_OBJECT},
    {NULL},
};
/* ---- validation ----------------------------------------------------------- */

/* rateLimit as a JSON real (the reference writes 2.0), burstLimit an integer. */
static int plan_check_throttle(admin_call_t *c, json_t *t, const char *where)
{
    if (!json_is_object(t)) {
        admin_bad_request(c, "Invalid type for %s: expected an object", where);
        return -1;
    }
    if (admin_check(c, t, throttle_fields) != 0)
        return -1;
    json_object_set_new(t, "rateLimit",
                        json_real(json_number_value(json_object_get(t, "rateLimit"))));
    return 0;
}

/* "<resourcePath>/<HTTPMETHOD>": a path starting with '/', a known verb. */
static int plan_method_key_ok(const char *key)
{
    const char *slash = strrchr(key, '/');
    if (key[0] != '/' || slash == NULL)
        return 0;
    for (const char *const *v = method_verbs; *v != NULL; v++)
        if (strcmp(slash + 1, *v) == 0)
            return 1;
    return 0;
}

static int plan_check_stage_exists(admin_call_t *c, const char *api_id, const char *stage,
                                   const char *plan_id)
{
    json_t *doc = NULL;
    int rc = store_stage_get(c->store, api_id, stage, &doc);
    json_decref(doc);
    if (rc == STORE_OK)
        return 0;
    if (rc == STORE_ENOTFOUND)
        admin_bad_request(c, "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s",
                          api_id, stage, plan_id);
    else
        admin_store_fail(c, rc, "");
    return -1;
}

static int plan_check_stage(admin_call_t *c, json_t *st, const char *plan_id)
{
    if (!json_is_object(st) || admin_check(c, st, stage_fields) != 0) {
        if (!json_is_object(st))
            admin_bad_request(c, "Invalid type for apiStages: expected a list of objects");
        return -1;
    }
    const char *api_id = json_string_value(json_object_get(st, "apiId"));
    const char *stage = json_string_value(json_object_get(st, "stage"));
    const char *key;
    json_t *t;
    json_object_foreach(json_object_get(st, "throttle"), key, t)
    {
        if (!plan_method_key_ok(key)) {
            admin_bad_request(
                c, "Invalid method throttle key %s: expected <resourcePath>/<httpMethod>", key);
            return -1;
        }
        if (plan_check_throttle(c, t, key) != 0)
            return -1;
    }
    return plan_check_stage_exists(c, api_id, stage, plan_id);
}

static int plan_check_stages(admin_call_t *c, json_t *stages, const char *plan_id)
{
    if (stages == NULL)
        return 0;
    if (!json_is_array(stages)) {
        admin_bad_request(c, "Invalid type for apiStages: expected a list of objects");
        return -1;
    }
    size_t i, k;
    json_t *st, *other;
    json_array_foreach(stages, i, st)
    {
        if (plan_check_stage(c, st, plan_id) != 0)
            return -1;
        json_array_foreach(stages, k, other)
        {
            if (k < i &&
                json_equal(json_object_get(st, "apiId"), json_object_get(other, "apiId")) &&
                json_equal(json_object_get(st, "stage"), json_object_get(other, "stage"))) {
                admin_bad_request(c, "API stage %s:%s is listed twice",
                                  json_string_value(json_object_get(st, "apiId")),
                                  json_string_value(json_object_get(st, "stage")));
                return -1;
            }
        }
    }
    return 0;
}

/* The whole document, as stored: create and every PATCH end here. */
static int plan_check_doc(admin_call_t *c, json_t *doc, const char *plan_id)
{
    if (admin_check(c, doc, plan_fields) != 0)
        return -1;
    json_t *throttle = json_object_get(doc, "throttle");
    if (throttle != NULL && plan_check_throttle(c, throttle, "throttle") != 0)
        return -1;
    json_t *quota = json_object_get(doc, "quota");
    if (quota != NULL) {
        if (admin_check(c, quota, quota_fields) != 0)
            return -1;
        json_int_t limit = json_integer_value(json_object_get(quota, "limit"));
        json_int_t offset = json_integer_value(json_object_get(quota, "offset"));
        if (offset >= limit && offset > 0) {
            admin_bad_request(c, "Quota offset must be smaller than its limit");
            return -1;
        }
        if (json_object_get(quota, "offset") == NULL)
            json_object_set_new(quota, "offset", json_integer(0));
    }
    if (json_object_get(doc, "apiStages") == NULL)
        json_object_set_new(doc, "apiStages", json_array());
    return plan_check_stages(c, json_object_get(doc, "apiStages"), plan_id);
}

/* ---- writing -------------------------------------------------------------- */

/* Writes the plan and checks that no key ends up in two plans of one stage. */
static int plan_write(admin_call_t *c, const char *id, json_t *doc, int create)
{
    int conflict = 0;
    if (admin_begin(c) != 0)
        return -1;
    int rc = create ? store_plan_insert(c->store, id, admin_now(), doc)
                    : store_plan_update(c->store, id, doc);
    if (rc == STORE_OK && !create)
        rc = store_plan_stage_conflict(c->store, id, NULL, &conflict);
    if (rc == STORE_OK && !conflict)
        rc = publish_change(c->publish, PUBLISH_PLANS, NULL, 0);
    if (rc != STORE_OK || conflict) {
        store_rollback(c->store);
        if (conflict)
            admin_conflict(c,
                           "A key of usage plan %s is in another usage plan with the same API "
                           "stage",
                           id);
        else
            admin_store_fail(c, rc, ADMIN_PLAN_NOT_FOUND);
        return -1;
    }
    return admin_commit(c);
}

void admin_usageplan_create(admin_call_t *c)
{
    char id[KEYREC_PLAN_ID_LEN + 1];
    crypto_random_id(id, KEYREC_PLAN_ID_LEN);
    json_t *doc = json_object();
    json_object_set_new(doc, "id", json_string(id));
    json_object_update(doc, c->body);
    json_object_set_new(doc, "id", json_string(id));
    if (plan_check_doc(c, doc, id) == 0 && plan_write(c, id, doc, 1) == 0)
        admin_reply(c, 201, json_incref(doc));
    json_decref(doc);
}

void admin_usageplan_list(admin_call_t *c)
{
    int limit, more;
    const char *position;
    json_t *items;
    if (admin_page(c, &limit, &position) != 0)
        return;
    int rc = store_plan_list(c->store, admin_query(c, "keyId"), position, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, more, "id");
}

int admin_usageplan_require(admin_call_t *c, json_t **doc)
{
    json_t *found = NULL;
    int rc = store_plan_get(c->store, admin_arg(c, "usageplan_id"), &found);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, ADMIN_PLAN_NOT_FOUND);
        return -1;
    }
    if (doc != NULL)
        *doc = found;
    else
        json_decref(found);
    return 0;
}

void admin_usageplan_get(admin_call_t *c)
{
    json_t *doc;
    if (admin_usageplan_require(c, &doc) == 0)
        admin_reply(c, 200, doc);
}

void admin_usageplan_delete(admin_call_t *c)
{
    if (admin_usageplan_require(c, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_plan_delete(c->store, admin_arg(c, "usageplan_id"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_PLANS, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, ADMIN_PLAN_NOT_FOUND);
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}

void admin_usageplan_update(admin_call_t *c)
{
    json_t *doc;
    patch_op_t *ops;
    size_t n;
    const char *id = admin_arg(c, "usageplan_id");
    if (admin_usageplan_require(c, &doc) != 0)
        return;
    if (patch_parse(c, &ops, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (admin_usageplan_patch(c, doc, &ops[i]) != 0)
            goto out;
    json_object_set_new(doc, "id", json_string(id));
    if (plan_check_doc(c, doc, id) == 0 && plan_write(c, id, doc, 0) == 0)
        admin_reply(c, 200, json_incref(doc));
out:
    json_decref(doc);
}
