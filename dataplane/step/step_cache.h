/* step_cache: the caches' wake callback. A request that waits for another
 * request's fill is woken on the leader's thread (step_cache_wake) and
 * resumed on its own (park.h). */
#ifndef PORTICO_STEP_CACHE_H
#define PORTICO_STEP_CACHE_H

#include "cache.h"

void step_cache_wake(cache_waiter_t *w);

#endif
