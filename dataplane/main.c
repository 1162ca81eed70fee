/* portico-dp: a data-plane node — options, the workers, the cluster client,
 * and a draining SIGTERM. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fn_invoke_route.h"
#include "fnhost_life.h"
#include "cache_registry.h"
#include "accesslog.h"
#include "clock.h"
#include "clustertls.h"
#include "cluster_client.h"
#include "dp.h"
#include "fsutil.h"
#include "log.h"
#include "netaddr.h"
#include "opts.h"
#include "pipeline.h"
#include "secret.h"
#include "step_cache.h"
#include "tls.h"
#include "iam_conf.h"
#include "ws_sock.h"
#include "tls_conf.h"
#include "status.h"

#define DP_MAX_BODY (10 * 1024 * 1024)
#define DP_MAX_NODE_ID 255

#define DP_OPT(field) OPTS_AT(dp_t, field)

static const opts_spec_t dp_specs[] = {
    {"control-plane", "URL", OPTS_STR, DP_OPT(control_plane), 0, 0, 0, "tcp://127.0.0.1:9100",
     "tcp://HOST:PORT of the control plane's cluster address (its PORT, PORT+1 and PORT+2 are "
     "used)"},
    {"listen", "HOST:PORT", OPTS_STR, DP_OPT(listen), 0, 0, 0, "127.0.0.1:8080", "client traffic"},
    {"state-dir", "DIR", OPTS_STR, DP_OPT(state_dir), 0, 0, 0, "./portico-dp-state",
     "last good snapshot"},
    {"node-id", "ID", OPTS_STR, DP_OPT(node_id), 0, 0, 0, NULL,
     "name in reports (default HOSTNAME-PORT)"},
    {"threads", "N", OPTS_INT, DP_OPT(nthreads), 1, 256, 0, NULL,
     "event loop threads (default: number of cores)"},
    {"invoke-domain", "D", OPTS_STR, DP_OPT(invoke_domain), 0, 0, 0, "localhost",
     "APIs answer on {api_id}.execute-api.D"},
    {"drain-timeout", "SECONDS", OPTS_UINT, DP_OPT(drain_timeout_ms), 0, 3600, 1000, "30",
     "SIGTERM waits this long for in-flight requests"},
    {"cluster-secret-file", "FILE", OPTS_STR, DP_OPT(cluster_secret_file), 0, 0, 0, NULL,
     "shared secret authenticating cluster messages"},
    {"cache-bytes-per-gb", "N", OPTS_U64, DP_OPT(cache_bytes_per_gb), 1024, 1099511627776.0, 0,
     "1073741824", "memory one GB of a stage's cacheClusterSize stands for on this node"},
    {"tls-listen", "HOST:PORT", OPTS_STR, DP_OPT(tls_listen), 0, 0, 0, NULL,
     "HTTPS traffic (HTTP/2 by ALPN, TLS 1.2+); needs --tls-cert and --tls-key"},
    {"tls-cert", "FILE", OPTS_STR, DP_OPT(tls_cert), 0, 0, 0, NULL,
     "the default certificate (PEM, leaf then chain); custom domain names bring their own "
     "certificates, chosen by SNI"},
    {"tls-key", "FILE", OPTS_STR, DP_OPT(tls_key), 0, 0, 0, NULL,
     "the default certificate's private key (PEM)"},
    {"tls-client-ca", "FILE", OPTS_STR, DP_OPT(tls_client_ca), 0, 0, 0, NULL,
     "mutual TLS on the default certificate: clients must present a certificate these CAs "
     "signed"},
    {"status-listen", "HOST:PORT", OPTS_STR, DP_OPT(status_listen), 0, 0, 0, NULL,
     "serve GET /metrics (Prometheus) with this node's figures there (no token: keep it "
     "private)"},
    {"execution-log", "DEST", OPTS_STR, DP_OPT(execution_log), 0, 0, 0, "stderr",
     "where execution logs (the method setting logging/loglevel) go: stderr, stdout or an "
     "absolute file path"},
    {"access-log-dir", "DIR", OPTS_STR, DP_OPT(access_log_dir), 0, 0, 0, NULL,
     "where the access-log files stages name (destinationArn) are created; without it only "
     "stdout and stderr destinations are written"},
    {"cluster-tls-cert", "FILE", OPTS_STR, DP_OPT(cluster_tls_cert), 0, 0, 0, NULL,
     "with a tls+tcp:// control plane: this node's certificate (PEM), signed by the CA the "
     "control plane trusts"},
    {"cluster-tls-key", "FILE", OPTS_STR, DP_OPT(cluster_tls_key), 0, 0, 0, NULL,
     "its private key (PEM, mode 0600)"},
    {"cluster-tls-ca", "FILE", OPTS_STR, DP_OPT(cluster_tls_ca), 0, 0, 0, NULL,
     "the CA that signs the control plane's certificate"},
    {"no-metrics", NULL, OPTS_FLAG, DP_OPT(metrics_off), 0, 0, 0, NULL,
     "count and report no request metrics"},
    {"quota-when-control-plane-away", "open|closed", OPTS_STR, DP_OPT(quota_away), 0, 0, 0,
     "closed",
     "quotas while the control plane is unreachable: closed spends only the leased budget "
     "this node holds, then answers 429 Limit Exceeded; open keeps serving, counted and "
     "reported later"},
    {"function-slots", "N", OPTS_UINT, DP_OPT(function_slots), 1, 4096, 0, NULL,
     "runtime processes this node runs at once, all functions together (default: 4 per core); "
     "idle warm ones make room for others"},
    {"function-idle-seconds", "SECONDS", OPTS_UINT, DP_OPT(function_idle_s), 0, 86400, 0, "600",
     "a warm runtime process idle this long is stopped (0: never)"},
    {"function-node-ric", "DIR", OPTS_STR, DP_OPT(function_ric), 0, 0, 0, NULL,
     "aws-lambda-ric's package directory (node_modules/aws-lambda-ric, installed by "
     "deploy/install-deps), for the nodejs20.x and nodejs22.x runtimes"},
    {"ws-frame-bytes", "N", OPTS_U64, DP_OPT(ws_frame_max), 125, 16777216, 0, "32768",
     "WebSocket APIs: the largest frame a client may send (a larger one closes with 1009)"},
    {"ws-message-bytes", "N", OPTS_U64, DP_OPT(ws_message_max), 125, 16777216, 0, "131072",
     "WebSocket APIs: the largest message a client may send or @connections may post (close "
     "1009, 413)"},
    {"ws-outbound-bytes", "N", OPTS_U64, DP_OPT(ws_outbound_max), 1024, 1073741824, 0, "1048576",
     "WebSocket APIs: bytes waiting for a client that does not read before it is closed"},
    {"ws-idle-timeout", "SECONDS", OPTS_UINT, DP_OPT(ws_idle_ms), 1, 86400, 1000, "600",
     "WebSocket APIs: a connection without messages is closed (1001) after this long"},
    {"ws-max-lifetime", "SECONDS", OPTS_UINT, DP_OPT(ws_lifetime_ms), 1, 604800, 1000, "7200",
     "WebSocket APIs: every connection is closed (1001) after this long"},
    {"ws-connects-per-second", "N", OPTS_UINT, DP_OPT(ws_connects_per_s), 0, 1000000, 0, "0",
     "WebSocket APIs: new connections this node accepts per second (0: no limit; the "
     "reference's account default is 500)"},
    {"ws-reference-limits", NULL, OPTS_FLAG, DP_OPT(ws_reference_limits), 0, 0, 0, NULL,
     "WebSocket APIs: the reference's new-connection rate (500 per second) unless "
     "--ws-connects-per-second says otherwise (its frame, message, idle and lifetime limits "
     "are the defaults already)"},
    {"ws-peers", "LIST", OPTS_STR, DP_OPT(ws_peers), 0, 0, 0, NULL,
     "WebSocket APIs: NODEID=http://HOST:PORT,... the other data-plane nodes' client "
     "listeners, where @connections calls for their connections are forwarded (besides the "
     "control plane's directory)"},
    {"ws-advertise", "URL", OPTS_STR, DP_OPT(ws_advertise), 0, 0, 0, NULL,
     "WebSocket APIs: http://HOST:PORT other nodes use to reach this node's listener "
     "(default: http://LISTEN unless LISTEN is a wildcard address)"},
};

static const opts_table_t dp_options = {
    "portico-dp",
    "A Portico data-plane node: serves API traffic from the snapshots the control plane\n"
    "publishes, and from its state directory when the control plane is away.",
    dp_specs,
    sizeof(dp_specs) / sizeof(dp_specs[0]),
    "Environment:\n"
    "  PORTICO_CLUSTER_SECRET  cluster secret (unless --cluster-secret-file)\n"
    "  PORTICO_LOG_LEVEL       debug | info | warn | error\n"
    "\n"
    "Signals: SIGTERM and SIGINT drain and stop; SIGHUP reopens log files.\n",
};

/* A node id names the node in every cluster message: 1..DP_MAX_NODE_ID
 * printable bytes (a longer one would not fit a fetch request). */
