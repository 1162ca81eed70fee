/* portico-dp: a data-plane node — options, the workers, the cluster client,
 * and a draining SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_registry.h"
#include "accesslog.h"
#include "clock.h"
#include "cluster_client.h"
#include "dp.h"
#include "fsutil.h"
#include "log.h"
#include "netaddr.h"
#include "request.h"
#include "secret.h"
#include "step_cache.h"
#include "tls.h"
#include "iam_conf.h"
#include "tls_conf.h"
#include "status.h"

#define DP_MAX_BODY (10 * 1024 * 1024)

typedef struct {
    const char *secret_file;
} dp_extra_t;

static void dp_usage(FILE *out)
{
    fputs("Usage: portico-dp [options]\n"
          "\n"
          "A Portico data-plane node: serves API traffic from the snapshots the\n"
          "control plane publishes, and from its state directory when the control\n"
          "plane is away.\n"
          "\n"
          "  --control-plane URL         tcp://HOST:PORT of the control plane's cluster\n"
          "                              address (its PORT, PORT+1 and PORT+2 are used)\n"
          "                              (default tcp://127.0.0.1:9100)\n"
          "  --listen HOST:PORT          client traffic (default 127.0.0.1:8080)\n"
          "  --state-dir DIR             last good snapshot (default ./portico-dp-state)\n"
          "  --node-id ID                name in reports (default HOSTNAME-PORT)\n"
          "  --threads N                 event loop threads (default: number of cores)\n"
          "  --invoke-domain D           APIs answer on {api_id}.execute-api.D\n"
          "                              (default localhost)\n"
          "  --drain-timeout SECONDS     SIGTERM waits this long for in-flight requests\n"
          "                              (default 30)\n"
          "  --cluster-secret-file FILE  shared secret authenticating cluster messages\n"
          "  --cache-bytes-per-gb N      memory one GB of a stage's cacheClusterSize\n"
          "                              stands for on this node (default 1073741824)\n"
          "  --tls-listen HOST:PORT      HTTPS traffic (HTTP/2 by ALPN, TLS 1.2+); needs\n"
          "  --tls-cert FILE             the default certificate (PEM, leaf then chain)\n"
          "  --tls-key FILE              and its private key (PEM); custom domain names\n"
          "                              bring their own certificates, chosen by SNI\n"
          "  --tls-client-ca FILE        mutual TLS on the default certificate: clients\n"
          "                              must present a certificate these CAs signed\n"
          "  --status-listen HOST:PORT   serve GET /metrics (Prometheus) with this node's\n"
          "                              figures there (no token: keep it private)\n"
          "  --execution-log DEST        where execution logs (the method setting\n"
          "                              logging/loglevel) go: stderr (default), stdout\n"
          "                              or an absolute file path\n"
          "  --no-metrics                count and report no request metrics\n"
          "  --help                      this text\n"
          "\n"
          "Environment:\n"
          "  PORTICO_CLUSTER_SECRET  cluster secret (unless --cluster-secret-file)\n"
          "  PORTICO_LOG_LEVEL       debug | info | warn | error\n"
          "\n"
          "Signals: SIGTERM and SIGINT drain and stop; SIGHUP reopens log files.\n",
          out);
}

static int dp_parse(int argc, char **argv, dp_t *dp, dp_extra_t *x)
{
    static const struct option longopts[] = {
        {"control-plane", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"state-dir", required_argument, NULL, 's'},
        {"node-id", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 't'},
        {"invoke-domain", required_argument, NULL, 'i'},
        {"drain-timeout", required_argument, NULL, 'd'},
        {"cluster-secret-file", required_argument, NULL, 'k'},
        {"cache-bytes-per-gb", required_argument, NULL, 'g'},
        {"tls-listen", required_argument, NULL, 'T'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"tls-client-ca", required_argument, NULL, 'A'},
        {"status-listen", required_argument, NULL, 'S'},
        {"execution-log", required_argument, NULL, 'E'},
        {"no-metrics", no_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dp->control_plane = "tcp://127.0.0.1:9100";
    dp->listen = "127.0.0.1:8080";
    dp->state_dir = "./portico-dp-state";
    dp->invoke_domain = "localhost";
    dp->drain_timeout_ms = 30000;
    dp->cache_bytes_per_gb = (uint64_t)1 << 30;
    dp->execution_log = "stderr";
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    dp->nthreads = cores > 0 ? (int)cores : 1;
    int ch;
    char *end;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            dp->control_plane = optarg;
            break;
        case 'l':
            dp->listen = optarg;
            break;
        case 's':
            dp->state_dir = optarg;
            break;
        case 'n':
            dp->node_id = optarg;
            break;
        case 'i':
            dp->invoke_domain = optarg;
            break;
        case 'k':
            x->secret_file = optarg;
            break;
        case 'T':
            dp->tls_listen = optarg;
            break;
        case 'C':
            dp->tls_cert = optarg;
            break;
        case 'K':
            dp->tls_key = optarg;
            break;
        case 'A':
            dp->tls_client_ca = optarg;
            break;
        case 'S':
            dp->status_listen = optarg;
            break;
        case 'E':
            dp->execution_log = optarg;
            break;
        case 'M':
            dp->metrics_off = 1;
            break;
        case 't':
            dp->nthreads = (int)strtol(optarg, &end, 10);
            if (*end != '\0' || dp->nthreads < 1 || dp->nthreads > 256) {
                fprintf(stderr, "--threads must be 1..256\n");
                return -1;
            }
            break;
        case 'd': {
            long s = strtol(optarg, &end, 10);
            if (*end != '\0' || s < 0 || s > 3600) {
                fprintf(stderr, "--drain-timeout must be 0..3600 seconds\n");
                return -1;
            }
            dp->drain_timeout_ms = (unsigned)s * 1000;
            break;
        }
        case 'g': {
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || n < 1024 || n > ((uint64_t)1 << 40)) {
                fprintf(stderr, "--cache-bytes-per-gb must be 1024..2^40\n");
                return -1;
            }
            dp->cache_bytes_per_gb = n;
            break;
        }
        case 'h':
            dp_usage(stdout);
            exit(0);
        default:
            dp_usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        dp_usage(stderr);
        return -1;
    }
    if ((dp->tls_listen != NULL) != (dp->tls_cert != NULL && dp->tls_key != NULL) ||
        (dp->tls_client_ca != NULL && dp->tls_listen == NULL)) {
        fprintf(stderr, "--tls-listen needs --tls-cert and --tls-key (and they need it)\n");
        return -1;
    }
    dp->invoke_domain_len = strlen(dp->invoke_domain);
    return 0;
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
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path, sizeof(*h));
    h->on_req = request_on_req;
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

static int dp_run(dp_t *dp, dp_extra_t *x)
{
    char err[512];
    cluster_client_t *cc = NULL;
    status_server_t *status = NULL;
    int rc = 1;
    if (secret_load(x->secret_file, &dp->secret, err, sizeof(err)) != 0) {
        log_error("%s", err);
        return 1;
    }
    if (fsutil_ensure_dir(dp->state_dir, 0700) != 0) {
        log_error("cannot create the state directory %s: %s", dp->state_dir, strerror(errno));
        goto out;
    }
    tls_conf_set_secret(&dp->secret);
    iam_conf_set_secret(&dp->secret);
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
    if ((dp->exec_log_dest = accesslog_dest(dp->execution_log)) < 0) {
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

int main(int argc, char **argv)
{
    static dp_t dp;
    dp_extra_t x = {0};
    log_init("portico-dp");
    if (dp_parse(argc, argv, &dp, &x) != 0)
        return 2;
    char *node_id = NULL;
    if (dp.node_id == NULL)
        dp.node_id = node_id = dp_default_node_id(dp.listen);
    signal(SIGPIPE, SIG_IGN);
    /* every thread inherits this mask; only dp_wait_for_signal takes them */
    sigset_t set;
    dp_signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    umask(077);
    int rc = dp_run(&dp, &x);
    free(node_id);
    return rc;
}
