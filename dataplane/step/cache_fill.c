/* cache_fill: the watch is a pool object of the leader's request, so that
 * its dispose ends a fill that nothing else ended; the output stream is
 * plain pool memory pointing at it. */
#include "cache_fill.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

typedef struct fill_watch {
    cache_t *cache;     /* a reference */
    cache_fill_t *fill; /* NULL once finished */
    uint64_t ttl_ms;
    int warn;
    cache_response_t head; /* headers in the request's pool */
    char *body;            /* malloc'd copy of what was sent so far */
    size_t body_len, body_cap;
} fill_watch_t;

typedef struct {
    h2o_ostream_t super;
    fill_watch_t *watch;
} watch_ostream_t;

/* Headers that are not part of the stored answer: hop-by-hop ones, and the
 * ones every answer gets afresh. */
static const char *const fill_skipped_headers[] = {
    "connection", "keep-alive",       "transfer-encoding", "content-length",
    "date",       "x-amzn-requestid", CACHE_STATUS_HEADER, NULL};

static int header_skipped(const h2o_iovec_t *name)
{
    for (const char *const *s = fill_skipped_headers; *s != NULL; s++)
        if (h2o_memis(name->base, name->len, *s, strlen(*s)))
            return 1;
    return 0;
}

static void watch_finish(fill_watch_t *w, int store)
{
    if (w->fill == NULL)
        return;
    w->head.body = w->body != NULL ? w->body : "";
    w->head.body_len = w->body_len;
    cache_fill_finish(w->cache, w->fill, store ? &w->head : NULL, clock_mono_ms(), w->ttl_ms);
    w->fill = NULL;
    free(w->body);
    w->body = NULL;
}

static void watch_dispose(void *p)
{
    fill_watch_t *w = p;
    watch_finish(w, 0);
    cache_release(w->cache);
}

static int watch_append(fill_watch_t *w, const h2o_iovec_t *bufs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (bufs[i].len > CACHE_MAX_BODY - w->body_len)
            return -1;
        if (w->body_len + bufs[i].len > w->body_cap) {
            size_t cap = w->body_cap * 2 > w->body_len + bufs[i].len ? w->body_cap * 2
                                                                     : w->body_len + bufs[i].len;
            cap = cap < 4096 ? 4096 : cap > CACHE_MAX_BODY ? CACHE_MAX_BODY : cap;
            char *bigger = realloc(w->body, cap);
            if (bigger == NULL)
                return -1;
            w->body = bigger;
            w->body_cap = cap;
        }
        memcpy(w->body + w->body_len, bufs[i].base, bufs[i].len);
        w->body_len += bufs[i].len;
    }
    return 0;
}

static void watch_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
                          h2o_send_state_t state)
{
    fill_watch_t *w = ((watch_ostream_t *)self)->watch;
    if (w->fill != NULL) {
        if (watch_append(w, bufs, n) != 0 || state == H2O_SEND_STATE_ERROR)
            watch_finish(w, 0);
        else if (state == H2O_SEND_STATE_FINAL)
            watch_finish(w, 1);
    }
    h2o_ostream_send_next(self, req, bufs, n, state);
}

/* Copies the header list (pointers into the request's pool, which outlives the fill). */
static void watch_keep_head(fill_watch_t *w, h2o_req_t *req)
{
    const h2o_headers_t *hs = &req->res.headers;
    cache_header_t *out = h2o_mem_alloc_pool(&req->pool, sizeof(*out) * (hs->size + 1));
    size_t n = 0;
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        if (header_skipped(h->name))
            continue;
        int same = h->orig_name == NULL || memcmp(h->orig_name, h->name->base, h->name->len) == 0;
        out[n++] = (cache_header_t){
            h->name->base, h->name->len, same ? NULL : h->orig_name,
            h->value.base, h->value.len, h2o_iovec_is_token(h->name) ? h->name : NULL};
    }
    w->head.status = req->res.status;
    w->head.reason = req->res.reason != NULL ? req->res.reason : "OK";
    w->head.headers = out;
    w->head.nheaders = n;
}

