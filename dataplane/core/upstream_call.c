/* upstream_call: the exchange follows h2o 2.2.5's lib/common/http1client.c
 * (MIT; same parsing with the picohttpparser h2o carries, same body framing
 * and keep-alive rules, same messages), with two changes: connections come
 * from and go back to upstream.h's pool, and failures are classified where
 * they happen (before a connection: unreachable; after it: a bad answer;
 * either phase's timer: a timeout) instead of from h2o's message strings. */
#include "upstream_call.h"

#include <sys/socket.h>

#include "picohttp.h"

#define UPSTREAM_MAX_HEADERS 100

typedef struct {
    h2o_http1client_t super;   /* super.data is the call */
    upstream_call_t *call;     /* not touched once the caller has its answer head */
    upstream_target_t *target; /* the call's, kept here for that reason */
    h2o_timeout_entry_t timeout;
    h2o_hostinfo_getaddr_req_t *getaddr_req;
    h2o_http1client_body_cb on_body;
    int connected;
    int can_keepalive;
    union {
        size_t content_length; /* bytes left */
        struct phr_chunked_decoder chunked;
    } body;
} upstream_client_t;

static void upstream_call_connect(upstream_call_t *c);

static void client_close(upstream_client_t *cl)
{
    if (cl->getaddr_req != NULL)
        h2o_hostinfo_getaddr_cancel(cl->getaddr_req);
    if (h2o_timeout_is_linked(&cl->timeout))
        h2o_timeout_unlink(&cl->timeout);
    h2o_socket_t *sock = cl->super.sock;
    if (sock != NULL) {
        if (cl->can_keepalive) {
            /* no pipelining: what is left of the input is garbage */
            h2o_buffer_consume(&sock->input, sock->input->size);
            upstream_give_back(cl->target, sock);
        } else
            h2o_socket_close(sock);
    }
    free(cl);
}

/* The exchange ended before an answer head: retry once (a pooled connection
 * the endpoint closed meanwhile) or report. */
static void client_fail(upstream_client_t *cl, enum upstream_call_error e, const char *errstr)
{
    upstream_call_t *c = cl->call;
    cl->can_keepalive = 0;
    client_close(cl);
    c->client = NULL;
    if (e == UPSTREAM_CALL_BAD_ANSWER && c->may_retry && !c->retried) {
        c->retried = 1;
        upstream_call_connect(c);
        return;
    }
    c->on_fail(c, e, errstr);
}

static void client_arm(upstream_client_t *cl, h2o_timeout_cb cb)
{
    cl->timeout.cb = cb;
    h2o_timeout_link(cl->super.ctx->loop, cl->super.ctx->io_timeout, &cl->timeout);
}

/* ---- the body ---------------------------------------------------------- */

static void body_error(upstream_client_t *cl, const char *errstr)
{
    cl->can_keepalive = 0;
    cl->on_body(&cl->super, errstr);
    client_close(cl);
}

static void body_timeout(h2o_timeout_entry_t *entry)
{
    body_error(H2O_STRUCT_FROM_MEMBER(upstream_client_t, timeout, entry), "I/O timeout");
}

/* After on_body returned for errstr: the exchange is over (eos, error, or
 * the caller gave up), or wait for more. */
static void body_next(upstream_client_t *cl, const char *errstr, int cb_ret)
{
    if (errstr != NULL) {
        client_close(cl);
        return;
    }
    if (cb_ret != 0) {
        cl->can_keepalive = 0;
        client_close(cl);
        return;
    }
    client_arm(cl, body_timeout);
}

static void body_until_close(h2o_socket_t *sock, const char *err)
{
    upstream_client_t *cl = sock->data;
    h2o_timeout_unlink(&cl->timeout);
    if (err != NULL) {
        cl->on_body(&cl->super, h2o_http1client_error_is_eos);
        client_close(cl);
        return;
    }
    if (sock->bytes_read != 0 && cl->on_body(&cl->super, NULL) != 0) {
        client_close(cl);
        return;
    }
    client_arm(cl, body_timeout);
}

