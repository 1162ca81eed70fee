/* usage: counts go to SQLite first; a quota's current-period figure is then
 * read back with one indexed range query, so the announced number is always
 * what /usage would show. Changed figures wait in a small list under a mutex
 * (the PULL thread adds, the heartbeat takes). */
#include "usage.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "keyrec.h"
#include "log.h"
#include "period.h"
#include "store_keys.h"
#include "store_usage.h"

#define USAGE_PLAN_CACHE_MS 2000

typedef struct {
    uint8_t sha[KEYREC_SHA_LEN];
    char plan_id[KEYREC_PLAN_ID_LEN + 1];
    uint32_t period_start;
    uint64_t used;
} usage_change_t;

typedef struct {
    char id[KEYREC_PLAN_ID_LEN + 1];
    enum period_kind period; /* PERIOD_NONE: no quota */
    uint64_t loaded_ms;
} usage_plan_t;

struct usage {
    store_t *store; /* PULL thread only */
    usage_plan_t *plans;
    size_t nplans, cap_plans;
    pthread_mutex_t mu; /* guards changes */
    usage_change_t *changes;
    size_t nchanges, cap_changes;
    uint64_t started_ms, orphans_ms; /* leases: when orphans were last counted back */
};

int usage_open(const char *path, usage_t **out)
{
    usage_t *u = calloc(1, sizeof(*u));
    if (u == NULL)
        return STORE_EIO;
    if (store_open(path, &u->store) != STORE_OK) {
        free(u);
        return STORE_EIO;
    }
    pthread_mutex_init(&u->mu, NULL);
    u->started_ms = clock_wall_ms();
    *out = u;
    return STORE_OK;
}

void usage_close(usage_t *u)
{
    if (u == NULL)
        return;
    store_close(u->store);
    pthread_mutex_destroy(&u->mu);
    free(u->plans);
    free(u->changes);
    free(u);
}

/* ---- plans' quota periods, cached briefly ------------------------------- */

static usage_plan_t *usage_plan_slot(usage_t *u, const char *plan_id)
{
    for (size_t i = 0; i < u->nplans; i++)
        if (strcmp(u->plans[i].id, plan_id) == 0)
            return &u->plans[i];
    if (u->nplans == u->cap_plans) {
        size_t cap = u->cap_plans == 0 ? 16 : u->cap_plans * 2;
        usage_plan_t *bigger = realloc(u->plans, cap * sizeof(*bigger));
        if (bigger == NULL)
            return NULL;
        u->plans = bigger;
        u->cap_plans = cap;
    }
    usage_plan_t *p = &u->plans[u->nplans++];
    memset(p, 0, sizeof(*p));
    snprintf(p->id, sizeof(p->id), "%s", plan_id);
    return p;
}

static enum period_kind usage_plan_period(usage_t *u, const char *plan_id, uint64_t now_ms)
{
    usage_plan_t *p = usage_plan_slot(u, plan_id);
    if (p == NULL)
        return PERIOD_NONE;
    if (p->loaded_ms != 0 && now_ms - p->loaded_ms < USAGE_PLAN_CACHE_MS)
        return p->period;
    json_t *doc = NULL;
    p->period = PERIOD_NONE;
    if (store_plan_get(u->store, plan_id, &doc) == STORE_OK)
        p->period = period_parse(
            json_string_value(json_object_get(json_object_get(doc, "quota"), "period")));
    json_decref(doc);
    p->loaded_ms = now_ms;
    return p->period;
}

/* ---- recording ---------------------------------------------------------- */

static void usage_note(usage_t *u, const usage_change_t *ch)
{
    pthread_mutex_lock(&u->mu);
    if (u->nchanges == u->cap_changes) {
        size_t cap = u->cap_changes == 0 ? 64 : u->cap_changes * 2;
        usage_change_t *bigger = realloc(u->changes, cap * sizeof(*bigger));
        if (bigger == NULL) {
            pthread_mutex_unlock(&u->mu);
            return; /* the next report touching this key announces it */
        }
        u->changes = bigger;
        u->cap_changes = cap;
    }
    u->changes[u->nchanges++] = *ch;
    pthread_mutex_unlock(&u->mu);
}

/* Reads back the current-period count of a quota the report touched. */
static int usage_refresh(usage_t *u, const Portico__KeyUsage *k, uint64_t now_ms)
{
    enum period_kind kind = usage_plan_period(u, k->plan_id, now_ms);
    if (kind == PERIOD_NONE)
        return STORE_OK;
    usage_change_t ch = {0};
    uint32_t today = period_day_of_ms(now_ms);
    ch.period_start = period_start(kind, today);
    snprintf(ch.plan_id, sizeof(ch.plan_id), "%s", k->plan_id);
    int rc = store_apikey_sha(u->store, k->key_id, ch.sha);
    if (rc == STORE_ENOTFOUND)
        return STORE_OK; /* deleted since: nothing to enforce */
    if (rc == STORE_OK)
        rc = store_usage_sum(u->store, k->plan_id, k->key_id, ch.period_start, today, &ch.used);
    if (rc == STORE_OK)
        usage_note(u, &ch);
    return rc;
}

