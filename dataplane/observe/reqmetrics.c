/* reqmetrics: a worker finds its series by hashing the key's strings (the
 * runtime's pointers cannot be the key: a new snapshot replaces them and a
 * freed runtime's addresses come back). A new series is appended to the
 * worker's array and published by a release store of the count, so readers
 * see whole series. */
#include "reqmetrics.h"

#include <stdlib.h>
#include <string.h>

#include "strmap.h"

#define REQMETRICS_INDEX 4096 /* hash chains per worker and per aggregate */

struct reqmetrics_thread {
    reqmetrics_series_t *index[REQMETRICS_INDEX];
    reqmetrics_series_t *series[REQMETRICS_MAX_SERIES];
    atomic_size_t nseries;
    atomic_uint_fast64_t node[REQMETRICS_NODE_LEN];
    atomic_uint_fast64_t overflow;
};

/* The worker is the only writer: a relaxed load and store add without a locked instruction. */
static inline void rqm_add(atomic_uint_fast64_t *x, uint64_t d)
{
    atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) + d,
                          memory_order_relaxed);
}

static uint64_t rqm_hash(const reqmetrics_key_t *k)
{
    uint64_t h = strmap_hash(k->api_id, strlen(k->api_id));
    h = h * 31 + strmap_hash(k->stage, strlen(k->stage));
    h = h * 31 + strmap_hash(k->resource, strlen(k->resource));
    h = h * 31 + strmap_hash(k->method, strlen(k->method));
    return h * 2 + (k->canary != 0);
}

static int rqm_key_eq(const reqmetrics_key_t *a, const reqmetrics_key_t *b)
{
    return (a->canary != 0) == (b->canary != 0) && strcmp(a->api_id, b->api_id) == 0 &&
           strcmp(a->stage, b->stage) == 0 && strcmp(a->resource, b->resource) == 0 &&
           strcmp(a->method, b->method) == 0;
}

reqmetrics_thread_t *reqmetrics_thread_create(void)
{
    return calloc(1, sizeof(reqmetrics_thread_t));
}

void reqmetrics_thread_destroy(reqmetrics_thread_t *m)
{
    if (m == NULL)
        return;
    size_t n = atomic_load(&m->nseries);
    for (size_t i = 0; i < n; i++)
        free(m->series[i]);
    free(m);
}

/* One allocation: the series, then its four strings. */
static reqmetrics_series_t *rqm_series_new(const reqmetrics_key_t *k, uint64_t hash)
{
    size_t la = strlen(k->api_id) + 1, ls = strlen(k->stage) + 1, lr = strlen(k->resource) + 1,
           lm = strlen(k->method) + 1;
    reqmetrics_series_t *s = calloc(1, sizeof(*s) + la + ls + lr + lm);
    if (s == NULL)
        return NULL;
    char *p = (char *)(s + 1);
    s->key.api_id = memcpy(p, k->api_id, la);
    s->key.stage = memcpy(p += la, k->stage, ls);
    s->key.resource = memcpy(p += ls, k->resource, lr);
    s->key.method = memcpy(p += lr, k->method, lm);
    s->key.canary = k->canary != 0;
    s->hash = hash;
    return s;
}

static reqmetrics_series_t *rqm_find(reqmetrics_thread_t *m, const reqmetrics_key_t *k)
{
    uint64_t h = rqm_hash(k);
    reqmetrics_series_t **head = &m->index[h % REQMETRICS_INDEX];
    for (reqmetrics_series_t *s = *head; s != NULL; s = s->next)
        if (s->hash == h && rqm_key_eq(&s->key, k))
            return s;
    size_t n = atomic_load_explicit(&m->nseries, memory_order_relaxed);
    reqmetrics_series_t *s = n < REQMETRICS_MAX_SERIES ? rqm_series_new(k, h) : NULL;
    if (s == NULL) {
        rqm_add(&m->overflow, 1);
        return NULL;
    }
    s->next = *head;
    *head = s;
    m->series[n] = s;
    atomic_store_explicit(&m->nseries, n + 1, memory_order_release);
    return s;
}

reqmetrics_series_t *reqmetrics_series(reqmetrics_thread_t *m, const reqmetrics_key_t *key)
{
    return rqm_find(m, key);
}

void reqmetrics_record(reqmetrics_thread_t *m, const reqmetrics_key_t *key, int status,
                       uint64_t latency_us, int64_t integ_us, int cache)
{
    reqmetrics_count(m, key != NULL ? rqm_find(m, key) : NULL, status, latency_us, integ_us, cache);
}

