/* cache_registry: a small array searched by (api, stage, canary); there are
 * as many rows as caching stages, and it is only walked when a snapshot is
 * installed or a report is sent. */
#include "cache_registry.h"

#include <stdlib.h>
#include <string.h>

#include "cache_conf.h"
#include "log.h"

typedef struct {
    char *api_id;
    char *stage;
    int canary;
    cache_t *cache; /* the registry's reference */
    size_t capacity;
    uint64_t generation;
    int seen; /* in the runtime being bound */
    Portico__CacheStats stats;
} reg_row_t;

struct cache_registry {
    uint64_t bytes_per_gb;
    cache_wake_fn wake;
    char *store_id;
    reg_row_t *rows;
    size_t n, cap;
    Portico__CacheStats **stat_ptrs;
};

static void reg_oom(void)
{
    log_error("out of memory in the cache registry");
    abort();
}

cache_registry_t *cache_registry_create(uint64_t bytes_per_gb, cache_wake_fn wake)
{
    cache_registry_t *reg = calloc(1, sizeof(*reg));
    if (reg == NULL)
        return NULL;
    reg->bytes_per_gb = bytes_per_gb;
    reg->wake = wake;
    return reg;
}

static void row_drop(reg_row_t *row)
{
    cache_clear(row->cache); /* memory back now, not when the last old runtime goes */
    cache_release(row->cache);
    free(row->api_id);
    free(row->stage);
}

void cache_registry_destroy(cache_registry_t *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < reg->n; i++)
        row_drop(&reg->rows[i]);
    free(reg->rows);
    free(reg->stat_ptrs);
    free(reg->store_id);
    free(reg);
}

static reg_row_t *row_find(cache_registry_t *reg, const char *api_id, const char *stage, int canary)
{
    for (size_t i = 0; i < reg->n; i++) {
        reg_row_t *row = &reg->rows[i];
        if (row->canary == canary && strcmp(row->api_id, api_id) == 0 &&
            strcmp(row->stage, stage) == 0)
            return row;
    }
    return NULL;
}

static reg_row_t *row_add(cache_registry_t *reg, const char *api_id, const char *stage, int canary)
{
    if (reg->n == reg->cap) {
        size_t cap = reg->cap == 0 ? 8 : reg->cap * 2;
        reg_row_t *rows = realloc(reg->rows, cap * sizeof(*rows));
        Portico__CacheStats **ptrs = realloc(reg->stat_ptrs, cap * sizeof(*ptrs));
        if (rows != NULL)
            reg->rows = rows;
        if (ptrs != NULL)
            reg->stat_ptrs = ptrs;
        if (rows == NULL || ptrs == NULL)
            reg_oom();
        reg->cap = cap;
    }
    reg_row_t *row = &reg->rows[reg->n++];
    memset(row, 0, sizeof(*row));
    row->api_id = strdup(api_id);
    row->stage = strdup(stage);
    if (row->api_id == NULL || row->stage == NULL)
        reg_oom();
    row->canary = canary;
    return row;
}

static size_t capacity_of(cache_registry_t *reg, double size_gb)
{
    return (size_t)(size_gb * (double)reg->bytes_per_gb);
}

/* The cache for (api, stage, canary) under these settings; a new reference. */
static cache_t *reg_cache(cache_registry_t *reg, const rt_stage_t *s, int canary, int store_changed)
{
    const struct cache_stage_conf *conf = s->cache_conf;
    size_t capacity = capacity_of(reg, conf->size_gb);
    reg_row_t *row = row_find(reg, s->api_id, s->name, canary);
    if (row != NULL && row->capacity != capacity) {
        cache_clear(row->cache);
        cache_release(row->cache);
        row->cache = NULL;
    }
    if (row == NULL)
        row = row_add(reg, s->api_id, s->name, canary);
    if (row->cache == NULL) {
        row->cache = cache_create(capacity, reg->wake);
        if (row->cache == NULL)
            reg_oom();
        row->capacity = capacity;
        row->generation = conf->flush_generation;
        log_info("stage %s/%s%s: cache of %zu bytes", s->api_id, s->name, canary ? " (canary)" : "",
                 capacity);
    } else if (row->generation != conf->flush_generation || store_changed) {
        cache_clear(row->cache);
        row->generation = conf->flush_generation;
        log_info("stage %s/%s%s: cache flushed", s->api_id, s->name, canary ? " (canary)" : "");
    }
    row->seen = 1;
    cache_hold(row->cache);
    return row->cache;
}

static void bind_stage(cache_registry_t *reg, rt_stage_t *s, int store_changed)
{
    const struct cache_stage_conf *conf = s->cache_conf;
    if (!conf->cluster_enabled)
        return;
    s->cache = reg_cache(reg, s, 0, store_changed);
    if (s->canary == NULL)
        return;
    if (conf->canary_own_cache) {
        s->canary_cache = reg_cache(reg, s, 1, store_changed);
    } else {
        cache_hold(s->cache);
        s->canary_cache = s->cache;
    }
}

void cache_registry_bind(cache_registry_t *reg, runtime_t *rt)
{
    int store_changed = reg->store_id != NULL && strcmp(reg->store_id, rt->store_id) != 0;
    if (reg->store_id == NULL || store_changed) {
        free(reg->store_id);
        reg->store_id = strdup(rt->store_id);
        if (reg->store_id == NULL)
            reg_oom();
    }
    for (size_t i = 0; i < reg->n; i++)
        reg->rows[i].seen = 0;
    for (size_t i = 0; i < rt->nstages; i++)
        bind_stage(reg, rt->stage_list[i], store_changed);
    size_t kept = 0;
    for (size_t i = 0; i < reg->n; i++) {
        if (!reg->rows[i].seen) {
            log_info("stage %s/%s%s: cache dropped", reg->rows[i].api_id, reg->rows[i].stage,
                     reg->rows[i].canary ? " (canary)" : "");
            row_drop(&reg->rows[i]);
            continue;
        }
        reg->rows[kept++] = reg->rows[i];
    }
    reg->n = kept;
}

void cache_registry_unbind(runtime_t *rt)
{
    for (size_t i = 0; i < rt->nstages; i++) {
        cache_release(rt->stage_list[i]->cache);
        cache_release(rt->stage_list[i]->canary_cache);
    }
}

void cache_registry_stats(cache_registry_t *reg, Portico__CacheStats ***out, size_t *n)
{
    for (size_t i = 0; i < reg->n; i++) {
        reg_row_t *row = &reg->rows[i];
        cache_stats_t st;
        cache_stats(row->cache, &st);
        Portico__CacheStats *m = &row->stats;
        portico__cache_stats__init(m);
        m->api_id = row->api_id;
        m->stage_name = row->stage;
        m->canary = row->canary;
        m->capacity_bytes = st.capacity;
        m->used_bytes = st.used;
        m->entries = st.entries;
        m->hits = st.hits;
        m->misses = st.misses;
        m->coalesced = st.coalesced;
        m->evictions = st.evictions;
        m->expired = st.expired;
        reg->stat_ptrs[i] = m;
    }
    *out = reg->stat_ptrs;
    *n = reg->n;
}
