/* cache: the shards, the SIEVE queue and the byte budget.
 *
 * Each shard is a chained hash table (doubling when it holds more entries
 * than buckets), the list of fills under way for its keys, and its hit and
 * miss counters, all behind the shard's mutex. The queue (newest first), the
 * hand and the bytes used are behind the queue's mutex. An entry is in its
 * shard's table exactly when it is in the queue: linking and unlinking take
 * the queue's lock and then the shard's (always in that order; no function
 * holds two shard locks), so a hit, which needs only the shard's lock, never
 * waits for an eviction elsewhere in the cache.
 *
 * Entries are freed when their last reference goes: the cache holds one
 * while the entry is linked, and every response served from it holds one, so
 * eviction and clear never wait for readers. Unlinked entries are released
 * after the locks are dropped. */
#include "cache.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyhash.h"

#define CACHE_SHARD_BITS 5
#define CACHE_MIN_BUCKETS 16
/* malloc's chunk header plus up to two bucket pointers per entry (load <= 1) */
#define CACHE_ENTRY_OVERHEAD (16 + 2 * sizeof(void *))

_Static_assert(CACHE_SHARDS == 1 << CACHE_SHARD_BITS, "CACHE_SHARDS is 2^CACHE_SHARD_BITS");

struct cache_entry {
    struct cache_entry *chain;         /* bucket list; the release list once unlinked */
    struct cache_entry *newer, *older; /* the queue */
    atomic_uint refs;
    atomic_uchar visited; /* SIEVE: hit since the hand last passed */
    uint64_t hash;
    uint64_t stored_ms, expires_ms;
    size_t charge; /* bytes counted against the capacity */
    cache_response_t res;
    const char *key;
    size_t key_len;
    /* then: the header array, the key, the strings, the body */
};

struct cache_fill {
    struct cache_fill *next;
    uint64_t hash;
    uint64_t epoch; /* the cache's epoch when the fill began */
    cache_waiter_t *waiters;
    size_t key_len;
    char key[];
};

typedef struct {
    pthread_mutex_t mu;
    cache_entry_t **buckets;
    size_t mask; /* buckets - 1 */
    size_t count;
    cache_fill_t *fills;
    uint64_t hits, misses, coalesced;
} __attribute__((aligned(64))) cache_shard_t;

struct cache {
    atomic_uint refs;
    size_t capacity;
    cache_wake_fn wake;
    atomic_uint_fast64_t epoch; /* bumped by cache_clear */
    pthread_mutex_t qmu;        /* the queue, the hand, used, and the counters below */
    cache_entry_t *newest, *oldest, *hand;
    size_t used, entries;
    uint64_t evictions, expired, inserts;
    cache_shard_t shards[CACHE_SHARDS];
};

static void cache_oom(void)
{
    fputs("portico-dp: out of memory in the response cache\n", stderr);
    abort();
}

uint64_t cache_key_hash(const void *data, size_t len)
{
    return keyhash(data, len);
}

static cache_shard_t *shard_of(cache_t *c, uint64_t hash)
{
    return &c->shards[hash >> (64 - CACHE_SHARD_BITS)];
}

/* ---- entries ------------------------------------------------------------ */

static size_t response_bytes(const cache_response_t *res)
{
    size_t n = sizeof(cache_header_t) * res->nheaders + strlen(res->reason) + 1 + res->body_len;
    for (size_t i = 0; i < res->nheaders; i++) {
        const cache_header_t *h = &res->headers[i];
        n += h->name_len + h->value_len + (h->orig_name != NULL ? h->name_len : 0);
    }
    return n;
}

static char *put(char **p, const void *src, size_t len)
{
    char *at = *p;
    if (len > 0)
        memcpy(at, src, len);
    *p += len;
    return at;
}

