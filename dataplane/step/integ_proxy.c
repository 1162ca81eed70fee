/* integ_proxy: HTTP_PROXY integrations. The client's method, path mapping,
 * query, headers and body go to the endpoint through the worker's keep-alive
 * pool; the endpoint's status, headers and body stream back unchanged. The
 * request building (integ_http_build) is shared with HTTP integrations
 * (integ_http.c), which send a rendered body instead. A
 * request that fails before any response byte arrived on a reused pooled
 * connection is retried once when it is idempotent (the endpoint may have
 * closed an idle connection as we picked it). */
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "canonpath.h"
#include "clock.h"
#include "gwresp.h"
#include "httpval.h"
#include "integ.h"
#include "integ_v2.h"
#include "log.h"
#include "mapping.h"
#include "pathtmpl.h"
#include "upstream_call.h"
#include "vtlreq.h"

typedef struct {
    h2o_generator_t super;
    dp_request_t *r;
    upstream_call_t call;
    h2o_buffer_t *last_content;
    h2o_doublebuffer_t sending;
    int had_body_error;
} proxy_t;

/* ---- building the upstream request ------------------------------------ */

/* h2o 2.2's pool serves blocks under 1 KiB from its recycled chunks and
 * mallocs (then frees) every bigger one: buffers start below that. */
#define PROXY_POOL_SMALL 1008

typedef struct {
    char *buf;
    size_t len, cap;
    h2o_mem_pool_t *pool;
} proxy_buf_t;

static void pb_put(proxy_buf_t *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n + 256;
        char *bigger = h2o_mem_alloc_pool(b->pool, cap);
        memcpy(bigger, b->buf, b->len);
        b->buf = bigger;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

#define PB_LIT(b, lit) pb_put((b), (lit), sizeof(lit) - 1)

/* A mapped value put into the path: '?' and '#' would end it, so they are
 * encoded; the rest is left to canonpath (which encodes what may not be raw
 * and refuses what cannot be made canonical). */
static const char *proxy_path_value(dp_request_t *r, const char *v, size_t *vlen)
{
    if (v == NULL || (memchr(v, '?', *vlen) == NULL && memchr(v, '#', *vlen) == NULL))
        return v;
    char *out = h2o_mem_alloc_pool(&r->req->pool, *vlen * 3 + 1), *o = out;
    for (size_t i = 0; i < *vlen; i++) {
        if (v[i] == '?' || v[i] == '#') {
            memcpy(o, v[i] == '?' ? "%3F" : "%23", 3);
            o += 3;
        } else {
            *o++ = v[i];
        }
    }
    *vlen = (size_t)(o - out);
    return out;
}

typedef struct {
    dp_request_t *r;
    const integ_http_req_t *spec;
} proxy_ctx_t;

/* {name} in the URI: a template's requestOverride.path.name, else
 * integration.request.path.name's source, else the route's own parameter. */
static const char *proxy_path_lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    proxy_ctx_t *pc = ctx;
    dp_request_t *r = pc->r;
    const rt_integration_t *in = r->method->integration;
    const rt_kv_t *o = pc->spec->vtl != NULL
                           ? vtlreq_override(pc->spec->vtl, VTLREQ_OVR_REQ_PATH, name, len)
                           : NULL;
    if (o != NULL) {
        *vlen = o->value_len;
        return proxy_path_value(r, o->value, vlen);
    }
    for (size_t i = 0; i < in->nrequest_params; i++) {
        const rt_mapping_t *m = &in->request_params[i];
        if (m->target.loc == PARAMS_LOC_PATH && m->target.name_len == len &&
            memcmp(m->target.name, name, len) == 0)
            return proxy_path_value(r, mapping_eval(r, &m->source, vlen), vlen);
    }
    return request_path_param(r, name, len, vlen);
}

static const char *proxy_var_lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    dp_request_t *r = ((proxy_ctx_t *)ctx)->r;
    return rt_vars_get(r->variables, name, len, vlen);
}

/* The URI template's path up to its first {param}, cut after the last '/'
 * before it, stage variables expanded, made canonical: what an expansion may
 * not climb out of. Empty when the path has no {param}. */
