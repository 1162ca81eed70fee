/* upstream: pools are never removed while the worker runs; a deployment that
 * stops using a host leaves an idle pool whose sockets time out. */
#include "upstream.h"

#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* Idle upstream connections are closed after this long; kept below common
 * server keep-alive timeouts so a pooled socket is rarely closed under us. */
#define UPSTREAM_IDLE_MS 4000
#define UPSTREAM_POOL_CAPACITY 4096

struct upstream_target {
    struct upstream_target *next;
    char *host;
    size_t host_len;
    uint16_t port;
    int is_ssl;
    h2o_socketpool_t pool;
};

struct upstream_timeout {
    struct upstream_timeout *next;
    uint32_t ms;
    h2o_timeout_t timeout;
    h2o_http1client_ctx_t client_ctx;
};

void upstream_init(upstream_pool_t *u, h2o_loop_t *loop, h2o_multithread_receiver_t *getaddr)
{
    memset(u, 0, sizeof(*u));
    u->loop = loop;
    u->getaddr_receiver = getaddr;
    u->ssl_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(u->ssl_ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(u->ssl_ctx);
    SSL_CTX_set_verify(u->ssl_ctx, SSL_VERIFY_PEER, NULL);
}

void upstream_dispose(upstream_pool_t *u)
{
    for (size_t i = 0; i < UPSTREAM_BUCKETS; i++) {
        struct upstream_target *t = u->buckets[i];
        while (t != NULL) {
            struct upstream_target *next = t->next;
            h2o_socketpool_dispose(&t->pool);
            free(t->host);
            free(t);
            t = next;
        }
    }
    struct upstream_timeout *to = u->timeouts;
    while (to != NULL) {
        struct upstream_timeout *next = to->next;
        h2o_timeout_dispose(u->loop, &to->timeout);
        free(to);
        to = next;
    }
    SSL_CTX_free(u->ssl_ctx);
}

h2o_socketpool_t *upstream_socketpool(upstream_pool_t *u, h2o_iovec_t host, uint16_t port,
                                      int is_ssl)
{
    size_t b = (strmap_hash(host.base, host.len) ^ port ^ (size_t)is_ssl) % UPSTREAM_BUCKETS;
    for (struct upstream_target *t = u->buckets[b]; t != NULL; t = t->next)
        if (t->port == port && t->is_ssl == is_ssl && t->host_len == host.len &&
            memcmp(t->host, host.base, host.len) == 0)
            return &t->pool;
    struct upstream_target *t = calloc(1, sizeof(*t));
    if (t == NULL || (t->host = malloc(host.len + 1)) == NULL)
        h2o_fatal("out of memory");
    memcpy(t->host, host.base, host.len);
    t->host[host.len] = '\0';
    t->host_len = host.len;
    t->port = port;
    t->is_ssl = is_ssl;
    h2o_socketpool_init_by_hostport(&t->pool, h2o_iovec_init(t->host, t->host_len), port, is_ssl,
                                    UPSTREAM_POOL_CAPACITY);
    h2o_socketpool_set_timeout(&t->pool, u->loop, UPSTREAM_IDLE_MS);
    t->next = u->buckets[b];
    u->buckets[b] = t;
    return &t->pool;
}

h2o_http1client_ctx_t *upstream_client_ctx(upstream_pool_t *u, uint32_t timeout_ms)
{
    for (struct upstream_timeout *t = u->timeouts; t != NULL; t = t->next)
        if (t->ms == timeout_ms)
            return &t->client_ctx;
    struct upstream_timeout *t = calloc(1, sizeof(*t));
    if (t == NULL)
        h2o_fatal("out of memory");
    t->ms = timeout_ms;
    h2o_timeout_init(u->loop, &t->timeout, timeout_ms);
    t->client_ctx = (h2o_http1client_ctx_t){
        .loop = u->loop,
        .getaddr_receiver = u->getaddr_receiver,
        .io_timeout = &t->timeout,
        .ssl_ctx = u->ssl_ctx,
    };
    t->next = u->timeouts;
    u->timeouts = t;
    return &t->client_ctx;
}
