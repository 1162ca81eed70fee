/* upstream_call: one HTTP/1.1 exchange with an endpoint the gateway calls —
 * an HTTP_PROXY integration (integ_proxy.c), a custom authorizer (authz.c),
 * a function integration — through the worker's keep-alive pools
 * (upstream.h). It connects with the caller's timeout, hands h2o the
 * request bytes, retries once when the caller allows it and a failure that
 * is not a timeout came before any answer byte (a pooled connection the
 * endpoint had closed), and classifies failures into the gateway's cases:
 * a timeout (504), an endpoint that could not be reached (503), an answer
 * that could not be read (502). The HTTP/1.1 client is Portico's own (h2o
 * 2.2.5's http1client, which can only use h2o's socket pool, ported onto
 * upstream.h's pool): callers see an h2o_http1client_t (data, sock) and
 * h2o's body callback type as before. Owned by one worker; callbacks run on
 * its loop. */
#ifndef PORTICO_UPSTREAM_CALL_H
#define PORTICO_UPSTREAM_CALL_H

#include "gwresp_case.h"
#include "upstream.h"

enum upstream_call_error {
    UPSTREAM_CALL_TIMEOUT,     /* connect or I/O timeout */
    UPSTREAM_CALL_UNREACHABLE, /* no connection: refused, no address, TLS handshake */
    UPSTREAM_CALL_BAD_ANSWER,  /* connected, but no answer head could be read */
};

typedef struct upstream_call upstream_call_t;

/* The answer's head arrived (eos: it had no body and the exchange is over).
 * Returns h2o's body callback (its client->data is the call), or NULL when
 * the exchange is over for the caller; either way the call may be freed
 * from here on only when it is over. */
typedef h2o_http1client_body_cb (*upstream_call_head_fn)(upstream_call_t *c, int status,
                                                         h2o_iovec_t reason, h2o_header_t *headers,
                                                         size_t nheaders, int eos);

/* The exchange failed before an answer head; errstr is h2o's, for logs. */
typedef void (*upstream_call_fail_fn)(upstream_call_t *c, enum upstream_call_error e,
                                      const char *errstr);

struct upstream_call {
    /* set by the caller before upstream_call_start */
    h2o_iovec_t bufs[2]; /* the request head; its body (base NULL: none), caller's memory */
    int is_head;         /* the method is HEAD: the answer has no body */
    int may_retry;       /* the request may be sent twice */
    upstream_call_head_fn on_head;
    upstream_call_fail_fn on_fail;
    void *data;
    /* the call's own */
    h2o_http1client_t *client; /* NULL when no exchange is under way; body callbacks clear it */
    h2o_http1client_ctx_t *ctx;
    upstream_target_t *target;
    uint32_t timeout_ms;
    uint64_t phase_ms; /* loop time the connect, or the request's sending, began */
    int retried;
};

/* Starts the exchange with url's host (http or https) on up's loop. */
void upstream_call_start(upstream_call_t *c, upstream_pool_t *up, const h2o_url_t *url,
                         uint32_t timeout_ms);

/* Stops an exchange under way (no callback follows). */
void upstream_call_cancel(upstream_call_t *c);

/* 1 when a body callback's errstr is the normal end of the answer. */
int upstream_call_is_eos(const char *errstr);

/* The gateway answer for e: INTEGRATION_TIMEOUT (504), INTEGRATION_UNREACHABLE
 * (503) or INTEGRATION_BAD_ANSWER (502). */
enum gwresp_case upstream_call_gw_case(enum upstream_call_error e);

#endif