static h2o_iovec_t proxy_fixed_prefix(dp_request_t *r)
{
    const rt_integration_t *in = r->method->integration;
    const char *u = in->uri, *end = in->uri + in->uri_len;
    const char *scheme_end = memmem(u, in->uri_len, "://", 3);
    const char *p =
        scheme_end != NULL ? memchr(scheme_end + 3, '/', (size_t)(end - scheme_end - 3)) : NULL;
    for (const char *e = p; e != NULL && e < end; e++)
        if (*e == '?' || *e == '#')
            end = e; /* the path part only */
    const char *brace = p;
    while (brace != NULL && (brace = memchr(brace, '{', (size_t)(end - brace))) != NULL &&
           brace > p && brace[-1] == '$')
        brace++;
    if (p == NULL || brace == NULL)
        return h2o_iovec_init(NULL, 0);
    while (brace > p && brace[-1] != '/')
        brace--;
    h2o_iovec_t fixed = mapping_expand_vars(r, p, (size_t)(brace - p));
    size_t cap = canonpath_room(fixed.len), len;
    char *canon = h2o_mem_alloc_pool(&r->req->pool, cap);
    if (canonpath_normalize(fixed.base, fixed.len, canon, cap, &len) != CANONPATH_OK)
        return h2o_iovec_init(H2O_STRLIT("/")); /* the whole URI is refused below anyway */
    return h2o_iovec_init(canon, len);
}

/* Makes the upstream path canonical (its query kept) and checks that it
 * stays under the template's fixed prefix: a {proxy} value of "../admin"
 * must not reach the endpoint's /admin. -2: refused (400). */
static int proxy_canon_target(dp_request_t *r, h2o_url_t *url)
{
    size_t cap = canonpath_target_room(url->path.len), len, all;
    char *out = h2o_mem_alloc_pool(&r->req->pool, cap);
    int rc = canonpath_normalize_target(url->path.base, url->path.len, out, cap, &len, &all);
    if (rc != CANONPATH_OK) {
        log_debug("integration %s: upstream path: %s", r->request_id, canonpath_strerror(rc));
        return -2;
    }
    h2o_iovec_t prefix = proxy_fixed_prefix(r);
    if (!canonpath_within(out, len, prefix.base, prefix.len)) {
        log_warn("integration %s: the upstream path leaves the URI's prefix %.*s", r->request_id,
                 (int)prefix.len, prefix.base);
        return -2;
    }
    url->path = h2o_iovec_init(out, all);
    return 0;
}

static int proxy_target_url(dp_request_t *r, const integ_http_req_t *spec, h2o_url_t *url)
{
    proxy_ctx_t pc = {r, spec};
    const rt_integration_t *in = r->method->integration;
    if (in->target != NULL && r->method->v2 == NULL) { /* no placeholder: built once */
        *url = *in->target;
        return 0;
    }
    size_t cap = in->uri_len + r->path.len + 1;
    for (size_t i = 0; i < r->variables->n; i++)
        cap += r->variables->items[i].value_len;
    for (int i = 0; i < r->match.nparams; i++)
        cap += r->match.params[i].value_len;
    if (spec->vtl != NULL)
        for (size_t i = 0; i < spec->vtl->novr[VTLREQ_OVR_REQ_PATH]; i++)
            cap += spec->vtl->ovr[VTLREQ_OVR_REQ_PATH][i].value_len * 3;
    cap += 1024;
    /* most URLs fit a small block; the bound is only needed when one does not
     * (expansion fails only on truncation, and its lookups have no effects) */
    size_t first = cap < PROXY_POOL_SMALL ? cap : PROXY_POOL_SMALL;
    pathtmpl_buf_t out = {h2o_mem_alloc_pool(&r->req->pool, first), 0, first};
    int rc = pathtmpl_expand(in->uri, in->uri_len, proxy_path_lookup, proxy_var_lookup, &pc, &out);
    if (rc != 0 && first < cap) {
        out = (pathtmpl_buf_t){h2o_mem_alloc_pool(&r->req->pool, cap), 0, cap};
        rc = pathtmpl_expand(in->uri, in->uri_len, proxy_path_lookup, proxy_var_lookup, &pc, &out);
    }
    if (rc != 0 || h2o_url_parse(out.buf, out.len, url) != 0)
        return -1;
    if (r->method->v2 != NULL && integ_v2_path(r, url) != 0) /* HTTP APIs */
        return -2;
    return proxy_canon_target(r, url);
}

