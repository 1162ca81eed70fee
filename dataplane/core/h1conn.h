/* h1conn: the data plane's HTTP/1.1 server connection on h2o's socket layer,
 * in place of h2o 2.2.5's lib/http1.c (and of h2o_accept for the TLS
 * handshake and ALPN).
 *
 * Why: h2o's HTTP/1 server stops reading the socket while it answers a
 * request (the request points into sock->input), which costs two epoll_ctl
 * per request on a keep-alive connection. h1conn keeps reading for the whole
 * connection: once a request is complete, the buffer holding it goes with
 * the request and the socket reads into a fresh one; pipelined requests wait
 * there (bounded: reading stops only when H1CONN_MAX_PENDING bytes are
 * waiting) and run in order once the current response is written.
 *
 * The h2o_req_t is built as h2o's http1.c builds it (headers with tokens,
 * authority, upgrade, persistence, Content-Length and chunked entities,
 * Expect: 100-continue, the same limits, 400/413/417 answers and request
 * timeout) and the response head is written as h2o writes it (h1frame.h).
 * Differences: a plain-HTTP "Upgrade: h2c" is answered over HTTP/1.1 (h2o's
 * upgrade needs its own connection type; HTTP/2 with prior knowledge and by
 * ALPN is served by h2o's HTTP/2 server as before); a failed write closes the
 * connection at once.
 *
 * Connections are linked in ctx->http1._conns (the connection gauge counts
 * them); nothing in Portico runs h2o's foreach_request over that list.
 * One event loop thread per connection, as h2o. */
#ifndef PORTICO_H1CONN_H
#define PORTICO_H1CONN_H

#include <h2o.h>
#include <h2o/http1.h>

/* bytes of pipelined requests read ahead while a response is being made */
#define H1CONN_MAX_PENDING 65536

/* Serves an accepted socket (plain, or TLS when ctx->ssl_ctx is set: the
 * handshake under ctx->ctx->handshake_timeout, then HTTP/2 when ALPN chose
 * it). Takes the socket; ctx must outlive it. */
void h1conn_accept(h2o_accept_ctx_t *ctx, h2o_socket_t *sock);

/* Writes req's response head (status 101 and its headers, "Connection:
 * upgrade") and then hands the socket to cb (with reqsize 0: the socket's
 * input holds only bytes read after the request), or cb(data, NULL, 0) when
 * the write failed. The connection is gone afterwards. req must be an HTTP/1
 * request (every HTTP/1 listener of the data plane is served by h1conn). */
void h1conn_upgrade(h2o_req_t *req, h2o_http1_upgrade_cb cb, void *data);

#endif
