/* h1conn: the HTTP/1.1 server connection (see h1conn.h): reading and
 * framing requests, running them in order, writing the responses. */
#include "h1conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <h2o/http2.h>

#include "h1frame.h"

typedef enum {
    H1CONN_HEAD,     /* reading a request head (the request timeout runs) */
    H1CONN_BODY,     /* reading its entity (the request timeout runs) */
    H1CONN_CONTINUE, /* writing "100 Continue" */
    H1CONN_BUSY,     /* the request runs; its response is being written */
    H1CONN_CLOSING,  /* an error answer is being written, then the socket closes */
} h1conn_state_t;

typedef struct h1conn {
    h2o_conn_t super;
    h2o_socket_t *sock;
    h2o_linklist_t link; /* in ctx->http1._conns */
    h2o_timeout_entry_t timeout_entry;
    uint64_t req_index;
    size_t prevreqlen;
    size_t reqsize;       /* the request's bytes (head, then entity) at the input's start */
    h2o_buffer_t *reqbuf; /* once the request runs: the buffer holding it (owned) */
    h1conn_state_t state;
    unsigned peer_eof : 1; /* the client sent no more (reading stopped) */
    unsigned paused : 1;   /* reading stopped: H1CONN_MAX_PENDING bytes wait */
    unsigned sent_head : 1;
    unsigned chunked : 1;
    size_t content_length;
    h1frame_chunked_t chunks;
    h2o_ostream_t ostr;
    struct {
        h2o_http1_upgrade_cb cb;
        void *data;
    } upgrade;
    h2o_req_t req; /* last: large, with its own constructor */
} h1conn_t;

static void h1conn_on_read(h2o_socket_t *sock, const char *err);
static void h1conn_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                           h2o_send_state_t state);
static int h1conn_read_head(h1conn_t *c);

/* ---- the connection's life ------------------------------------------------------------- */

static void h1conn_init_request(h1conn_t *c)
{
    h2o_init_request(&c->req, &c->super, NULL);
    c->req_index++;
    c->req._ostr_top = &c->ostr;
    c->ostr.do_send = h1conn_do_send;
    c->sent_head = 0;
}

static void h1conn_release_reqbuf(h1conn_t *c)
{
    if (c->reqbuf != NULL)
        h2o_buffer_dispose(&c->reqbuf);
    c->reqbuf = NULL;
}

/* Frees the connection; closes the socket unless it was handed over. */
static void h1conn_close(h1conn_t *c, int close_socket)
{
    h2o_timeout_unlink(&c->timeout_entry);
    h2o_dispose_request(&c->req);
    h1conn_release_reqbuf(c);
    if (c->sock != NULL && close_socket)
        h2o_socket_close(c->sock);
    h2o_linklist_unlink(&c->link);
    free(c);
}

static void h1conn_on_timeout(h2o_timeout_entry_t *entry)
{
    h1conn_t *c = H2O_STRUCT_FROM_MEMBER(h1conn_t, timeout_entry, entry);
    c->req.http1_is_persistent = 0;
    h1conn_close(c, 1);
}

static void h1conn_stop_timeout(h1conn_t *c)
{
    h2o_timeout_unlink(&c->timeout_entry);
}

static void h1conn_start_timeout(h1conn_t *c)
{
    h2o_timeout_unlink(&c->timeout_entry);
    h2o_timeout_link(c->super.ctx->loop, &c->super.ctx->http1.req_timeout, &c->timeout_entry);
}

/* The request is complete in sock->input[0, reqsize): that buffer goes with
 * the request (its bytes must not move) and the socket reads on into a fresh
 * one, which starts with whatever followed the request. */
static void h1conn_hold_request(h1conn_t *c)
{
    h2o_buffer_t *in = c->sock->input;
    size_t rest = in->size - c->reqsize;
    assert(c->reqbuf == NULL && c->reqsize <= in->size);
    c->reqbuf = in;
    h2o_buffer_init(&c->sock->input, in->_prototype);
    if (rest == 0)
        return;
    h2o_iovec_t dst = h2o_buffer_reserve(&c->sock->input, rest);
    if (dst.base == NULL)
        h2o_fatal("out of memory");
    memcpy(dst.base, in->bytes + c->reqsize, rest);
    c->sock->input->size = rest;
    in->size = c->reqsize;
}