static int dp_check_node_id(const char *id)
{
    size_t len = id != NULL ? strlen(id) : 1;
    for (size_t i = 0; id != NULL && i < len; i++)
        if ((unsigned char)id[i] <= 0x20 || id[i] == 0x7f)
            len = 0;
    if (len >= 1 && len <= DP_MAX_NODE_ID)
        return 0;
    fprintf(stderr, "--node-id must be 1..%d printable characters without spaces\n",
            DP_MAX_NODE_ID);
    return -1;
}

/* The function host: slots default to 4 per core (runtimes mostly wait on
 * I/O; memory is bounded per process). */
static int dp_start_functions(dp_t *dp, char *err, size_t err_len)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    fnhost_conf_t conf = {.slots = dp->function_slots != 0 ? dp->function_slots
                                                           : (unsigned)(cores > 0 ? cores : 1) * 4,
                          .idle_s = dp->function_idle_s,
                          .ric_dir = dp->function_ric,
                          .region = "us-east-1"};
    return fnhost_start(dp, &conf, err, err_len);
}

/* Returns 0 to run, 1 after --help, -1 on a bad command line. */
static int dp_parse(int argc, char **argv, dp_t *dp)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    dp->nthreads = cores > 0 ? (int)cores : 1;
    int rc = opts_parse(&dp_options, argc, argv, dp);
    if (rc != 0)
        return rc;
    if ((dp->tls_listen != NULL) != (dp->tls_cert != NULL && dp->tls_key != NULL) ||
        (dp->tls_client_ca != NULL && dp->tls_listen == NULL)) {
        fprintf(stderr, "--tls-listen needs --tls-cert and --tls-key (and they need it)\n");
        return -1;
    }
    dp->invoke_domain_len = strlen(dp->invoke_domain);
    if (strcmp(dp->quota_away, "open") != 0 && strcmp(dp->quota_away, "closed") != 0) {
        fprintf(stderr, "--quota-when-control-plane-away is open or closed\n");
        return -1;
    }
    dp->quota_away_open = strcmp(dp->quota_away, "open") == 0;
    char err[512];
    clustertls_files_t tls = {dp->cluster_tls_cert, dp->cluster_tls_key, dp->cluster_tls_ca};
    if (clustertls_check(dp->control_plane, &tls, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return dp_check_node_id(dp->node_id);
}

static char *dp_default_node_id(const char *listen)
{
    char host[256] = "node", h[256];
    uint16_t port = 0;
    gethostname(host, sizeof(host) - 1);
    netaddr_split(listen, h, sizeof(h), &port);
    char *id = malloc(strlen(host) + 8);
    if (id != NULL)
        sprintf(id, "%s-%u", host, port);
    return id;
}

static void dp_configure_h2o(dp_t *dp)
{
    h2o_config_init(&dp->globalconf);
    dp->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("Portico"));
    dp->globalconf.max_request_entity_size = DP_MAX_BODY;
    h2o_hostconf_t *host =
        h2o_config_register_host(&dp->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    fn_invoke_route_register(host, dp);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path, sizeof(*h));
    h->on_req = pipeline_on_req;
}

