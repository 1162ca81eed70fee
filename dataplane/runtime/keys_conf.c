/* keys_conf: plans become rt_plan_t (plus, per stage they serve, an
 * rt_plan_stage_t); limits keep their state words in the runtime's arena,
 * seeded from the previous runtime so a snapshot swap neither refills nor
 * drains a bucket. */
#include "keys_conf.h"

#include <stdio.h>
#include <string.h>

static _Atomic uint64_t *state_word(arena_t *a, const _Atomic uint64_t *carry)
{
    _Atomic uint64_t *w = arena_alloc(a, sizeof(*w));
    if (w != NULL && carry != NULL)
        atomic_store(w, atomic_load(carry));
    return w;
}

int keys_conf_method_key(arena_t *a, const char *key, const char **path, const char **verb)
{
    const char *slash = strrchr(key, '/');
    if (slash == NULL || slash[1] == '\0')
        return -1;
    const char *p = key;
    size_t plen = (size_t)(slash - key);
    if (plen > 0 && p[0] == '/') { /* "/pets/GET" and "pets/GET" name the same method */
        p++;
        plen--;
    }
    char *full = arena_alloc(a, plen + 2);
    if (full == NULL)
        return -1;
    full[0] = '/';
    memcpy(full + 1, p, plen);
    *path = full;
    *verb = arena_strdup(a, slash + 1);
    return *verb != NULL ? 0 : -1;
}

/* ---- usage plans --------------------------------------------------------- */

static int plan_compile(rt_plan_t *p, const Portico__UsagePlan *up, uint32_t index, char *err,
                        size_t err_len)
{
    if (strlen(up->id) != KEYREC_PLAN_ID_LEN) {
        snprintf(err, err_len, "usage plan id %s is malformed", up->id);
        return -1;
    }
    p->id = up->id;
    p->index = index;
    p->has_throttle = up->has_throttle;
    p->throttle = (throttle_limit_t){up->rate_limit, up->burst_limit};
    p->has_quota = up->has_quota;
    p->period = period_parse(up->quota_period);
    if (p->has_quota && p->period == PERIOD_NONE) {
        snprintf(err, err_len, "usage plan %s: invalid quota period %s", up->id, up->quota_period);
        return -1;
    }
    p->quota_limit = up->quota_limit;
    p->quota_offset = up->quota_offset;
    p->initial_day = up->initial_day;
    size_t methods = 0;
    for (size_t i = 0; i < up->n_api_stages; i++)
        methods += up->api_stages[i]->n_throttles;
    p->nstate = (uint32_t)(KEYTAB_STATE_METHODS + methods);
    return 0;
}

static int plan_stage_methods(arena_t *a, const Portico__PlanApiStage *as, uint32_t *slot,
                              rt_plan_stage_t *ps, char *err, size_t err_len)
{
    rt_plan_method_t *m = arena_alloc(a, (as->n_throttles + 1) * sizeof(*m));
    if (m == NULL)
        return -1;
    for (size_t k = 0; k < as->n_throttles; k++) {
        const Portico__PlanMethodThrottle *t = as->throttles[k];
        if (keys_conf_method_key(a, t->key, &m[k].resource_path, &m[k].verb) != 0) {
            snprintf(err, err_len, "usage plan method throttle %s is malformed", t->key);
            return -1;
        }
        m[k].limit = (throttle_limit_t){t->rate_limit, t->burst_limit};
        m[k].slot = (*slot)++;
    }
    ps->methods = m;
    ps->nmethods = as->n_throttles;
    return 0;
}

static rt_stage_t *find_stage(runtime_t *rt, const char *api_id, const char *stage)
{
    return (rt_stage_t *)runtime_stage(rt, api_id, strlen(api_id), stage, strlen(stage));
}

