/* authz_cache: authorization decisions (custom authorizers' answers, and
 * verified bearer tokens) and a worker thread's cache of them. A decision is immutable once built,
 * lives in its own arena and is reference counted (atomically: the thread that called the
 * authorizer hands it to the threads whose requests waited for it). Each worker keeps its own
 * cache, so a hit takes no lock and touches no shared memory beyond reading the decision; all
 * entries carry the absolute expiry the caller's TTL gave them, so no copy outlives the TTL. */
#ifndef PORTICO_AUTHZ_CACHE_H
#define PORTICO_AUTHZ_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "policy.h"
#include "runtime.h"

enum authz_outcome {
    AUTHZ_POLICY,       /* the authorizer answered a policy (evaluated per request) */
    AUTHZ_UNAUTHORIZED, /* it answered 401 */
    AUTHZ_FAILURE,      /* unreachable, timed out, or an HTTP error */
    AUTHZ_CONFIG_ERROR, /* its answer is malformed */
    AUTHZ_ALLOW,        /* allowed outright: a verified JWT for one method */
};

typedef struct authz_decision {
    atomic_uint refs;
    enum authz_outcome outcome;
    uint64_t expires_ms; /* monotonic; 0 when not cached */
    arena_t *arena;
    const policy_t *policy;
    const rt_kv_t *ctx; /* principalId first, then the answer's context */
    size_t nctx;
    const char *usage_key; /* usageIdentifierKey or NULL */
} authz_decision_t;

/* A decision with one reference; NULL when out of memory. */
authz_decision_t *authz_decision_new(enum authz_outcome outcome);
void authz_decision_hold(authz_decision_t *d);
void authz_decision_release(authz_decision_t *d);

/* Parses an authorizer's answer (the reference's Lambda authorizer output:
 * principalId, policyDocument, context of scalars, usageIdentifierKey).
 * api_id expands short-form resources. AUTHZ_POLICY or AUTHZ_CONFIG_ERROR
 * (with the reason in err); NULL only when out of memory. */
authz_decision_t *authz_decision_parse(const char *text, size_t len, const char *api_id, char *err,
                                       size_t err_len);

typedef struct authz_cache authz_cache_t;

authz_cache_t *authz_cache_create(size_t capacity);
void authz_cache_destroy(authz_cache_t *c);

/* A live decision for key (borrowed: valid until the caller returns to the
 * event loop), or NULL. Expired entries are dropped on the way. */
authz_decision_t *authz_cache_get(authz_cache_t *c, const void *key, size_t len, uint64_t now_ms);

/* Stores d (taking a reference) under key until d->expires_ms; the oldest
 * entry goes when the cache is full. */
void authz_cache_put(authz_cache_t *c, const void *key, size_t len, authz_decision_t *d);

#endif