static int usage_valid(const Portico__KeyUsage *k)
{
    return strlen(k->key_id) == KEYREC_KEY_ID_LEN && strlen(k->plan_id) == KEYREC_PLAN_ID_LEN &&
           k->count > 0 && k->count < INT64_MAX;
}

static int usage_add_counts(usage_t *u, const Portico__NodeReport *r, uint64_t now_ms)
{
    for (size_t i = 0; i < r->n_usage; i++) {
        const Portico__KeyUsage *k = r->usage[i];
        if (usage_valid(k) &&
            store_usage_add(u->store, k->plan_id, k->key_id, k->day, k->count) != STORE_OK)
            return STORE_EIO;
    }
    for (size_t i = 0; i < r->n_usage; i++)
        if (usage_valid(r->usage[i]) && usage_refresh(u, r->usage[i], now_ms) != STORE_OK)
            return STORE_EIO;
    return STORE_OK;
}

void usage_record(usage_t *u, const Portico__NodeReport *r, unsigned live_nodes, uint64_t now_ms,
                  lease_grants_t *grants)
{
    int orphans = now_ms - u->orphans_ms >= 1000;
    if (r->n_usage == 0 && r->n_lease_asks == 0 && !orphans)
        return;
    if (store_begin(u->store) != STORE_OK)
        goto fail;
    /* counts first: the grants below see this report's requests as used */
    if (usage_add_counts(u, r, now_ms) != STORE_OK ||
        (orphans && lease_count_back_orphans(u->store, u->started_ms, now_ms) != STORE_OK) ||
        lease_apply(u->store, r, live_nodes, now_ms, grants) != STORE_OK)
        goto fail_rollback;
    if (store_commit(u->store) == STORE_OK) {
        if (orphans)
            u->orphans_ms = now_ms;
        return;
    }
fail_rollback:
    store_rollback(u->store);
fail:
    grants->n = 0; /* nothing granted is sent */
    log_error("usage: could not record %zu counts and %zu lease asks from node %s", r->n_usage,
              r->n_lease_asks, r->node_id);
}

/* ---- the status --------------------------------------------------------- */

static int change_cmp(const void *a, const void *b)
{
    const usage_change_t *x = a, *y = b;
    int c = memcmp(x->sha, y->sha, KEYREC_SHA_LEN);
    return c != 0 ? c : strcmp(x->plan_id, y->plan_id);
}

/* Sorts and keeps one change per quota: the highest count of the newest period. */
static size_t usage_dedupe(usage_change_t *ch, size_t n)
{
    qsort(ch, n, sizeof(*ch), change_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && change_cmp(&ch[k - 1], &ch[i]) == 0) {
            usage_change_t *last = &ch[k - 1];
            if (ch[i].period_start > last->period_start ||
                (ch[i].period_start == last->period_start && ch[i].used > last->used))
                *last = ch[i];
            continue;
        }
        ch[k++] = ch[i];
    }
    return k;
}

int usage_status(usage_t *u, unsigned live_nodes, const nodes_share_t *shares, size_t nshares,
                 const char *store_id, uint8_t **out, size_t *len)
{
    pthread_mutex_lock(&u->mu);
    usage_change_t *ch = u->changes;
    size_t n = u->nchanges;
    u->changes = NULL;
    u->nchanges = u->cap_changes = 0;
    pthread_mutex_unlock(&u->mu);
    n = n > 0 ? usage_dedupe(ch, n) : 0;
    Portico__UsageStatus st = PORTICO__USAGE_STATUS__INIT;
    Portico__QuotaUse *q = calloc(n + 1, sizeof(*q));
    Portico__QuotaUse **qp = calloc(n + 1, sizeof(*qp));
    Portico__NodeShare *ns = calloc(nshares + 1, sizeof(*ns));
    Portico__NodeShare **nsp = calloc(nshares + 1, sizeof(*nsp));
    int rc = -1;
    if (q == NULL || qp == NULL || ns == NULL || nsp == NULL)
        goto out;
    for (size_t i = 0; i < nshares; i++) {
        portico__node_share__init(&ns[i]);
        ns[i].node_id = shares[i].node_id;
        ns[i].incarnation = shares[i].incarnation;
        ns[i].share_ppm = shares[i].share_ppm;
        nsp[i] = &ns[i];
    }
    for (size_t i = 0; i < n; i++) {
        portico__quota_use__init(&q[i]);
        q[i].key_sha256 = (ProtobufCBinaryData){.len = KEYREC_SHA_LEN, .data = ch[i].sha};
        q[i].plan_id = ch[i].plan_id;
        q[i].period_start = ch[i].period_start;
        q[i].used = ch[i].used;
        qp[i] = &q[i];
    }
    st.live_nodes = live_nodes;
    st.store_id = (char *)store_id;
    st.quotas = qp;
    st.n_quotas = n;
    st.node_shares = nsp;
    st.n_node_shares = nshares;
    *len = portico__usage_status__get_packed_size(&st);
    if ((*out = malloc(*len == 0 ? 1 : *len)) == NULL)
        goto out;
    portico__usage_status__pack(&st, *out);
    rc = 0;
out:
    free(q);
    free(qp);
    free(ns);
    free(nsp);
    free(ch);
    return rc;
}
