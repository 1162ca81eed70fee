/* nodes: a small array guarded by one mutex; reports arrive about once a
 * second per node, so contention is not a concern here. */
#include "nodes.h"

#include "rate_share.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- request rates: a ring of the node's cumulative totals, one
 * sample per report, from which the last minute's figures are read ---- */
#define NODES_RATE_SAMPLES 128
#define NODES_RATE_WINDOW_MS 60000

struct node_sample {
    uint64_t at_ms, requests, e4xx, e5xx;
};

struct node {
    char *id;
    char *store_id; /* the store incarnation of applied_version, "" when not said */
    char *addr;
    char *ws_peer_url; /* WebSocket APIs: where @connections calls for it go, "" when none */
    uint64_t applied_version;
    Portico__ApplyStatus status;
    char *nack_reason;
    uint64_t nack_version;
    uint64_t started_at_ms;
    uint64_t seq;
    uint64_t last_report_ms;
    uint32_t threads;
    json_t *caches; /* response caching: the node's stage caches, NULL when none */
    struct node_sample samples[NODES_RATE_SAMPLES];
    unsigned nsamples, next_sample;
};

struct nodes {
    pthread_mutex_t mu;
    char *store_id; /* the control plane's store incarnation */
    struct node *items;
    size_t n, cap;
};

nodes_t *nodes_create(void)
{
    nodes_t *n = calloc(1, sizeof(*n));
    if (n != NULL)
        pthread_mutex_init(&n->mu, NULL);
    return n;
}

static void node_clear(struct node *nd)
{
    free(nd->id);
    free(nd->store_id);
    free(nd->addr);
    free(nd->ws_peer_url);
    free(nd->nack_reason);
    json_decref(nd->caches);
}

void nodes_destroy(nodes_t *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n; i++)
        node_clear(&n->items[i]);
    free(n->items);
    free(n->store_id);
    pthread_mutex_destroy(&n->mu);
    free(n);
}

static void nodes_forget_old(nodes_t *n, uint64_t now_ms)
{
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        if (now_ms - n->items[i].last_report_ms > NODES_FORGET_MS) {
            node_clear(&n->items[i]);
            continue;
        }
        n->items[k++] = n->items[i];
    }
    n->n = k;
}

static struct node *nodes_find_or_add(nodes_t *n, const char *id)
{
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->items[i].id, id) == 0)
            return &n->items[i];
    if (n->n == n->cap) {
        size_t cap = n->cap == 0 ? 8 : n->cap * 2;
        struct node *bigger = realloc(n->items, cap * sizeof(*bigger));
        if (bigger == NULL)
            return NULL;
        n->items = bigger;
        n->cap = cap;
    }
    struct node *nd = &n->items[n->n++];
    memset(nd, 0, sizeof(*nd));
    nd->id = strdup(id);
    if (nd->id == NULL) {
        n->n--;
        return NULL;
    }
    return nd;
}

/* The report's cache statistics in the admin API's shape. */
static json_t *caches_json(const Portico__NodeReport *r)
{
    if (r->n_caches == 0)
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n_caches; i++) {
        const Portico__CacheStats *s = r->caches[i];
        json_array_append_new(
            arr,
            json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "restApiId", s->api_id,
                      "stageName", s->stage_name, "canary", s->canary, "capacityBytes",
                      (json_int_t)s->capacity_bytes, "usedBytes", (json_int_t)s->used_bytes,
                      "entries", (json_int_t)s->entries, "hits", (json_int_t)s->hits, "misses",
                      (json_int_t)s->misses, "coalesced", (json_int_t)s->coalesced, "evictions",
                      (json_int_t)s->evictions, "expired", (json_int_t)s->expired));
    }
    return arr;
}

static void replace_str(char **slot, const char *value)
{
    free(*slot);
    *slot = strdup(value != NULL ? value : "");
}

int nodes_record(nodes_t *n, const Portico__NodeReport *r, uint64_t now_ms)
{
    int rc = 0;
    pthread_mutex_lock(&n->mu);
    nodes_forget_old(n, now_ms);
    struct node *nd = nodes_find_or_add(n, r->node_id);
    if (nd == NULL) {
        rc = -1;
        goto out;
    }
    if (nd->started_at_ms == r->started_at_ms && r->seq <= nd->seq && nd->last_report_ms != 0) {
        rc = -1; /* a replay or a reordered old report */
        goto out;
    }
    replace_str(&nd->addr, r->listen_addr);
    replace_str(&nd->ws_peer_url, r->ws_peer_url);
    replace_str(&nd->store_id, r->applied_store_id);
    if (nd->started_at_ms != r->started_at_ms)
        nd->nsamples = nd->next_sample = 0; /* a new incarnation counts from zero */
    nd->samples[nd->next_sample] =
        (struct node_sample){now_ms, r->node_requests, r->node_4xx, r->node_5xx};
    nd->next_sample = (nd->next_sample + 1) % NODES_RATE_SAMPLES;
    if (nd->nsamples < NODES_RATE_SAMPLES)
        nd->nsamples++;
    nd->applied_version = r->applied_version;
    nd->status = r->status;
    nd->nack_version = r->nack_version;
    replace_str(&nd->nack_reason, r->nack_reason);
    nd->started_at_ms = r->started_at_ms;
    nd->seq = r->seq;
    nd->threads = r->threads;
    json_decref(nd->caches);
    nd->caches = caches_json(r);
    nd->last_report_ms = now_ms;
out:
    pthread_mutex_unlock(&n->mu);
    return rc;
}