/* Request headers that do not go to the endpoint as the client sent them:
 * hop-by-hop ones and the ones this request sets itself. h2o interns the
 * names it knows (tokens), compared by address; the others by name. */
static int header_is_hop_by_hop(const h2o_iovec_t *name)
{
    static const h2o_token_t *const tokens[] = {
        H2O_TOKEN_CONNECTION,        H2O_TOKEN_KEEP_ALIVE, H2O_TOKEN_TE,
        H2O_TOKEN_TRANSFER_ENCODING, H2O_TOKEN_UPGRADE,    H2O_TOKEN_HOST,
        H2O_TOKEN_CONTENT_LENGTH,    H2O_TOKEN_EXPECT,     H2O_TOKEN_X_FORWARDED_FOR};
    static const char *const others[] = {"proxy-connection", "trailer", "x-forwarded-proto",
                                         "x-forwarded-port", NULL};
    if (h2o_iovec_is_token(name)) {
        for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
            if (name == &tokens[i]->buf)
                return 1;
        return 0;
    }
    for (const char *const *h = others; *h != NULL; h++)
        if (h2o_memis(name->base, name->len, *h, strlen(*h)))
            return 1;
    return 0;
}

static int header_is_mapped(const rt_integration_t *in, const integ_http_req_t *spec,
                            const h2o_iovec_t *name)
{
    if (spec->vtl != NULL &&
        vtlreq_override(spec->vtl, VTLREQ_OVR_REQ_HEADER, name->base, name->len) != NULL)
        return 1;
    if (spec->content_type.len > 0 && name == &H2O_TOKEN_CONTENT_TYPE->buf)
        return 1;
    for (size_t i = 0; i < in->nrequest_params; i++) {
        const rt_mapping_t *m = &in->request_params[i];
        if (m->target.loc == PARAMS_LOC_HEADER &&
            h2o_lcstris(m->target.name, m->target.name_len, name->base, name->len))
            return 1;
    }
    return 0;
}

static void proxy_put_pair(dp_request_t *r, proxy_buf_t *b, int *has_query, const char *name,
                           size_t name_len, const char *v, size_t vlen)
{
    pb_put(b, *has_query ? "&" : "?", 1);
    h2o_iovec_t enc = h2o_uri_escape(&r->req->pool, name, name_len, NULL);
    pb_put(b, enc.base, enc.len);
    pb_put(b, "=", 1);
    enc = h2o_uri_escape(&r->req->pool, v, vlen, NULL);
    pb_put(b, enc.base, enc.len);
    *has_query = 1;
}

static void proxy_put_query(dp_request_t *r, const integ_http_req_t *spec, proxy_buf_t *b,
                            const h2o_url_t *url)
{
    const rt_integration_t *in = r->method->integration;
    const vtlreq_t *vtl = spec->vtl;
    int has_query = memchr(url->path.base, '?', url->path.len) != NULL;
    if (r->method->v2 != NULL) { /* HTTP APIs: the client's query, mapped */
        h2o_iovec_t q = integ_v2_query(r, has_query);
        pb_put(b, q.base, q.len);
        return;
    }
    if (spec->pass_client && r->query.len > 0) {
        pb_put(b, has_query ? "&" : "?", 1);
        pb_put(b, r->query.base, r->query.len);
        has_query = 1;
    }
    for (size_t i = 0; i < in->nrequest_params; i++) {
        const rt_mapping_t *m = &in->request_params[i];
        size_t vlen;
        const char *v;
        if (m->target.loc != PARAMS_LOC_QUERYSTRING ||
            (vtl != NULL && vtlreq_override(vtl, VTLREQ_OVR_REQ_QUERY, m->target.name,
                                            m->target.name_len) != NULL) ||
            (v = mapping_eval(r, &m->source, &vlen)) == NULL)
            continue;
        proxy_put_pair(r, b, &has_query, m->target.name, m->target.name_len, v, vlen);
    }
    for (size_t i = 0; vtl != NULL && i < vtl->novr[VTLREQ_OVR_REQ_QUERY]; i++) {
        const rt_kv_t *o = &vtl->ovr[VTLREQ_OVR_REQ_QUERY][i];
        if (vtlreq_override(vtl, VTLREQ_OVR_REQ_QUERY, o->key, o->key_len) == o)
            proxy_put_pair(r, b, &has_query, o->key, o->key_len, o->value, o->value_len);
    }
}

