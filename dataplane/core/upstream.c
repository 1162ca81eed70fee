/* upstream: a pool nobody has asked for in UPSTREAM_SWEEP_IDLE_MS and that
 * holds no socket (idle, in use or connecting: counted through each
 * socket's on_close callback) is freed by the worker on a later lookup, so
 * hosts that deployments stopped using (or that stage variables only named
 * once) do not accumulate. A request holds its pool only while it talks to
 * the upstream, far less than that.
 * An idle socket keeps reading with upstream_idle_read: the loop's epoll
 * registration never changes between exchanges (h2o applies read start/stop
 * lazily, and taking a socket stops reading only until the request is
 * written, within the same loop iteration). */
#include "upstream.h"

#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* Idle upstream connections are closed after this long; kept below common
 * server keep-alive timeouts so a pooled socket is rarely closed under us. */
#define UPSTREAM_IDLE_MS 4000
#define UPSTREAM_POOL_CAPACITY 4096 /* idle connections kept per pool */
#define UPSTREAM_SWEEP_IDLE_MS (5 * 60 * 1000)
#define UPSTREAM_SWEEP_EVERY_MS (60 * 1000)

struct upstream_idle {
    h2o_linklist_t link;
    h2o_timeout_entry_t timeout;
    h2o_socket_t *sock;
    upstream_target_t *target;
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
    h2o_timeout_init(loop, &u->idle_timeout, UPSTREAM_IDLE_MS);
    h2o_linklist_init_anchor(&u->spare);
    u->ssl_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(u->ssl_ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(u->ssl_ctx);
    SSL_CTX_set_verify(u->ssl_ctx, SSL_VERIFY_PEER, NULL);
}

static void upstream_on_close(void *data)
{
    upstream_target_t *t = data;
    t->nsockets--;
}

/* Unlinks an idle entry and keeps it for reuse; its socket is the caller's. */
static h2o_socket_t *upstream_idle_release(struct upstream_idle *e)
{
    h2o_socket_t *sock = e->sock;
    h2o_linklist_unlink(&e->link);
    if (h2o_timeout_is_linked(&e->timeout))
        h2o_timeout_unlink(&e->timeout);
    e->sock = NULL;
    e->target->nidle--;
    h2o_linklist_insert(&e->target->owner->spare, &e->link);
    return sock;
}

static void upstream_idle_close(struct upstream_idle *e)
{
    h2o_socket_t *sock = upstream_idle_release(e);
    h2o_socket_read_stop(sock);
    h2o_socket_close(sock);
}

static void upstream_idle_read(h2o_socket_t *sock, const char *err)
{
    /* TLS records without application data (session tickets) are fine */
    if (err == NULL && sock->input->size == 0)
        return;
    upstream_idle_close(sock->data);
}

static void upstream_idle_expired(h2o_timeout_entry_t *entry)
{
    upstream_idle_close(H2O_STRUCT_FROM_MEMBER(struct upstream_idle, timeout, entry));
}

static void upstream_target_free(upstream_pool_t *u, upstream_target_t *t)
{
    while (!h2o_linklist_is_empty(&t->idle))
        upstream_idle_close(H2O_STRUCT_FROM_MEMBER(struct upstream_idle, link, t->idle.next));
    free(t->host);
    free(t);
    u->npools--;
}

void upstream_dispose(upstream_pool_t *u)
{
    for (size_t i = 0; i < UPSTREAM_BUCKETS; i++) {
        upstream_target_t *t = u->buckets[i];
        while (t != NULL) {
            upstream_target_t *next = t->next;
            /* sockets still open (closing TLS ones) must not count into freed memory */
            for (h2o_linklist_t *l = t->idle.next; l != &t->idle; l = l->next)
                H2O_STRUCT_FROM_MEMBER(struct upstream_idle, link, l)->sock->on_close.cb = NULL;
            upstream_target_free(u, t);
            t = next;
        }
    }
    while (!h2o_linklist_is_empty(&u->spare)) {
        struct upstream_idle *e = H2O_STRUCT_FROM_MEMBER(struct upstream_idle, link, u->spare.next);
        h2o_linklist_unlink(&e->link);
        free(e);
    }
    h2o_timeout_dispose(u->loop, &u->idle_timeout);
    struct upstream_timeout *to = u->timeouts;
    while (to != NULL) {
        struct upstream_timeout *next = to->next;
        h2o_timeout_dispose(u->loop, &to->timeout);
        free(to);
        to = next;
    }
    SSL_CTX_free(u->ssl_ctx);
}

static int upstream_idle_pool(const upstream_pool_t *u, const upstream_target_t *t, uint64_t now)
{
    return now - t->last_used_ms >= u->sweep_idle_ms && t->nsockets == 0;
}

void upstream_sweep(upstream_pool_t *u)
{
    uint64_t now = h2o_now(u->loop);
    u->last_sweep_ms = now;
    for (size_t i = 0; i < UPSTREAM_BUCKETS; i++) {
        upstream_target_t **slot = &u->buckets[i];
        while (*slot != NULL) {
            upstream_target_t *t = *slot;
            if (!upstream_idle_pool(u, t, now)) {
                slot = &t->next;
                continue;
            }
            *slot = t->next;
            upstream_target_free(u, t);
        }
    }
}

size_t upstream_pool_count(const upstream_pool_t *u)
{
    return u->npools;
}

upstream_target_t *upstream_target(upstream_pool_t *u, h2o_iovec_t host, uint16_t port, int is_ssl)
{
    uint64_t now = h2o_now(u->loop);
    if (now - u->last_sweep_ms >= UPSTREAM_SWEEP_EVERY_MS || u->sweep_idle_ms == 0)
        upstream_sweep(u);
    size_t b = (strmap_hash(host.base, host.len) ^ port ^ (size_t)is_ssl) % UPSTREAM_BUCKETS;
    for (upstream_target_t *t = u->buckets[b]; t != NULL; t = t->next)
        if (t->port == port && t->is_ssl == is_ssl && t->host_len == host.len &&
            memcmp(t->host, host.base, host.len) == 0) {
            t->last_used_ms = now;
            return t;
        }
    upstream_target_t *t = calloc(1, sizeof(*t));
    if (t == NULL || (t->host = malloc(host.len + 1)) == NULL)
        h2o_fatal("out of memory");
    memcpy(t->host, host.base, host.len);
    t->host[host.len] = '\0';
    t->host_len = host.len;
    t->owner = u;
    t->port = port;
    t->is_ssl = is_ssl;
    if (h2o_hostinfo_aton(h2o_iovec_init(t->host, t->host_len), &t->addr.sin_addr) == 0) {
        t->has_addr = 1;
        t->addr.sin_family = AF_INET;
        t->addr.sin_port = htons(port);
    }
    snprintf(t->serv, sizeof(t->serv), "%u", (unsigned)port);
    h2o_linklist_init_anchor(&t->idle);
    t->last_used_ms = now;
    t->next = u->buckets[b];
    u->buckets[b] = t;
    u->npools++;
    return t;
}

h2o_socket_t *upstream_take(upstream_target_t *t)
{
    if (h2o_linklist_is_empty(&t->idle))
        return NULL;
    h2o_socket_t *sock =
        upstream_idle_release(H2O_STRUCT_FROM_MEMBER(struct upstream_idle, link, t->idle.prev));
    h2o_socket_read_stop(sock);
    sock->data = NULL;
    return sock;
}

void upstream_adopt(upstream_target_t *t, h2o_socket_t *sock)
{
    t->nsockets++;
    sock->on_close.cb = upstream_on_close;
    sock->on_close.data = t;
}

void upstream_give_back(upstream_target_t *t, h2o_socket_t *sock)
{
    upstream_pool_t *u = t->owner;
    if (t->nidle >= UPSTREAM_POOL_CAPACITY) {
        h2o_socket_close(sock);
        return;
    }
    struct upstream_idle *e;
    if (!h2o_linklist_is_empty(&u->spare)) {
        e = H2O_STRUCT_FROM_MEMBER(struct upstream_idle, link, u->spare.next);
        h2o_linklist_unlink(&e->link);
    } else
        e = h2o_mem_alloc(sizeof(*e));
    *e = (struct upstream_idle){.sock = sock, .target = t};
    e->timeout.cb = upstream_idle_expired;
    h2o_linklist_insert(&t->idle, &e->link);
    t->nidle++;
    h2o_timeout_link(u->loop, &u->idle_timeout, &e->timeout);
    sock->data = e;
    h2o_socket_read_start(sock, upstream_idle_read);
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
