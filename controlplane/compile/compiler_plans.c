/* compiler_plans: plan documents are validated by admin_usageplan before
 * they are stored, so this is a faithful translation. */
#include "compiler_plans.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson.h"
#include "period.h"
#include "store_keys.h"

static Portico__PlanApiStage *plan_stage(arena_t *a, json_t *st)
{
    Portico__PlanApiStage *ps = arena_alloc(a, sizeof(*ps));
    portico__plan_api_stage__init(ps);
    ps->api_id = pbjson_str(a, st, "apiId");
    ps->stage = pbjson_str(a, st, "stage");
    json_t *throttles = json_object_get(st, "throttle");
    ps->n_throttles = json_object_size(throttles);
    ps->throttles = arena_alloc(a, (ps->n_throttles + 1) * sizeof(*ps->throttles));
    size_t i = 0;
    const char *key;
    json_t *t;
    json_object_foreach(throttles, key, t)
    {
        Portico__PlanMethodThrottle *mt = arena_alloc(a, sizeof(*mt));
        portico__plan_method_throttle__init(mt);
        mt->key = arena_strdup(a, key);
        mt->rate_limit = json_number_value(json_object_get(t, "rateLimit"));
        mt->burst_limit = (uint32_t)json_integer_value(json_object_get(t, "burstLimit"));
        ps->throttles[i++] = mt;
    }
    return ps;
}

Portico__UsagePlan *compiler_plan_from_doc(arena_t *a, json_t *doc, int64_t created_at)
{
    Portico__UsagePlan *p = arena_alloc(a, sizeof(*p));
    portico__usage_plan__init(p);
    p->id = pbjson_str(a, doc, "id");
    json_t *throttle = json_object_get(doc, "throttle");
    if (json_is_object(throttle)) {
        p->has_throttle = 1;
        p->rate_limit = json_number_value(json_object_get(throttle, "rateLimit"));
        p->burst_limit = (uint32_t)json_integer_value(json_object_get(throttle, "burstLimit"));
    }
    json_t *quota = json_object_get(doc, "quota");
    if (json_is_object(quota)) {
        p->has_quota = 1;
        p->quota_limit = (uint64_t)json_integer_value(json_object_get(quota, "limit"));
        p->quota_offset = (uint64_t)json_integer_value(json_object_get(quota, "offset"));
        p->quota_period = pbjson_str(a, quota, "period");
    }
    p->initial_day = period_day_of_ms((uint64_t)created_at * 1000);
    json_t *stages = json_object_get(doc, "apiStages");
    p->n_api_stages = json_array_size(stages);
    p->api_stages = arena_alloc(a, (p->n_api_stages + 1) * sizeof(*p->api_stages));
    for (size_t i = 0; i < p->n_api_stages; i++)
        p->api_stages[i] = plan_stage(a, json_array_get(stages, i));
    return p;
}

struct plans_ctx {
    arena_t *arena;
    Portico__UsagePlan **plans;
    size_t n, cap;
};

static int plans_visit(void *ctx, json_t *doc, int64_t created_at)
{
    struct plans_ctx *x = ctx;
    if (x->n == x->cap) {
        size_t cap = x->cap == 0 ? 16 : x->cap * 2;
        Portico__UsagePlan **bigger = arena_alloc(x->arena, cap * sizeof(*bigger));
        if (bigger == NULL)
            return STORE_EIO;
        if (x->n > 0)
            memcpy(bigger, x->plans, x->n * sizeof(*bigger));
        x->plans = bigger;
        x->cap = cap;
    }
    x->plans[x->n++] = compiler_plan_from_doc(x->arena, doc, created_at);
    return 0;
}

int compiler_plans_add(store_t *s, arena_t *a, Portico__Snapshot *snap, uint8_t **table)
{
    struct plans_ctx x = {.arena = a};
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = store_epoch(s, &snap->config_epoch);
    if (rc == STORE_OK)
        rc = store_plan_visit_all(s, plans_visit, &x);
    if (rc == STORE_OK)
        rc = store_key_records_all(s, &buf, &len, &cap);
    if (rc != STORE_OK) {
        free(buf);
        return rc;
    }
    snap->usage_plans = x.plans;
    snap->n_usage_plans = x.n;
    snap->api_key_table = (ProtobufCBinaryData){.len = len, .data = buf};
    *table = buf;
    return STORE_OK;
}