static void h1conn_run(h1conn_t *c)
{
    h1conn_stop_timeout(c);
    c->state = H1CONN_BUSY;
    h1conn_hold_request(c);
    h2o_process_request(&c->req);
}

/* An error answer that ends the connection, as h2o gives it (reading stops:
 * nothing more from this client is looked at). */
static void h1conn_send_error(h1conn_t *c, int status, const char *reason, const char *body)
{
    h1conn_stop_timeout(c);
    h2o_socket_read_stop(c->sock);
    c->state = H1CONN_CLOSING;
    c->req.http1_is_persistent = 0;
    if (status == 400)
        c->super.ctx->emitted_error_status[H2O_STATUS_ERROR_400]++;
    else if (status == 413)
        c->super.ctx->emitted_error_status[H2O_STATUS_ERROR_413]++;
    h2o_send_error_generic(&c->req, status, reason, body, H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
}

static void h1conn_on_bad_request_sent(h2o_socket_t *sock, const char *err)
{
    (void)err;
    h1conn_close(sock->data, 1);
}

/* A head that cannot be parsed: h2o's fixed 400, then close. */
static void h1conn_send_bad_request(h1conn_t *c)
{
    static const h2o_iovec_t resp = {H2O_STRLIT("HTTP/1.1 400 Bad Request\r\n"
                                                "Content-Type: text/plain; charset=utf-8\r\n"
                                                "Connection: close\r\n"
                                                "Content-Length: 11\r\n"
                                                "\r\n"
                                                "Bad Request")};
    h1conn_stop_timeout(c);
    h2o_socket_read_stop(c->sock);
    c->state = H1CONN_CLOSING;
    h2o_socket_write(c->sock, (h2o_iovec_t *)&resp, 1, h1conn_on_bad_request_sent);
}

/* "PRI * HTTP/2": the socket goes to h2o's HTTP/2 server, bytes and all. */
static void h1conn_to_http2(h1conn_t *c)
{
    h2o_accept_ctx_t actx = {c->super.ctx, c->super.hosts};
    h2o_socket_t *sock = c->sock;
    struct timeval connected_at = c->super.connected_at;
    c->sock = NULL;
    h1conn_close(c, 0);
    h2o_http2_accept(&actx, sock, connected_at);
}

/* ---- the entity ------------------------------------------------------------------------ */

/* Each returns 0 while more bytes are needed, 1 otherwise (the request runs
 * or an error is answered). */
static int h1conn_read_entity(h1conn_t *c)
{
    h2o_buffer_t *in = c->sock->input;
    if (!c->chunked) {
        if (in->size < c->reqsize)
            return 0;
        c->req.entity =
            h2o_iovec_init(in->bytes + c->reqsize - c->content_length, c->content_length);
        h1conn_run(c);
        return 1;
    }
    size_t end = 0, head_len = c->reqsize;
    int r = h1frame_chunked_feed(&c->chunks, in->bytes, &in->size, head_len,
                                 c->super.ctx->globalconf->max_request_entity_size, &end);
    if (r == 0)
        return 0;
    if (r == 413)
        h1conn_send_error(c, 413, "Request Entity Too Large", "request entity is too large");
    else if (r == 400)
        h1conn_send_error(c, 400, "Invalid Request", "broken chunked-encoding");
    else {
        c->req.entity = h2o_iovec_init(in->bytes + head_len, end - head_len);
        c->reqsize = end;
        h1conn_run(c);
    }
    return 1;
}

static void h1conn_on_continue_sent(h2o_socket_t *sock, const char *err)
{
    h1conn_t *c = sock->data;
    if (err != NULL) {
        h1conn_close(c, 1);
        return;
    }
    c->state = H1CONN_BODY;
    if (c->paused && !c->peer_eof) {
        c->paused = 0;
        h2o_socket_read_start(c->sock, h1conn_on_read);
    }
    if (h1conn_read_entity(c) == 0 && c->peer_eof)
        h1conn_close(c, 1);
}

/* The head announced an entity (headers already copied to the pool). */
static int h1conn_start_entity(h1conn_t *c, const struct phr_header *entity_header,
                               h2o_iovec_t expect)
{
    c->req.timestamps.request_body_begin_at = *h2o_get_timestamp(c->super.ctx, NULL, NULL);
    if (expect.base != NULL && !h2o_lcstris(expect.base, expect.len, H2O_STRLIT("100-continue"))) {
        h1conn_stop_timeout(c);
        h2o_socket_read_stop(c->sock);
        c->state = H1CONN_CLOSING;
        h2o_send_error_417(&c->req, "Expectation Failed", "unknown expectation",
                           H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
        return 1;
    }
    h1frame_entity_t e;
    h1frame_entity(entity_header, c->super.ctx->globalconf->max_request_entity_size, &e);
    if (e.status != 0) {
        h1conn_send_error(c, e.status, e.reason, e.body);
        return 1;
    }
    c->chunked = (unsigned)e.chunked;
    c->content_length = e.content_length;
    if (e.chunked)
        h1frame_chunked_init(&c->chunks, c->reqsize);
    else
        c->reqsize += e.content_length;
    c->state = H1CONN_BODY;
    if (expect.base != NULL) {
        static const h2o_iovec_t res = {H2O_STRLIT("HTTP/1.1 100 Continue\r\n\r\n")};
        c->state = H1CONN_CONTINUE;
        h2o_socket_write(c->sock, (h2o_iovec_t *)&res, 1, h1conn_on_continue_sent);
        return 1;
    }
    return h1conn_read_entity(c);
}

/* ---- the head -------------------------------------------------------------------------- */

typedef struct {
    h2o_iovec_t connection, host, upgrade, expect;
    ssize_t entity_index;
} h1conn_special_t;

static void h1conn_special_header(h1conn_special_t *s, const h2o_token_t *t,
                                  const struct phr_header *src, size_t i)
{
    h2o_iovec_t v = h2o_iovec_init(src->value, src->value_len);
    if (t == H2O_TOKEN_HOST)
        s->host = v;
    else if (t == H2O_TOKEN_CONTENT_LENGTH) {
        if (s->entity_index == -1)
            s->entity_index = (ssize_t)i;
    } else if (t == H2O_TOKEN_TRANSFER_ENCODING)
        s->entity_index = (ssize_t)i;
    else if (t == H2O_TOKEN_EXPECT)
        s->expect = v;
    else if (t == H2O_TOKEN_UPGRADE)
        s->upgrade = v;
}

/* h2o's init_headers: lower-cased names with tokens, the original case kept. */
static void h1conn_add_headers(h1conn_t *c, struct phr_header *src, size_t n, h1conn_special_t *s)
{
    h2o_mem_pool_t *pool = &c->req.pool;
    h2o_headers_t *headers = &c->req.headers;
    if (n != 0)
        h2o_vector_reserve(pool, headers, n);
    for (size_t i = 0; i < n; i++) {
        char orig[src[i].name_len + 1]; /* h2o_add_header* copy it */
        memcpy(orig, src[i].name, src[i].name_len);
        h2o_strtolower((char *)src[i].name, src[i].name_len);
        const h2o_token_t *t = h2o_lookup_token(src[i].name, src[i].name_len);
        if (t == NULL) {
            h2o_add_header_by_str(pool, headers, src[i].name, src[i].name_len, 0, orig,
                                  src[i].value, src[i].value_len);
        } else if (t->is_init_header_special) {
            h1conn_special_header(s, t, src + i, i);
        } else {
            h2o_add_header(pool, headers, t, orig, src[i].value, src[i].value_len);
            if (t == H2O_TOKEN_CONNECTION)
                s->connection = headers->entries[headers->size - 1].value;
        }
    }
}

/* With an entity the input buffer may move while it arrives: the head's
 * strings go to the pool (as h2o does). */
static void h1conn_copy_head(h1conn_t *c, h1conn_special_t *s)
{
    h2o_mem_pool_t *pool = &c->req.pool;
    c->req.input.method = h2o_strdup(pool, c->req.input.method.base, c->req.input.method.len);
    c->req.input.path = h2o_strdup(pool, c->req.input.path.base, c->req.input.path.len);
    for (size_t i = 0; i < c->req.headers.size; i++) {
        h2o_header_t *h = c->req.headers.entries + i;
        if (!h2o_iovec_is_token(h->name))
            *h->name = h2o_strdup(pool, h->name->base, h->name->len);
        h->value = h2o_strdup(pool, h->value.base, h->value.len);
    }
    if (s->host.base != NULL)
        s->host = h2o_strdup(pool, s->host.base, s->host.len);
    if (s->upgrade.base != NULL)
        s->upgrade = h2o_strdup(pool, s->upgrade.base, s->upgrade.len);
}

/* h2o's fixup_request: scheme, version, headers, authority, persistence. */
static void h1conn_fixup(h1conn_t *c, h1frame_head_t *head, h1conn_special_t *s)
{
    h2o_req_t *req = &c->req;
    req->input.scheme = c->sock->ssl != NULL ? &H2O_URL_SCHEME_HTTPS : &H2O_URL_SCHEME_HTTP;
    req->input.method = head->method;
    req->input.path = head->path;
    req->version = 0x100 | (head->minor_version != 0);
    h1conn_add_headers(c, head->headers, head->num_headers, s);
    if (s->entity_index != -1)
        h1conn_copy_head(c, s);
    if (s->host.base != NULL)
        req->input.authority = s->host;
    if (s->connection.base != NULL) {
        if (h2o_contains_token(s->connection.base, s->connection.len, H2O_STRLIT("keep-alive"),
                               ','))
            req->http1_is_persistent = 1;
        if (s->upgrade.base != NULL &&
            h2o_contains_token(s->connection.base, s->connection.len, H2O_STRLIT("upgrade"), ','))
            req->upgrade = s->upgrade;
    } else if (req->version >= 0x101) {
        req->http1_is_persistent = 1;
    }
    if (req->http1_is_persistent && c->super.ctx->shutdown_requested)
        req->http1_is_persistent = 0;
}

static int h1conn_on_broken_head(h1conn_t *c, int r)
{
    h2o_buffer_t *in = c->sock->input;
    int kind = r == H1FRAME_TOO_LARGE ? 0 : h1frame_classify_broken(in->bytes, in->size);
    if (kind == 1 && c->super.ctx->globalconf->http1.upgrade_to_http2)
        h1conn_to_http2(c);
    else if (kind == 2)
        h1conn_close(c, 1);
    else
        h1conn_send_bad_request(c);
    return 1;
}

/* Returns 0 while more bytes are needed, 1 otherwise. */
static int h1conn_read_head(h1conn_t *c)
{
    h2o_buffer_t *in = c->sock->input;
    h1frame_head_t head;
    if (c->req.timestamps.request_begin_at.tv_sec == 0)
        c->req.timestamps.request_begin_at = *h2o_get_timestamp(c->super.ctx, NULL, NULL);
    int r = h1frame_parse_head(in->bytes, in->size, c->prevreqlen, &head);
    c->prevreqlen = in->size < H1FRAME_MAX_REQLEN ? in->size : H1FRAME_MAX_REQLEN;
    if (r == H1FRAME_INCOMPLETE)
        return 0;
    if (r < 0)
        return h1conn_on_broken_head(c, r);
    c->reqsize = (size_t)r;
    h1conn_special_t s = {.entity_index = -1};
    h1conn_fixup(c, &head, &s);
    if (s.entity_index != -1)
        return h1conn_start_entity(c, head.headers + s.entity_index, s.expect);
    h1conn_run(c);
    return 1;
}

/* ---- reading --------------------------------------------------------------------------- */

static void h1conn_on_eof(h1conn_t *c)
{
    if (c->state == H1CONN_HEAD || c->state == H1CONN_BODY) {
        h1conn_close(c, 1);
        return;
    }
    /* a response is under way: it still goes out; then what was read runs */
    c->peer_eof = 1;
    h2o_socket_read_stop(c->sock);
}

static void h1conn_on_read(h2o_socket_t *sock, const char *err)
{
    h1conn_t *c = sock->data;
    if (err != NULL) {
        h1conn_on_eof(c);
        return;
    }
    switch (c->state) {
    case H1CONN_HEAD:
        h1conn_read_head(c);
        break;
    case H1CONN_BODY:
        h1conn_read_entity(c);
        break;
    default: /* pipelined bytes wait for the response; bounded */
        if (sock->input->size >= H1CONN_MAX_PENDING) {
            c->paused = 1;
            h2o_socket_read_stop(sock);
        }
        break;
    }
}

/* The response is written: the next request, from what was read meanwhile. */
static void h1conn_next(h1conn_t *c)
{
    h2o_dispose_request(&c->req);
    h1conn_release_reqbuf(c);
    h1conn_init_request(c);
    c->state = H1CONN_HEAD;
    c->prevreqlen = 0;
    c->reqsize = 0;
    c->chunked = 0;
    c->content_length = 0;
    h1conn_start_timeout(c);
    if (c->paused && !c->peer_eof) {
        c->paused = 0;
        h2o_socket_read_start(c->sock, h1conn_on_read);
    }
    if (c->sock->input->size != 0 && h1conn_read_head(c) != 0)
        return;
    if (c->peer_eof)
        h1conn_close(c, 1);
}

/* ---- writing --------------------------------------------------------------------------- */

static int h1conn_is_msie(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_USER_AGENT, -1);
    return i != -1 &&
           h2o_strstr(req->headers.entries[i].value.base, req->headers.entries[i].value.len,
                      H2O_STRLIT("; MSIE ")) != SIZE_MAX;
}

static void h1conn_res_of(h1conn_t *c, h2o_iovec_t connection, h1frame_res_t *res)
{
    h2o_context_t *ctx = c->super.ctx;
    h2o_get_timestamp(ctx, NULL, NULL); /* refreshes the cached Date */
    *res = (h1frame_res_t){
        .status = c->req.res.status,
        .reason = c->req.res.reason,
        .date = ctx->_timestamp_cache.value->rfc1123,
        .connection = connection,
        .content_length = c->req.res.content_length,
        .server_name = ctx->globalconf->server_name,
        .headers = c->req.res.headers.entries,
        .num_headers = c->req.res.headers.size,
    };
    for (size_t i = 0; i < res->num_headers; i++)
        if (res->headers[i].name == &H2O_TOKEN_VARY->buf) {
            res->msie = h1conn_is_msie(&c->req);
            break;
        }
}

static h2o_iovec_t h1conn_connection(h1conn_t *c)
{
    return c->req.http1_is_persistent ? h2o_iovec_init(H2O_STRLIT("keep-alive"))
                                      : h2o_iovec_init(H2O_STRLIT("close"));
}

/* The head in the pool (extra: room after it for the caller). */
static h2o_iovec_t h1conn_flatten(h1conn_t *c, h2o_iovec_t connection, size_t extra)
{
    h1frame_res_t res;
    h1conn_res_of(c, connection, &res);
    char *buf = h2o_mem_alloc_pool(&c->req.pool, h1frame_head_size(&res) + extra);
    return h2o_iovec_init(buf, h1frame_write_head(buf, &res));
}

static void h1conn_on_send_complete(h2o_socket_t *sock, const char *err)
{
    h1conn_t *c = sock->data;
    assert(c->req._ostr_top == &c->ostr);
    c->req.timestamps.response_end_at = *h2o_get_timestamp(c->super.ctx, NULL, NULL);
    if (err != NULL || !c->req.http1_is_persistent || c->state == H1CONN_CLOSING) {
        h1conn_close(c, 1);
        return;
    }
    h1conn_next(c);
}

static void h1conn_on_send_next_push(h2o_socket_t *sock, const char *err)
{
    h1conn_t *c = sock->data;
    if (err != NULL)
        h1conn_close(c, 1);
    else
        h2o_proceed_response(&c->req);
}

static void h1conn_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *inbufs,
                           size_t inbufcnt, h2o_send_state_t state)
{
    h1conn_t *c = H2O_STRUCT_FROM_MEMBER(h1conn_t, ostr, self);
    h2o_iovec_t *bufs = alloca(sizeof(h2o_iovec_t) * (inbufcnt + 1));
    size_t n = 0;
    if (!req->bytes_counted_by_ostream)
        for (size_t i = 0; i < inbufcnt; i++)
            req->bytes_sent += inbufs[i].len;
    if (!c->sent_head) {
        req->timestamps.response_start_at = *h2o_get_timestamp(c->super.ctx, NULL, NULL);
        bufs[n++] = h1conn_flatten(c, h1conn_connection(c), 0);
        c->sent_head = 1;
    }
    if (inbufcnt != 0) /* inbufs may be NULL then (a HEAD's final send) */
        memcpy(bufs + n, inbufs, sizeof(h2o_iovec_t) * inbufcnt);
    n += inbufcnt;
    if (state == H2O_SEND_STATE_ERROR)
        req->http1_is_persistent = 0;
    if (n == 0) {
        h1conn_on_send_complete(c->sock, NULL);
        return;
    }
    h2o_socket_write(c->sock, bufs, n,
                     h2o_send_state_is_in_progress(state) ? h1conn_on_send_next_push
                                                          : h1conn_on_send_complete);
}

