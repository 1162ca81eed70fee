/* lease: the ledger's SQL and the grant rule; see lease.h. */
#include "lease.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lease_size.h"
#include "period.h"
#include "store_keys.h"
#include "store_usage.h"

typedef struct {
    enum period_kind kind;
    uint64_t limit, offset;
    uint32_t initial_day;
} lease_quota_t;

/* The plan's quota; kind PERIOD_NONE when it has none (or is gone). */
static int lease_plan_quota(store_t *s, const char *plan_id, lease_quota_t *q)
{
    memset(q, 0, sizeof(*q));
    sqlite3_stmt *st = store_stmt(s, "SELECT created_at, doc FROM usage_plans WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        json_t *doc = store_column_json(st, 1);
        json_t *quota = json_object_get(doc, "quota");
        q->kind = period_parse(json_string_value(json_object_get(quota, "period")));
        json_int_t limit = json_integer_value(json_object_get(quota, "limit"));
        json_int_t offset = json_integer_value(json_object_get(quota, "offset"));
        q->limit = limit > 0 ? (uint64_t)limit : 0;
        q->offset = offset > 0 ? (uint64_t)offset : 0;
        q->initial_day = period_day_of_ms((uint64_t)sqlite3_column_int64(st, 0) * 1000);
        json_decref(doc);
        rc = STORE_OK;
    } else {
        rc = rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
    }
    sqlite3_reset(st);
    return rc;
}

typedef struct {
    const char *plan_id, *key_id, *node_id;
    uint32_t period;
} lease_row_id_t;

static void lease_bind_id(sqlite3_stmt *st, const lease_row_id_t *id)
{
    sqlite3_bind_text(st, 1, id->plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id->key_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, id->period);
    sqlite3_bind_text(st, 4, id->node_id, -1, SQLITE_STATIC);
}

static int lease_step(store_t *s, sqlite3_stmt *st)
{
    int rc = store_rc(s, sqlite3_step(st));
    sqlite3_reset(st);
    return rc;
}

/* Records what the node says: a new incarnation first gives back what the
 * old one held; then the return (never more than granted) and what it holds. */
static int lease_note(store_t *s, const lease_row_id_t *id, uint64_t incarnation,
                      const Portico__LeaseAsk *a, uint64_t now_ms)
{
    sqlite3_stmt *st = store_stmt(
        s, "INSERT INTO quota_leases(plan_id, key_id, period_start, node_id, incarnation, seen_ms)"
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(plan_id, key_id, period_start, node_id)"
           " DO UPDATE SET returned = returned + held, held = 0, incarnation = ?5,"
           " granted_base = granted, returned_base = returned + held WHERE incarnation <> ?5");
    if (st == NULL)
        return STORE_EIO;
    lease_bind_id(st, id);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)incarnation);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now_ms);
    int rc = lease_step(s, st);
    if (rc != STORE_OK)
        return rc;
    /* returns are cumulative: a lost report's return comes with the next */
    st = store_stmt(s, "UPDATE quota_leases SET"
                       " returned = MIN(granted, MAX(returned, returned_base + ?5)),"
                       " held = MIN(?6, granted - MIN(granted, MAX(returned, returned_base + ?5))),"
                       " seen_ms = ?7 WHERE plan_id = ?1 AND key_id = ?2 AND period_start = ?3"
                       " AND node_id = ?4");
    if (st == NULL)
        return STORE_EIO;
    lease_bind_id(st, id);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)(a->returned > INT64_MAX / 2 ? 0 : a->returned));
    sqlite3_bind_int64(st, 6, (sqlite3_int64)(a->held > INT64_MAX / 2 ? 0 : a->held));
    sqlite3_bind_int64(st, 7, (sqlite3_int64)now_ms);
    return lease_step(s, st);
}