/* Our traceparent (the client's trace continued, or a new one) and, on a
 * tracing stage, the X-Amzn-Trace-Id we started (a client's own one went
 * through with the other headers). */
static void proxy_put_trace(dp_request_t *r, proxy_buf_t *b)
{
    char parent[TRACE_PARENT_LEN + 1];
    trace_format_parent(&r->trace, parent);
    PB_LIT(b, "\r\ntraceparent: ");
    pb_put(b, parent, TRACE_PARENT_LEN);
    h2o_iovec_t amzn = request_trace_amzn(r);
    if (amzn.len > 0 && !r->trace.amzn_carried) {
        PB_LIT(b, "\r\nx-amzn-trace-id: ");
        pb_put(b, amzn.base, amzn.len);
    }
}

/* A header the request sets: checked (httpval.h) before it is written. */
static int proxy_put_header(dp_request_t *r, proxy_buf_t *b, const char *name, size_t name_len,
                            const char *v, size_t vlen)
{
    if (httpval_header(name, name_len, v, vlen) != 0) {
        log_warn("integration %s: refused: mapped header %.*s is not a valid HTTP header",
                 r->request_id, (int)name_len, name);
        return -1;
    }
    pb_put(b, name, name_len);
    PB_LIT(b, ": ");
    pb_put(b, v, vlen);
    PB_LIT(b, "\r\n");
    return 0;
}

/* The client's headers (HTTP_PROXY only), the mapped ones, the ones a
 * template set in requestOverride.header, and the Content-Type of a rendered body. */
static int proxy_put_set_headers(dp_request_t *r, const integ_http_req_t *spec, proxy_buf_t *b)
{
    const rt_integration_t *in = r->method->integration;
    const vtlreq_t *vtl = spec->vtl;
    for (size_t i = 0; i < in->nrequest_params; i++) {
        const rt_mapping_t *m = &in->request_params[i];
        size_t vlen;
        const char *v;
        if (m->target.loc != PARAMS_LOC_HEADER ||
            (vtl != NULL && vtlreq_override(vtl, VTLREQ_OVR_REQ_HEADER, m->target.name,
                                            m->target.name_len) != NULL) ||
            (v = mapping_eval(r, &m->source, &vlen)) == NULL)
            continue;
        if (proxy_put_header(r, b, m->target.name, m->target.name_len, v, vlen) != 0)
            return -1;
    }
    for (size_t i = 0; vtl != NULL && i < vtl->novr[VTLREQ_OVR_REQ_HEADER]; i++) {
        const rt_kv_t *o = &vtl->ovr[VTLREQ_OVR_REQ_HEADER][i];
        if (vtlreq_override(vtl, VTLREQ_OVR_REQ_HEADER, o->key, o->key_len) == o &&
            proxy_put_header(r, b, o->key, o->key_len, o->value, o->value_len) != 0)
            return -1;
    }
    if (spec->content_type.len > 0 &&
        proxy_put_header(r, b, H2O_STRLIT("content-type"), spec->content_type.base,
                         spec->content_type.len) != 0)
        return -1;
    return 0;
}

static int proxy_put_headers(dp_request_t *r, const integ_http_req_t *spec, proxy_buf_t *b)
{
    const rt_integration_t *in = r->method->integration;
    const h2o_headers_t *hs = &r->req->headers;
    h2o_iovec_t xff = {NULL, 0};
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        if (h2o_memis(h->name->base, h->name->len, H2O_STRLIT("x-forwarded-for")))
            xff = h->value;
        if (!spec->pass_client || header_is_hop_by_hop(h->name) ||
            header_is_mapped(in, spec, h->name) ||
            (r->method->v2 != NULL && integ_v2_header_mapped(r, h->name)) ||
            h2o_memis(h->name->base, h->name->len, H2O_STRLIT("traceparent")))
            continue;
        pb_put(b, h->orig_name != NULL ? h->orig_name : h->name->base, h->name->len);
        PB_LIT(b, ": ");
        pb_put(b, h->value.base, h->value.len);
        PB_LIT(b, "\r\n");
    }
    if (proxy_put_set_headers(r, spec, b) != 0)
        return -1;
    if (r->method->v2 != NULL) { /* HTTP APIs: the mapped headers */
        h2o_iovec_t mapped = integ_v2_headers(r);
        if (mapped.base == NULL)
            return -1;
        pb_put(b, mapped.base, mapped.len);
    }
    size_t iplen;
    const char *ip = mapping_context_value(r, CTXVAR_IDENTITY_SOURCE_IP, &iplen);
    PB_LIT(b, "x-forwarded-for: ");
    if (xff.len > 0) {
        pb_put(b, xff.base, xff.len);
        PB_LIT(b, ", ");
    }
    if (ip != NULL)
        pb_put(b, ip, iplen);
    PB_LIT(b, "\r\nx-forwarded-proto: ");
    pb_put(b, r->req->scheme->name.base, r->req->scheme->name.len);
    PB_LIT(b, "\r\nx-amzn-requestid: ");
    pb_put(b, r->request_id, 36);
    proxy_put_trace(r, b);
    PB_LIT(b, "\r\n");
    return 0;
}