/* ---- upgrade --------------------------------------------------------------------------- */

static void h1conn_on_upgrade_sent(h2o_socket_t *sock, const char *err)
{
    h1conn_t *c = sock->data;
    h2o_http1_upgrade_cb cb = c->upgrade.cb;
    void *data = c->upgrade.data;
    h2o_socket_t *out = NULL;
    if (err == NULL) {
        out = c->sock;
        h2o_socket_read_stop(out); /* the new owner starts its own reading */
        c->sock = NULL;
        out->data = NULL;
    }
    h1conn_close(c, 1);
    cb(data, out, 0);
}

/* ---- the callbacks h2o and Portico call on the connection ------------------------------- */

static socklen_t h1conn_get_sockname(h2o_conn_t *conn, struct sockaddr *sa)
{
    return h2o_socket_getsockname(((h1conn_t *)conn)->sock, sa);
}

static socklen_t h1conn_get_peername(h2o_conn_t *conn, struct sockaddr *sa)
{
    return h2o_socket_getpeername(((h1conn_t *)conn)->sock, sa);
}

static h2o_socket_t *h1conn_get_socket(h2o_conn_t *conn)
{
    return ((h1conn_t *)conn)->sock;
}

#define H1CONN_TLS_LOGGER(name)                                                                    \
    static h2o_iovec_t h1conn_log_##name(h2o_req_t *req)                                           \
    {                                                                                              \
        return h2o_socket_log_ssl_##name(((h1conn_t *)req->conn)->sock, &req->pool);               \
    }
