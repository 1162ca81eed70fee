/* portico-cp: the control plane process — options, secrets, the store, the
 * admin API on one event loop, the cluster sockets, and a clean SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "admin_accesskey.h"
#include "admin_console.h"
#include "clock.h"
#include "cp.h"
#include "crypto.h"
#include "fsutil.h"
#include "domain_tls.h"
#include "iam_keys.h"
#include "jwks_fetch.h"
#include "log.h"
#include "metrics_agg.h"
#include "opts.h"
#include "publish.h"
#include "secret.h"
#include "store_mark.h"
#include "usage.h"

#define ADMIN_TOKEN_LEN 40
#define ADMIN_TOKEN_MIN_LEN 16

typedef struct {
    const char *data_dir;
    const char *admin_listen;
    const char *cluster_listen;
    const char *cluster_secret_file;
    const char *console_dir; /* NULL: found next to the binary or the install */
    unsigned jwks_refresh_s;
    int metrics_retention_days;
    compiler_settings_t settings; /* account-wide throttle, reference limits */
    clustertls_files_t cluster_tls;
    const char *access_key_file; /* SigV4 bootstrap key */
    const char *api_key_values;  /* sealed | hashed */
    const char *iam_region;      /* the region AWS_IAM methods are signed for */
} cp_options_t;

static volatile sig_atomic_t cp_stop_requested;

static void cp_on_signal(int sig)
{
    (void)sig;
    cp_stop_requested = 1;
}

#define CP_OPT(field) OPTS_AT(cp_options_t, field)

static const opts_spec_t cp_specs[] = {
    {"data-dir", "DIR", OPTS_STR, CP_OPT(data_dir), 0, 0, 0, "./portico-data",
     "database, admin token and generated secrets"},
    {"admin-listen", "HOST:PORT", OPTS_STR, CP_OPT(admin_listen), 0, 0, 0, "127.0.0.1:9000",
     "management API"},
    {"cluster-listen", "URL", OPTS_STR, CP_OPT(cluster_listen), 0, 0, 0, "tcp://127.0.0.1:9100",
     "tcp://HOST:PORT for the cluster sockets; three ports: PORT (PUB, snapshots and heartbeat "
     "announcements), PORT+1 (REP, snapshot fetches), PORT+2 (PULL, node reports)"},
    {"cluster-secret-file", "FILE", OPTS_STR, CP_OPT(cluster_secret_file), 0, 0, 0, NULL,
     "shared secret authenticating cluster messages"},
    {"cluster-tls-cert", "FILE", OPTS_STR, CP_OPT(cluster_tls.cert), 0, 0, 0, NULL,
     "with a tls+tcp://HOST:PORT cluster address: this control plane's certificate (PEM)"},
    {"cluster-tls-key", "FILE", OPTS_STR, CP_OPT(cluster_tls.key), 0, 0, 0, NULL,
     "its private key (PEM, mode 0600)"},
    {"cluster-tls-ca", "FILE", OPTS_STR, CP_OPT(cluster_tls.ca), 0, 0, 0, NULL,
     "the CA that signs the nodes' certificates (required of every node)"},
    {"jwks-refresh", "SECONDS", OPTS_UINT, CP_OPT(jwks_refresh_s), 1, 86400, 0, "300",
     "how often JWT authorizers' keys are fetched again"},
    {"metrics-retention-days", "N", OPTS_INT, CP_OPT(metrics_retention_days), 1, 3650, 0, "15",
     "keep per-minute metrics this long"},
    {"account-rate-limit", "RPS", OPTS_DOUBLE, CP_OPT(settings.account_rate_limit), 0, 1e9, 0, NULL,
     "account-wide throttle, requests per second over the whole cluster (default none; "
     "needs --account-burst-limit)"},
    {"account-burst-limit", "N", OPTS_U32, CP_OPT(settings.account_burst_limit), 1, 1e9, 0, NULL,
     "its burst"},
    {"console-dir", "DIR", OPTS_STR, CP_OPT(console_dir), 0, 0, 0, NULL,
     "the web console's files, served at /console/ (default: found next to the binary or "
     "installed)"},
    {"access-key-file", "FILE", OPTS_STR, CP_OPT(access_key_file), 0, 0, 0, NULL,
     "the SigV4 bootstrap access key: its id on the first line, its secret on the second (mode "
     "0600), instead of PORTICO_ACCESS_KEY_ID and PORTICO_SECRET_ACCESS_KEY"},
    {"api-key-values", "MODE", OPTS_STR, CP_OPT(api_key_values), 0, 0, 0, "sealed",
     "sealed: API key values are kept sealed so includeValue(s) answers them, as the reference "
     "does; hashed: only their SHA-256 is kept and a value is shown once, at creation"},
    {"iam-region", "REGION", OPTS_STR, CP_OPT(iam_region), 0, 0, 0, "us-east-1",
     "the region clients sign AWS_IAM method calls for"},
    {"reference-limits", NULL, OPTS_FLAG, CP_OPT(settings.reference_limits), 0, 0, 0, NULL,
     "the reference service's limits: an account-wide throttle of 10000 rps with a burst of "
     "5000 (unless given above), and new stage method settings that throttle at those figures "
     "(otherwise they show -1: no throttle)"},
};

