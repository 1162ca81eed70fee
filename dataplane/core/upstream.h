/* upstream: a worker's connections to integration endpoints — one keep-alive
 * socket pool per (host, port, tls) and one HTTP client context per distinct
 * integration timeout. Owned by one worker thread; no locking. */
#ifndef PORTICO_UPSTREAM_H
#define PORTICO_UPSTREAM_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <h2o/http1client.h>
#include <h2o/socketpool.h>

#define UPSTREAM_BUCKETS 256

struct upstream_target;
struct upstream_timeout;

typedef struct {
    h2o_loop_t *loop;
    h2o_multithread_receiver_t *getaddr_receiver;
    SSL_CTX *ssl_ctx;
    struct upstream_target *buckets[UPSTREAM_BUCKETS];
    struct upstream_timeout *timeouts;
    size_t npools;
    uint64_t last_sweep_ms;
    uint64_t sweep_idle_ms; /* a pool unused this long and without sockets is freed */
} upstream_pool_t;

void upstream_init(upstream_pool_t *u, h2o_loop_t *loop, h2o_multithread_receiver_t *getaddr);
void upstream_dispose(upstream_pool_t *u);

/* The pool for host:port (created on first use). Pools unused for
 * sweep_idle_ms that hold no socket are freed on the way (at most once a
 * minute), so the pointer is valid while the caller's request uses it. */
h2o_socketpool_t *upstream_socketpool(upstream_pool_t *u, h2o_iovec_t host, uint16_t port,
                                      int is_ssl);

/* Frees the idle pools now; their number. Worker thread (tests). */
void upstream_sweep(upstream_pool_t *u);
size_t upstream_pool_count(const upstream_pool_t *u);

/* A client context whose I/O timeout is timeout_ms (created on first use). */
h2o_http1client_ctx_t *upstream_client_ctx(upstream_pool_t *u, uint32_t timeout_ms);

#endif