H1CONN_TLS_LOGGER(protocol_version)
H1CONN_TLS_LOGGER(session_reused)
H1CONN_TLS_LOGGER(cipher)
H1CONN_TLS_LOGGER(cipher_bits)
H1CONN_TLS_LOGGER(session_id)
#undef H1CONN_TLS_LOGGER

static h2o_iovec_t h1conn_log_request_index(h2o_req_t *req)
{
    char *s = h2o_mem_alloc_pool(&req->pool, sizeof(H2O_UINT64_LONGEST_STR));
    int len = sprintf(s, "%" PRIu64, ((h1conn_t *)req->conn)->req_index);
    return h2o_iovec_init(s, (size_t)len);
}

static const h2o_conn_callbacks_t h1conn_callbacks = {
    .get_sockname = h1conn_get_sockname,
    .get_peername = h1conn_get_peername,
    .get_socket = h1conn_get_socket,
    .log_ = {{
        .ssl = {h1conn_log_protocol_version, h1conn_log_session_reused, h1conn_log_cipher,
                h1conn_log_cipher_bits, h1conn_log_session_id},
        .http1 = {h1conn_log_request_index},
    }},
};

void h1conn_upgrade(h2o_req_t *req, h2o_http1_upgrade_cb cb, void *data)
{
    assert(req->conn->callbacks == &h1conn_callbacks); /* every HTTP/1 listener is ours */
    h1conn_t *c = (h1conn_t *)req->conn;
    c->upgrade.cb = cb;
    c->upgrade.data = data;
    h2o_iovec_t head = h1conn_flatten(c, h2o_iovec_init(H2O_STRLIT("upgrade")), 0);
    h2o_socket_write(c->sock, &head, 1, h1conn_on_upgrade_sent);
}

