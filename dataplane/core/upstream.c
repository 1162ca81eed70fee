/* upstream: a pool nobody has asked for in UPSTREAM_SWEEP_IDLE_MS and that
 * holds no socket (idle, in use or connecting: h2o's count of them) is freed
 * by the worker on a later lookup, so hosts that deployments stopped using
 * (or that stage variables only named once) do not accumulate. A request
 * holds its pool only while it talks to the upstream, far less than that. */
#include "upstream.h"

#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* Idle upstream connections are closed after this long; kept below common
 * server keep-alive timeouts so a pooled socket is rarely closed under us. */
#define UPSTREAM_IDLE_MS 4000
#define UPSTREAM_POOL_CAPACITY 4096
#define UPSTREAM_SWEEP_IDLE_MS (5 * 60 * 1000)
#define UPSTREAM_SWEEP_EVERY_MS (60 * 1000)

struct upstream_target {
    struct upstream_target *next;
    char *host;
    size_t host_len;
    uint16_t port;
    int is_ssl;
    uint64_t last_used_ms;
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
    u->sweep_idle_ms = UPSTREAM_SWEEP_IDLE_MS;
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

static int upstream_idle(const upstream_pool_t *u, struct upstream_target *t, uint64_t now)
{
    return now - t->last_used_ms >= u->sweep_idle_ms &&
           __atomic_load_n(&t->pool._shared.count, __ATOMIC_ACQUIRE) == 0;
}

void upstream_sweep(upstream_pool_t *u)
{
    uint64_t now = h2o_now(u->loop);
    u->last_sweep_ms = now;
    for (size_t i = 0; i < UPSTREAM_BUCKETS; i++) {
        struct upstream_target **slot = &u->buckets[i];
        while (*slot != NULL) {
            struct upstream_target *t = *slot;
            if (!upstream_idle(u, t, now)) {
                slot = &t->next;
                continue;
            }
            *slot = t->next;
            h2o_socketpool_dispose(&t->pool);
            free(t->host);
            free(t);
            u->npools--;
        }
    }
}

size_t upstream_pool_count(const upstream_pool_t *u)
{
    return u->npools;
}

h2o_socketpool_t *upstream_socketpool(upstream_pool_t *u, h2o_iovec_t host, uint16_t port,
                                      int is_ssl)
{
    uint64_t now = h2o_now(u->loop);
    if (now - u->last_sweep_ms >= UPSTREAM_SWEEP_EVERY_MS || u->sweep_idle_ms == 0)
        upstream_sweep(u);
    size_t b = (strmap_hash(host.base, host.len) ^ port ^ (size_t)is_ssl) % UPSTREAM_BUCKETS;
    for (struct upstream_target *t = u->buckets[b]; t != NULL; t = t->next)
        if (t->port == port && t->is_ssl == is_ssl && t->host_len == host.len &&
            memcmp(t->host, host.base, host.len) == 0) {
            t->last_used_ms = now;
            return &t->pool;
        }
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
    t->last_used_ms = now;
    t->next = u->buckets[b];
    u->buckets[b] = t;
    u->npools++;
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