void reqmetrics_count(reqmetrics_thread_t *m, reqmetrics_series_t *s, int status,
                      uint64_t latency_us, int64_t integ_us, int cache)
{
    rqm_add(&m->node[REQMETRICS_NODE_REQUESTS], 1);
    if (status >= 400 && status < 500)
        rqm_add(&m->node[REQMETRICS_NODE_4XX], 1);
    else if (status >= 500)
        rqm_add(&m->node[REQMETRICS_NODE_5XX], 1);
    if (s == NULL)
        return;
    rqm_add(&s->v[MV_COUNT], 1);
    if (status >= 300 && status < 400)
        rqm_add(&s->v[MV_3XX], 1);
    else if (status >= 400 && status < 500)
        rqm_add(&s->v[MV_4XX], 1);
    else if (status >= 500)
        rqm_add(&s->v[MV_5XX], 1);
    if (cache == 1 || cache == 2)
        rqm_add(&s->v[cache == 1 ? MV_CACHE_HIT : MV_CACHE_MISS], 1);
    rqm_add(&s->v[MV_LATENCY_SUM], latency_us);
    rqm_add(&s->v[MV_LATENCY_BKT + metricvec_bucket(latency_us)], 1);
    if (integ_us >= 0) {
        rqm_add(&s->v[MV_INTEG_COUNT], 1);
        rqm_add(&s->v[MV_INTEG_SUM], (uint64_t)integ_us);
        rqm_add(&s->v[MV_INTEG_BKT + metricvec_bucket((uint64_t)integ_us)], 1);
    }
}

uint64_t reqmetrics_overflow(reqmetrics_thread_t *m)
{
    return atomic_load_explicit(&m->overflow, memory_order_relaxed);
}

/* ---- aggregates ------------------------------------------------------------------- */

typedef struct rqm_agg_item {
    reqmetrics_entry_t e;
    uint64_t hash;
    metricvec_t last; /* the sum at the previous collect */
    struct rqm_agg_item *next;
} rqm_agg_item_t;

struct reqmetrics_agg {
    rqm_agg_item_t *index[REQMETRICS_INDEX];
    rqm_agg_item_t **items;
    size_t n, cap;
    uint64_t node[REQMETRICS_NODE_LEN];
};

reqmetrics_agg_t *reqmetrics_agg_create(void)
{
    return calloc(1, sizeof(reqmetrics_agg_t));
}

void reqmetrics_agg_destroy(reqmetrics_agg_t *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->items[i]);
    free(a->items);
    free(a);
}

static rqm_agg_item_t *rqm_agg_find(reqmetrics_agg_t *a, const reqmetrics_series_t *s)
{
    rqm_agg_item_t **head = &a->index[s->hash % REQMETRICS_INDEX];
    for (rqm_agg_item_t *it = *head; it != NULL; it = it->next)
        if (it->hash == s->hash && rqm_key_eq(it->e.key, &s->key))
            return it;
    if (a->n == a->cap) {
        size_t cap = a->cap == 0 ? 64 : a->cap * 2;
        rqm_agg_item_t **bigger = realloc(a->items, cap * sizeof(*bigger));
        if (bigger == NULL)
            return NULL;
        a->items = bigger;
        a->cap = cap;
    }
    rqm_agg_item_t *it = calloc(1, sizeof(*it));
    if (it == NULL)
        return NULL;
    it->e.key = &s->key; /* series outlive every aggregate */
    it->hash = s->hash;
    it->next = *head;
    *head = it;
    a->items[a->n++] = it;
    return it;
}

static int rqm_agg_thread(reqmetrics_agg_t *a, reqmetrics_thread_t *t)
{
    size_t n = atomic_load_explicit(&t->nseries, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        const reqmetrics_series_t *s = t->series[i];
        rqm_agg_item_t *it = rqm_agg_find(a, s);
        if (it == NULL)
            return -1;
        for (int k = 0; k < MV_LEN; k++)
            it->e.sum.v[k] += atomic_load_explicit(&s->v[k], memory_order_relaxed);
    }
    for (int k = 0; k < REQMETRICS_NODE_LEN; k++)
        a->node[k] += atomic_load_explicit(&t->node[k], memory_order_relaxed);
    return 0;
}

int reqmetrics_agg_collect(reqmetrics_agg_t *a, reqmetrics_thread_t *const *threads, int n,
                           uint64_t tick)
{
    int rc = 0;
    for (size_t i = 0; i < a->n; i++)
        memset(&a->items[i]->e.sum, 0, sizeof(a->items[i]->e.sum));
    memset(a->node, 0, sizeof(a->node));
    for (int i = 0; i < n && rc == 0; i++)
        if (threads[i] != NULL)
            rc = rqm_agg_thread(a, threads[i]);
    if (rc != 0)
        return rc; /* partial sums: the caller sends nothing this time */
    for (size_t i = 0; i < a->n; i++) {
        rqm_agg_item_t *it = a->items[i];
        if (memcmp(&it->e.sum, &it->last, sizeof(it->last)) != 0) {
            it->e.changed_at = tick;
            it->last = it->e.sum;
        }
    }
    return rc;
}

size_t reqmetrics_agg_count(const reqmetrics_agg_t *a)
{
    return a->n;
}

const reqmetrics_entry_t *reqmetrics_agg_entry(const reqmetrics_agg_t *a, size_t i)
{
    return &a->items[i]->e;
}

const uint64_t *reqmetrics_agg_node(const reqmetrics_agg_t *a)
{
    return a->node;
}
