/* Unit tests for dataplane/cache.h: hits, expiry, refresh, coalesced fills,
 * cancellation, clears during fills, the byte bound, SIEVE keeping hot
 * entries, and several threads at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

#define T0 1000000 /* an arbitrary "now" in ms */

/* ---- helpers --------------------------------------------------------------- */

typedef struct {
    cache_waiter_t w;
    atomic_int woken;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} waiter_t;

static atomic_int wake_count;

static void on_wake(cache_waiter_t *cw)
{
    waiter_t *w = (waiter_t *)cw;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->woken, 1);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    atomic_fetch_add(&wake_count, 1);
}

static void waiter_init(waiter_t *w)
{
    memset(w, 0, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

static void waiter_wait(waiter_t *w)
{
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->woken))
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void waiter_dispose(waiter_t *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

static cache_key_t key_of(const char *s)
{
    return (cache_key_t){s, strlen(s), cache_key_hash(s, strlen(s))};
}

/* A response whose body is `body` (padded with '.' to pad bytes when larger). */
static cache_response_t response(const char *body, size_t pad, char **owned)
{
    static const cache_header_t headers[] = {
        {"content-type", 12, "Content-Type", "application/json", 16, NULL},
        {"x-upstream", 10, NULL, "U", 1, NULL},
    };
    size_t len = strlen(body) > pad ? strlen(body) : pad;
    char *b = malloc(len + 1);
    assert_non_null(b);
    memset(b, '.', len);
    memcpy(b, body, strlen(body));
    *owned = b;
    return (cache_response_t){200, "OK", headers, 2, b, len};
}

/* Fills key with body through the LEAD path. */
static void fill(cache_t *c, const char *key, const char *body, size_t pad, uint64_t now,
                 uint64_t ttl)
{
    cache_key_t k = key_of(key);
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    assert_int_equal(cache_lookup(c, &k, now, ttl, 1, &hit, &f, NULL), CACHE_LEAD);
    char *owned;
    cache_response_t res = response(body, pad, &owned);
    cache_fill_finish(c, f, &res, now, ttl);
    free(owned);
}

/* The body served for key, or NULL on a miss (whose fill is then abandoned). */
static char *get(cache_t *c, const char *key, uint64_t now, uint64_t max_age)
{
    cache_key_t k = key_of(key);
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    enum cache_outcome out = cache_lookup(c, &k, now, max_age, 0, &hit, &f, NULL);
    if (out == CACHE_LEAD) {
        cache_fill_finish(c, f, NULL, now, 0);
        return NULL;
    }
    assert_int_equal(out, CACHE_HIT);
    const cache_response_t *res = cache_entry_response(hit);
    char *copy = strndup(res->body, res->body_len);
    cache_entry_release(hit);
    return copy;
}

static int present(cache_t *c, const char *key, uint64_t now)
{
    char *body = get(c, key, now, 1000000);
    free(body);
    return body != NULL;
}

static cache_t *make(size_t capacity)
{
    cache_t *c = cache_create(capacity, on_wake);
    assert_non_null(c);
    atomic_store(&wake_count, 0);
    return c;
}

static cache_stats_t stats(cache_t *c)
{
    cache_stats_t s;
    cache_stats(c, &s);
    return s;
}

/* ---- cases ----------------------------------------------------------------- */

static void miss_then_hit(void **state)
{
    cache_t *c = make(1 << 20);
    assert_null(get(c, "a", T0, 1000));
    fill(c, "a", "{\"a\":1}", 0, T0, 1000);
    cache_key_t k = key_of("a");
    cache_entry_t *hit;
    cache_fill_t *f;
    assert_int_equal(cache_lookup(c, &k, T0 + 1, 1000, 0, &hit, &f, NULL), CACHE_HIT);
    const cache_response_t *res = cache_entry_response(hit);
    assert_int_equal(res->status, 200);
    assert_string_equal(res->reason, "OK");
    assert_int_equal(res->nheaders, 2);
    assert_memory_equal(res->headers[0].name, "content-type", 12);
    assert_memory_equal(res->headers[0].orig_name, "Content-Type", 12);
    assert_null(res->headers[1].orig_name);
    assert_memory_equal(res->body, "{\"a\":1}", 7);
    cache_entry_release(hit);
    cache_stats_t s = stats(c);
    assert_int_equal(s.hits, 1);
    assert_int_equal(s.misses, 2);
    assert_int_equal(s.entries, 1);
    assert_true(s.used > 7 && s.used < 1024);
    cache_release(c);
}

static void entries_expire(void **state)
{
    cache_t *c = make(1 << 20);
    fill(c, "a", "x", 0, T0, 1000);
    assert_true(present(c, "a", T0 + 999));
    assert_false(present(c, "a", T0 + 1000));
    fill(c, "b", "x", 0, T0, 1000);
    /* a lower TTL now than when stored: the lower one wins */
    char *body = get(c, "b", T0 + 500, 400);
    assert_null(body);
    cache_release(c);
}

static void refresh_replaces_the_entry(void **state)
{
    cache_t *c = make(1 << 20);
    fill(c, "a", "old", 0, T0, 100000);
    cache_key_t k = key_of("a");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    assert_int_equal(cache_lookup(c, &k, T0 + 1, 100000, 1, &hit, &f, NULL), CACHE_LEAD);
    char *body = get(c, "a", T0 + 2, 100000); /* others still get the old one meanwhile */
    assert_string_equal(body, "old");
    free(body);
    char *owned;
    cache_response_t res = response("new", 0, &owned);
    cache_fill_finish(c, f, &res, T0 + 3, 100000);
    free(owned);
    body = get(c, "a", T0 + 4, 100000);
    assert_string_equal(body, "new");
    free(body);
    assert_int_equal(stats(c).entries, 1);
    cache_release(c);
}

static void concurrent_misses_wait_for_the_leader(void **state)
{
    cache_t *c = make(1 << 20);
    cache_key_t k = key_of("a");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL, *f2 = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &f, NULL), CACHE_LEAD);
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &f2, NULL), CACHE_BUSY);
    waiter_t w[3];
    for (int i = 0; i < 3; i++) {
        waiter_init(&w[i]);
        assert_int_equal(cache_lookup(c, &k, T0, 1000, i == 2, &hit, &f2, &w[i].w), CACHE_WAIT);
    }
    assert_null(f2);
    assert_int_equal(atomic_load(&wake_count), 0);
    char *owned;
    cache_response_t res = response("shared", 0, &owned);
    cache_fill_finish(c, f, &res, T0, 1000);
    free(owned);
    assert_int_equal(atomic_load(&wake_count), 3);
    for (int i = 0; i < 3; i++) {
        assert_true(atomic_load(&w[i].woken));
        assert_non_null(w[i].w.entry);
        assert_memory_equal(cache_entry_response(w[i].w.entry)->body, "shared", 6);
        cache_entry_release(w[i].w.entry);
        waiter_dispose(&w[i]);
    }
    cache_stats_t s = stats(c);
    assert_int_equal(s.misses, 1);
    assert_int_equal(s.coalesced, 3);
    cache_release(c);
}

