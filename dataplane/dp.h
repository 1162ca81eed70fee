/* dp: the data plane's process-wide state and its worker threads. Each
 * worker owns one event loop, one h2o context and one SO_REUSEPORT listener;
 * the cluster thread hands compiled runtimes to workers by message. */
#ifndef PORTICO_DP_H
#define PORTICO_DP_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include "crypto.h"
#include "dpusage.h"
#include "envelope.h"
#include "qlease_queue.h"
#include "rng.h"
#include "upstream.h"

/* A worker's reference to one runtime: counted without atomics because only
 * the owning worker touches it. The runtime itself is released when the last
 * lease on it goes. */
struct runtime; /* runtime.h */

typedef struct dp_lease {
    struct runtime *rt;
    unsigned refs;
} dp_lease_t;

typedef struct dp dp_t;
struct cache_registry;

typedef struct dp_thread {
    dp_t *dp;
    int index;
    pthread_t tid;
    h2o_evloop_t *loop;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t runtime_receiver;
    h2o_multithread_receiver_t control_receiver;
    h2o_multithread_receiver_t park_receiver; /* wakes of parked requests (park.h) */
    h2o_multithread_receiver_t fn_receiver;   /* function invocations' answers (fnhost.c) */
    dp_lease_t *lease;                        /* NULL until the first snapshot */
    upstream_pool_t upstream;
    rng_t rng; /* request ids, trace ids, canary split */
    unsigned inflight;
    int draining;
    int done;
    int init_rc; /* worker_init's result, read by dp_start_workers */
    char init_err[256];
    /* authorization: asks for custom authorizer decisions, sent to the
     * key's home worker, and the worker's decision caches (authz.c) */
    h2o_multithread_receiver_t authz_receiver;
    struct authz_thread *authz;
    /* HTTPS: the TLS listener, when --tls-listen is given */
    h2o_accept_ctx_t tls_accept_ctx;
    h2o_socket_t *tls_listener;
    /* ---- observability: observe.h */
    struct observe_thread *obs;
    /* usage plans: this worker's request counts, handed to the
     * cluster thread every second */
    dpusage_t *usage;
    crypto_hasher_t *hasher; /* x-api-key digests without OpenSSL's lookup lock */
    h2o_timeout_t usage_timeout;
    h2o_timeout_entry_t usage_entry;
    struct ws_thread *ws; /* WebSocket connections on this loop (ws_sock.h) */
} dp_thread_t;

struct dp {
    const char *control_plane;
    const char *cluster_tls_cert, *cluster_tls_key, *cluster_tls_ca; /* tls+tcp:// */
    const char *listen;
    const char *state_dir;
    const char *node_id;
    const char *cluster_secret_file;
    const char *access_log_dir; /* --access-log-dir: where file destinations go */
    const char *invoke_domain;
    size_t invoke_domain_len;
    int nthreads;
    unsigned drain_timeout_ms;
    envelope_secret_t secret;
    h2o_globalconf_t globalconf;
    dp_thread_t *threads;
    sem_t workers_ready; /* posted by each worker once its loop is set up */
    /* HTTPS: default certificate; custom domains' come by SNI */
    const char *tls_listen;
    const char *tls_cert;
    const char *tls_key;
    const char *tls_client_ca;
    SSL_CTX *tls_ctx;
    atomic_uint_fast64_t applied_version;
    atomic_int has_runtime;
    /* response caching: bytes one GB of cacheClusterSize stands for, and
     * the stage caches (used by the thread installing runtimes) */
    uint64_t cache_bytes_per_gb;
    struct cache_registry *caches;
    /* ---- observability */
    int metrics_off;           /* --no-metrics: count nothing, report nothing */
    const char *execution_log; /* --execution-log destination */
    int exec_log_dest;         /* its accesslog id */
    const char *status_listen; /* --status-listen, NULL: no status port */
    uint64_t started_at_ms;
    atomic_uint_fast64_t runtime_memory; /* bytes of the runtime being served */
    /* usage plans */
    atomic_uint rate_share_ppm; /* this node's part of every rate limit (throttle.h) */
    dpusage_inbox_t usage_inbox;
    /* exact quotas (qlease.h) */
    const char *quota_away;    /* --quota-when-control-plane-away: "open" | "closed" */
    int quota_away_open;       /* 1: serve past the lease while the control plane is away */
    atomic_int quota_open_now; /* set by the cluster thread: away, and open */
    atomic_int lease_cp_away;  /* the control plane is silent: no lease can be asked for */
    qlease_queue_t lease_queue;
    /* functions (fnhost_life.h) */
    unsigned function_slots;  /* --function-slots (0: 4 per core) */
    unsigned function_idle_s; /* --function-idle-seconds */
    const char *function_ric; /* --function-node-ric */
    /* WebSocket APIs (ws_sock.h limits, ws_peer.h directory) */
    uint64_t ws_frame_max, ws_message_max, ws_outbound_max;
    unsigned ws_idle_ms, ws_lifetime_ms, ws_connects_per_s;
    int ws_reference_limits; /* --ws-reference-limits */
    const char *ws_peers;
    const char *ws_advertise;
};

/* Called on any thread: gives every worker its own reference to rt and drops
 * the caller's. */
void dp_install_runtime(dp_t *dp, struct runtime *rt);

/* Starts the workers (listeners bound first so errors surface at startup). */
int dp_start_workers(dp_t *dp, char *err, size_t err_len);
/* Asks every worker to stop accepting, finish in-flight requests and exit. */
void dp_drain_workers(dp_t *dp);
void dp_join_workers(dp_t *dp);

#endif