void nodes_set_store_id(nodes_t *n, const char *store_id)
{
    pthread_mutex_lock(&n->mu);
    replace_str(&n->store_id, store_id);
    pthread_mutex_unlock(&n->mu);
}

/* A node that serves another store incarnation (a restored backup, a
 * replaced database) is behind whatever its version. */
static int node_other_store(const nodes_t *n, const struct node *nd)
{
    return n->store_id != NULL && nd->store_id != NULL && nd->store_id[0] != '\0' &&
           strcmp(n->store_id, nd->store_id) != 0;
}

static const char *node_state(const nodes_t *n, const struct node *nd, uint64_t current,
                              uint64_t now_ms)
{
    if (now_ms - nd->last_report_ms > NODES_STALE_MS)
        return "STALE";
    if (node_other_store(n, nd))
        return "BEHIND";
    if (nd->status == PORTICO__APPLY_STATUS__APPLY_NACK && nd->nack_version >= current)
        return "NACK";
    return nd->applied_version >= current ? "IN_SYNC" : "BEHIND";
}

/* The figures between the oldest sample inside the window (or the node's
 * start, with zero counts, when it started inside it) and the newest. */
static json_t *node_last_minute(const struct node *nd, uint64_t now_ms)
{
    struct node_sample base = {nd->started_at_ms, 0, 0, 0}, last = base;
    int have_base = nd->started_at_ms + NODES_RATE_WINDOW_MS >= now_ms;
    for (unsigned i = 0; i < nd->nsamples; i++) {
        unsigned k = (nd->next_sample + NODES_RATE_SAMPLES - nd->nsamples + i) % NODES_RATE_SAMPLES;
        const struct node_sample *smp = &nd->samples[k];
        if (!have_base && smp->at_ms + NODES_RATE_WINDOW_MS >= now_ms) {
            base = *smp;
            have_base = 1;
        }
        last = *smp;
    }
    if (!have_base)
        base = last;
    uint64_t requests = last.requests - base.requests, e4 = last.e4xx - base.e4xx,
             e5 = last.e5xx - base.e5xx;
    double secs = last.at_ms > base.at_ms ? (double)(last.at_ms - base.at_ms) / 1000.0 : 0;
    return json_pack("{s:I,s:I,s:I,s:f,s:f,s:f}", "requests", (json_int_t)requests, "4xx",
                     (json_int_t)e4, "5xx", (json_int_t)e5, "seconds", secs, "requestRate",
                     secs > 0 ? (double)requests / secs : 0.0, "errorRate",
                     requests > 0 ? (double)(e4 + e5) / (double)requests : 0.0);
}

json_t *nodes_to_json(nodes_t *n, uint64_t current, uint64_t now_ms)
{
    json_t *items = json_array();
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < n->n; i++) {
        struct node *nd = &n->items[i];
        json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:i}", "nodeId", nd->id, "address",
                              nd->addr, "appliedVersion", (json_int_t)nd->applied_version, "status",
                              node_state(n, nd, current, now_ms), "lastReport",
                              (json_int_t)nd->last_report_ms, "lastReportAgeMillis",
                              (json_int_t)(now_ms - nd->last_report_ms), "startedAt",
                              (json_int_t)nd->started_at_ms, "threads", (int)nd->threads);
        json_t *minute = node_last_minute(nd, now_ms);
        json_object_set(o, "requestRate", json_object_get(minute, "requestRate"));
        json_object_set(o, "errorRate", json_object_get(minute, "errorRate"));
        json_object_set_new(o, "lastMinute", minute);
        json_object_set_new(o, "storeId", json_string(nd->store_id != NULL ? nd->store_id : ""));
        if (nd->status == PORTICO__APPLY_STATUS__APPLY_NACK)
            json_object_set_new(o, "lastRejection",
                                json_pack("{s:I,s:s}", "version", (json_int_t)nd->nack_version,
                                          "reason", nd->nack_reason));
        if (nd->caches != NULL)
            json_object_set(o, "caches", nd->caches);
        json_array_append_new(items, o);
    }
    json_t *store = json_string(n->store_id != NULL ? n->store_id : "");
    pthread_mutex_unlock(&n->mu);
    return json_pack("{s:o,s:I,s:o}", "item", items, "currentVersion", (json_int_t)current,
                     "storeId", store);
}

unsigned nodes_live_count(nodes_t *n, uint64_t now_ms)
{
    unsigned live = 0;
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < n->n; i++)
        if (now_ms - n->items[i].last_report_ms <= NODES_STALE_MS)
            live++;
    pthread_mutex_unlock(&n->mu);
    return live;
}