/* Attaches every plan to the stages it serves (two passes: count, fill). */
static int plans_attach(runtime_t *rt, arena_t *a, const Portico__Snapshot *snap, char *err,
                        size_t err_len)
{
    for (size_t i = 0; i < snap->n_usage_plans; i++)
        for (size_t k = 0; k < snap->usage_plans[i]->n_api_stages; k++) {
            const Portico__PlanApiStage *as = snap->usage_plans[i]->api_stages[k];
            rt_stage_t *s = find_stage(rt, as->api_id, as->stage);
            if (s != NULL)
                s->nplans++;
        }
    for (size_t i = 0; i < snap->n_usage_plans; i++) {
        uint32_t slot = KEYTAB_STATE_METHODS;
        for (size_t k = 0; k < snap->usage_plans[i]->n_api_stages; k++) {
            const Portico__PlanApiStage *as = snap->usage_plans[i]->api_stages[k];
            rt_stage_t *s = find_stage(rt, as->api_id, as->stage);
            if (s == NULL) { /* a stage not deployed (yet): its slots stay reserved */
                slot += (uint32_t)as->n_throttles;
                continue;
            }
            if (s->plans == NULL &&
                (s->plans = arena_alloc(a, s->nplans * sizeof(*s->plans))) == NULL)
                return -1;
            rt_plan_stage_t *ps = (rt_plan_stage_t *)s->plans;
            while (ps->plan != NULL) /* the first free one */
                ps++;
            ps->plan = &rt->plans[i];
            if (plan_stage_methods(a, as, &slot, ps, err, err_len) != 0)
                return -1;
        }
    }
    return 0;
}

static int plans_compile(runtime_t *rt, arena_t *a, const Portico__Snapshot *snap, char *err,
                         size_t err_len)
{
    rt_plan_t *plans = arena_alloc(a, (snap->n_usage_plans + 1) * sizeof(*plans));
    rt->plans_by_id = strmap_create(a, snap->n_usage_plans);
    if (plans == NULL || rt->plans_by_id == NULL)
        return -1;
    for (size_t i = 0; i < snap->n_usage_plans; i++) {
        if (plan_compile(&plans[i], snap->usage_plans[i], (uint32_t)i, err, err_len) != 0)
            return -1;
        if (strmap_put(rt->plans_by_id, plans[i].id, strlen(plans[i].id), &plans[i]) != 0)
            return -1;
    }
    rt->plans = plans;
    rt->nplans = snap->n_usage_plans;
    return plans_attach(rt, a, snap, err, err_len);
}

/* ---- stage method settings ---------------------------------------------- */

static const rt_method_limit_t *prev_method_limit(const rt_stage_t *ps, const char *path,
                                                  const char *verb)
{
    for (size_t i = 0; ps != NULL && i < ps->nmethod_limits; i++)
        if (strcmp(ps->method_limits[i].resource_path, path) == 0 &&
            strcmp(ps->method_limits[i].verb, verb) == 0)
            return &ps->method_limits[i];
    return NULL;
}

/* Throttling counts as set when either figure is; the control plane sends
 * both as 0 for a setting that throttles nothing (-1 in the management API). */
static int setting_throttles(const Portico__MethodSetting *ms)
{
    return ms->throttling_rate_limit != 0 || ms->throttling_burst_limit != 0;
}

static int setting_is_stage_wide(const Portico__MethodSetting *ms)
{
    if (ms->resource_path[0] != '\0')
        return strcmp(ms->resource_path, "*") == 0 && strcmp(ms->http_method, "*") == 0;
    return strcmp(ms->key, "*/*") == 0;
}