/* The request line's pieces and the Host (stage variables may be in it). */
static int proxy_line_invalid(dp_request_t *r, const h2o_url_t *url, h2o_iovec_t method)
{
    if (httpval_method(method.base, method.len) == 0 &&
        httpval_target(url->path.base, url->path.len) == 0 &&
        httpval_authority(url->authority.base, url->authority.len) == 0)
        return 0;
    log_warn("integration %s: refused: the upstream request line or Host is not valid HTTP",
             r->request_id);
    return 1;
}

static h2o_iovec_t proxy_build_request(dp_request_t *r, const integ_http_req_t *spec,
                                       const h2o_url_t *url, h2o_iovec_t method)
{
    proxy_buf_t b = {h2o_mem_alloc_pool(&r->req->pool, PROXY_POOL_SMALL), 0, PROXY_POOL_SMALL,
                     &r->req->pool};
    pb_put(&b, method.base, method.len);
    PB_LIT(&b, " ");
    pb_put(&b, url->path.base, url->path.len);
    proxy_put_query(r, spec, &b, url);
    PB_LIT(&b, " HTTP/1.1\r\nconnection: keep-alive\r\nhost: ");
    pb_put(&b, url->authority.base, url->authority.len);
    PB_LIT(&b, "\r\n");
    if (spec->body.base != NULL || h2o_memis(method.base, method.len, H2O_STRLIT("POST")) ||
        h2o_memis(method.base, method.len, H2O_STRLIT("PUT")) ||
        h2o_memis(method.base, method.len, H2O_STRLIT("PATCH"))) {
        char cl[48];
        int n = snprintf(cl, sizeof(cl), "content-length: %zu\r\n", spec->body.len);
        pb_put(&b, cl, (size_t)n);
    }
    if (proxy_put_headers(r, spec, &b) != 0)
        return h2o_iovec_init(NULL, 0);
    PB_LIT(&b, "\r\n");
    return h2o_iovec_init(b.buf, b.len);
}

/* ---- streaming the response back --------------------------------------- */

static void proxy_do_send(proxy_t *p)
{
    h2o_iovec_t vec;
    h2o_send_state_t state;
    h2o_http1client_t *client = p->call.client;
    vec = h2o_doublebuffer_prepare(&p->sending,
                                   client != NULL ? &client->sock->input : &p->last_content,
                                   p->r->req->preferred_chunk_size);
    if (client == NULL && vec.len == p->sending.buf->size && p->last_content->size == 0) {
        state = p->had_body_error ? H2O_SEND_STATE_ERROR : H2O_SEND_STATE_FINAL;
        h2o_send(p->r->req, &vec, vec.len != 0 ? 1 : 0, state);
        return;
    }
    if (vec.len == 0)
        return;
    h2o_send(p->r->req, &vec, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void proxy_on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    proxy_t *p = (proxy_t *)g;
    h2o_doublebuffer_consume(&p->sending);
    proxy_do_send(p);
}

static void proxy_on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    proxy_t *p = (proxy_t *)g;
    upstream_call_cancel(&p->call);
}

static int proxy_on_body(h2o_http1client_t *client, const char *errstr)
{
    proxy_t *p = ((upstream_call_t *)client->data)->data;
    if (errstr != NULL) {
        /* keep what was read; the client object goes away when we return */
        h2o_buffer_t *tmp = p->last_content;
        p->last_content = client->sock->input;
        client->sock->input = tmp;
        p->call.client = NULL;
        if (!upstream_call_is_eos(errstr)) {
            log_debug("integration %s: body: %s", p->r->request_id, errstr);
            p->had_body_error = 1;
        }
    }
    if (p->sending.bytes_inflight == 0)
        proxy_do_send(p);
    return 0;
}