static void body_content_length(h2o_socket_t *sock, const char *err)
{
    upstream_client_t *cl = sock->data;
    h2o_timeout_unlink(&cl->timeout);
    if (err != NULL) {
        body_error(cl, "I/O error (body; content-length)");
        return;
    }
    if (sock->bytes_read == 0 && cl->body.content_length != 0) {
        client_arm(cl, body_timeout);
        return;
    }
    const char *errstr = NULL;
    if (cl->body.content_length <= sock->bytes_read) {
        if (cl->body.content_length < sock->bytes_read) {
            /* trailing garbage: cut it, and no keep-alive */
            sock->input->size -= sock->bytes_read - cl->body.content_length;
            cl->can_keepalive = 0;
        }
        cl->body.content_length = 0;
        errstr = h2o_http1client_error_is_eos;
    } else
        cl->body.content_length -= sock->bytes_read;
    body_next(cl, errstr, cl->on_body(&cl->super, errstr));
}

static void body_chunked(h2o_socket_t *sock, const char *err)
{
    upstream_client_t *cl = sock->data;
    h2o_timeout_unlink(&cl->timeout);
    if (err != NULL) {
        if (err == h2o_socket_error_closed && !phr_decode_chunked_is_in_data(&cl->body.chunked)) {
            /* closed after a whole chunk: taken as the end, as browsers do */
            cl->can_keepalive = 0;
            cl->on_body(&cl->super, h2o_http1client_error_is_eos);
            client_close(cl);
        } else
            body_error(cl, "I/O error (body; chunked)");
        return;
    }
    if (sock->bytes_read == 0) {
        client_arm(cl, body_timeout);
        return;
    }
    h2o_buffer_t *in = sock->input;
    size_t newsz = sock->bytes_read;
    const char *errstr;
    switch (phr_decode_chunked(&cl->body.chunked, in->bytes + in->size - newsz, &newsz)) {
    case -1:
        newsz = sock->bytes_read;
        cl->can_keepalive = 0;
        errstr = "failed to parse the response (chunked)";
        break;
    case -2:
        errstr = NULL;
        break;
    default: /* complete, with garbage after it */
        cl->can_keepalive = 0;
        errstr = h2o_http1client_error_is_eos;
        break;
    case 0:
        errstr = h2o_http1client_error_is_eos;
        break;
    }
    in->size -= sock->bytes_read - newsz;
    body_next(cl, errstr, cl->on_body(&cl->super, errstr));
}

/* ---- the head ---------------------------------------------------------- */

static void head_timeout(h2o_timeout_entry_t *entry)
{
    client_fail(H2O_STRUCT_FROM_MEMBER(upstream_client_t, timeout, entry), UPSTREAM_CALL_TIMEOUT,
                "I/O timeout");
}

/* The framing headers: keep-alive, the body's reader; -1 with *errstr. */
static int head_framing(upstream_client_t *cl, int minor_version, const h2o_header_t *headers,
                        size_t n, h2o_socket_cb *reader, const char **errstr)
{
    *reader = body_until_close;
    cl->can_keepalive = minor_version >= 1;
    for (size_t i = 0; i < n; i++) {
        const h2o_header_t *h = &headers[i];
        if (h->name == &H2O_TOKEN_CONNECTION->buf) {
            /* the usual value alone first: the tokenizer costs ~20 times more */
            cl->can_keepalive =
                h2o_memis(h->value.base, h->value.len, H2O_STRLIT("keep-alive")) ||
                h2o_contains_token(h->value.base, h->value.len, H2O_STRLIT("keep-alive"), ',');
        } else if (h->name == &H2O_TOKEN_TRANSFER_ENCODING->buf) {
            if (h2o_memis(h->value.base, h->value.len, H2O_STRLIT("chunked"))) {
                memset(&cl->body.chunked, 0, sizeof(cl->body.chunked));
                cl->body.chunked.consume_trailer = 1;
                *reader = body_chunked;
            } else if (!h2o_memis(h->value.base, h->value.len, H2O_STRLIT("identity"))) {
                *errstr = "unexpected type of transfer-encoding";
                return -1;
            }
        } else if (h->name == &H2O_TOKEN_CONTENT_LENGTH->buf) {
            size_t v = h2o_strtosize(h->value.base, h->value.len);
            if (v == SIZE_MAX) {
                *errstr = "invalid content-length";
                return -1;
            }
            if (*reader != body_chunked) {
                cl->body.content_length = v;
                *reader = body_content_length;
            }
        }
    }
    return 0;
}

