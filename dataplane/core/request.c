/* request: request lifetime (lease on the runtime, in-flight count) and
 * lookups the steps share. */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "httpval.h"
#include "log.h"
#include "policy.h"
#include "query.h"
#include "runtime.h"

static void request_lease_release(dp_lease_t *lease)
{
    if (lease != NULL && --lease->refs == 0) {
        runtime_release(lease->rt);
        free(lease);
    }
}

/* digits lower-case hex digits of v (the low ones), at out; past them. */
static char *request_hex(char *out, uint64_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--) {
        out[i] = hex[v & 0xf];
        v >>= 4;
    }
    return out + digits;
}

/* A version 4 UUID, 8-4-4-4-12, without snprintf (one per request). */
static void request_id(dp_thread_t *t, char out[37])
{
    uint64_t a = rng_next(&t->rng), b = rng_next(&t->rng);
    a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char *p = request_hex(out, a >> 32, 8);
    *p++ = '-';
    p = request_hex(p, a >> 16, 4);
    *p++ = '-';
    p = request_hex(p, a, 4);
    *p++ = '-';
    p = request_hex(p, b >> 48, 4);
    *p++ = '-';
    p = request_hex(p, b, 12);
    *p = '\0';
}

void request_init(dp_request_t *r, h2o_req_t *req, dp_thread_t *t)
{
    memset(r, 0, sizeof(*r));
    r->req = req;
    r->thread = t;
    r->started_us = clock_mono_us();
    r->started_wall_ms = clock_wall_ms();
    request_id(t, r->request_id);
    trace_begin(&r->trace, &t->rng, &req->headers);
    t->inflight++;
}

int request_lease(dp_request_t *r)
{
    dp_thread_t *t = r->thread;
    if (t->lease == NULL)
        return -1;
    r->lease = t->lease;
    r->lease->refs++;
    r->rt = r->lease->rt;
    return 0;
}

void request_dispose(dp_request_t *r)
{
    dp_thread_t *t = r->thread;
    request_lease_release(r->lease);
    if (--t->inflight == 0 && t->draining)
        t->done = 1;
}

h2o_iovec_t request_trace_amzn(dp_request_t *r)
{
    trace_t *tr = &r->trace;
    if (tr->amzn_resolved || r->stage == NULL)
        return tr->amzn;
    tr->amzn_resolved = 1;
    if (!r->stage->tracing_enabled)
        return tr->amzn;
    return trace_start_amzn(tr, r->started_wall_ms, &r->thread->rng, &r->req->pool);
}

void request_add_common_headers(dp_request_t *r)
{
    h2o_req_t *req = r->req;
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-requestid"), 0, NULL,
                          r->request_id, 36);
    h2o_iovec_t amzn = request_trace_amzn(r);
    if (amzn.len > 0)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-trace-id"), 0, NULL,
                              amzn.base, amzn.len);
}

int request_add_response_header(dp_request_t *r, const char *name, size_t name_len,
                                const char *value, size_t value_len)
{
    h2o_mem_pool_t *pool = &r->req->pool;
    if (httpval_header(name, name_len, value, value_len) != 0) {
        log_warn("request %s: refused response header %.*s: not a valid HTTP header", r->request_id,
                 (int)(name_len < 64 ? name_len : 64), name);
        return -1;
    }
    h2o_iovec_t lc = h2o_strdup(pool, name, name_len);
    h2o_strtolower(lc.base, lc.len);
    const char *orig = h2o_strdup(pool, name, name_len).base;
    h2o_add_header_by_str(pool, &r->req->res.headers, lc.base, lc.len, 1, orig, value, value_len);
    return 0;
}

const char *request_path_param(const dp_request_t *r, const char *name, size_t len, size_t *vlen)
{
    for (int i = 0; i < r->match.nparams; i++) {
        const router_param_t *p = &r->match.params[i];
        if (p->name_len == len && memcmp(p->name, name, len) == 0) {
            *vlen = p->value_len;
            return p->value;
        }
    }
    return NULL;
}

const char *request_header(const dp_request_t *r, const char *name, size_t len, size_t *vlen)
{
    const h2o_headers_t *hs = &r->req->headers;
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        /* h2o_lcstris lower-cases its first argument only; h2o's names are lower case */
        if (h->name->len == len && h2o_lcstris(name, len, h->name->base, len)) {
            *vlen = h->value.len;
            return h->value.base;
        }
    }
    return NULL;
}

const char *request_query_param(const dp_request_t *r, const char *name, size_t len, size_t *vlen)
{
    query_iter_t it;
    query_pair_t q;
    query_iter_init(&it, r->query.base, r->query.len);
    while (query_next(&it, &q)) {
        if (q.name_len == len && memcmp(q.name, name, len) == 0) {
            *vlen = q.value_len;
            return q.value;
        }
    }
    return NULL;
}

const netaddr_cidr_t *request_source_ip(dp_request_t *r)
{
    struct sockaddr_storage ss;
    socklen_t len = r->req->conn->callbacks->get_peername(r->req->conn, (void *)&ss);
    netaddr_cidr_t *ip = h2o_mem_alloc_pool(&r->req->pool, sizeof(*ip));
    if (len == 0 || netaddr_cidr_from_sockaddr(&ss, ip) != 0)
        return NULL;
    return ip;
}

h2o_iovec_t request_method_arn(dp_request_t *r)
{
    size_t cap =
        128 + strlen(r->stage->api_id) + strlen(r->stage->name) + r->req->method.len + r->path.len;
    char *buf = h2o_mem_alloc_pool(&r->req->pool, cap);
    int n = policy_method_arn(buf, cap, r->stage->api_id, r->stage->name, r->req->method.base,
                              r->req->method.len, r->path.base, r->path.len);
    return h2o_iovec_init(buf, n > 0 ? (size_t)n : 0);
}

const rt_kv_t *request_accept_template(const dp_request_t *r, const rt_kv_t *templates, size_t n)
{
    if (n == 0)
        return NULL;
    size_t alen;
    const char *accept = request_header(r, H2O_STRLIT("accept"), &alen);
    const rt_kv_t *json = NULL;
    for (size_t i = 0; i < n; i++) {
        const rt_kv_t *t = &templates[i];
        if (accept != NULL && memmem(accept, alen, t->key, t->key_len) != NULL)
            return t;
        if (t->key_len == 16 && memcmp(t->key, "application/json", 16) == 0)
            json = t;
    }
    return json != NULL ? json : &templates[0];
}
