/* admin_usageplan_patch: PATCH operations on a plan document — the plain
 * fields by rule, then /throttle, /quota and /apiStages (with per-method
 * throttles) by prefix. The caller validates the whole document after. */
#include "admin_usageplan_patch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const patch_rule_t plan_patch_rules[] = {
    {"/name", PATCH_REPLACE, PATCH_STRING, "name", .max = 1024},
    {"/description", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "description",
     .max = 4096},
    {"/productCode", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "productCode",
     .max = 1024},
    {NULL},
};
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

int admin_usageplan_patch(admin_call_t *c, json_t *doc, const patch_op_t *op)
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
