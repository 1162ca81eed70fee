/* step_throttle: the reference's order of limits — the usage plan's
 * per-method throttle, the plan's throttle, the stage's methodSettings (the
 * method's own, else the stage default), the account-wide limit — then the
 * key's quota. Each bucket is one atomic word (throttle.h); a request that a
 * later bucket refuses keeps the tokens earlier ones gave it. Throttled: 429
 * Too Many Requests; quota used up: 429 Limit Exceeded. */
#include <string.h>

#include "clock.h"
#include "gwresp.h"
#include "quota.h"
#include "steps.h"

static int method_is(const rt_method_t *m, const char *path, const char *verb)
{
    return strcmp(m->resource_path, path) == 0 && strcmp(m->verb, verb) == 0;
}

/* 1 when every bucket of the usage plan let the request through. */
static int plan_buckets(dp_request_t *r, unsigned nodes, uint64_t now)
{
    const rt_plan_stage_t *ps = r->plan_stage;
    for (size_t i = 0; i < ps->nmethods; i++) {
        const rt_plan_method_t *pm = &ps->methods[i];
        if (method_is(r->method, pm->resource_path, pm->verb))
            if (!throttle_take(&r->key.state[pm->slot], pm->limit, nodes, now))
                return 0;
    }
    const rt_plan_t *p = ps->plan;
    return !p->has_throttle ||
           throttle_take(&r->key.state[KEYTAB_STATE_PLAN], p->throttle, nodes, now);
}

static int stage_buckets(dp_request_t *r, unsigned nodes, uint64_t now)
{
    const rt_stage_t *s = r->stage;
    for (size_t i = 0; i < s->nmethod_limits; i++) {
        const rt_method_limit_t *ml = &s->method_limits[i];
        if (method_is(r->method, ml->resource_path, ml->verb))
            return throttle_take(ml->limit.tat, ml->limit.limit, nodes, now);
    }
    return s->stage_limit == NULL ||
           throttle_take(s->stage_limit->tat, s->stage_limit->limit, nodes, now);
}

enum step_result step_throttle(dp_request_t *r)
{
    dp_t *dp = r->thread->dp;
    unsigned nodes = atomic_load_explicit(&dp->live_nodes, memory_order_relaxed);
    uint64_t now = throttle_now_ns();
    const rt_plan_t *p = r->plan_stage != NULL ? r->plan_stage->plan : NULL;
    uint32_t day = 0, period = 0;
    uint64_t limit = 0;
    if (p != NULL && p->has_quota) {
        day = period_day_of_ms(clock_wall_ms());
        period = period_start(p->period, day);
        limit = period_limit(p->period, p->quota_limit, p->quota_offset, p->initial_day, day);
        if (quota_used(&r->key.state[KEYTAB_STATE_QUOTA], period) >= limit)
            goto out_quota;
    }
    if ((p != NULL && !plan_buckets(r, nodes, now)) || !stage_buckets(r, nodes, now) ||
        (r->rt->account.limit.rate > 0 &&
         !throttle_take(r->rt->account.tat, r->rt->account.limit, nodes, now))) {
        gwresp_send(r, GW_THROTTLED);
        return STEP_DONE;
    }
    if (p == NULL)
        return STEP_CONTINUE;
    if (p->has_quota && !quota_take(&r->key.state[KEYTAB_STATE_QUOTA], period, limit))
        goto out_quota;
    if (day == 0)
        day = period_day_of_ms(clock_wall_ms());
    if (dpusage_add(r->thread->usage, r->key.record + KEYREC_KEY_ID_AT, day, 1) != 0)
        h2o_fatal("out of memory");
    return STEP_CONTINUE;
out_quota:
    gwresp_send(r, GW_QUOTA_EXCEEDED);
    return STEP_DONE;
}
