/* admin_usageplan: documents are validated whole (after patches too) before
 * they are stored; apiStages must name existing stages, and a key may be in
 * only one plan per API stage, as in the reference service. */
#include "admin_usageplan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "admin_apikey.h"
#include "admin_restapi.h"
#include "crypto.h"
#include "keyrec.h"
#include "patch.h"
#include "period.h"
#include "store_api.h"
#include "store_deploy.h"
#include "store_keys.h"
#include "store_usage.h"

#define PLAN_NOT_FOUND "Invalid Usage Plan ID specified"
#define KEY_NOT_FOUND "Invalid API Key identifier specified"
#define PLAN_MAX_RATE 1e9
#define PLAN_MAX_BURST 2147483647.0
#define PLAN_MAX_QUOTA 1e12
#define USAGE_MAX_DAYS 366

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

static const patch_rule_t plan_patch_rules[] = {
    {"/name", PATCH_REPLACE, PATCH_STRING, "name", .max = 1024},
    {"/description", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "description",
     .max = 4096},
    {"/productCode", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "productCode",
     .max = 1024},
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
        rc = store_bump_version(c->store, NULL);
    if (rc != STORE_OK || conflict) {
        store_rollback(c->store);
        if (conflict)
            admin_conflict(c,
                           "A key of usage plan %s is in another usage plan with the same API "
                           "stage",
                           id);
        else
            admin_store_fail(c, rc, PLAN_NOT_FOUND);
        return -1;
    }
    return admin_commit(c, 1);
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

static int plan_require(admin_call_t *c, json_t **doc)
{
    json_t *found = NULL;
    int rc = store_plan_get(c->store, admin_arg(c, "usageplan_id"), &found);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, PLAN_NOT_FOUND);
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
    if (plan_require(c, &doc) == 0)
        admin_reply(c, 200, doc);
}

void admin_usageplan_delete(admin_call_t *c)
{
    if (plan_require(c, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_plan_delete(c->store, admin_arg(c, "usageplan_id"));
    if (rc == STORE_OK)
        rc = store_bump_version(c->store, NULL);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, PLAN_NOT_FOUND);
        return;
    }
    if (admin_commit(c, 1) == 0)
        admin_reply(c, 202, NULL);
}

/* ---- PATCH ------------------------------------------------------------------ */

typedef int (*plan_patch_fn)(admin_call_t *c, json_t *doc, const patch_op_t *op, const char *rest);

static json_t *child_object(json_t *parent, const char *name)
{
    json_t *o = json_object_get(parent, name);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(parent, name, o);
    }
    return o;
}

/* Sets obj.field from the op's string value (number, integer or string), or removes it. */
static int patch_field(admin_call_t *c, json_t *obj, const char *field, const patch_op_t *op,
                       enum admin_type type)
{
    if (op->op == PATCH_REMOVE) {
        json_object_del(obj, field);
        return 0;
    }
    if (!(op->op & (PATCH_ADD | PATCH_REPLACE)) || op->value == NULL) {
        admin_bad_request(c, "Invalid patch operation %s for %s", patch_op_name(op->op), op->path);
        return -1;
    }
    char *end;
    json_t *v = NULL;
    if (type == ADMIN_NUMBER) {
        double d = strtod(op->value, &end);
        if (*op->value != '\0' && *end == '\0' && isfinite(d))
            v = json_real(d);
    } else if (type == ADMIN_INT) {
        long long n = strtoll(op->value, &end, 10);
        if (*op->value != '\0' && *end == '\0')
            v = json_integer(n);
    } else {
        v = json_string(op->value);
    }
    if (v == NULL) {
        admin_bad_request(c, "Invalid value for %s: %s", op->path, op->value);
        return -1;
    }
    json_object_set_new(obj, field, v);
    return 0;
}

static const struct {
    const char *name;
    enum admin_type type;
} throttle_members[] = {{"rateLimit", ADMIN_NUMBER}, {"burstLimit", ADMIN_INT}, {NULL, 0}},
  quota_members[] = {
      {"limit", ADMIN_INT}, {"offset", ADMIN_INT}, {"period", ADMIN_STRING}, {NULL, 0}};

