/* cache_registry: a node's stage caches, which outlive runtimes. Installing
 * a runtime binds each of its caching stages (and each canary with a cache
 * of its own) to a cache:
 *   - the same cache as before when its capacity is unchanged, so a snapshot
 *     that does not touch the stage (another stage deployed, a variable
 *     changed) keeps its entries;
 *   - the same cache emptied when the stage's flush generation or the control
 *     plane's store changed (a flush, or a stage deleted and created again);
 *   - a new cache when the capacity changed or the stage starts caching.
 * Caches of stages that stopped caching are emptied and dropped (runtimes
 * still running requests keep them alive until they go).
 *
 * The registry is used by the one thread that installs runtimes (the cluster
 * thread, or main before it starts); unbind runs wherever the last reference
 * on a runtime goes. */
#ifndef PORTICO_CACHE_REGISTRY_H
#define PORTICO_CACHE_REGISTRY_H

#include "cache.h"
#include "portico.pb-c.h"
#include "rt.h"

typedef struct cache_registry cache_registry_t;

/* bytes_per_gb: the memory one GB of cacheClusterSize stands for on this
 * node; wake: the waiter wake callback every cache gets. NULL on no memory. */
cache_registry_t *cache_registry_create(uint64_t bytes_per_gb, cache_wake_fn wake);
void cache_registry_destroy(cache_registry_t *reg);

/* Gives rt's stages their caches (each a reference rt holds). */
void cache_registry_bind(cache_registry_t *reg, runtime_t *rt);

/* Drops the references rt's stages hold (runtime_release calls it). */
void cache_registry_unbind(runtime_t *rt);

/* Current statistics of every cache, for the node report: *out points to
 * *n messages owned by the registry, valid until the next call or bind. */
void cache_registry_stats(cache_registry_t *reg, Portico__CacheStats ***out, size_t *n);

#endif