static void dp_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

/* Waits for SIGTERM or SIGINT; SIGHUP on the way reopens the log files. */
static int dp_wait_for_signal(void)
{
    sigset_t set;
    dp_signal_set(&set);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
        log_info("SIGHUP: reopening log files");
        accesslog_reopen();
    }
    return sig;
}

static int dp_run(dp_t *dp)
{
    char err[512];
    cluster_client_t *cc = NULL;
    status_server_t *status = NULL;
    int rc = 1;
    if (secret_load(dp->cluster_secret_file, &dp->secret, err, sizeof(err)) != 0) {
        log_error("%s", err);
        return 1;
    }
    if (fsutil_ensure_dir(dp->state_dir, 0700) != 0) {
        log_error("cannot create the state directory %s: %s", dp->state_dir, strerror(errno));
        goto out;
    }
    tls_conf_set_secret(&dp->secret);
    iam_conf_set_secret(&dp->secret);
    if (ws_configure(dp, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    if (dp->tls_listen != NULL &&
        (dp->tls_ctx = tls_ctx_from_files(dp->tls_cert, dp->tls_key, dp->tls_client_ca, err,
                                          sizeof(err))) == NULL) {
        log_error("TLS: %s", err);
        goto out;
    }
    if (dp->tls_ctx != NULL)
        tls_enable_sni(dp->tls_ctx);
    dp_configure_h2o(dp);
    dp->caches = cache_registry_create(dp->cache_bytes_per_gb, step_cache_wake);
    if (dp->caches == NULL) {
        log_error("out of memory");
        goto out;
    }
    dp->started_at_ms = clock_wall_ms();
    if (dp->access_log_dir != NULL &&
        accesslog_set_dir(dp->access_log_dir, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    if ((dp->exec_log_dest = accesslog_dest_path(dp->execution_log)) < 0) {
        log_error("--execution-log must be stderr, stdout or an absolute path");
        goto out;
    }
    if (accesslog_start(err, sizeof(err)) != 0 || dp_start_workers(dp, err, sizeof(err)) != 0 ||
        (dp->status_listen != NULL && status_start(dp, &status, err, sizeof(err)) != 0)) {
        log_error("%s", err);
        goto out;
    }
    if (cluster_client_create(dp, &cc, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    if (dp_start_functions(dp, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    cluster_client_load_state(dp, cc);
    if (cluster_client_start(cc, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    log_info("node %s serving on %s%s%s with %d threads; control plane %s", dp->node_id, dp->listen,
             dp->tls_listen != NULL ? " and https://" : "",
             dp->tls_listen != NULL ? dp->tls_listen : "", dp->nthreads, dp->control_plane);
    int sig = dp_wait_for_signal();
    log_info("%s: draining in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    dp_drain_workers(dp);
    dp_join_workers(dp);
    fnhost_stop();
    log_info("stopped");
    rc = 0;
out:
    cluster_client_stop(cc);
    cache_registry_destroy(dp->caches);
    SSL_CTX_free(dp->tls_ctx);
    status_stop(status);
    accesslog_stop();
    secret_dispose(&dp->secret);
    return rc;
}

/* A request's pool frees its large blocks (templates' render memory,
 * buffered bodies) when the response is sent. With glibc's defaults a
 * worker's heap then trims its top back to the system as soon as it passes
 * 128 KiB, and the next requests fault the same pages in again: an madvise
 * every few requests under load. Each heap keeps up to DP_MALLOC_KEEP
 * free at its top instead. Setting the trim threshold stops glibc moving
 * the mmap threshold itself, so that one is set where its own adjustment
 * would take it for bodies up to DP_MAX_BODY. */
#define DP_MALLOC_KEEP (4 * 1024 * 1024)

static void dp_tune_malloc(void)
{
    if (mallopt(M_TRIM_THRESHOLD, DP_MALLOC_KEEP) != 1 ||
        mallopt(M_MMAP_THRESHOLD, DP_MAX_BODY + 64 * 1024) != 1)
        log_warn("mallopt refused: the allocator keeps its defaults");
}

int main(int argc, char **argv)
{
    static dp_t dp;
    log_init("portico-dp");
    int parsed = dp_parse(argc, argv, &dp);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    char *node_id = NULL;
    if (dp.node_id == NULL)
        dp.node_id = node_id = dp_default_node_id(dp.listen);
    signal(SIGPIPE, SIG_IGN);
    dp_tune_malloc();
    /* every thread inherits this mask; only dp_wait_for_signal takes them */
    sigset_t set;
    dp_signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    umask(077);
    int rc = dp_run(&dp);
    free(node_id);
    return rc;
}