static const opts_table_t cp_options = {
    "portico-cp",
    "The Portico control plane: stores APIs, stages, deployments, keys and usage\n"
    "plans in SQLite, serves the management API and publishes snapshots to the\n"
    "data planes.",
    cp_specs,
    sizeof(cp_specs) / sizeof(cp_specs[0]),
    "Environment:\n"
    "  PORTICO_ADMIN_TOKEN     bearer token for the management API (at least 16\n"
    "                          bytes); without it a token is generated into\n"
    "                          DIR/admin.token (mode 0600; a token or secret file\n"
    "                          readable by group or others is refused)\n"
    "  PORTICO_CLUSTER_SECRET  cluster secret (at least 16 bytes); without it and\n"
    "                          without --cluster-secret-file one is generated into\n"
    "                          DIR/cluster.secret (mode 0600)\n"
    "  PORTICO_LOG_LEVEL       debug | info | warn | error\n",
};

/* Returns 0 to run, 1 after --help, -1 on a bad command line. */
static int cp_parse(int argc, char **argv, cp_options_t *o)
{
    *o = (cp_options_t){0};
    int rc = opts_parse(&cp_options, argc, argv, o);
    if (rc != 0)
        return rc;
    compiler_settings_t *st = &o->settings;
    if ((st->account_rate_limit > 0) != (st->account_burst_limit > 0)) {
        fprintf(stderr, "--account-rate-limit and --account-burst-limit go together\n");
        return -1;
    }
    if (st->reference_limits && st->account_rate_limit == 0) {
        st->account_rate_limit = COMPILER_REFERENCE_RATE;
        st->account_burst_limit = COMPILER_REFERENCE_BURST;
    }
    if (strcmp(o->api_key_values, "sealed") != 0 && strcmp(o->api_key_values, "hashed") != 0) {
        fprintf(stderr, "--api-key-values must be sealed or hashed\n");
        return -1;
    }
    size_t rlen = strlen(o->iam_region);
    if (rlen == 0 || rlen > 63 ||
        strspn(o->iam_region, "abcdefghijklmnopqrstuvwxyz0123456789-") != rlen) {
        fprintf(stderr, "--iam-region must be a region name such as us-east-1\n");
        return -1;
    }
    char err[512];
    if (clustertls_check(o->cluster_listen, &o->cluster_tls, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* The admin token: from the environment, else DIR/admin.token (created once). */
static char *cp_admin_token(const char *dir)
{
    const char *env = getenv("PORTICO_ADMIN_TOKEN");
    if (env != NULL && *env != '\0' && strlen(env) < ADMIN_TOKEN_MIN_LEN) {
        log_error("PORTICO_ADMIN_TOKEN must be at least %d bytes (a generated one has %d)",
                  ADMIN_TOKEN_MIN_LEN, ADMIN_TOKEN_LEN);
        return NULL;
    }
    if (env != NULL && *env != '\0')
        return strdup(env);
    char path[4096];
    snprintf(path, sizeof(path), "%s/admin.token", dir);
    char *buf;
    size_t len;
    int rc = fsutil_read_secret(path, 4096, &buf, &len);
    if (rc == 0) {
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len >= ADMIN_TOKEN_MIN_LEN)
            return buf;
        free(buf);
        log_error("%s is shorter than %d characters; remove it to generate a new one", path,
                  ADMIN_TOKEN_MIN_LEN);
        return NULL;
    }
    if (rc != -ENOENT) {
        log_error("cannot read %s: %s", path, rc == -EPERM ? SECRET_MODE_HINT : strerror(-rc));
        return NULL;
    }
    char token[ADMIN_TOKEN_LEN + 2];
    crypto_random_token(token, ADMIN_TOKEN_LEN);
    token[ADMIN_TOKEN_LEN] = '\n';
    if ((rc = fsutil_write_atomic(path, token, ADMIN_TOKEN_LEN + 1, 0600)) != 0) {
        log_error("cannot write %s: %s", path, strerror(-rc));
        return NULL;
    }
    log_info("generated an admin token into %s", path);
    return strndup(token, ADMIN_TOKEN_LEN);
}

static int cp_cluster_secret(const cp_options_t *o, envelope_secret_t *secret)
{
    char err[512], path[4096];
    const char *env = getenv("PORTICO_CLUSTER_SECRET");
    int rc;
    if (o->cluster_secret_file != NULL || (env != NULL && *env != '\0')) {
        rc = secret_load(o->cluster_secret_file, secret, err, sizeof(err));
    } else {
        snprintf(path, sizeof(path), "%s/cluster.secret", o->data_dir);
        rc = secret_load_or_create(path, secret, err, sizeof(err));
        if (rc == 0)
            log_info("cluster secret: %s (give it to data planes with --cluster-secret-file)",
                     path);
    }
    if (rc != 0)
        log_error("%s", err);
    return rc;
}

/* SigV4: the bootstrap access key and the key that seals secrets at rest
 * (DIR/sealing.key, created once; never leaves the control plane). */
static int cp_sigv4_setup(const cp_options_t *o, cp_t *cp)
{
    char err[512], path[4096];
    char *id, *key;
    if (admin_accesskey_bootstrap(o->access_key_file, &id, &key, err, sizeof(err)) != 0) {
        log_error("%s", err);
        return -1;
    }
    cp->access_key_id = id;
    cp->secret_access_key = key;
    cp->api_key_values_hashed = strcmp(o->api_key_values, "hashed") == 0;
    cp->access_key_known = admin_accesskey_known;
    snprintf(path, sizeof(path), "%s/sealing.key", o->data_dir);
    if (secret_load_or_create(path, &cp->seal_secret, err, sizeof(err)) != 0) {
        log_error("sealing key: %s", err);
        return -1;
    }
    if (id != NULL)
        log_info("SigV4 bootstrap access key %s", id);
    return 0;
}

static void cp_on_report(void *ctx, const Portico__NodeReport *r)
{
    cp_t *cp = ctx;
    uint64_t now = clock_wall_ms();
    if (nodes_record(cp->nodes, r, now) != 0) {
        log_warn("cluster: dropped a replayed report from node %s", r->node_id);
        return;
    }
    /* this thread's own connection; grants go out once they are written */
    lease_grants_t grants = {0};
    usage_record(cp->usage, r, nodes_live_count(cp->nodes, now), now, &grants);
    uint8_t *payload;
    size_t len;
    if (grants.n > 0 && lease_pack(&grants, r->node_id, r->started_at_ms, &payload, &len) == 0) {
        cluster_publish_grants(cp->cluster, payload, len);
        free(payload);
    }
    lease_grants_free(&grants);
    if (r->status == PORTICO__APPLY_STATUS__APPLY_NACK)
        log_warn("node %s refused version %llu: %s", r->node_id,
                 (unsigned long long)r->nack_version, r->nack_reason);
    metrics_agg_report(cp->metrics, r, now);
}

static int cp_run(const cp_options_t *o)
{
    cp_t cp = {0};
    store_t *code_store = NULL;
    envelope_secret_t secret = {0};
    char err[512], path[4096];
    int rc = 1;
    if (fsutil_ensure_dir(o->data_dir, 0700) != 0) {
        log_error("cannot create the data directory %s: %s", o->data_dir, strerror(errno));
        return 1;
    }
    char *token = cp_admin_token(o->data_dir);
    if (token == NULL || cp_cluster_secret(o, &secret) != 0)
        goto out;
    cp.admin_token = token;
    if (cp_sigv4_setup(o, &cp) != 0)
        goto out;
    domain_tls_set_secret(&secret);
    iam_keys_configure(&cp.seal_secret, &secret, o->iam_region);
    cp.admin_token_len = strlen(token);
    cp.region = o->iam_region;
    snprintf(path, sizeof(path), "%s/portico.db", o->data_dir);
    if (store_open(path, &cp.store) != STORE_OK || store_mark_open(cp.store, path) != STORE_OK ||
        store_open(path, &code_store) != STORE_OK || /* the REP thread's: functions' zips */
        metrics_agg_open(path, o->metrics_retention_days, &cp.metrics) != STORE_OK ||
        usage_open(path, &cp.usage) != STORE_OK)
        goto out;
    cp.metrics_retention_days = o->metrics_retention_days;
    cp.nodes = nodes_create();
    nodes_set_store_id(cp.nodes, store_id(cp.store));
    cp.loop = h2o_evloop_create();
    if (admin_console_open(o->console_dir, NULL, &cp.console, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    if (cp.console != NULL)
        log_info("web console at /console/ from %s", admin_console_root(cp.console));
    else
        log_warn("web console not found (give --console-dir); /console/ answers 404");
    cluster_config_t cc = {.url = o->cluster_listen,
                           .secret = secret,
                           .store_id = store_id(cp.store),
                           .on_report = cp_on_report,
                           .ctx = &cp,
                           .tls = o->cluster_tls,
                           .code_fetch = codefetch_from_store,
                           .code_ctx = code_store};
    if (cluster_start(&cc, &cp.cluster, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    publish_config_t pc = {.store = cp.store,
                           .loop = cp.loop,
                           .cluster = cp.cluster,
                           .settings = o->settings,
                           .nodes = cp.nodes,
                           .usage = cp.usage};
    if (publish_create(&pc, &cp.publish) != 0) {
        log_error("out of memory");
        goto out;
    }
    if (admin_start(&cp, o->admin_listen, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    if (publish_now(cp.publish) != 0)
        goto out;
    if (jwks_fetch_start(path, o->jwks_refresh_s, &cp.jwks) != 0)
        goto out;
    publish_start_heartbeat(cp.publish, cp.jwks);
    log_info("admin API on http://%s, cluster on %s", o->admin_listen, o->cluster_listen);
    while (!cp_stop_requested)
        h2o_evloop_run(cp.loop, 100);
    log_info("stopping");
    rc = 0;
out:
    jwks_fetch_stop(cp.jwks);
    cluster_stop(cp.cluster);
    store_close(code_store);
    metrics_agg_close(cp.metrics);
    usage_close(cp.usage);
    publish_destroy(cp.publish);
    store_close(cp.store);
    nodes_destroy(cp.nodes);
    admin_console_close(cp.console);
    secret_dispose(&secret);
    secret_dispose(&cp.seal_secret);
    free((char *)cp.access_key_id);
    free((char *)cp.secret_access_key);
    free(token);
    return rc;
}

int main(int argc, char **argv)
{
    cp_options_t o;
    log_init("portico-cp");
    int parsed = cp_parse(argc, argv, &o);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = cp_on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    umask(077);
    return cp_run(&o);
}
