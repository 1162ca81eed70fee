/* step_cache: the hand-over of coalesced misses between worker threads. A
 * request that waits for another request's fill is woken on the leader's
 * thread (step_cache_wake, the caches' wake callback) and resumed on its own
 * (step_cache_on_wake, registered on each worker's queue as cache_receiver). */
#ifndef PORTICO_STEP_CACHE_H
#define PORTICO_STEP_CACHE_H

#include "cache.h"
#include "dp.h"

void step_cache_wake(cache_waiter_t *w);
void step_cache_on_wake(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

#endif
