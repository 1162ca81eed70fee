/* cache: one stage's response cache on one node, shared by every worker
 * thread. Entries are immutable, reference-counted copies of an integration
 * response, kept in a hash table split into CACHE_SHARDS shards, each with
 * its own mutex: a hit takes one shard's lock for a table probe and a
 * reference count increment, and nothing else — no lock covers the whole
 * cache on the hit path. The bytes held are bounded by the capacity given at
 * creation: inserting evicts by SIEVE (one FIFO queue for the whole cache, a
 * "visited" bit set on hit, and a hand that spares a visited entry once and
 * takes expired entries first); the queue has its own lock, taken only when
 * an entry is inserted, replaced, evicted or cleared.
 *
 * Misses are coalesced: the first request to miss a key becomes the fill's
 * leader and fetches the response; requests that miss the same key while the
 * fill is under way queue a waiter on it and are woken with the stored entry
 * (or with NULL when the leader's answer could not be stored, and then fetch
 * it themselves). The wake callback runs on the leader's thread, outside
 * every lock; it must hand the waiter to the waiter's own thread.
 *
 * Nothing here knows about h2o: times are passed in, and a waiter is a plain
 * struct the caller embeds in its own. All functions are thread-safe. */
#ifndef PORTICO_CACHE_H
#define PORTICO_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* The reference service's largest cacheable response body. */
#define CACHE_MAX_BODY ((size_t)1024 * 1024)
#define CACHE_SHARDS 32

typedef struct cache cache_t;
typedef struct cache_entry cache_entry_t;
typedef struct cache_fill cache_fill_t;

typedef struct {
    const char *name; /* lower case */
    size_t name_len;
    const char *orig_name; /* the spelling HTTP/1 sends, or NULL for name */
    const char *value;
    size_t value_len;
    const void *token; /* the caller's interned name (static), kept as is */
} cache_header_t;

/* A response as stored and served. */
typedef struct {
    int status;
    const char *reason;
    const cache_header_t *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
} cache_response_t;

typedef struct {
    const char *data;
    size_t len;
    uint64_t hash; /* cache_key_hash(data, len) */
} cache_key_t;

/* A request waiting for another request's fill, embedded in the caller's
 * own record. Every field is the cache's: it sets `entry` (a held reference
 * the woken side must release, or NULL) before calling the wake callback. */
typedef struct cache_waiter {
    struct cache_waiter *next;
    cache_fill_t *fill; /* while queued */
    uint64_t hash;
    int queued; /* guarded by the shard's lock */
    cache_entry_t *entry;
} cache_waiter_t;

typedef void (*cache_wake_fn)(cache_waiter_t *w);

enum cache_outcome {
    CACHE_HIT,  /* *hit is a held entry */
    CACHE_LEAD, /* *fill belongs to the caller: fetch, then cache_fill_finish */
    CACHE_WAIT, /* w is queued on another request's fill; the wake callback follows */
    CACHE_BUSY, /* another request's fill is under way and w was NULL: nothing changed */
};

typedef struct {
    uint64_t capacity, used, entries;
    uint64_t hits, misses, coalesced, evictions, expired, inserts;
} cache_stats_t;

uint64_t cache_key_hash(const void *data, size_t len);

/* A cache holding at most capacity bytes (entries, keys and bookkeeping);
 * wake is called for every woken waiter. One reference; NULL on no memory. */
cache_t *cache_create(size_t capacity, cache_wake_fn wake);
void cache_hold(cache_t *c);
/* Drops a reference; the last one frees the cache and its entries (fills
 * must be finished by then: a fill's leader holds a reference). */
void cache_release(cache_t *c);

/* Drops every entry now. Fills under way still wake their waiters but do not
 * store what they fetched before the clear. */
void cache_clear(cache_t *c);

/* Looks key up at now_ms. An entry older than max_age_ms, or past its own
 * expiry, is not served (it stays until the fill replaces it or the hand
 * reaches it). With refresh the entry is not
 * served (a client asked for a fresh answer): the caller leads a fill that
 * will replace it, or joins one already under way. w may be NULL so that a
 * hit costs no allocation; the caller then allocates one on CACHE_BUSY and
 * asks again. */
enum cache_outcome cache_lookup(cache_t *c, const cache_key_t *key, uint64_t now_ms,
                                uint64_t max_age_ms, int refresh, cache_entry_t **hit,
                                cache_fill_t **fill, cache_waiter_t *w);

/* Ends a fill the caller leads: res (copied; NULL when the answer is not to
 * be stored) becomes the entry for the key, valid until now_ms + ttl_ms, and
 * every waiter is woken with it. An entry larger than the whole capacity is
 * handed to the waiters but not stored. f is freed. */
void cache_fill_finish(cache_t *c, cache_fill_t *f, const cache_response_t *res, uint64_t now_ms,
                       uint64_t ttl_ms);

/* Takes a queued waiter back (its request went away). Returns 1 when it was
 * still queued (no wake will come), 0 when a wake is already under way. */
int cache_waiter_cancel(cache_t *c, cache_waiter_t *w);

const cache_response_t *cache_entry_response(const cache_entry_t *e);
void cache_entry_release(cache_entry_t *e);

void cache_stats(cache_t *c, cache_stats_t *out);
size_t cache_capacity(const cache_t *c);

#endif