static void failed_fill_wakes_waiters_empty_handed(void **state)
{
    cache_t *c = make(1 << 20);
    cache_key_t k = key_of("a");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &f, NULL), CACHE_LEAD);
    waiter_t w;
    waiter_init(&w);
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &f, &w.w), CACHE_WAIT);
    cache_fill_finish(c, f, NULL, T0, 1000);
    assert_true(atomic_load(&w.woken));
    assert_null(w.w.entry);
    assert_false(present(c, "a", T0));
    waiter_dispose(&w);
    cache_release(c);
}

static void cancelled_waiter_is_not_woken(void **state)
{
    cache_t *c = make(1 << 20);
    cache_key_t k = key_of("a");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL, *unused = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &f, NULL), CACHE_LEAD);
    waiter_t gone, stays;
    waiter_init(&gone);
    waiter_init(&stays);
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &unused, &gone.w), CACHE_WAIT);
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &unused, &stays.w), CACHE_WAIT);
    assert_int_equal(cache_waiter_cancel(c, &gone.w), 1);
    assert_int_equal(cache_waiter_cancel(c, &gone.w), 0); /* not queued any more */
    cache_fill_finish(c, f, NULL, T0, 1000);
    assert_false(atomic_load(&gone.woken));
    assert_true(atomic_load(&stays.woken));
    assert_int_equal(cache_waiter_cancel(c, &stays.w), 0); /* woken: too late to cancel */
    waiter_dispose(&gone);
    waiter_dispose(&stays);
    cache_release(c);
}