/* Budget out (granted - returned, all nodes) and the node's previous grant. */
static int lease_outstanding(store_t *s, const lease_row_id_t *id, uint64_t *out,
                             uint64_t *prev_grant, uint64_t *prev_ms, uint64_t *total)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT COALESCE(SUM(granted - returned), 0),"
           " COALESCE(MAX(CASE WHEN node_id = ?4 THEN last_grant END), 0),"
           " COALESCE(MAX(CASE WHEN node_id = ?4 THEN last_grant_ms END), 0),"
           " COALESCE(MAX(CASE WHEN node_id = ?4 THEN granted - granted_base END), 0)"
           " FROM quota_leases WHERE plan_id = ?1 AND key_id = ?2 AND period_start = ?3");
    if (st == NULL)
        return STORE_EIO;
    lease_bind_id(st, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = (uint64_t)sqlite3_column_int64(st, 0);
        *prev_grant = (uint64_t)sqlite3_column_int64(st, 1);
        *prev_ms = (uint64_t)sqlite3_column_int64(st, 2);
        *total = (uint64_t)sqlite3_column_int64(st, 3);
        rc = STORE_OK;
    } else {
        rc = store_rc(s, rc);
    }
    sqlite3_reset(st);
    return rc;
}

static int lease_write_grant(store_t *s, const lease_row_id_t *id, uint64_t amount, uint64_t now_ms)
{
    sqlite3_stmt *st = store_stmt(
        s, "UPDATE quota_leases SET granted = granted + ?5, held = held + ?5, last_grant = ?5,"
           " last_grant_ms = ?6 WHERE plan_id = ?1 AND key_id = ?2 AND period_start = ?3"
           " AND node_id = ?4");
    if (st == NULL)
        return STORE_EIO;
    lease_bind_id(st, id);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)amount);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)now_ms);
    return lease_step(s, st);
}

static int lease_push(lease_grants_t *g, const Portico__LeaseAsk *a, uint64_t amount,
                      uint64_t total)
{
    if (g->n == g->cap) {
        size_t cap = g->cap == 0 ? 8 : g->cap * 2;
        lease_grant_t *bigger = realloc(g->items, cap * sizeof(*bigger));
        if (bigger == NULL)
            return STORE_EIO;
        g->items = bigger;
        g->cap = cap;
    }
    lease_grant_t *x = &g->items[g->n++];
    memcpy(x->sha, a->key_sha256.data, KEYREC_SHA_LEN);
    memcpy(x->plan_id, a->plan_id, KEYREC_PLAN_ID_LEN + 1);
    x->period_start = a->period_start;
    x->amount = amount;
    x->total = total;
    return STORE_OK;
}

/* Sizes and writes the grant the node asked for (0 when nothing is left). */
static int lease_grant(store_t *s, const lease_row_id_t *id, const lease_quota_t *q,
                       const Portico__LeaseAsk *a, unsigned live, uint64_t now_ms,
                       lease_grants_t *out)
{
    uint64_t outstanding = 0, used = 0, prev = 0, prev_ms = 0, total = 0;
    uint32_t today = period_day_of_ms(now_ms);
    uint64_t limit = period_limit(q->kind, q->limit, q->offset, q->initial_day, today);
    int rc = lease_outstanding(s, id, &outstanding, &prev, &prev_ms, &total);
    if (rc == STORE_OK)
        rc = store_usage_sum(s, id->plan_id, id->key_id, id->period, today, &used);
    if (rc != STORE_OK)
        return rc;
    uint64_t spoken = outstanding > used ? outstanding : used;
    lease_input_t in = {.remaining = limit > spoken ? limit - spoken : 0,
                        .live_nodes = live,
                        .spent = a->spent,
                        .interval_ms = a->interval_ms,
                        .prev_grant = prev,
                        .prev_age_ms = now_ms > prev_ms ? now_ms - prev_ms : 0};
    uint64_t amount = a->want ? lease_size(&in) : 0;
    if (amount > 0 && (rc = lease_write_grant(s, id, amount, now_ms)) != STORE_OK)
        return rc;
    if (!a->want && a->received >= total)
        return STORE_OK; /* nothing asked, nothing missing */
    return lease_push(out, a, amount, total + amount);
}