/* One allocation holding the entry, its key and a copy of res; one reference. */
static cache_entry_t *entry_build(const cache_fill_t *f, const cache_response_t *res,
                                  uint64_t now_ms, uint64_t ttl_ms)
{
    cache_entry_t *e = malloc(sizeof(*e) + f->key_len + response_bytes(res));
    if (e == NULL)
        cache_oom();
    memset(e, 0, sizeof(*e));
    cache_header_t *hs = (cache_header_t *)(e + 1);
    char *p = (char *)(hs + res->nheaders);
    e->key = put(&p, f->key, f->key_len);
    e->key_len = f->key_len;
    for (size_t i = 0; i < res->nheaders; i++) {
        const cache_header_t *h = &res->headers[i];
        hs[i] = *h;
        hs[i].name = put(&p, h->name, h->name_len);
        hs[i].orig_name = h->orig_name != NULL ? put(&p, h->orig_name, h->name_len) : NULL;
        hs[i].value = put(&p, h->value, h->value_len);
    }
    e->res = *res;
    e->res.headers = hs;
    e->res.reason = put(&p, res->reason, strlen(res->reason) + 1);
    e->res.body = put(&p, res->body, res->body_len);
    atomic_init(&e->refs, 1);
    atomic_init(&e->visited, 0);
    e->hash = f->hash;
    e->stored_ms = now_ms;
    e->expires_ms = now_ms + ttl_ms;
    e->charge = malloc_usable_size(e) + CACHE_ENTRY_OVERHEAD;
    return e;
}

static void entry_hold(cache_entry_t *e)
{
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

void cache_entry_release(cache_entry_t *e)
{
    if (e != NULL && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
        free(e);
}

const cache_response_t *cache_entry_response(const cache_entry_t *e)
{
    return &e->res;
}

static void release_list(cache_entry_t *e)
{
    while (e != NULL) {
        cache_entry_t *next = e->chain;
        cache_entry_release(e);
        e = next;
    }
}

static int entry_fresh(const cache_entry_t *e, uint64_t now_ms, uint64_t max_age_ms)
{
    return now_ms < e->expires_ms && now_ms < e->stored_ms + max_age_ms;
}

/* ---- a shard's table (caller holds the shard's lock) ---------------------- */

/* The link that points at key's entry, or the empty link ending its bucket. */
static cache_entry_t **chain_find(cache_shard_t *s, const char *key, size_t len, uint64_t hash)
{
    cache_entry_t **link = &s->buckets[hash & s->mask];
    for (; *link != NULL; link = &(*link)->chain) {
        cache_entry_t *e = *link;
        if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0)
            break;
    }
    return link;
}

static void chain_unlink(cache_shard_t *s, cache_entry_t *e)
{
    cache_entry_t **link = &s->buckets[e->hash & s->mask];
    while (*link != e)
        link = &(*link)->chain;
    *link = e->chain;
    s->count--;
}

static void shard_grow(cache_shard_t *s)
{
    size_t n = (s->mask + 1) * 2;
    cache_entry_t **bigger = calloc(n, sizeof(*bigger));
    if (bigger == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i <= s->mask; i++) {
        cache_entry_t *e = s->buckets[i], *next;
        for (; e != NULL; e = next) {
            next = e->chain;
            cache_entry_t **slot = &bigger[e->hash & (n - 1)];
            e->chain = *slot;
            *slot = e;
        }
    }
    free(s->buckets);
    s->buckets = bigger;
    s->mask = n - 1;
}

/* ---- the queue (caller holds the queue's lock) ----------------------------- */

static void queue_push(cache_t *c, cache_entry_t *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest != NULL)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->used += e->charge;
    c->entries++;
}

/* Takes e out of the queue and onto *released (with the cache's reference,
 * dropped once the locks are released); e must be out of its table already. */
static void queue_unlink(cache_t *c, cache_entry_t *e, cache_entry_t **released)
{
    if (c->hand == e)
        c->hand = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    c->used -= e->charge;
    c->entries--;
    e->chain = *released;
    *released = e;
}

/* SIEVE: from the hand (or the oldest entry) towards the newest, clear the
 * visited bit of each entry passed and stop at the first one without it (or
 * past its expiry); wrap around to the oldest. The hand stays just newer than
 * the victim, so entries hit since it passed survive its next round. */
static cache_entry_t *queue_victim(cache_t *c, uint64_t now_ms)
{
    cache_entry_t *e = c->hand != NULL ? c->hand : c->oldest;
    while (now_ms < e->expires_ms &&
           atomic_exchange_explicit(&e->visited, 0, memory_order_relaxed) != 0)
        e = e->newer != NULL ? e->newer : c->oldest;
    c->hand = e; /* unlinking the victim moves the hand on to the next newer entry */
    return e;
}

/* Evicts until the cache fits its capacity (caller holds the queue's lock). */
static void queue_shrink(cache_t *c, uint64_t now_ms, cache_entry_t **released)
{
    while (c->used > c->capacity && c->oldest != NULL) {
        cache_entry_t *victim = queue_victim(c, now_ms);
        cache_shard_t *s = shard_of(c, victim->hash);
        pthread_mutex_lock(&s->mu);
        chain_unlink(s, victim);
        pthread_mutex_unlock(&s->mu);
        if (now_ms >= victim->expires_ms)
            c->expired++;
        else
            c->evictions++;
        queue_unlink(c, victim, released);
    }
}

