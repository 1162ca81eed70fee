/* step_cache: the stage cache in the pipeline — after the steps that
 * authorize and validate a request, before its integration.
 *
 * A request is looked up when its stage (or canary) has a cache and its
 * method's caching setting is on (cache_conf_setting). The key is the
 * method's cache namespace, the request's verb, every path parameter and the
 * values of the integration's cacheKeyParameters. A hit is answered here
 * from the entry's memory (no copy; the entry is held until the request is
 * disposed). A miss either leads the fill (the integration runs and
 * cache_fill watches its answer) or waits for the fill under way.
 *
 * `Cache-Control: max-age=0` asks for a fresh answer. It is honoured when the
 * method setting does not require authorization, or when the method itself
 * requires it (authorizationType other than NONE, or apiKeyRequired): the
 * authorization steps run before this one, so a request that got here has
 * passed them. Otherwise unauthorizedCacheControlHeaderStrategy decides:
 * FAIL_WITH_403, or serve as if the header were absent, with or without the
 * reference's Warning header. */
#include "step_cache.h"

#include <stdlib.h>
#include <string.h>

#include "cache_conf.h"
#include "cache_fill.h"
#include "gwresp.h"
#include "park.h"
#include "pipeline.h"
#include "query.h"
#include "steps.h"

/* A request queued on another request's fill (park.h: it may outlive the
 * request when the request goes while its wake is on the way). */
typedef struct cache_wait {
    park_t park;
    cache_waiter_t waiter;
    cache_t *cache; /* a reference */
    int warn;
} cache_wait_t;

typedef struct {
    cache_entry_t *entry;
} held_entry_t;

/* ---- serving a hit --------------------------------------------------------- */

static void held_entry_dispose(void *p)
{
    cache_entry_release(((held_entry_t *)p)->entry);
}

/* Answers r from e, whose reference r takes over. */
static void cache_serve(dp_request_t *r, cache_entry_t *e, int warn)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_req_t *req = r->req;
    held_entry_t *held = h2o_mem_alloc_shared(&req->pool, sizeof(*held), held_entry_dispose);
    held->entry = e;
    const cache_response_t *res = cache_entry_response(e);
    req->res.status = res->status;
    req->res.reason = res->reason;
    for (size_t i = 0; i < res->nheaders; i++) {
        const cache_header_t *h = &res->headers[i];
        if (h->token != NULL)
            h2o_add_header(&req->pool, &req->res.headers, h->token, h->orig_name, h->value,
                           h->value_len);
        else
            h2o_add_header_by_str(&req->pool, &req->res.headers, h->name, h->name_len, 0,
                                  h->orig_name, h->value, h->value_len);
    }
    cache_fill_tag(req, 1, warn);
    req->res.content_length = res->body_len;
    h2o_start_response(req, &generator);
    h2o_iovec_t body = h2o_iovec_init(res->body, res->body_len);
    h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
}

/* ---- the key --------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
    h2o_mem_pool_t *pool;
} key_buf_t;

#define KEY_ABSENT 0xffffffffu

/* Appends a length-prefixed piece (s NULL: an absent value), so that no two
 * different sequences of pieces make the same key. */
static void key_put(key_buf_t *k, const char *s, size_t len)
{
    uint32_t n = s != NULL ? (uint32_t)len : KEY_ABSENT;
    size_t need = k->len + sizeof(n) + (s != NULL ? len : 0);
    if (need > k->cap) {
        size_t cap = k->cap * 2 > need ? k->cap * 2 : need + 256;
        char *bigger = h2o_mem_alloc_pool(k->pool, cap);
        memcpy(bigger, k->buf, k->len);
        k->buf = bigger;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, &n, sizeof(n));
    k->len += sizeof(n);
    if (s != NULL && len > 0)
        memcpy(k->buf + k->len, s, len);
    k->len += s != NULL ? len : 0;
}