/* ---- accepting ------------------------------------------------------------------------- */

static void h1conn_start(h2o_accept_ctx_t *ctx, h2o_socket_t *sock, struct timeval connected_at)
{
    h1conn_t *c = (h1conn_t *)h2o_create_connection(sizeof(*c), ctx->ctx, ctx->hosts, connected_at,
                                                    &h1conn_callbacks);
    memset((char *)c + sizeof(c->super), 0, offsetof(h1conn_t, req) - sizeof(c->super));
    c->sock = sock;
    c->timeout_entry.cb = h1conn_on_timeout;
    sock->data = c;
    h2o_linklist_insert(&ctx->ctx->http1._conns, &c->link);
    h1conn_init_request(c);
    h1conn_start_timeout(c);
    h2o_socket_read_start(sock, h1conn_on_read);
    if (sock->input->size != 0)
        h1conn_read_head(c);
}

typedef struct {
    h2o_accept_ctx_t *ctx;
    h2o_socket_t *sock;
    h2o_timeout_entry_t timeout;
    struct timeval connected_at;
} h1conn_handshake_t;

static void h1conn_on_handshake_timeout(h2o_timeout_entry_t *entry)
{
    h1conn_handshake_t *hs = H2O_STRUCT_FROM_MEMBER(h1conn_handshake_t, timeout, entry);
    h2o_socket_t *sock = hs->sock;
    free(hs);
    h2o_socket_close(sock);
}