/* ---- fills (caller holds the shard's lock) ---------------------------------- */

static cache_fill_t *fill_find(cache_shard_t *s, const cache_key_t *k)
{
    for (cache_fill_t *f = s->fills; f != NULL; f = f->next)
        if (f->hash == k->hash && f->key_len == k->len && memcmp(f->key, k->data, k->len) == 0)
            return f;
    return NULL;
}

static cache_fill_t *fill_start(cache_t *c, cache_shard_t *s, const cache_key_t *k)
{
    cache_fill_t *f = malloc(sizeof(*f) + k->len);
    if (f == NULL)
        cache_oom();
    f->hash = k->hash;
    f->epoch = atomic_load_explicit(&c->epoch, memory_order_acquire);
    f->waiters = NULL;
    f->key_len = k->len;
    memcpy(f->key, k->data, k->len);
    f->next = s->fills;
    s->fills = f;
    return f;
}

/* Takes f out of its shard's list; returns its waiters, each told it is no
 * longer queued and given a reference on e (which may be NULL). */
static cache_waiter_t *fill_end(cache_shard_t *s, cache_fill_t *f, cache_entry_t *e)
{
    cache_fill_t **link = &s->fills;
    while (*link != f)
        link = &(*link)->next;
    *link = f->next;
    for (cache_waiter_t *w = f->waiters; w != NULL; w = w->next) {
        w->queued = 0;
        if (e != NULL)
            entry_hold(e);
        w->entry = e;
    }
    return f->waiters;
}

static void fill_queue(cache_fill_t *f, cache_waiter_t *w, uint64_t hash)
{
    w->fill = f;
    w->hash = hash;
    w->entry = NULL;
    w->queued = 1;
    w->next = f->waiters;
    f->waiters = w;
}

/* ---- the public operations ------------------------------------------------ */

cache_t *cache_create(size_t capacity, cache_wake_fn wake)
{
    size_t size = (sizeof(cache_t) + 63) & ~(size_t)63;
    cache_t *c = aligned_alloc(64, size);
    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof(*c));
    atomic_init(&c->refs, 1);
    atomic_init(&c->epoch, 0);
    /* the sections are a few dozen instructions: spin a little before sleeping */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&c->qmu, &attr);
    c->capacity = capacity;
    c->wake = wake;
    for (int i = 0; i < CACHE_SHARDS; i++) {
        cache_shard_t *s = &c->shards[i];
        pthread_mutex_init(&s->mu, &attr);
        s->buckets = calloc(CACHE_MIN_BUCKETS, sizeof(*s->buckets));
        s->mask = CACHE_MIN_BUCKETS - 1;
        if (s->buckets == NULL) {
            pthread_mutexattr_destroy(&attr);
            cache_release(c);
            return NULL;
        }
    }
    pthread_mutexattr_destroy(&attr);
    return c;
}