/* Every value of a query parameter, in order (raw, as the client encoded it). */
static void key_put_query_values(key_buf_t *k, dp_request_t *r, const cache_key_param_t *p, int all)
{
    query_iter_t it;
    query_pair_t q;
    int found = 0;
    query_iter_init(&it, r->query.base, r->query.len);
    while (query_next(&it, &q)) {
        if (q.name_len == p->name_len && memcmp(q.name, p->name, p->name_len) == 0) {
            key_put(k, q.value, q.value_len);
            found = 1;
            if (!all)
                return;
        }
    }
    if (!found)
        key_put(k, NULL, 0);
}

static void key_put_header_values(key_buf_t *k, dp_request_t *r, const cache_key_param_t *p,
                                  int all)
{
    const h2o_headers_t *hs = &r->req->headers;
    int found = 0;
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        /* h2o keeps request header names in lower case; the parameter's may not be */
        if (h->name->len == p->name_len &&
            h2o_lcstris(p->name, p->name_len, h->name->base, h->name->len)) {
            key_put(k, h->value.base, h->value.len);
            found = 1;
            if (!all)
                return;
        }
    }
    if (!found)
        key_put(k, NULL, 0);
}

static void key_put_param(key_buf_t *k, dp_request_t *r, const cache_key_param_t *p)
{
    size_t vlen = 0;
    const char *v;
    key_put(k, (const char *)&p->loc, sizeof(p->loc));
    key_put(k, p->name, p->name_len);
    switch (p->loc) {
    case PARAMS_LOC_PATH:
        v = request_path_param(r, p->name, p->name_len, &vlen);
        key_put(k, v, vlen);
        break;
    case PARAMS_LOC_QUERYSTRING:
    case PARAMS_LOC_MULTIVALUEQUERYSTRING:
        key_put_query_values(k, r, p, p->loc == PARAMS_LOC_MULTIVALUEQUERYSTRING);
        break;
    default:
        key_put_header_values(k, r, p, p->loc == PARAMS_LOC_MULTIVALUEHEADER);
        break;
    }
}

static void key_build(dp_request_t *r, cache_key_t *key)
{
    const cache_method_conf_t *m = r->method->cache_key;
    key_buf_t k = {h2o_mem_alloc_pool(&r->req->pool, 256), 0, 256, &r->req->pool};
    key_put(&k, m->ns, m->ns_len);
    key_put(&k, r->req->method.base, r->req->method.len);
    for (int i = 0; i < r->match.nparams; i++) {
        const router_param_t *p = &r->match.params[i];
        key_put(&k, p->name, p->name_len);
        key_put(&k, p->value, p->value_len);
    }
    for (size_t i = 0; i < m->nparams; i++)
        key_put_param(&k, r, &m->params[i]);
    *key = (cache_key_t){k.buf, k.len, cache_key_hash(k.buf, k.len)};
}

/* ---- Cache-Control --------------------------------------------------------- */

static h2o_iovec_t trim(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return h2o_iovec_init(s, (size_t)(end - s));
}

/* A "max-age=0" (or max-age="0") directive in one Cache-Control value. */
static int directive_max_age_zero(h2o_iovec_t v)
{
    const char *p = v.base, *end = v.base + v.len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma != NULL ? comma : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq != NULL) {
            h2o_iovec_t name = trim(p, eq), val = trim(eq + 1, stop);
            if (h2o_lcstris(name.base, name.len, H2O_STRLIT("max-age")) &&
                (h2o_memis(val.base, val.len, H2O_STRLIT("0")) ||
                 h2o_memis(val.base, val.len, H2O_STRLIT("\"0\""))))
                return 1;
        }
        p = stop + 1;
    }
    return 0;
}

static int wants_fresh(const dp_request_t *r)
{
    const h2o_headers_t *hs = &r->req->headers;
    for (size_t i = 0; i < hs->size; i++)
        if (hs->entries[i].name == &H2O_TOKEN_CACHE_CONTROL->buf &&
            directive_max_age_zero(hs->entries[i].value))
            return 1;
    return 0;
}

/* ---- waiting for another request's fill ------------------------------------ */

static void wait_free(cache_wait_t *w)
{
    cache_release(w->cache);
    free(w);
}

/* The request went away while queued: take the waiter back, unless its
 * wake is already on the way (then wait_on_wake frees it). */
