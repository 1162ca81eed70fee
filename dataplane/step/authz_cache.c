/* authz_cache: chained hash buckets plus an insertion-ordered list for
 * eviction; entries are malloc'd with their key. Decisions are parsed here
 * too, with jansson, into the decision's own arena. */
#include "authz_cache.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyhash.h"

#define AUTHZ_CACHE_BUCKETS 4096
#define AUTHZ_MAX_CONTEXT 256

typedef struct authz_cache_entry {
    struct authz_cache_entry *chain;
    struct authz_cache_entry *older, *newer;
    uint64_t hash;
    authz_decision_t *d;
    size_t len;
    char key[];
} authz_cache_entry_t;

struct authz_cache {
    authz_cache_entry_t *buckets[AUTHZ_CACHE_BUCKETS];
    authz_cache_entry_t *oldest, *newest;
    size_t count, capacity;
};

/* ---- decisions ----------------------------------------------------------- */

authz_decision_t *authz_decision_new(enum authz_outcome outcome)
{
    arena_t *a = arena_create(4096);
    authz_decision_t *d = a != NULL ? arena_alloc(a, sizeof(*d)) : NULL;
    if (d == NULL) {
        arena_destroy(a);
        return NULL;
    }
    atomic_init(&d->refs, 1);
    d->outcome = outcome;
    d->arena = a;
    return d;
}

void authz_decision_hold(authz_decision_t *d)
{
    atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
}

void authz_decision_release(authz_decision_t *d)
{
    if (d != NULL && atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1)
        arena_destroy(d->arena);
}

/* A context value: strings as they are, numbers and booleans as text. */
static const char *context_value(arena_t *a, json_t *v)
{
    char buf[64];
    if (json_is_string(v))
        return arena_strndup(a, json_string_value(v), json_string_length(v));
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
        return arena_strdup(a, buf);
    }
    if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
        return arena_strdup(a, buf);
    }
    return NULL; /* objects, arrays and null are refused, as the reference does */
}

static int parse_context(authz_decision_t *d, json_t *answer, char *err, size_t err_len)
{
    json_t *ctx = json_object_get(answer, "context");
    json_t *principal = json_object_get(answer, "principalId");
    if ((ctx != NULL && !json_is_object(ctx)) || json_object_size(ctx) > AUTHZ_MAX_CONTEXT ||
        (principal != NULL && !json_is_string(principal))) {
        snprintf(err, err_len, "principalId must be a string and context an object");
        return -1;
    }
    rt_kv_t *kv = arena_alloc(d->arena, sizeof(*kv) * (json_object_size(ctx) + 1));
    const char *p = principal != NULL ? arena_strdup(d->arena, json_string_value(principal)) : "";
    kv[0] = (rt_kv_t){"principalId", 11, p, strlen(p)};
    size_t n = 1;
    const char *k;
    json_t *v;
    json_object_foreach(ctx, k, v)
    {
        const char *s = context_value(d->arena, v);
        if (s == NULL) {
            snprintf(err, err_len, "context value %s is not a string, number or boolean", k);
            return -1;
        }
        kv[n++] = (rt_kv_t){arena_strdup(d->arena, k), strlen(k), s, strlen(s)};
    }
    d->ctx = kv;
    d->nctx = n;
    return 0;
}

authz_decision_t *authz_decision_parse(const char *text, size_t len, const char *api_id, char *err,
                                       size_t err_len)
{
    authz_decision_t *d = authz_decision_new(AUTHZ_POLICY);
    if (d == NULL)
        return NULL;
    json_error_t jerr;
    json_t *answer = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *doc = json_object_get(answer, "policyDocument");
    json_t *usage = json_object_get(answer, "usageIdentifierKey");
    policy_t *policy = NULL;
    int rc = -1;
    if (!json_is_object(answer))
        snprintf(err, err_len, "the answer is not a JSON object");
    else if (doc == NULL)
        snprintf(err, err_len, "the answer has no policyDocument");
    else if (usage != NULL && !json_is_string(usage))
        snprintf(err, err_len, "usageIdentifierKey must be a string");
    else if (policy_parse_json(doc, POLICY_AUTHORIZER, api_id, d->arena, &policy, err, err_len) ==
                 0 &&
             parse_context(d, answer, err, err_len) == 0)
        rc = 0;
    if (rc == 0) {
        d->policy = policy;
        d->usage_key = usage != NULL ? arena_strdup(d->arena, json_string_value(usage)) : NULL;
    } else {
        d->outcome = AUTHZ_CONFIG_ERROR;
    }
    json_decref(answer);
    return d;
}

/* ---- the cache ---------------------------------------------------------- */

authz_cache_t *authz_cache_create(size_t capacity)
{
    authz_cache_t *c = calloc(1, sizeof(*c));
    if (c != NULL)
        c->capacity = capacity;
    return c;
}

static void entry_unlink(authz_cache_t *c, authz_cache_entry_t *e)
{
    authz_cache_entry_t **p = &c->buckets[e->hash % AUTHZ_CACHE_BUCKETS];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    c->count--;
    authz_decision_release(e->d);
    free(e);
}

void authz_cache_destroy(authz_cache_t *c)
{
    if (c == NULL)
        return;
    while (c->oldest != NULL)
        entry_unlink(c, c->oldest);
    free(c);
}

authz_decision_t *authz_cache_get(authz_cache_t *c, const void *key, size_t len, uint64_t now_ms)
{
    uint64_t h = keyhash(key, len);
    for (authz_cache_entry_t *e = c->buckets[h % AUTHZ_CACHE_BUCKETS]; e != NULL; e = e->chain) {
        if (e->hash != h || e->len != len || memcmp(e->key, key, len) != 0)
            continue;
        if (e->d->expires_ms > now_ms)
            return e->d;
        entry_unlink(c, e);
        return NULL;
    }
    return NULL;
}

void authz_cache_put(authz_cache_t *c, const void *key, size_t len, authz_decision_t *d)
{
    uint64_t h = keyhash(key, len);
    for (authz_cache_entry_t *e = c->buckets[h % AUTHZ_CACHE_BUCKETS]; e != NULL; e = e->chain) {
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) {
            entry_unlink(c, e);
            break;
        }
    }
    authz_cache_entry_t *e = malloc(sizeof(*e) + len);
    if (e == NULL)
        return; /* not caching is always correct */
    while (c->count >= c->capacity && c->oldest != NULL)
        entry_unlink(c, c->oldest);
    authz_decision_hold(d);
    *e = (authz_cache_entry_t){.hash = h, .d = d, .len = len, .older = c->newest};
    memcpy(e->key, key, len);
    e->chain = c->buckets[h % AUTHZ_CACHE_BUCKETS];
    c->buckets[h % AUTHZ_CACHE_BUCKETS] = e;
    if (c->newest != NULL)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->count++;
}