/* "/throttle/rateLimit", "/quota/period", ... and "/throttle", "/quota" to remove. */
static int patch_members(admin_call_t *c, json_t *doc, const patch_op_t *op, const char *rest,
                         const char *object, const void *table)
{
    const struct {
        const char *name;
        enum admin_type type;
    } *m = table;
    if (*rest == '\0' && op->op == PATCH_REMOVE) {
        json_object_del(doc, object);
        return 0;
    }
    for (; m->name != NULL; m++)
        if (strcmp(rest, m->name) == 0)
            return patch_field(c, child_object(doc, object), m->name, op, m->type);
    return patch_invalid_path(c, op);
}

static int plan_patch_throttle(admin_call_t *c, json_t *doc, const patch_op_t *op, const char *rest)
{
    return patch_members(c, doc, op, rest, "throttle", throttle_members);
}

static int plan_patch_quota(admin_call_t *c, json_t *doc, const patch_op_t *op, const char *rest)
{
    return patch_members(c, doc, op, rest, "quota", quota_members);
}

/* The apiStages entry "apiId:stage" (spec, len bytes) or NULL; *index its position. */
static json_t *stage_entry(json_t *doc, const char *spec, size_t len, size_t *index)
{
    const char *colon = memchr(spec, ':', len);
    if (colon == NULL)
        return NULL;
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(doc, "apiStages"), i, st)
    {
        const char *api = json_string_value(json_object_get(st, "apiId"));
        const char *stage = json_string_value(json_object_get(st, "stage"));
        if (api != NULL && stage != NULL && strlen(api) == (size_t)(colon - spec) &&
            memcmp(api, spec, strlen(api)) == 0 && strlen(stage) == len - strlen(api) - 1 &&
            memcmp(stage, colon + 1, strlen(stage)) == 0) {
            *index = i;
            return st;
        }
    }
    return NULL;
}

/* add / remove "/apiStages" with value "apiId:stage". */
static int patch_stage_list(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    const char *v = op->value;
    const char *colon = v != NULL ? strchr(v, ':') : NULL;
    size_t index;
    if (colon == NULL || colon == v || colon[1] == '\0' || !(op->op & (PATCH_ADD | PATCH_REMOVE))) {
        admin_bad_request(c, "Invalid patch: %s %s needs a value apiId:stage",
                          patch_op_name(op->op), op->path);
        return -1;
    }
    json_t *found = stage_entry(doc, v, strlen(v), &index);
    if (op->op == PATCH_REMOVE) {
        if (found == NULL) {
            admin_bad_request(c, "API stage %s is not in this usage plan", v);
            return -1;
        }
        json_array_remove(json_object_get(doc, "apiStages"), index);
        return 0;
    }
    if (found == NULL) {
        json_t *entry = json_object();
        json_object_set_new(entry, "apiId", json_stringn(v, (size_t)(colon - v)));
        json_object_set_new(entry, "stage", json_string(colon + 1));
        if (!json_is_array(json_object_get(doc, "apiStages")))
            json_object_set_new(doc, "apiStages", json_array());
        json_array_append_new(json_object_get(doc, "apiStages"), entry);
    }
    return 0;
}

/* "/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}[/rateLimit|/burstLimit]" */
static int patch_stage_throttle(admin_call_t *c, json_t *doc, const patch_op_t *op,
                                const char *rest)
{
    static const char marker[] = "/throttle/";
    const char *m = strstr(rest, marker);
    size_t index;
    json_t *st = m != NULL ? stage_entry(doc, rest, (size_t)(m - rest), &index) : NULL;
    if (st == NULL)
        return patch_invalid_path(c, op);
    char *tail = patch_unescape(c, m + sizeof(marker) - 1, strlen(m + sizeof(marker) - 1));
    const char *field = NULL;
    char *last = strrchr(tail, '/');
    if (last != NULL &&
        (strcmp(last + 1, "rateLimit") == 0 || strcmp(last + 1, "burstLimit") == 0)) {
        field = last + 1;
        *last = '\0';
    }
    if (strrchr(tail, '/') == NULL)
        return patch_invalid_path(c, op);
    /* the resource path may come with or without its leading '/' */
    char *key = h2o_mem_alloc_pool(&c->req->pool, strlen(tail) + 2);
    snprintf(key, strlen(tail) + 2, "%s%s", tail[0] == '/' ? "" : "/", tail);
    json_t *throttles = child_object(st, "throttle");
    if (field == NULL) {
        if (op->op != PATCH_REMOVE)
            return patch_invalid_path(c, op);
        json_object_del(throttles, key);
        return 0;
    }
    return patch_field(c, child_object(throttles, key), field, op,
                       strcmp(field, "rateLimit") == 0 ? ADMIN_NUMBER : ADMIN_INT);
}

