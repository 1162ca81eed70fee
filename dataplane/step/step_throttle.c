/* step_throttle: the reference's order of limits — the usage plan's
 * per-method throttle, the plan's throttle, the stage's methodSettings (the
 * method's own, else the stage default), the account-wide limit — then the
 * key's quota. Each bucket is one atomic word (throttle.h); a request that a
 * later bucket refuses keeps the tokens earlier ones gave it. Throttled: 429
 * Too Many Requests; quota used up: 429 Limit Exceeded. A quota is spent from
 * the lease this node holds (qlease.h); a request that finds none waits for
 * the lease the cluster thread asks for (first use, or after an idle return),
 * unless the control plane said nothing is left. */
#include <string.h>

#include <stdlib.h>

#include "clock.h"
#include "gwresp.h"
#include "park.h"
#include "pipeline.h"
#include "qlease.h"
#include "quota.h"
#include "steps.h"

static int method_is(const rt_method_t *m, const char *path, const char *verb)
{
    return strcmp(m->resource_path, path) == 0 && strcmp(m->verb, verb) == 0;
}

/* 1 when every bucket of the usage plan let the request through. */
static int plan_buckets(dp_request_t *r, uint32_t share, uint64_t now)
{
    const rt_plan_stage_t *ps = r->plan_stage;
    for (size_t i = 0; i < ps->nmethods; i++) {
        const rt_plan_method_t *pm = &ps->methods[i];
        if (method_is(r->method, pm->resource_path, pm->verb))
            if (!throttle_take(&r->key.state[pm->slot], pm->limit, share, now))
                return 0;
    }
    const rt_plan_t *p = ps->plan;
    return !p->has_throttle ||
           throttle_take(&r->key.state[KEYTAB_STATE_PLAN], p->throttle, share, now);
}

static int stage_buckets(dp_request_t *r, uint32_t share, uint64_t now)
{
    const rt_stage_t *s = r->stage;
    for (size_t i = 0; i < s->nmethod_limits; i++) {
        const rt_method_limit_t *ml = &s->method_limits[i];
        if (method_is(r->method, ml->resource_path, ml->verb))
            return throttle_take(ml->limit.tat, ml->limit.limit, share, now);
    }
    return s->stage_limit == NULL ||
           throttle_take(s->stage_limit->tat, s->stage_limit->limit, share, now);
}

/* Counts the accepted request for /usage. */
static void quota_count(dp_request_t *r, uint32_t day)
{
    if (dpusage_add(r->thread->usage, r->key.record + KEYREC_KEY_ID_AT, day, 1) != 0)
        h2o_fatal("out of memory");
}

/* Spends one unit of the lease this node holds: 1, else 0. With the control
 * plane away and --quota-when-control-plane-away open, the request passes
 * (counted, reported later). */
static int quota_spend(dp_request_t *r, uint32_t period)
{
    return quota_take(&r->key.state[KEYTAB_STATE_QUOTA], period) ||
           atomic_load_explicit(&r->thread->dp->quota_open_now, memory_order_relaxed);
}

static int quota_word_visit(void *ctx, const keytab_hit_t *hit)
{
    const uint8_t *record = *(const uint8_t **)ctx;
    if (memcmp(hit->record + KEYREC_KEY_ID_AT, record + KEYREC_KEY_ID_AT, KEYREC_USAGE_ID_LEN) ||
        hit->nstate <= KEYTAB_STATE_QUOTA)
        return 0;
    *(_Atomic uint64_t **)ctx = &hit->state[KEYTAB_STATE_QUOTA];
    return 1;
}

/* The lease may have moved to a newer key table while the request waited:
 * spends from the word of the table this worker serves now. */
static int quota_spend_current(dp_request_t *r, uint32_t period)
{
    dp_lease_t *l = r->thread->lease;
    if (l == NULL || l->rt == r->rt)
        return 0;
    void *ctx = (void *)r->key.record;
    if (keytab_find(l->rt->keys, r->key.record, quota_word_visit, &ctx) != 1)
        return 0;
    return quota_take((_Atomic uint64_t *)ctx, period);
}

/* On the request's worker, after the cluster thread asked for a lease. */
static void quota_on_wake(park_t *p, dp_request_t *r)
{
    qlease_waiter_t *w = H2O_STRUCT_FROM_MEMBER(qlease_waiter_t, park, p);
    uint32_t period = w->period;
    free(w);
    if (r == NULL)
        return;
    if (!quota_spend(r, period) && !quota_spend_current(r, period)) {
        gwresp_send(r, GW_QUOTA_EXCEEDED);
        return;
    }
    quota_count(r, period_day_of_ms(clock_wall_ms()));
    pipeline_resume(r);
}

/* No budget held: the request waits for the lease the cluster thread asks for. */
static enum step_result quota_wait(dp_request_t *r, uint32_t period)
{
    qlease_waiter_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        h2o_fatal("out of memory");
    memcpy(w->sha, r->key.record, KEYREC_SHA_LEN);
    memcpy(w->usage_id, r->key.record + KEYREC_KEY_ID_AT, KEYREC_USAGE_ID_LEN);
    w->period = period;
    w->since_ms = clock_mono_ms();
    park_init(&w->park, r, quota_on_wake, NULL);
    park_request(&w->park);
    qlease_enqueue(&r->thread->dp->lease_queue, w);
    return STEP_PENDING;
}

enum step_result step_throttle(dp_request_t *r)
{
    dp_t *dp = r->thread->dp;
    uint32_t share = atomic_load_explicit(&dp->rate_share_ppm, memory_order_relaxed);
    uint64_t now = throttle_now_ns();
    const rt_plan_t *p = r->plan_stage != NULL ? r->plan_stage->plan : NULL;
    uint32_t day = 0, period = 0;
    _Atomic uint64_t *qw = NULL;
    if (p != NULL && p->has_quota) {
        day = period_day_of_ms(clock_wall_ms());
        period = period_start(p->period, day);
        qw = &r->key.state[KEYTAB_STATE_QUOTA];
        /* nothing held and nothing to be had: refused before any bucket */
        if (quota_held(qw, period) == 0 && quota_dry(qw, period) &&
            !atomic_load_explicit(&dp->quota_open_now, memory_order_relaxed))
            goto out_quota;
    }
    if ((p != NULL && !plan_buckets(r, share, now)) || !stage_buckets(r, share, now) ||
        (r->rt->account.limit.rate > 0 &&
         !throttle_take(r->rt->account.tat, r->rt->account.limit, share, now))) {
        gwresp_send(r, GW_THROTTLED);
        return STEP_DONE;
    }
    if (p == NULL)
        return STEP_CONTINUE;
    if (qw != NULL && !quota_spend(r, period)) {
        if (quota_dry(qw, period) || atomic_load_explicit(&dp->lease_cp_away, memory_order_relaxed))
            goto out_quota;
        return quota_wait(r, period);
    }
    if (day == 0)
        day = period_day_of_ms(clock_wall_ms());
    quota_count(r, day);
    return STEP_CONTINUE;
out_quota:
    gwresp_send(r, GW_QUOTA_EXCEEDED);
    return STEP_DONE;
}
