/* server: worker threads — listener, h2o context, runtime hand-over and the
 * drain on shutdown. */
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_registry.h"
#include "fnhost_life.h"
#include "h1conn.h"
#include "authz.h"
#include "crypto.h"
#include "dp.h"
#include "log.h"
#include "netaddr.h"
#include "observe.h"
#include "runtime.h"
#include "park.h"
#include "tls.h"
#include "ws_frame.h"

typedef struct {
    h2o_multithread_message_t super;
    runtime_t *rt;
} runtime_msg_t;

typedef struct {
    h2o_multithread_message_t super;
} control_msg_t;

static void worker_adopt(dp_thread_t *t, runtime_t *rt)
{
    dp_lease_t *lease = malloc(sizeof(*lease));
    if (lease == NULL)
        h2o_fatal("out of memory");
    lease->rt = rt; /* the sender took this reference for us */
    lease->refs = 1;
    dp_lease_t *old = t->lease;
    t->lease = lease;
    if (old != NULL && --old->refs == 0) {
        runtime_release(old->rt);
        free(old);
    }
}

static void worker_on_runtime(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    dp_thread_t *t = H2O_STRUCT_FROM_MEMBER(dp_thread_t, runtime_receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        runtime_msg_t *m = H2O_STRUCT_FROM_MEMBER(runtime_msg_t, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        worker_adopt(t, m->rt);
        free(m);
    }
}

static void worker_start_drain(dp_thread_t *t)
{
    if (t->draining)
        return;
    t->draining = 1;
    if (t->listener != NULL) {
        h2o_socket_read_stop(t->listener);
        h2o_socket_close(t->listener);
        t->listener = NULL;
    }
    if (t->tls_listener != NULL) {
        h2o_socket_read_stop(t->tls_listener);
        h2o_socket_close(t->tls_listener);
        t->tls_listener = NULL;
    }
    h2o_context_request_shutdown(&t->ctx);
    ws_thread_drain(t); /* close frames and $disconnect, best effort */
    if (t->inflight == 0)
        t->done = 1;
}

static void worker_on_control(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    dp_thread_t *t = H2O_STRUCT_FROM_MEMBER(dp_thread_t, control_receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        control_msg_t *m = H2O_STRUCT_FROM_MEMBER(control_msg_t, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        free(m);
        worker_start_drain(t);
    }
}

static void worker_on_accept(h2o_socket_t *listener, const char *err)
{
    dp_thread_t *t = listener->data;
    if (err != NULL)
        return;
    h2o_socket_t *sock;
    /* accept a burst per wakeup; the kernel spreads connections across threads */
    for (int i = 0; i < 64 && (sock = h2o_evloop_socket_accept(listener)) != NULL; i++)
        h1conn_accept(&t->accept_ctx, sock);
}

static void worker_on_tls_accept(h2o_socket_t *listener, const char *err)
{
    dp_thread_t *t = listener->data;
    if (err != NULL)
        return;
    h2o_socket_t *sock;
    for (int i = 0; i < 64 && (sock = h2o_evloop_socket_accept(listener)) != NULL; i++)
        h1conn_accept(&t->tls_accept_ctx, sock);
}

/* The HTTPS listener: the same handlers behind h2o's TLS (and HTTP/2 when
 * the client picks it by ALPN). */
static int worker_init_tls(dp_t *dp, dp_thread_t *t, char *err, size_t err_len)
{
    if (dp->tls_listen == NULL)
        return 0;
    int fd = netaddr_listen(dp->tls_listen, 1, err, err_len);
    if (fd < 0)
        return -1;
    t->tls_accept_ctx =
        (h2o_accept_ctx_t){.ctx = &t->ctx, .hosts = dp->globalconf.hosts, .ssl_ctx = dp->tls_ctx};
    t->tls_listener = h2o_evloop_socket_create(t->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    t->tls_listener->data = t;
    h2o_socket_read_start(t->tls_listener, worker_on_tls_accept);
    return 0;
}

/* Every second the worker hands its usage counts to the cluster thread. */
static void worker_hand_usage(dp_thread_t *t)
{
    if (dpusage_count(t->usage) == 0)
        return;
    dpusage_t *fresh = dpusage_create();
    if (fresh == NULL)
        return; /* keep counting into the full table; try again next second */
    dpusage_push(&t->dp->usage_inbox, t->usage);
    t->usage = fresh;
}

static void worker_on_usage_tick(h2o_timeout_entry_t *entry)
{
    dp_thread_t *t = H2O_STRUCT_FROM_MEMBER(dp_thread_t, usage_entry, entry);
    worker_hand_usage(t);
    h2o_timeout_link(t->loop, &t->usage_timeout, &t->usage_entry);
}

static int worker_init(dp_t *dp, dp_thread_t *t, char *err, size_t err_len);

static void *worker_main(void *arg)
{
    dp_thread_t *t = arg;
    uint64_t deadline = 0;
    /* Everything h2o allocates for this loop (its sockets' buffers come from
     * a thread-local buffer prototype) must be made on this thread. */
    t->init_rc = worker_init(t->dp, t, t->init_err, sizeof(t->init_err));
    sem_post(&t->dp->workers_ready);
    if (t->init_rc != 0)
        return NULL;
    tls_bind_worker(t);
    while (!t->done) {
        h2o_evloop_run(t->loop, 100);
        if (t->draining && deadline == 0)
            deadline = h2o_now(t->loop) + t->dp->drain_timeout_ms;
        if (t->draining && h2o_now(t->loop) >= deadline) {
            log_warn("worker %d: drain timed out with %u requests in flight", t->index,
                     t->inflight);
            break;
        }
    }
    /* let the last responses leave the socket buffers */
    for (int i = 0; i < 3; i++)
        h2o_evloop_run(t->loop, 10);
    observe_thread_flush(t);
    if (dpusage_count(t->usage) > 0)
        dpusage_push(&t->dp->usage_inbox, t->usage);
    else
        dpusage_destroy(t->usage);
    t->usage = NULL;
    crypto_hasher_destroy(t->hasher);
    t->hasher = NULL;
    return NULL;
}

static int worker_init(dp_t *dp, dp_thread_t *t, char *err, size_t err_len)
{
    crypto_random(&t->rng, sizeof(t->rng));
    int fd = netaddr_listen(dp->listen, 1, err, err_len);
    if (fd < 0)
        return -1;
    t->loop = h2o_evloop_create();
    h2o_context_init(&t->ctx, t->loop, &dp->globalconf);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = dp->globalconf.hosts;
    t->listener = h2o_evloop_socket_create(t->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, worker_on_accept);
    h2o_multithread_register_receiver(t->ctx.queue, &t->runtime_receiver, worker_on_runtime);
    h2o_multithread_register_receiver(t->ctx.queue, &t->control_receiver, worker_on_control);
    h2o_multithread_register_receiver(t->ctx.queue, &t->park_receiver, park_on_message);
    fnhost_worker_init(t);
    upstream_init(&t->upstream, t->loop, &t->ctx.receivers.hostinfo_getaddr);
    if (authz_thread_init(t) != 0 || observe_thread_init(t) != 0 || ws_thread_init(t) != 0 ||
        (t->usage = dpusage_create()) == NULL || (t->hasher = crypto_hasher_create()) == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    h2o_timeout_init(t->loop, &t->usage_timeout, 1000);
    t->usage_entry.cb = worker_on_usage_tick;
    h2o_timeout_link(t->loop, &t->usage_timeout, &t->usage_entry);
    return worker_init_tls(dp, t, err, err_len);
}

int dp_start_workers(dp_t *dp, char *err, size_t err_len)
{
    atomic_store(&dp->rate_share_ppm, THROTTLE_SHARE_ALL);
    pthread_mutex_init(&dp->lease_queue.mu, NULL);
    dp->threads = calloc((size_t)dp->nthreads, sizeof(*dp->threads));
    if (dp->threads == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    sem_init(&dp->workers_ready, 0, 0);
    for (int i = 0; i < dp->nthreads; i++) {
        dp->threads[i].dp = dp;
        dp->threads[i].index = i;
        h2o_multithread_create_thread(&dp->threads[i].tid, NULL, worker_main, &dp->threads[i]);
    }
    /* listeners are bound by the workers: wait so errors surface at startup */
    int rc = 0;
    for (int i = 0; i < dp->nthreads; i++)
        while (sem_wait(&dp->workers_ready) != 0)
            ;
    for (int i = 0; i < dp->nthreads && rc == 0; i++) {
        if (dp->threads[i].init_rc != 0) {
            snprintf(err, err_len, "%s", dp->threads[i].init_err);
            rc = -1;
        }
    }
    return rc;
}

void dp_install_runtime(dp_t *dp, runtime_t *rt)
{
    /* a key delta's runtime shares its root's stages, already bound */
    if (dp->caches != NULL && rt->root == NULL)
        cache_registry_bind(dp->caches, rt);
    for (int i = 0; i < dp->nthreads; i++) {
        runtime_msg_t *m = calloc(1, sizeof(*m));
        if (m == NULL)
            h2o_fatal("out of memory");
        runtime_hold(rt);
        m->rt = rt;
        h2o_multithread_send_message(&dp->threads[i].runtime_receiver, &m->super);
    }
    fnhost_on_runtime(rt);
    atomic_store(&dp->applied_version, rt->version);
    atomic_store(&dp->runtime_memory, rt->memory);
    atomic_store(&dp->has_runtime, 1);
    runtime_release(rt);
}

void dp_drain_workers(dp_t *dp)
{
    for (int i = 0; i < dp->nthreads; i++) {
        control_msg_t *m = calloc(1, sizeof(*m));
        if (m == NULL)
            h2o_fatal("out of memory");
        h2o_multithread_send_message(&dp->threads[i].control_receiver, &m->super);
    }
}

void dp_join_workers(dp_t *dp)
{
    for (int i = 0; i < dp->nthreads; i++)
        pthread_join(dp->threads[i].tid, NULL);
    /* only now: until every worker stopped, any of them could still reply */
    for (int i = 0; i < dp->nthreads; i++)
        authz_thread_dispose(&dp->threads[i]);
}