/* Response headers that do not go back to the client: hop-by-hop ones
 * (h2o's token flag for a proxy's response, and the names it does not
 * intern) and the ones h2o writes itself. */
static int response_header_dropped(const h2o_iovec_t *name)
{
    static const h2o_iovec_t drop[] = {{H2O_STRLIT("proxy-connection")},
                                       {H2O_STRLIT("te")},
                                       {H2O_STRLIT("trailer")},
                                       {H2O_STRLIT("content-length")},
                                       {H2O_STRLIT("server")}};
    if (h2o_iovec_is_token(name) && ((const h2o_token_t *)name)->proxy_should_drop_for_res)
        return 1;
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        if (h2o_memis(name->base, name->len, drop[i].base, drop[i].len))
            return 1;
    return 0;
}

static void proxy_on_fail(upstream_call_t *c, enum upstream_call_error e, const char *errstr)
{
    proxy_t *p = c->data;
    p->r->integ_ended_us = clock_mono_us();
    log_debug("integration %s: %s", p->r->request_id, errstr);
    gwresp_send(p->r, upstream_call_gw_case(e));
}

static int proxy_has_header(const h2o_header_t *headers, size_t n, const h2o_token_t *token)
{
    for (size_t i = 0; i < n; i++)
        if (headers[i].name == &token->buf)
            return 1;
    return 0;
}

static int proxy_name_is_token(const h2o_iovec_t *name)
{
    return h2o_iovec_is_token(name) && name->base[0] != ':';
}

/* The endpoint's status, reason and headers are copied to the client: each
 * must be writable; several Content-Length values must agree, and
 * Content-Length beside Transfer-Encoding is refused (RFC 9112 section 6.3:
 * a sign of request smuggling; nginx refuses such an answer with 502). */
static int proxy_head_invalid(dp_request_t *r, int status, h2o_iovec_t msg,
                              const h2o_header_t *headers, size_t n)
{
    size_t length = SIZE_MAX;
    int bad = httpval_status(status) != 0 || httpval_header_value(msg.base, msg.len) != 0;
    for (size_t i = 0; i < n && !bad; i++) {
        const h2o_header_t *h = &headers[i];
        /* names h2o interned are valid tokens, but for its pseudo-headers */
        bad = proxy_name_is_token(h->name)
                  ? httpval_header_value(h->value.base, h->value.len) != 0
                  : httpval_header(h->name->base, h->name->len, h->value.base, h->value.len) != 0;
        if (!bad && h->name == &H2O_TOKEN_CONTENT_LENGTH->buf) {
            size_t v = h2o_strtosize(h->value.base, h->value.len);
            bad = v == SIZE_MAX || (length != SIZE_MAX && v != length);
            length = v;
        }
    }
    if (length != SIZE_MAX && proxy_has_header(headers, n, H2O_TOKEN_TRANSFER_ENCODING))
        bad = 1;
    if (bad)
        log_warn("integration %s: refused: the endpoint's answer head is not valid HTTP",
                 r->request_id);
    return bad;
}