static int wait_on_gone(park_t *p)
{
    cache_wait_t *w = H2O_STRUCT_FROM_MEMBER(cache_wait_t, park, p);
    if (!cache_waiter_cancel(w->cache, &w->waiter))
        return 0;
    wait_free(w);
    return 1;
}

/* Serves the fill's entry, or lets the request fetch for itself (not stored:
 * the fill it waited for already showed the answer is not cacheable). */
static void wait_on_wake(park_t *p, dp_request_t *r)
{
    cache_wait_t *w = H2O_STRUCT_FROM_MEMBER(cache_wait_t, park, p);
    cache_entry_t *e = w->waiter.entry;
    if (r != NULL) {
        if (e != NULL) {
            r->cache_status = REQUEST_CACHE_HIT;
            cache_serve(r, e, w->warn);
            e = NULL;
        } else {
            r->cache_status = REQUEST_CACHE_MISS;
            cache_fill_watch(r, w->cache, NULL, 0, w->warn);
            pipeline_resume(r);
        }
    }
    cache_entry_release(e);
    wait_free(w);
}

static cache_wait_t *wait_new(dp_request_t *r, cache_t *c, int warn)
{
    cache_wait_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        h2o_fatal("out of memory");
    park_init(&w->park, r, wait_on_wake, wait_on_gone);
    cache_hold(c);
    w->cache = c;
    w->warn = warn;
    return w;
}

/* The caches' wake callback: on the leader's thread, outside every lock. */
void step_cache_wake(cache_waiter_t *waiter)
{
    park_wake(&H2O_STRUCT_FROM_MEMBER(cache_wait_t, waiter, waiter)->park, NULL);
}

/* ---- the step -------------------------------------------------------------- */

/* 1: look up with refresh; 0: look up; -1: answered (FAIL_WITH_403). */
static int cache_control(dp_request_t *r, const cache_setting_t *set, int *warn)
{
    *warn = 0;
    if (!wants_fresh(r))
        return 0;
    if (!set->require_authorization || r->method->cache_key->caller_authorized)
        return 1;
    if (set->strategy == CACHE_CONTROL_FAIL_WITH_403) {
        gwresp_send(r, GW_CACHE_CONTROL_FORBIDDEN);
        return -1;
    }
    *warn = set->strategy == CACHE_CONTROL_SUCCEED_WITH_RESPONSE_HEADER;
    return 0;
}

enum step_result step_cache(dp_request_t *r)
{
    cache_t *c = r->is_canary ? r->stage->canary_cache : r->stage->cache;
    if (c == NULL)
        return STEP_CONTINUE;
    const rt_method_t *m = r->method;
    const cache_setting_t *set = cache_conf_setting(r->stage->cache_conf, m->resource_path, m->verb,
                                                    r->req->method.base, r->req->method.len);
    if (set == NULL)
        return STEP_CONTINUE;
    int warn, refresh = cache_control(r, set, &warn);
    if (refresh < 0)
        return STEP_DONE;
    cache_key_t key;
    key_build(r, &key);
    uint64_t now_ms = r->started_us / 1000, ttl_ms = (uint64_t)set->ttl_seconds * 1000;
    cache_entry_t *hit = NULL;
    cache_fill_t *fill = NULL;
    cache_wait_t *w = NULL;
    enum cache_outcome out = cache_lookup(c, &key, now_ms, ttl_ms, refresh, &hit, &fill, NULL);
    if (out == CACHE_BUSY) {
        w = wait_new(r, c, warn);
        out = cache_lookup(c, &key, now_ms, ttl_ms, refresh, &hit, &fill, &w->waiter);
    }
    if (out == CACHE_WAIT) {
        r->cache_status = REQUEST_CACHE_HIT; /* until the fill says otherwise */
        park_request(&w->park);
        return STEP_PENDING;
    }
    if (w != NULL)
        wait_free(w);
    if (out == CACHE_HIT) {
        r->cache_status = REQUEST_CACHE_HIT;
        cache_serve(r, hit, warn);
        return STEP_DONE;
    }
    r->cache_status = REQUEST_CACHE_MISS;
    cache_fill_watch(r, c, fill, ttl_ms, warn);
    return STEP_CONTINUE;
}