static void clear_during_a_fill_stores_nothing(void **state)
{
    cache_t *c = make(1 << 20);
    fill(c, "old", "x", 0, T0, 100000);
    cache_key_t k = key_of("a");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 100000, 0, &hit, &f, NULL), CACHE_LEAD);
    waiter_t w;
    waiter_init(&w);
    cache_fill_t *unused = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 100000, 0, &hit, &unused, &w.w), CACHE_WAIT);
    cache_clear(c);
    assert_int_equal(stats(c).entries, 0);
    assert_int_equal(stats(c).used, 0);
    char *owned;
    cache_response_t res = response("fetched before the clear", 0, &owned);
    cache_fill_finish(c, f, &res, T0, 100000);
    free(owned);
    assert_non_null(w.w.entry); /* the waiter is still answered */
    cache_entry_release(w.w.entry);
    waiter_dispose(&w);
    assert_false(present(c, "a", T0));
    assert_false(present(c, "old", T0));
    fill(c, "a", "after", 0, T0, 100000); /* fills begun after the clear store again */
    assert_true(present(c, "a", T0));
    cache_release(c);
}

static void bytes_stay_under_the_capacity(void **state)
{
    cache_t *c = make(64 * 1024);
    char key[32];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        fill(c, key, key, 1000, T0, 100000);
        cache_stats_t s = stats(c);
        assert_true(s.used <= s.capacity);
    }
    cache_stats_t s = stats(c);
    assert_true(s.entries > 40 && s.entries < 64);
    assert_int_equal(s.evictions, 500 - s.entries);
    assert_false(present(c, "k0", T0));
    assert_true(present(c, "k499", T0));
    cache_release(c);
}

static void sieve_keeps_the_hot_entry(void **state)
{
    cache_t *c = make(64 * 1024);
    char key[32];
    fill(c, "hot", "hot", 1000, T0, 100000);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        fill(c, key, key, 1000, T0, 100000);
        assert_true(present(c, "hot", T0));
    }
    cache_release(c);
}

static void expired_entries_go_first(void **state)
{
    cache_t *c = make(4096); /* three entries */
    fill(c, "short", "x", 1000, T0, 10);
    fill(c, "long1", "x", 1000, T0, 100000);
    assert_true(present(c, "long1", T0)); /* visited */
    char key[32];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        fill(c, key, key, 1000, T0 + 100, 100000);
    }
    cache_stats_t s = stats(c);
    assert_true(s.expired >= 1);
    assert_true(present(c, "long1", T0 + 100));
    cache_release(c);
}

static void entry_bigger_than_the_cache_is_not_stored(void **state)
{
    cache_t *c = make(4096);
    cache_key_t k = key_of("big");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL, *unused = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &f, NULL), CACHE_LEAD);
    waiter_t w;
    waiter_init(&w);
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &unused, &w.w), CACHE_WAIT);
    char *owned;
    cache_response_t res = response("big", 8192, &owned);
    cache_fill_finish(c, f, &res, T0, 1000);
    free(owned);
    assert_non_null(w.w.entry);
    assert_int_equal(cache_entry_response(w.w.entry)->body_len, 8192);
    cache_entry_release(w.w.entry);
    waiter_dispose(&w);
    assert_int_equal(stats(c).entries, 0);
    assert_false(present(c, "big", T0));
    cache_release(c);
}

static void held_entry_outlives_eviction_and_the_cache(void **state)
{
    cache_t *c = make(4096);
    fill(c, "a", "kept", 0, T0, 100000);
    cache_key_t k = key_of("a");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 100000, 0, &hit, &f, NULL), CACHE_HIT);
    cache_clear(c);
    cache_release(c);
    assert_memory_equal(cache_entry_response(hit)->body, "kept", 4); /* ASan checks */
    cache_entry_release(hit);
}

/* ---- threads --------------------------------------------------------------- */