static h2o_http1client_body_cb proxy_on_head(upstream_call_t *c, int status, h2o_iovec_t msg,
                                             h2o_header_t *headers, size_t num_headers, int eos)
{
    proxy_t *p = c->data;
    dp_request_t *r = p->r;
    h2o_req_t *req = r->req;
    r->integ_ended_us = clock_mono_us();
    r->integ_status = status;
    if (proxy_head_invalid(r, status, msg, headers, num_headers)) {
        c->client = NULL; /* h2o closes the connection when we return NULL */
        gwresp_send(r, GW_INTEGRATION_BAD_ANSWER);
        return NULL;
    }
    req->res.status = status;
    req->res.reason = h2o_strdup(&req->pool, msg.base, msg.len).base;
    int chunked = proxy_has_header(headers, num_headers, H2O_TOKEN_TRANSFER_ENCODING);
    for (size_t i = 0; i < num_headers; i++) {
        const h2o_iovec_t *name = headers[i].name;
        if (h2o_memis(name->base, name->len, H2O_STRLIT("content-length"))) {
            /* with Transfer-Encoding, h2o decoded the body and its length is
             * unknown: a Content-Length from the endpoint would be wrong */
            if (!chunked)
                req->res.content_length =
                    h2o_strtosize(headers[i].value.base, headers[i].value.len);
            continue;
        }
        if (response_header_dropped(name))
            continue;
        /* upstream_call interned the names h2o knows: those stay interned
         * (static), the others are copied, as is every value */
        h2o_iovec_t v = h2o_strdup(&req->pool, headers[i].value.base, headers[i].value.len);
        if (h2o_iovec_is_token(name)) {
            h2o_add_header(&req->pool, &req->res.headers, (const h2o_token_t *)name,
                           headers[i].orig_name, v.base, v.len);
            continue;
        }
        h2o_iovec_t n = h2o_strdup(&req->pool, name->base, name->len);
        h2o_add_header_by_str(&req->pool, &req->res.headers, n.base, n.len, 0, headers[i].orig_name,
                              v.base, v.len);
    }
    if (r->method->v2 != NULL) /* HTTP APIs: responseParameters for this status */
        integ_v2_response(r);
    h2o_start_response(req, &p->super);
    if (eos) {
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return NULL;
    }
    return proxy_on_body;
}

static void proxy_dispose(void *arg)
{
    proxy_t *p = arg;
    upstream_call_cancel(&p->call);
    h2o_buffer_dispose(&p->last_content);
    h2o_doublebuffer_dispose(&p->sending);
}

int integ_method_is_idempotent(h2o_iovec_t m)
{
    static const h2o_iovec_t safe[] = {{H2O_STRLIT("GET")},
                                       {H2O_STRLIT("HEAD")},
                                       {H2O_STRLIT("OPTIONS")},
                                       {H2O_STRLIT("PUT")},
                                       {H2O_STRLIT("DELETE")}};
    for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
        if (h2o_memis(m.base, m.len, safe[i].base, safe[i].len))
            return 1;
    return 0;
}

int integ_http_build(dp_request_t *r, const integ_http_req_t *spec, h2o_url_t *url,
                     h2o_iovec_t *method, h2o_iovec_t *head)
{
    const rt_integration_t *in = r->method->integration;
    int rc = proxy_target_url(r, spec, url);
    *method = in->http_method != NULL ? h2o_iovec_init(in->http_method, strlen(in->http_method))
                                      : r->req->method;
    if (rc == -2)
        return GW_BAD_REQUEST;
    if (rc != 0 || url->host.len == 0 || proxy_line_invalid(r, url, *method))
        return GW_API_CONFIGURATION_ERROR;
    *head = proxy_build_request(r, spec, url, *method);
    return head->base == NULL ? GW_API_CONFIGURATION_ERROR : -1;
}

enum step_result integ_proxy_run(dp_request_t *r)
{
    const rt_integration_t *in = r->method->integration;
    integ_http_req_t spec = {.pass_client = 1, .body = r->req->entity};
    h2o_url_t url;
    h2o_iovec_t method, head;
    int fail = integ_http_build(r, &spec, &url, &method, &head);
    if (fail >= 0) {
        gwresp_send(r, (enum gwresp_case)fail);
        return STEP_DONE;
    }
    proxy_t *p = h2o_mem_alloc_shared(&r->req->pool, sizeof(*p), proxy_dispose);
    memset(p, 0, sizeof(*p));
    p->super.proceed = proxy_on_proceed;
    p->super.stop = proxy_on_stop;
    p->r = r;
    p->call.bufs[0] = head;
    p->call.bufs[1] = r->req->entity;
    p->call.is_head = h2o_memis(method.base, method.len, H2O_STRLIT("HEAD"));
    p->call.may_retry = integ_method_is_idempotent(method);
    p->call.on_head = proxy_on_head;
    p->call.on_fail = proxy_on_fail;
    p->call.data = p;
    h2o_buffer_init(&p->last_content, &h2o_socket_buffer_prototype);
    h2o_doublebuffer_init(&p->sending, &h2o_socket_buffer_prototype);
    r->integ_started_us = clock_mono_us();
    upstream_call_start(&p->call, &r->thread->upstream, &url, in->timeout_ms);
    return STEP_PENDING;
}