void cache_hold(cache_t *c)
{
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

/* Unlinks every entry onto *released (caller holds the queue's lock). */
static void cache_empty(cache_t *c, cache_entry_t **released)
{
    while (c->oldest != NULL) {
        cache_entry_t *e = c->oldest;
        cache_shard_t *s = shard_of(c, e->hash);
        pthread_mutex_lock(&s->mu);
        chain_unlink(s, e);
        pthread_mutex_unlock(&s->mu);
        queue_unlink(c, e, released);
    }
    c->hand = NULL;
}

void cache_release(cache_t *c)
{
    if (c == NULL || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    cache_entry_t *released = NULL;
    cache_empty(c, &released);
    release_list(released);
    for (int i = 0; i < CACHE_SHARDS; i++) {
        free(c->shards[i].buckets);
        pthread_mutex_destroy(&c->shards[i].mu);
    }
    pthread_mutex_destroy(&c->qmu);
    free(c);
}

void cache_clear(cache_t *c)
{
    cache_entry_t *released = NULL;
    pthread_mutex_lock(&c->qmu);
    atomic_fetch_add_explicit(&c->epoch, 1, memory_order_release);
    cache_empty(c, &released);
    pthread_mutex_unlock(&c->qmu);
    release_list(released);
}

enum cache_outcome cache_lookup(cache_t *c, const cache_key_t *key, uint64_t now_ms,
                                uint64_t max_age_ms, int refresh, cache_entry_t **hit,
                                cache_fill_t **fill, cache_waiter_t *w)
{
    cache_shard_t *s = shard_of(c, key->hash);
    enum cache_outcome out;
    pthread_mutex_lock(&s->mu);
    cache_entry_t *e = *chain_find(s, key->data, key->len, key->hash);
    if (e != NULL && !refresh && entry_fresh(e, now_ms, max_age_ms)) {
        if (!atomic_load_explicit(&e->visited, memory_order_relaxed))
            atomic_store_explicit(&e->visited, 1, memory_order_relaxed);
        entry_hold(e);
        s->hits++;
        pthread_mutex_unlock(&s->mu);
        *hit = e;
        return CACHE_HIT;
    }
    cache_fill_t *f = fill_find(s, key);
    if (f != NULL && w == NULL) {
        out = CACHE_BUSY;
    } else if (f != NULL) {
        fill_queue(f, w, key->hash);
        s->coalesced++;
        out = CACHE_WAIT;
    } else {
        *fill = fill_start(c, s, key);
        s->misses++;
        out = CACHE_LEAD;
    }
    pthread_mutex_unlock(&s->mu);
    return out;
}

/* Links e (replacing the key's old entry) unless a clear came since f began. */
static void cache_store(cache_t *c, cache_shard_t *s, cache_fill_t *f, cache_entry_t *e,
                        uint64_t now_ms, cache_waiter_t **waiters, cache_entry_t **released)
{
    pthread_mutex_lock(&c->qmu);
    pthread_mutex_lock(&s->mu);
    *waiters = fill_end(s, f, e);
    if (f->epoch == atomic_load_explicit(&c->epoch, memory_order_acquire)) {
        cache_entry_t **link = chain_find(s, f->key, f->key_len, f->hash);
        cache_entry_t *old = *link;
        if (old != NULL) {
            *link = old->chain;
            s->count--;
        }
        entry_hold(e); /* the cache's reference */
        e->chain = *link;
        *link = e;
        if (++s->count > s->mask + 1)
            shard_grow(s);
        pthread_mutex_unlock(&s->mu);
        if (old != NULL)
            queue_unlink(c, old, released);
        queue_push(c, e);
        c->inserts++;
        queue_shrink(c, now_ms, released);
    } else {
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&c->qmu);
}

void cache_fill_finish(cache_t *c, cache_fill_t *f, const cache_response_t *res, uint64_t now_ms,
                       uint64_t ttl_ms)
{
    cache_entry_t *e = res != NULL ? entry_build(f, res, now_ms, ttl_ms) : NULL;
    cache_shard_t *s = shard_of(c, f->hash);
    cache_entry_t *released = NULL;
    cache_waiter_t *waiters;
    if (e != NULL && e->charge <= c->capacity) {
        cache_store(c, s, f, e, now_ms, &waiters, &released);
    } else {
        /* nothing to store (or bigger than the whole cache): the waiters still get e */
        pthread_mutex_lock(&s->mu);
        waiters = fill_end(s, f, e);
        pthread_mutex_unlock(&s->mu);
    }
    release_list(released);
    for (cache_waiter_t *w = waiters, *next; w != NULL; w = next) {
        next = w->next; /* w may be gone once woken */
        c->wake(w);
    }
    cache_entry_release(e);
    free(f);
}

int cache_waiter_cancel(cache_t *c, cache_waiter_t *w)
{
    cache_shard_t *s = shard_of(c, w->hash);
    int was_queued;
    pthread_mutex_lock(&s->mu);
    was_queued = w->queued;
    if (was_queued) {
        cache_waiter_t **link = &w->fill->waiters;
        while (*link != w)
            link = &(*link)->next;
        *link = w->next;
        w->queued = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return was_queued;
}

void cache_stats(cache_t *c, cache_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    out->capacity = c->capacity;
    pthread_mutex_lock(&c->qmu);
    out->used = c->used;
    out->entries = c->entries;
    out->evictions = c->evictions;
    out->expired = c->expired;
    out->inserts = c->inserts;
    pthread_mutex_unlock(&c->qmu);
    for (int i = 0; i < CACHE_SHARDS; i++) {
        cache_shard_t *s = &c->shards[i];
        pthread_mutex_lock(&s->mu);
        out->hits += s->hits;
        out->misses += s->misses;
        out->coalesced += s->coalesced;
        pthread_mutex_unlock(&s->mu);
    }
}

size_t cache_capacity(const cache_t *c)
{
    return c->capacity;
}
