/* admin_patch: values arrive as strings (the reference's wire form); the rule's
 * kind converts and bounds them. */
#include "admin_patch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    enum patch_opcode op;
} patch_ops[] = {
    {"add", PATCH_ADD},   {"remove", PATCH_REMOVE}, {"replace", PATCH_REPLACE},
    {"move", PATCH_MOVE}, {"copy", PATCH_COPY},     {"test", PATCH_TEST},
};

const char *patch_op_name(enum patch_opcode op)
{
    for (size_t i = 0; i < sizeof(patch_ops) / sizeof(patch_ops[0]); i++)
        if (patch_ops[i].op == op)
            return patch_ops[i].name;
    return "?";
}

static const char *patch_string_member(admin_call_t *c, json_t *o, const char *name, size_t idx,
                                       int *bad)
{
    json_t *v = json_object_get(o, name);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        admin_bad_request(c, "Invalid type for patchOperations[%zu].%s: expected a string", idx,
                          name);
        *bad = 1;
        return NULL;
    }
    return h2o_strdup(&c->req->pool, json_string_value(v), json_string_length(v)).base;
}

static int patch_parse_one(admin_call_t *c, json_t *o, size_t i, patch_op_t *out)
{
    int bad = 0;
    if (!json_is_object(o)) {
        admin_bad_request(c, "patchOperations[%zu] must be an object", i);
        return -1;
    }
    const char *op = patch_string_member(c, o, "op", i, &bad);
    out->path = patch_string_member(c, o, "path", i, &bad);
    out->value = patch_string_member(c, o, "value", i, &bad);
    out->from = patch_string_member(c, o, "from", i, &bad);
    if (bad)
        return -1;
    out->op = 0;
    for (size_t k = 0; op != NULL && k < sizeof(patch_ops) / sizeof(patch_ops[0]); k++)
        if (strcmp(op, patch_ops[k].name) == 0)
            out->op = patch_ops[k].op;
    if (out->op == 0) {
        admin_fail(c, 400, "ValidationException",
                   "1 validation error detected: Value '%s' at 'patchOperations.%zu.member.op' "
                   "failed to satisfy constraint: Member must satisfy enum value set: "
                   "[add, remove, move, test, replace, copy]",
                   op != NULL ? op : "null", i + 1);
        return -1;
    }
    if (out->path == NULL || out->path[0] != '/') {
        admin_bad_request(c, "Invalid patch path %s", out->path != NULL ? out->path : "null");
        return -1;
    }
    return 0;
}

int patch_parse(admin_call_t *c, patch_op_t **ops, size_t *n)
{
    json_t *arr = json_object_get(c->body, "patchOperations");
    if (arr == NULL || json_is_null(arr))
        arr = json_array(); /* an empty PATCH is valid and changes nothing */
    else if (!json_is_array(arr)) {
        admin_bad_request(c, "Invalid type for patchOperations: expected a list");
        return -1;
    } else
        json_incref(arr);
    size_t count = json_array_size(arr);
    patch_op_t *out = h2o_mem_alloc_pool(&c->req->pool, sizeof(*out) * (count + 1));
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = patch_parse_one(c, json_array_get(arr, i), i, &out[i]);
    json_decref(arr);
    if (rc != 0)
        return -1;
    *ops = out;
    *n = count;
    return 0;
}

int patch_invalid_path(admin_call_t *c, const patch_op_t *op)
{
    admin_bad_request(c, "Invalid patch path %s", op->path);
    return -1;
}

char *patch_unescape(admin_call_t *c, const char *seg, size_t len)
{
    char *out = h2o_mem_alloc_pool(&c->req->pool, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (seg[i] == '~' && i + 1 < len && (seg[i + 1] == '1' || seg[i + 1] == '0')) {
            out[n++] = seg[i + 1] == '1' ? '/' : '~';
            i++;
        } else {
            out[n++] = seg[i];
        }
    }
    out[n] = '\0';
    return out;
}

static json_t *patch_value(admin_call_t *c, const patch_rule_t *r, const patch_op_t *op)
{
    const char *v = op->value;
    if (v == NULL) {
        admin_bad_request(c, "A value is required for %s %s", patch_op_name(op->op), op->path);
        return NULL;
    }
    char *end;
    switch (r->kind) {
    case PATCH_STRING:
    case PATCH_MAP_ENTRY:
        if (r->max > 0 && strlen(v) > (size_t)r->max) {
            admin_bad_request(c, "Invalid value for %s: longer than %.0f characters", op->path,
                              r->max);
            return NULL;
        }
        for (const char *const *ch = r->choices; ch != NULL && *ch != NULL; ch++)
            if (strcmp(*ch, v) == 0)
                return json_string(v);
        if (r->choices == NULL)
            return json_string(v);
        break;
    case PATCH_BOOL:
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            return json_boolean(strcmp(v, "true") == 0);
        break;
    case PATCH_INT: {
        long long n = strtoll(v, &end, 10);
        if (*v != '\0' && *end == '\0' && n >= r->min && n <= r->max)
            return json_integer(n);
        break;
    }
    case PATCH_NUMBER: {
        double d = strtod(v, &end);
        if (*v != '\0' && *end == '\0' && isfinite(d) && d >= r->min && d <= r->max)
            return json_real(d);
        break;
    }
    case PATCH_JSON_STRING: {
        json_t *parsed = json_loads(v, 0, NULL);
        if (parsed != NULL) {
            json_decref(parsed);
            return json_string(v);
        }
        break;
    }
    }
    admin_bad_request(c, "Invalid value for %s: %s", op->path, v);
    return NULL;
}

static int patch_apply_rule(admin_call_t *c, json_t *doc, const patch_op_t *op,
                            const patch_rule_t *r)
{
    if (!(r->ops & op->op)) {
        admin_bad_request(c, "Invalid patch operation specified. Must be one of: %s%s%s for %s",
                          (r->ops & PATCH_ADD) ? "add " : "",
                          (r->ops & PATCH_REPLACE) ? "replace " : "",
                          (r->ops & PATCH_REMOVE) ? "remove" : "", op->path);
        return -1;
    }
    json_t *target = doc;
    const char *key = r->field;
    if (r->kind == PATCH_MAP_ENTRY) {
        target = json_object_get(doc, r->field);
        if (!json_is_object(target)) {
            target = json_object();
            json_object_set_new(doc, r->field, target);
        }
        const char *rest = op->path + strlen(r->path);
        key = patch_unescape(c, rest, strlen(rest));
        if (*key == '\0')
            return patch_invalid_path(c, op);
    }
    if (op->op == PATCH_REMOVE) {
        json_object_del(target, key);
        return 1;
    }
    json_t *v = patch_value(c, r, op);
    if (v == NULL)
        return -1;
    json_object_set_new(target, key, v);
    return 1;
}

int patch_apply(admin_call_t *c, json_t *doc, const patch_op_t *op, const patch_rule_t *rules)
{
    for (const patch_rule_t *r = rules; r->path != NULL; r++) {
        size_t plen = strlen(r->path);
        int hit = r->kind == PATCH_MAP_ENTRY ? strncmp(op->path, r->path, plen) == 0
                                             : strcmp(op->path, r->path) == 0;
        if (hit)
            return patch_apply_rule(c, doc, op, r);
    }
    return 0;
}