static int plan_patch_stages(admin_call_t *c, json_t *doc, const patch_op_t *op, const char *rest)
{
    return *rest == '\0' ? patch_stage_list(c, doc, op) : patch_stage_throttle(c, doc, op, rest);
}

static const struct {
    const char *prefix;
    plan_patch_fn fn;
} plan_patches[] = {
    {"/throttle", plan_patch_throttle},
    {"/quota", plan_patch_quota},
    {"/apiStages", plan_patch_stages},
    {NULL, NULL},
};

static int plan_patch_one(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    int rc = patch_apply(c, doc, op, plan_patch_rules);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    for (size_t i = 0; plan_patches[i].prefix != NULL; i++) {
        size_t n = strlen(plan_patches[i].prefix);
        if (strncmp(op->path, plan_patches[i].prefix, n) == 0 &&
            (op->path[n] == '\0' || op->path[n] == '/'))
            return plan_patches[i].fn(c, doc, op, op->path[n] == '/' ? op->path + n + 1 : "");
    }
    return patch_invalid_path(c, op);
}

void admin_usageplan_update(admin_call_t *c)
{
    json_t *doc;
    patch_op_t *ops;
    size_t n;
    const char *id = admin_arg(c, "usageplan_id");
    if (plan_require(c, &doc) != 0)
        return;
    if (patch_parse(c, &ops, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (plan_patch_one(c, doc, &ops[i]) != 0)
            goto out;
    json_object_set_new(doc, "id", json_string(id));
    if (plan_check_doc(c, doc, id) == 0 && plan_write(c, id, doc, 0) == 0)
        admin_reply(c, 200, json_incref(doc));
out:
    json_decref(doc);
}

/* ---- keys ------------------------------------------------------------------- */

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
    if (plan_require(c, NULL) != 0 || admin_check(c, c->body, plan_key_fields) != 0)
        return;
    const char *key_id = json_string_value(json_object_get(c->body, "keyId"));
    if (admin_begin(c) != 0)
        return;
    int rc = store_apikey_sha(c->store, key_id, sha);
    if (rc == STORE_ENOTFOUND) {
        store_rollback(c->store);
        admin_not_found(c, KEY_NOT_FOUND);
        return;
    }
    if (rc == STORE_OK)
        rc = store_plan_key_add(c->store, plan_id, key_id);
    if (rc == STORE_OK)
        rc = store_plan_stage_conflict(c->store, plan_id, key_id, &conflict);
    if (rc == STORE_OK && !conflict)
        rc = store_bump_keys_version(c->store, NULL);
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
            admin_store_fail(c, rc, PLAN_NOT_FOUND);
        return;
    }
    json_t *item = NULL;
    if (admin_commit_keys(c, sha, 1) == 0 &&
        store_plan_key_get(c->store, plan_id, key_id, &item) == STORE_OK &&
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
    if (plan_require(c, NULL) != 0 || admin_page(c, &limit, &position) != 0)
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
    if (plan_require(c, NULL) != 0)
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
    if (plan_require(c, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_plan_key_delete(c->store, admin_arg(c, "usageplan_id"), key_id);
    if (rc == STORE_OK)
        rc = store_apikey_sha(c->store, key_id, sha);
    if (rc == STORE_OK)
        rc = store_bump_keys_version(c->store, NULL);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Usage Plan Key identifier specified");
        return;
    }
    if (admin_commit_keys(c, sha, 1) == 0)
        admin_reply(c, 202, NULL);
}

/* ---- usage ------------------------------------------------------------------ */

typedef struct {
    enum period_kind period;
    uint64_t limit, offset;
    uint32_t initial_day;
    uint32_t from, start, end; /* rows from `from` (period start), shown start..end */
    int max_keys, nkeys, more;
    json_t *values;
    char key[64], last[64];
    uint64_t *days; /* used per day from..end for the current key */
} usage_ctx_t;

/* Writes the current key's [[used, remaining], ...] for start..end. */
static void usage_flush_key(usage_ctx_t *u)
{
    if (u->key[0] == '\0')
        return;
    json_t *list = json_array();
    uint64_t in_period = 0;
    for (uint32_t d = u->from; d <= u->end; d++) {
        if (u->period != PERIOD_NONE && period_start(u->period, d) == d)
            in_period = 0;
        in_period += u->days[d - u->from];
        if (d < u->start)
            continue;
        uint64_t limit = u->period == PERIOD_NONE
                             ? 0
                             : period_limit(u->period, u->limit, u->offset, u->initial_day, d);
        json_array_append_new(list,
                              json_pack("[I,I]", (json_int_t)u->days[d - u->from],
                                        (json_int_t)(limit > in_period ? limit - in_period : 0)));
    }
    json_object_set_new(u->values, u->key, list);
    memcpy(u->last, u->key, sizeof(u->last));
    memset(u->days, 0, (u->end - u->from + 1) * sizeof(*u->days));
    u->key[0] = '\0';
}

static int usage_visit(void *ctx, const char *key_id, uint32_t day, uint64_t used)
{
    usage_ctx_t *u = ctx;
    if (strcmp(key_id, u->key) != 0) {
        usage_flush_key(u);
        if (u->nkeys++ == u->max_keys) {
            u->more = 1;
            return 1;
        }
        snprintf(u->key, sizeof(u->key), "%s", key_id);
    }
    u->days[day - u->from] += used;
    return 0;
}

static int usage_dates(admin_call_t *c, usage_ctx_t *u)
{
    const char *s = admin_query(c, "startDate"), *e = admin_query(c, "endDate");
    if (s == NULL || e == NULL) {
        admin_bad_request(c, "startDate and endDate are required (YYYY-MM-DD)");
        return -1;
    }
    if (period_parse_date(s, &u->start) != 0 || period_parse_date(e, &u->end) != 0) {
        admin_bad_request(c, "Invalid date: startDate and endDate must be YYYY-MM-DD");
        return -1;
    }
    if (u->end < u->start || u->end - u->start >= USAGE_MAX_DAYS) {
        admin_bad_request(c, "endDate must be on or after startDate, at most %d days later",
                          USAGE_MAX_DAYS - 1);
        return -1;
    }
    return 0;
}

static void usage_plan_quota(usage_ctx_t *u, json_t *doc, int64_t created_at)
{
    json_t *quota = json_object_get(doc, "quota");
    u->period = period_parse(json_string_value(json_object_get(quota, "period")));
    u->limit = (uint64_t)json_integer_value(json_object_get(quota, "limit"));
    u->offset = (uint64_t)json_integer_value(json_object_get(quota, "offset"));
    u->initial_day = period_day_of_ms((uint64_t)created_at * 1000);
}

/* Rows start at the first day of the period that holds startDate, so that
 * "remaining" counts what was used earlier in that period. */
static void usage_plan_quota_range(usage_ctx_t *u)
{
    u->from = u->period != PERIOD_NONE ? period_start(u->period, u->start) : u->start;
}

void admin_usageplan_usage(admin_call_t *c)
{
    usage_ctx_t u = {0};
    const char *plan_id = admin_arg(c, "usageplan_id"), *position;
    char start[11], end[11];
    json_t *doc;
    int64_t created_at;
    if (plan_require(c, &doc) != 0)
        return;
    int rc = store_plan_created_at(c->store, plan_id, &created_at);
    if (rc == STORE_OK)
        usage_plan_quota(&u, doc, created_at);
    json_decref(doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, PLAN_NOT_FOUND);
        return;
    }
    if (usage_dates(c, &u) != 0 || admin_page(c, &u.max_keys, &position) != 0)
        return;
    usage_plan_quota_range(&u);
    u.values = json_object();
    u.days = calloc(u.end - u.from + 1, sizeof(*u.days));
    if (rc == STORE_OK && u.days == NULL)
        rc = STORE_EIO;
    if (rc == STORE_OK)
        rc = store_usage_visit(c->store, plan_id, admin_query(c, "keyId"), position, u.from, u.end,
                               usage_visit, &u);
    if (rc != STORE_OK) {
        free(u.days);
        json_decref(u.values);
        admin_store_fail(c, rc, "");
        return;
    }
    if (!u.more)
        usage_flush_key(&u);
    period_format_date(u.start, start);
    period_format_date(u.end, end);
    json_t *body = json_pack("{s:s,s:s,s:s,s:o}", "usagePlanId", plan_id, "startDate", start,
                             "endDate", end, "values", u.values);
    if (u.more)
        json_object_set_new(body, "position", json_string(u.last));
    free(u.days);
    admin_reply(c, 200, body);
}