static void on_head(h2o_socket_t *sock, const char *err)
{
    upstream_client_t *cl = sock->data;
    upstream_call_t *c = cl->call;
    h2o_timeout_unlink(&cl->timeout);
    if (err != NULL) {
        client_fail(cl, UPSTREAM_CALL_BAD_ANSWER, "I/O error (head)");
        return;
    }
    h2o_header_t headers[UPSTREAM_MAX_HEADERS];
    h2o_iovec_t names[UPSTREAM_MAX_HEADERS];
    char orig[8192];
    struct phr_header src[UPSTREAM_MAX_HEADERS];
    size_t n;
    int minor_version, status, rlen;
    const char *msg;
    size_t msg_len;
    for (;;) { /* until a final (non-1xx) answer */
        n = UPSTREAM_MAX_HEADERS;
        rlen = phr_parse_response(sock->input->bytes, sock->input->size, &minor_version, &status,
                                  &msg, &msg_len, src, &n, 0);
        if (rlen == -1) {
            client_fail(cl, UPSTREAM_CALL_BAD_ANSWER, "failed to parse the response");
            return;
        }
        if (rlen == -2) {
            client_arm(cl, head_timeout);
            return;
        }
        if (!(100 <= status && status <= 199 && status != 101))
            break;
        h2o_buffer_consume(&sock->input, (size_t)rlen);
        if (sock->input->size == 0) {
            client_arm(cl, head_timeout);
            return;
        }
    }
    /* names as the endpoint spelled them (NUL-terminated, what h2o's
     * headers carry), then lower-cased in place and interned */
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (used + src[i].name_len + 1 > sizeof(orig)) {
            client_fail(cl, UPSTREAM_CALL_BAD_ANSWER, "failed to parse the response");
            return;
        }
        memcpy(orig + used, src[i].name, src[i].name_len);
        orig[used + src[i].name_len] = '\0';
        headers[i].orig_name = orig + used;
        used += src[i].name_len + 1;
        h2o_strtolower((char *)src[i].name, src[i].name_len);
        const h2o_token_t *token = h2o_lookup_token(src[i].name, src[i].name_len);
        if (token != NULL)
            headers[i].name = (h2o_iovec_t *)&token->buf;
        else {
            names[i] = h2o_iovec_init(src[i].name, src[i].name_len);
            headers[i].name = &names[i];
        }
        headers[i].value = h2o_iovec_init(src[i].value, src[i].value_len);
    }
    h2o_socket_cb reader;
    const char *errstr = NULL;
    if (head_framing(cl, minor_version, headers, n, &reader, &errstr) != 0) {
        client_fail(cl, UPSTREAM_CALL_BAD_ANSWER, errstr);
        return;
    }
    /* RFC 9112 section 6.3 */
    int eos = c->is_head || status == 101 || status == 204 || status == 304;
    if (!eos && reader == body_until_close)
        cl->can_keepalive = 0; /* the end is the close */
    if (eos)
        c->client = NULL;
    cl->on_body = c->on_head(c, status, h2o_iovec_init(msg, msg_len), headers, n, eos);
    if (eos) {
        h2o_buffer_consume(&sock->input, (size_t)rlen);
        client_close(cl);
        return;
    }
    if (cl->on_body == NULL) {
        cl->can_keepalive = 0;
        client_close(cl);
        return;
    }
    h2o_buffer_consume(&sock->input, (size_t)rlen);
    sock->bytes_read = sock->input->size;
    cl->timeout.cb = body_timeout;
    h2o_socket_read_start(sock, reader);
    reader(sock, NULL);
}

/* ---- connecting and sending -------------------------------------------- */

static void send_timeout(h2o_timeout_entry_t *entry)
{
    client_fail(H2O_STRUCT_FROM_MEMBER(upstream_client_t, timeout, entry), UPSTREAM_CALL_TIMEOUT,
                "I/O timeout");
}

static void on_sent(h2o_socket_t *sock, const char *err)
{
    upstream_client_t *cl = sock->data;
    h2o_timeout_unlink(&cl->timeout);
    if (err != NULL) {
        client_fail(cl, UPSTREAM_CALL_BAD_ANSWER, "I/O error (send request)");
        return;
    }
    h2o_socket_read_start(sock, on_head);
    client_arm(cl, head_timeout);
}

static void send_request(upstream_client_t *cl)
{
    upstream_call_t *c = cl->call;
    cl->connected = 1;
    c->phase_ms = h2o_now(cl->super.ctx->loop);
    h2o_socket_write(cl->super.sock, c->bufs, c->bufs[1].base != NULL ? 2 : 1, on_sent);
    client_arm(cl, send_timeout);
}

static void connect_timeout(h2o_timeout_entry_t *entry)
{
    client_fail(H2O_STRUCT_FROM_MEMBER(upstream_client_t, timeout, entry), UPSTREAM_CALL_TIMEOUT,
                "connection timeout");
}

