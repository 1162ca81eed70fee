/* authz: TOKEN and REQUEST authorizers (the reference's Lambda
 * authorizers, here an HTTP endpoint): the call, the decision cache and the
 * coalescing of concurrent identical calls — across worker threads.
 *
 * Every cache key (api/deployment/authorizer + identity) has a home worker,
 * hash(key) % threads. Only the home calls the authorizer for that key: a
 * worker that misses its own cache sends the home an inter-thread message;
 * the home answers from its cache, joins an in-flight call, or starts one,
 * and replies to every waiter when the call ends. The waiters' workers copy
 * the decision into their own caches with the home's expiry. So the hot
 * path (a hit in the worker's own cache) takes no lock, the authorizer is
 * called once per identity per TTL whatever the number of threads, and
 * concurrent requests with one identity share one call. With a TTL of 0
 * nothing is cached or shared: every request calls, from its own worker.
 * No call ever blocks a loop: h2o's HTTP client on the home's loop. */
#ifndef PORTICO_AUTHZ_H
#define PORTICO_AUTHZ_H

#include "authz_cache.h"
#include "authz_conf.h"
#include "steps.h"

/* Per-worker state (cache, calls in flight); set up on the worker's own
 * context before its loop runs, torn down after it stopped. */
int authz_thread_init(dp_thread_t *t);
void authz_thread_dispose(dp_thread_t *t);

/* The CUSTOM step: CONTINUE (allowed, $context.authorizer set), DONE
 * (answered 401/403/500) or PENDING (resumed when the decision arrives). */
enum step_result authz_custom_run(dp_request_t *r, const rt_authorizer_t *a);

/* Applies a decision to r: CONTINUE when allowed ($context.authorizer set),
 * else DONE after the answer (401/403/500). */
enum step_result authz_apply(dp_request_t *r, const authz_decision_t *d);

/* The worker's cache of verified bearer tokens: a JWT verified once for a
 * method is not verified again on that worker until it expires or a new
 * snapshot arrives (the key includes the runtime version: rotated keys
 * take effect at once). */
authz_cache_t *authz_token_cache(dp_thread_t *t);

#endif