typedef struct {
    cache_t *c;
    unsigned seed;
    int ops;
} worker_arg_t;

static void *worker(void *p)
{
    worker_arg_t *a = p;
    char key[32];
    for (int i = 0; i < a->ops; i++) {
        /* a skewed mix: key k with probability about 1/(k+1) */
        unsigned r = (unsigned)rand_r(&a->seed);
        int k = (int)(r % 200) * (int)((r >> 8) % 200) / 200;
        snprintf(key, sizeof(key), "key-%d", k);
        cache_key_t ck = key_of(key);
        cache_entry_t *hit = NULL;
        cache_fill_t *f = NULL;
        enum cache_outcome out = cache_lookup(a->c, &ck, T0 + (uint64_t)i, 50, 0, &hit, &f, NULL);
        if (out == CACHE_HIT) {
            assert_memory_equal(cache_entry_response(hit)->body, key, strlen(key));
            cache_entry_release(hit);
        } else if (out == CACHE_LEAD) {
            char *owned;
            cache_response_t res = response(key, 300 + (r % 700), &owned);
            cache_fill_finish(a->c, f, (r & 7) != 0 ? &res : NULL, T0 + (uint64_t)i, 50);
            free(owned);
        }
        if (i % 5000 == 4999 && a->seed % 2 == 0)
            cache_clear(a->c);
    }
    return NULL;
}

static void threads_share_the_cache(void **state)
{
    cache_t *c = make(32 * 1024);
    pthread_t t[4];
    worker_arg_t args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg_t){c, (unsigned)i + 1, 20000};
        pthread_create(&t[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cache_stats_t s = stats(c);
    assert_true(s.used <= s.capacity);
    assert_true(s.hits > 0 && s.evictions > 0);
    cache_release(c);
}

typedef struct {
    cache_t *c;
    waiter_t w;
    enum cache_outcome out;
} blocked_arg_t;

static void *blocked_reader(void *p)
{
    blocked_arg_t *a = p;
    cache_key_t k = key_of("slow");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    a->out = cache_lookup(a->c, &k, T0, 1000, 0, &hit, &f, &a->w.w);
    if (a->out == CACHE_WAIT)
        waiter_wait(&a->w);
    return NULL;
}

static void waiters_on_other_threads_are_woken(void **state)
{
    cache_t *c = make(1 << 20);
    cache_key_t k = key_of("slow");
    cache_entry_t *hit = NULL;
    cache_fill_t *f = NULL;
    assert_int_equal(cache_lookup(c, &k, T0, 1000, 0, &hit, &f, NULL), CACHE_LEAD);
    pthread_t t[8];
    blocked_arg_t args[8];
    for (int i = 0; i < 8; i++) {
        args[i].c = c;
        waiter_init(&args[i].w);
        pthread_create(&t[i], NULL, blocked_reader, &args[i]);
    }
    while (stats(c).coalesced < 8)
        ;
    char *owned;
    cache_response_t res = response("slow", 0, &owned);
    cache_fill_finish(c, f, &res, T0, 1000);
    free(owned);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].out, CACHE_WAIT);
        assert_memory_equal(cache_entry_response(args[i].w.w.entry)->body, "slow", 4);
        cache_entry_release(args[i].w.w.entry);
        waiter_dispose(&args[i].w);
    }
    cache_release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(miss_then_hit),
        cmocka_unit_test(entries_expire),
        cmocka_unit_test(refresh_replaces_the_entry),
        cmocka_unit_test(concurrent_misses_wait_for_the_leader),
        cmocka_unit_test(failed_fill_wakes_waiters_empty_handed),
        cmocka_unit_test(cancelled_waiter_is_not_woken),
        cmocka_unit_test(clear_during_a_fill_stores_nothing),
        cmocka_unit_test(bytes_stay_under_the_capacity),
        cmocka_unit_test(sieve_keeps_the_hot_entry),
        cmocka_unit_test(expired_entries_go_first),
        cmocka_unit_test(entry_bigger_than_the_cache_is_not_stored),
        cmocka_unit_test(held_entry_outlives_eviction_and_the_cache),
        cmocka_unit_test(threads_share_the_cache),
        cmocka_unit_test(waiters_on_other_threads_are_woken),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