static int lease_valid(const Portico__LeaseAsk *a)
{
    return a->key_sha256.len == KEYREC_SHA_LEN && strlen(a->key_id) == KEYREC_KEY_ID_LEN &&
           strlen(a->plan_id) == KEYREC_PLAN_ID_LEN;
}

static int lease_one(store_t *s, const Portico__NodeReport *r, const Portico__LeaseAsk *a,
                     unsigned live, uint64_t now_ms, lease_grants_t *out)
{
    uint8_t sha[KEYREC_SHA_LEN];
    lease_quota_t q;
    int rc = store_apikey_sha(s, a->key_id, sha);
    if (rc == STORE_ENOTFOUND || (rc == STORE_OK && memcmp(sha, a->key_sha256.data, sizeof(sha))))
        return STORE_OK; /* a deleted key, or a digest that is not the key's */
    if (rc != STORE_OK || (rc = lease_plan_quota(s, a->plan_id, &q)) != STORE_OK)
        return rc;
    if (q.kind == PERIOD_NONE)
        return STORE_OK;
    lease_row_id_t id = {a->plan_id, a->key_id, r->node_id, a->period_start};
    if ((rc = lease_note(s, &id, r->started_at_ms, a, now_ms)) != STORE_OK)
        return rc;
    /* grants only for the current period; a node that missed a grant
     * message gets the total again */
    if (a->period_start != period_start(q.kind, period_day_of_ms(now_ms)))
        return STORE_OK;
    return lease_grant(s, &id, &q, a, live, now_ms, out);
}

int lease_apply(store_t *s, const Portico__NodeReport *r, unsigned live_nodes, uint64_t now_ms,
                lease_grants_t *out)
{
    for (size_t i = 0; i < r->n_lease_asks; i++) {
        const Portico__LeaseAsk *a = r->lease_asks[i];
        if (!lease_valid(a))
            continue;
        int rc = lease_one(s, r, a, live_nodes, now_ms, out);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

int lease_count_back_orphans(store_t *s, uint64_t started_ms, uint64_t now_ms)
{
    if (now_ms < started_ms + LEASE_ORPHAN_MS)
        return STORE_OK; /* nodes may not have reported to this process yet */
    sqlite3_stmt *st = store_stmt(s, "UPDATE quota_leases SET returned = returned + held, held = 0"
                                     " WHERE held > 0 AND seen_ms < ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(now_ms - LEASE_ORPHAN_MS));
    return lease_step(s, st);
}

int lease_pack(const lease_grants_t *g, const char *node_id, uint64_t incarnation, uint8_t **out,
               size_t *len)
{
    Portico__LeaseGrants lg = PORTICO__LEASE_GRANTS__INIT;
    Portico__LeaseGrant *items = calloc(g->n + 1, sizeof(*items));
    Portico__LeaseGrant **ptrs = calloc(g->n + 1, sizeof(*ptrs));
    int rc = -1;
    if (items == NULL || ptrs == NULL)
        goto out;
    for (size_t i = 0; i < g->n; i++) {
        portico__lease_grant__init(&items[i]);
        items[i].key_sha256 = (ProtobufCBinaryData){KEYREC_SHA_LEN, (uint8_t *)g->items[i].sha};
        items[i].plan_id = (char *)g->items[i].plan_id;
        items[i].period_start = g->items[i].period_start;
        items[i].amount = g->items[i].amount;
        items[i].total = g->items[i].total;
        ptrs[i] = &items[i];
    }
    lg.node_id = (char *)node_id;
    lg.incarnation = incarnation;
    lg.grants = ptrs;
    lg.n_grants = g->n;
    *len = portico__lease_grants__get_packed_size(&lg);
    if ((*out = malloc(*len == 0 ? 1 : *len)) == NULL)
        goto out;
    portico__lease_grants__pack(&lg, *out);
    rc = 0;
out:
    free(items);
    free(ptrs);
    return rc;
}

void lease_grants_free(lease_grants_t *g)
{
    free(g->items);
    g->items = NULL;
    g->n = g->cap = 0;
}