static int stage_limits(runtime_t *rt, arena_t *a, const Portico__StageBinding *b,
                        const runtime_t *prev, char *err, size_t err_len)
{
    rt_stage_t *s = find_stage(rt, b->api_id, b->stage_name);
    const rt_stage_t *ps =
        prev != NULL ? find_stage((runtime_t *)prev, b->api_id, b->stage_name) : NULL;
    rt_method_limit_t *ml = arena_alloc(a, (b->n_method_settings + 1) * sizeof(*ml));
    if (s == NULL || ml == NULL)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < b->n_method_settings; i++) {
        const Portico__MethodSetting *ms = b->method_settings[i];
        if (!setting_throttles(ms))
            continue;
        throttle_limit_t lim = {ms->throttling_rate_limit, ms->throttling_burst_limit};
        if (setting_is_stage_wide(ms)) {
            rt_limit_t *l = arena_alloc(a, sizeof(*l));
            const rt_limit_t *old = ps != NULL ? ps->stage_limit : NULL;
            if (l == NULL || (l->tat = state_word(a, old != NULL ? old->tat : NULL)) == NULL)
                return -1;
            l->limit = lim;
            s->stage_limit = l;
            continue;
        }
        if (ms->resource_path[0] == '/') { /* split by the control plane */
            ml[n].resource_path = ms->resource_path;
            ml[n].verb = ms->http_method;
        } else if (keys_conf_method_key(a, ms->key, &ml[n].resource_path, &ml[n].verb) != 0) {
            snprintf(err, err_len, "stage %s/%s: method setting %s is malformed", b->api_id,
                     b->stage_name, ms->key);
            return -1;
        }
        const rt_method_limit_t *old = prev_method_limit(ps, ml[n].resource_path, ml[n].verb);
        ml[n].limit = (rt_limit_t){lim, state_word(a, old != NULL ? old->limit.tat : NULL)};
        if (ml[n].limit.tat == NULL)
            return -1;
        n++;
    }
    s->method_limits = ml;
    s->nmethod_limits = n;
    return 0;
}

/* ---- the key table -------------------------------------------------------- */

static int plan_lookup(void *ctx, const char *plan_id, uint32_t *plan, uint32_t *nstate)
{
    const runtime_t *rt = ctx;
    const rt_plan_t *p = strmap_get(rt->plans_by_id, plan_id, strlen(plan_id));
    if (p == NULL)
        return -1;
    *plan = p->index;
    *nstate = p->nstate;
    return 0;
}

int keys_conf_compile(runtime_t *rt, arena_t *a, const Portico__Snapshot *snap,
                      const runtime_t *prev, char *err, size_t err_len)
{
    const Portico__Settings *st = snap->settings;
    err[0] = '\0';
    rt->epoch = snap->config_epoch;
    /* no figures: no account-wide throttle (the control plane's default) */
    if (st != NULL && st->account_rate_limit > 0 && st->account_burst_limit > 0)
        rt->account.limit = (throttle_limit_t){st->account_rate_limit, st->account_burst_limit};
    rt->account.tat = state_word(a, prev != NULL ? prev->account.tat : NULL);
    if (rt->account.tat == NULL || plans_compile(rt, a, snap, err, err_len) != 0)
        goto fail;
    for (size_t i = 0; i < snap->n_stages; i++)
        if (stage_limits(rt, a, snap->stages[i], prev, err, err_len) != 0)
            goto fail;
    if (snap->api_key_table.len % KEYREC_LEN != 0) {
        snprintf(err, err_len, "the key table's size is not a multiple of %d", KEYREC_LEN);
        return -1;
    }
    rt->keys = keytab_build(a, snap->api_key_table.data, snap->api_key_table.len / KEYREC_LEN,
                            plan_lookup, rt, prev != NULL ? prev->keys : NULL, err, err_len);
    return rt->keys != NULL ? 0 : -1;
fail:
    if (err[0] == '\0')
        snprintf(err, err_len, "usage plans: out of memory");
    return -1;
}

int keys_conf_derive(runtime_t *next, arena_t *a, const runtime_t *rt,
                     const Portico__KeyDelta *delta, char *err, size_t err_len)
{
    if (delta->epoch != rt->epoch || strcmp(delta->store_id, rt->store_id) != 0 ||
        delta->from_version > rt->version || delta->version <= rt->version) {
        snprintf(err, err_len, "key delta %llu does not apply on top of version %llu",
                 (unsigned long long)delta->version, (unsigned long long)rt->version);
        return -1;
    }
    if (delta->changed.len % KEYREC_SHA_LEN != 0 || delta->records.len % KEYREC_LEN != 0) {
        snprintf(err, err_len, "key delta %llu is malformed", (unsigned long long)delta->version);
        return -1;
    }
    next->keys = keytab_derive(
        a, rt->keys, delta->changed.data, delta->changed.len / KEYREC_SHA_LEN, delta->records.data,
        delta->records.len / KEYREC_LEN, plan_lookup, (void *)rt, err, err_len);
    return next->keys != NULL ? 0 : -1;
}
