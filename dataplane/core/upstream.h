/* upstream: a worker's connections to integration endpoints — one keep-alive
 * pool per (host, port, tls) and one HTTP client context per distinct
 * integration timeout. Idle connections stay on the worker's event loop,
 * read-watched (a peer that closes one, or sends on it, gets it closed at
 * once) and closed after UPSTREAM_IDLE_MS; taking one and giving it back
 * costs no system call (h2o 2.2's socket pool exported and imported the
 * socket each time: two epoll_ctl and a fcntl per request). Owned by one
 * worker thread; no locking. */
#ifndef PORTICO_UPSTREAM_H
#define PORTICO_UPSTREAM_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <h2o/http1client.h>

#define UPSTREAM_BUCKETS 256

struct upstream_timeout;

/* One endpoint (host, port, tls) and its idle connections. */
typedef struct upstream_target {
    struct upstream_target *next;
    struct upstream_pool *owner;
    char *host; /* NUL-terminated; also the TLS server name */
    size_t host_len;
    uint16_t port;
    int is_ssl;
    int has_addr; /* host is an IPv4 literal: addr is set, no lookup */
    struct sockaddr_in addr;
    char serv[sizeof("65535")];
    uint64_t last_used_ms;
    size_t nsockets; /* idle, in use or connecting */
    size_t nidle;
    h2o_linklist_t idle; /* struct upstream_idle, the most recently returned last */
} upstream_target_t;

typedef struct upstream_pool {
    h2o_loop_t *loop;
    h2o_multithread_receiver_t *getaddr_receiver;
    SSL_CTX *ssl_ctx;
    upstream_target_t *buckets[UPSTREAM_BUCKETS];
    struct upstream_timeout *timeouts;
    h2o_timeout_t idle_timeout;
    h2o_linklist_t spare; /* free struct upstream_idle */
    size_t npools;
    uint64_t last_sweep_ms;
    uint64_t sweep_idle_ms; /* a pool unused this long and without sockets is freed */
} upstream_pool_t;

void upstream_init(upstream_pool_t *u, h2o_loop_t *loop, h2o_multithread_receiver_t *getaddr);
void upstream_dispose(upstream_pool_t *u);

/* The pool for host:port (created on first use). Pools unused for
 * sweep_idle_ms that hold no socket are freed on the way (at most once a
 * minute), so the pointer is valid while the caller's request uses it. */
upstream_target_t *upstream_target(upstream_pool_t *u, h2o_iovec_t host, uint16_t port, int is_ssl);

/* An idle connection to t, reading stopped, now the caller's; NULL: none. */
h2o_socket_t *upstream_take(upstream_target_t *t);

/* A new connection to t (from h2o_socket_connect): counted as t's until
 * closed. */
void upstream_adopt(upstream_target_t *t, h2o_socket_t *sock);

/* Gives sock (one of t's, its exchange complete, input consumed) back to
 * wait on the loop for t's next caller. */
void upstream_give_back(upstream_target_t *t, h2o_socket_t *sock);

/* Frees the idle pools now; their number. Worker thread (tests). */
void upstream_sweep(upstream_pool_t *u);
size_t upstream_pool_count(const upstream_pool_t *u);

/* A client context whose I/O timeout is timeout_ms (created on first use). */
h2o_http1client_ctx_t *upstream_client_ctx(upstream_pool_t *u, uint32_t timeout_ms);

#endif