static void on_handshake(h2o_socket_t *sock, const char *err)
{
    upstream_client_t *cl = sock->data;
    h2o_timeout_unlink(&cl->timeout);
    if (err != NULL &&
        !(err == h2o_socket_error_ssl_cert_name_mismatch &&
          (SSL_CTX_get_verify_mode(cl->super.ctx->ssl_ctx) & SSL_VERIFY_PEER) == 0)) {
        client_fail(cl, UPSTREAM_CALL_UNREACHABLE, err);
        return;
    }
    send_request(cl);
}

static void on_connect(h2o_socket_t *sock, const char *err)
{
    upstream_client_t *cl = sock->data;
    if (err != NULL) {
        client_fail(cl, UPSTREAM_CALL_UNREACHABLE, err);
        return;
    }
    if (cl->target->is_ssl) {
        h2o_socket_ssl_handshake(sock, cl->super.ctx->ssl_ctx, cl->target->host, on_handshake);
        return;
    }
    h2o_timeout_unlink(&cl->timeout);
    send_request(cl);
}

static void start_connect(upstream_client_t *cl, struct sockaddr *addr, socklen_t len)
{
    h2o_socket_t *sock = h2o_socket_connect(cl->super.ctx->loop, addr, len, on_connect);
    if (sock == NULL) {
        client_fail(cl, UPSTREAM_CALL_UNREACHABLE, "socket create error");
        return;
    }
    upstream_adopt(cl->target, sock);
    sock->data = cl;
    cl->super.sock = sock;
}

static void on_getaddr(h2o_hostinfo_getaddr_req_t *req, const char *errstr, struct addrinfo *res,
                       void *data)
{
    upstream_client_t *cl = data;
    cl->getaddr_req = NULL;
    if (errstr != NULL) {
        client_fail(cl, UPSTREAM_CALL_UNREACHABLE, errstr);
        return;
    }
    struct addrinfo *one = h2o_hostinfo_select_one(res);
    start_connect(cl, one->ai_addr, one->ai_addrlen);
}

static void upstream_call_connect(upstream_call_t *c)
{
    upstream_client_t *cl = h2o_mem_alloc(sizeof(*cl));
    *cl = (upstream_client_t){.super = {.ctx = c->ctx, .data = c}, .call = c, .target = c->target};
    c->client = &cl->super;
    c->phase_ms = h2o_now(c->ctx->loop);
    upstream_target_t *t = c->target;
    h2o_socket_t *sock = upstream_take(t);
    if (sock != NULL) {
        sock->data = cl;
        cl->super.sock = sock;
        send_request(cl);
        return;
    }
    client_arm(cl, connect_timeout);
    if (t->has_addr) {
        start_connect(cl, (struct sockaddr *)&t->addr, sizeof(t->addr));
        return;
    }
    cl->getaddr_req =
        h2o_hostinfo_getaddr(c->ctx->getaddr_receiver, h2o_iovec_init(t->host, t->host_len),
                             h2o_iovec_init(t->serv, strlen(t->serv)), AF_UNSPEC, SOCK_STREAM,
                             IPPROTO_TCP, AI_ADDRCONFIG | AI_NUMERICSERV, on_getaddr, cl);
}

void upstream_call_start(upstream_call_t *c, upstream_pool_t *up, const h2o_url_t *url,
                         uint32_t timeout_ms)
{
    c->target =
        upstream_target(up, url->host, h2o_url_get_port(url), url->scheme == &H2O_URL_SCHEME_HTTPS);
    c->ctx = upstream_client_ctx(up, timeout_ms);
    c->timeout_ms = timeout_ms;
    upstream_call_connect(c);
}

void upstream_call_cancel(upstream_call_t *c)
{
    if (c->client != NULL) {
        upstream_client_t *cl = (upstream_client_t *)c->client;
        cl->can_keepalive = 0;
        client_close(cl);
        c->client = NULL;
    }
}

int upstream_call_is_eos(const char *errstr)
{
    return errstr == h2o_http1client_error_is_eos;
}

enum gwresp_case upstream_call_gw_case(enum upstream_call_error e)
{
    static const enum gwresp_case cases[] = {
        [UPSTREAM_CALL_TIMEOUT] = GW_INTEGRATION_TIMEOUT,
        [UPSTREAM_CALL_UNREACHABLE] = GW_INTEGRATION_UNREACHABLE,
        [UPSTREAM_CALL_BAD_ANSWER] = GW_INTEGRATION_BAD_ANSWER,
    };
    return cases[e];
}