static int h1conn_alpn_is_h2(h2o_socket_t *sock)
{
    h2o_iovec_t proto = h2o_socket_ssl_get_selected_protocol(sock);
    for (const h2o_iovec_t *id = h2o_http2_alpn_protocols; id->len != 0; id++)
        if (proto.len == id->len && memcmp(proto.base, id->base, proto.len) == 0)
            return 1;
    return 0;
}

static void h1conn_on_handshake(h2o_socket_t *sock, const char *err)
{
    h1conn_handshake_t *hs = sock->data;
    sock->data = NULL;
    h2o_timeout_unlink(&hs->timeout);
    if (err != NULL)
        h2o_socket_close(sock);
    else if (h1conn_alpn_is_h2(sock))
        h2o_http2_accept(hs->ctx, sock, hs->connected_at);
    else
        h1conn_start(hs->ctx, sock, hs->connected_at);
    free(hs);
}

void h1conn_accept(h2o_accept_ctx_t *ctx, h2o_socket_t *sock)
{
    struct timeval connected_at = *h2o_get_timestamp(ctx->ctx, NULL, NULL);
    if (ctx->ssl_ctx == NULL) {
        h1conn_start(ctx, sock, connected_at);
        return;
    }
    h1conn_handshake_t *hs = h2o_mem_alloc(sizeof(*hs));
    *hs = (h1conn_handshake_t){.ctx = ctx, .sock = sock, .connected_at = connected_at};
    hs->timeout.cb = h1conn_on_handshake_timeout;
    h2o_timeout_link(ctx->ctx->loop, &ctx->ctx->handshake_timeout, &hs->timeout);
    sock->data = hs;
    h2o_socket_ssl_handshake(sock, ctx->ssl_ctx, NULL, h1conn_on_handshake);
}
