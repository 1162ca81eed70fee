/* upstream_call: h2o 2.2.5's HTTP client reports a failure as a message
 * string. The socket-level ones are exported (h2o_socket_error_*) and
 * compared by address here; the timeouts are not exported ("connection
 * timeout", "I/O timeout"), so a failure is a timeout when it is not one of
 * the exported socket errors and the phase it ended has run for the whole
 * timeout: h2o arms its timer on the same loop clock, at or after the
 * moment recorded here, so its timeout never fires earlier than that. */
#include "upstream_call.h"

static h2o_http1client_head_cb upstream_call_on_connect(h2o_http1client_t *client,
                                                        const char *errstr, h2o_iovec_t **reqbufs,
                                                        size_t *reqbufcnt, int *method_is_head);

static int upstream_call_socket_error(const char *errstr)
{
    return errstr == h2o_socket_error_out_of_memory || errstr == h2o_socket_error_io ||
           errstr == h2o_socket_error_closed || errstr == h2o_socket_error_conn_fail ||
           errstr == h2o_socket_error_ssl_no_cert || errstr == h2o_socket_error_ssl_cert_invalid ||
           errstr == h2o_socket_error_ssl_cert_name_mismatch ||
           errstr == h2o_socket_error_ssl_decode;
}

static enum upstream_call_error upstream_call_classify(upstream_call_t *c, const char *errstr,
                                                       int connected)
{
    if (!upstream_call_socket_error(errstr) && h2o_now(c->ctx->loop) - c->phase_ms >= c->timeout_ms)
        return UPSTREAM_CALL_TIMEOUT;
    return connected ? UPSTREAM_CALL_BAD_ANSWER : UPSTREAM_CALL_UNREACHABLE;
}

static void upstream_call_connect(upstream_call_t *c)
{
    c->phase_ms = h2o_now(c->ctx->loop);
    h2o_http1client_connect_with_pool(&c->client, c, c->ctx, c->pool, upstream_call_on_connect);
}

static h2o_http1client_body_cb upstream_call_on_head(h2o_http1client_t *client, const char *errstr,
                                                     int minor_version, int status, h2o_iovec_t msg,
                                                     h2o_header_t *headers, size_t num_headers,
                                                     int rlen)
{
    upstream_call_t *c = client->data;
    if (errstr != NULL && errstr != h2o_http1client_error_is_eos) {
        c->client = NULL;
        enum upstream_call_error e = upstream_call_classify(c, errstr, 1);
        /* a pooled connection the endpoint closed meanwhile: try once more */
        if (e != UPSTREAM_CALL_TIMEOUT && c->may_retry && !c->retried) {
            c->retried = 1;
            upstream_call_connect(c);
            return NULL;
        }
        c->on_fail(c, e, errstr);
        return NULL;
    }
    int eos = errstr == h2o_http1client_error_is_eos;
    if (eos)
        c->client = NULL;
    return c->on_head(c, status, msg, headers, num_headers, eos);
}

static h2o_http1client_head_cb upstream_call_on_connect(h2o_http1client_t *client,
                                                        const char *errstr, h2o_iovec_t **reqbufs,
                                                        size_t *reqbufcnt, int *method_is_head)
{
    upstream_call_t *c = client->data;
    if (errstr != NULL) {
        c->client = NULL;
        c->on_fail(c, upstream_call_classify(c, errstr, 0), errstr);
        return NULL;
    }
    *reqbufs = c->bufs;
    *reqbufcnt = c->bufs[1].base != NULL ? 2 : 1;
    *method_is_head = c->is_head;
    c->phase_ms = h2o_now(c->ctx->loop);
    return upstream_call_on_head;
}

void upstream_call_start(upstream_call_t *c, upstream_pool_t *up, const h2o_url_t *url,
                         uint32_t timeout_ms)
{
    c->pool = upstream_socketpool(up, url->host, h2o_url_get_port(url),
                                  url->scheme == &H2O_URL_SCHEME_HTTPS);
    c->ctx = upstream_client_ctx(up, timeout_ms);
    c->timeout_ms = timeout_ms;
    upstream_call_connect(c);
}

void upstream_call_cancel(upstream_call_t *c)
{
    if (c->client != NULL) {
        h2o_http1client_cancel(c->client);
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