/* Request headers that make the answer depend on more than the key: a
 * Range request's 206 or a conditional request's answer is not the answer
 * to a plain request with the same key. */
static const h2o_token_t *const fill_shaping_request_headers[] = {H2O_TOKEN_RANGE,
                                                                  H2O_TOKEN_IF_RANGE,
                                                                  H2O_TOKEN_IF_MATCH,
                                                                  H2O_TOKEN_IF_NONE_MATCH,
                                                                  H2O_TOKEN_IF_MODIFIED_SINCE,
                                                                  H2O_TOKEN_IF_UNMODIFIED_SINCE,
                                                                  NULL};

static int request_shaped(const h2o_req_t *req)
{
    for (const h2o_token_t *const *t = fill_shaping_request_headers; *t != NULL; t++)
        if (h2o_find_header(&req->headers, *t, -1) >= 0)
            return 1;
    return 0;
}

/* An answer meant for one caller only, or not to be stored: Set-Cookie,
 * Cache-Control private / no-store, Vary: *. */
static int answer_private(const h2o_req_t *req)
{
    const h2o_headers_t *hs = &req->res.headers;
    if (h2o_find_header(hs, H2O_TOKEN_SET_COOKIE, -1) >= 0)
        return 1;
    for (ssize_t i = -1; (i = h2o_find_header(hs, H2O_TOKEN_CACHE_CONTROL, i)) >= 0;) {
        const h2o_iovec_t *v = &hs->entries[i].value;
        if (h2o_contains_token(v->base, v->len, H2O_STRLIT("private"), ',') ||
            h2o_contains_token(v->base, v->len, H2O_STRLIT("no-store"), ','))
            return 1;
    }
    for (ssize_t i = -1; (i = h2o_find_header(hs, H2O_TOKEN_VARY, i)) >= 0;)
        if (h2o_contains_token(hs->entries[i].value.base, hs->entries[i].value.len, H2O_STRLIT("*"),
                               ','))
            return 1;
    return 0;
}

/* Only complete 2xx answers (not 206) to plain requests, shared by all callers. */
static int head_cacheable(const h2o_req_t *req)
{
    return req->res.status >= 200 && req->res.status <= 299 && req->res.status != 206 &&
           (req->res.content_length == SIZE_MAX || req->res.content_length <= CACHE_MAX_BODY) &&
           !request_shaped(req) && !answer_private(req);
}

h2o_ostream_t **cache_fill_on_response(dp_request_t *r, h2o_ostream_t **slot)
{
    fill_watch_t *w = r->cache_fill;
    h2o_req_t *req = r->req;
    if (w->fill != NULL && head_cacheable(req)) {
        watch_keep_head(w, req);
        watch_ostream_t *o = (void *)h2o_add_ostream(req, sizeof(*o), slot);
        o->super.do_send = watch_do_send;
        o->watch = w;
        slot = &o->super.next;
    } else {
        watch_finish(w, 0); /* the waiters need not wait for this answer's end */
    }
    cache_fill_tag(req, 0, w->warn);
    return slot;
}

void cache_fill_watch(dp_request_t *r, cache_t *c, cache_fill_t *f, uint64_t ttl_ms, int warn)
{
    h2o_req_t *req = r->req;
    fill_watch_t *w = h2o_mem_alloc_shared(&req->pool, sizeof(*w), watch_dispose);
    memset(w, 0, sizeof(*w));
    cache_hold(c);
    w->cache = c;
    w->fill = f;
    w->ttl_ms = ttl_ms;
    w->warn = warn;
    r->cache_fill = w;
}

void cache_fill_tag(h2o_req_t *req, int hit, int warn)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT(CACHE_STATUS_HEADER), 0, NULL,
                          hit ? "HIT" : "MISS", hit ? 3 : 4);
    if (warn)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("warning"), 0, NULL,
                              H2O_STRLIT(CACHE_IGNORED_WARNING));
}