/* Requests per second over the last NODES_SHARE_WINDOW_MS: from the last
 * sample taken before it (or the node's start, with zero counts, when it
 * started inside it) to the newest. */
static double node_recent_rate(const struct node *nd, uint64_t now_ms)
{
    if (nd->nsamples == 0)
        return 0;
    unsigned first = (nd->next_sample + NODES_RATE_SAMPLES - nd->nsamples) % NODES_RATE_SAMPLES;
    unsigned newest = (nd->next_sample + NODES_RATE_SAMPLES - 1) % NODES_RATE_SAMPLES;
    struct node_sample base = {nd->started_at_ms, 0, 0, 0}, last = nd->samples[newest];
    if (nd->started_at_ms + NODES_SHARE_WINDOW_MS <= now_ms)
        base = nd->samples[first];
    for (unsigned i = 0; i < nd->nsamples; i++) {
        const struct node_sample *smp = &nd->samples[(first + i) % NODES_RATE_SAMPLES];
        if (smp->at_ms + NODES_SHARE_WINDOW_MS <= now_ms)
            base = *smp;
    }
    if (last.at_ms <= base.at_ms || last.requests < base.requests)
        return 0;
    return (double)(last.requests - base.requests) * 1000.0 / (double)(last.at_ms - base.at_ms);
}

int nodes_shares(nodes_t *n, uint64_t now_ms, nodes_share_t **out, size_t *count)
{
    int rc = -1;
    pthread_mutex_lock(&n->mu);
    nodes_share_t *shares = calloc(n->n + 1, sizeof(*shares));
    double *demand = calloc(n->n + 1, sizeof(*demand));
    uint32_t *ppm = calloc(n->n + 1, sizeof(*ppm));
    size_t live = 0;
    if (shares == NULL || demand == NULL || ppm == NULL)
        goto out;
    for (size_t i = 0; i < n->n; i++) {
        const struct node *nd = &n->items[i];
        if (now_ms - nd->last_report_ms > NODES_STALE_MS)
            continue;
        if ((shares[live].node_id = strdup(nd->id)) == NULL)
            goto out;
        shares[live].incarnation = nd->started_at_ms;
        demand[live++] = node_recent_rate(nd, now_ms);
    }
    rate_share_split(demand, live, ppm);
    for (size_t i = 0; i < live; i++)
        shares[i].share_ppm = ppm[i];
    *out = shares;
    *count = live;
    shares = NULL;
    rc = 0;
out:
    pthread_mutex_unlock(&n->mu);
    nodes_shares_free(shares, live);
    free(demand);
    free(ppm);
    return rc;
}

void nodes_shares_free(nodes_share_t *shares, size_t count)
{
    if (shares == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(shares[i].node_id);
    free(shares);
}

int nodes_pick_addr(nodes_t *n, uint64_t now_ms, char *out, size_t out_len)
{
    static unsigned turn;
    int rc = -1;
    pthread_mutex_lock(&n->mu);
    for (size_t k = 0; k < n->n && rc != 0; k++) {
        struct node *nd = &n->items[(turn + k) % n->n];
        if (now_ms - nd->last_report_ms <= NODES_STALE_MS && nd->addr != NULL &&
            nd->addr[0] != '\0' && strlen(nd->addr) < out_len) {
            snprintf(out, out_len, "%s", nd->addr);
            turn = (unsigned)((turn + k + 1) % n->n);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&n->mu);
    return rc;
}

int nodes_ws_directory(nodes_t *n, uint64_t now_ms, uint8_t **out, size_t *len)
{
    int rc = -1;
    pthread_mutex_lock(&n->mu);
    Portico__WsDirectory dir = PORTICO__WS_DIRECTORY__INIT;
    Portico__WsPeer *peers = calloc(n->n + 1, sizeof(*peers));
    Portico__WsPeer **ptrs = calloc(n->n + 1, sizeof(*ptrs));
    if (peers == NULL || ptrs == NULL)
        goto out;
    for (size_t i = 0; i < n->n; i++) {
        const struct node *nd = &n->items[i];
        if (now_ms - nd->last_report_ms > NODES_STALE_MS || nd->ws_peer_url == NULL ||
            nd->ws_peer_url[0] == '\0')
            continue;
        portico__ws_peer__init(&peers[dir.n_peers]);
        peers[dir.n_peers].node_id = nd->id;
        peers[dir.n_peers].url = nd->ws_peer_url;
        ptrs[dir.n_peers] = &peers[dir.n_peers];
        dir.n_peers++;
    }
    dir.peers = ptrs;
    *len = portico__ws_directory__get_packed_size(&dir);
    *out = malloc(*len + 1);
    if (*out != NULL) {
        portico__ws_directory__pack(&dir, *out);
        rc = 0;
    }
out:
    pthread_mutex_unlock(&n->mu);
    free(peers);
    free(ptrs);
    return rc;
}
