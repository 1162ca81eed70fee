/* portico-cp: the control plane process — options, secrets, the store, the
 * admin API on one event loop, the cluster sockets, and a clean SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "admin_accesskey.h"
#include "clock.h"
#include "compiler.h"
#include "cp.h"
#include "crypto.h"
#include "fsutil.h"
#include "domain_tls.h"
#include "iam_keys.h"
#include "jwks_fetch.h"
#include "keydelta.h"
#include "log.h"
#include "metrics_agg.h"
#include "secret.h"
#include "usage.h"

#define ADMIN_TOKEN_LEN 40

typedef struct {
    const char *data_dir;
    const char *admin_listen;
    const char *cluster_listen;
    const char *cluster_secret_file;
    unsigned jwks_refresh_s;
    int metrics_retention_days;
    compiler_settings_t settings; /* account-wide throttle */
    const char *access_key_file;  /* SigV4 bootstrap key */
    int api_key_values_hashed;
    const char *iam_region; /* the region AWS_IAM methods are signed for */
} cp_options_t;

static volatile sig_atomic_t cp_stop_requested;

static void cp_on_signal(int sig)
{
    (void)sig;
    cp_stop_requested = 1;
}

static void cp_usage(FILE *out)
{
    fputs("Usage: portico-cp [options]\n"
          "\n"
          "The Portico control plane: stores APIs, stages, deployments, keys and usage\n"
          "plans in SQLite, serves the management API and publishes snapshots to the\n"
          "data planes.\n"
          "\n"
          "  --data-dir DIR              database, admin token and generated secrets\n"
          "                              (default ./portico-data)\n"
          "  --admin-listen HOST:PORT    management API (default 127.0.0.1:9000)\n"
          "  --cluster-listen URL        tcp://HOST:PORT for the cluster sockets\n"
          "                              (default tcp://127.0.0.1:9100). Uses three ports:\n"
          "                              PORT   PUB  snapshots and heartbeat announcements\n"
          "                              PORT+1 REP  snapshot fetches\n"
          "                              PORT+2 PULL node reports\n"
          "  --cluster-secret-file FILE  shared secret authenticating cluster messages\n"
          "  --jwks-refresh SECONDS      how often JWT authorizers' keys are fetched again\n"
          "                              (default 300)\n"
          "  --metrics-retention-days N  keep per-minute metrics this long (1..3650,\n"
          "                              default 15)\n"
          "  --account-rate-limit RPS    account-wide throttle, requests per second over\n"
          "                              the whole cluster (default 10000)\n"
          "  --account-burst-limit N     its burst (default 5000)\n"
          "  --access-key-file FILE      SigV4 bootstrap access key for the management API:\n"
          "                              the key id on the first line, the secret on the\n"
          "                              second (mode 0600; or PORTICO_ACCESS_KEY_ID and\n"
          "                              PORTICO_SECRET_ACCESS_KEY)\n"
          "  --api-key-values MODE       sealed (default): API key values kept sealed so\n"
          "                              includeValue answers them; hashed: only a SHA-256\n"
          "                              is kept and a value is shown once, at creation\n"
          "  --iam-region REGION         the region clients sign AWS_IAM method calls for\n"
          "                              (service execute-api; default us-east-1)\n"
          "  --help                      this text\n"
          "\n"
          "Environment:\n"
          "  PORTICO_ADMIN_TOKEN     bearer token for the management API; without it a\n"
          "                          token is generated into DIR/admin.token (mode 0600)\n"
          "  PORTICO_CLUSTER_SECRET  cluster secret (at least 16 bytes); without it and\n"
          "                          without --cluster-secret-file one is generated into\n"
          "                          DIR/cluster.secret (mode 0600)\n"
          "  PORTICO_ACCESS_KEY_ID, PORTICO_SECRET_ACCESS_KEY\n"
          "                          SigV4 bootstrap access key (aws CLI, SDKs); more keys\n"
          "                          with POST /portico/accesskeys\n"
          "  PORTICO_LOG_LEVEL       debug | info | warn | error\n",
          out);
}

static int cp_parse(int argc, char **argv, cp_options_t *o)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"admin-listen", required_argument, NULL, 'a'},
        {"cluster-listen", required_argument, NULL, 'c'},
        {"cluster-secret-file", required_argument, NULL, 's'},
        {"jwks-refresh", required_argument, NULL, 'j'},
        {"metrics-retention-days", required_argument, NULL, 'r'},
        {"account-rate-limit", required_argument, NULL, 'R'},
        {"account-burst-limit", required_argument, NULL, 'b'},
        {"access-key-file", required_argument, NULL, 'K'},
        {"api-key-values", required_argument, NULL, 'V'},
        {"iam-region", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (cp_options_t){.data_dir = "./portico-data",
                        .admin_listen = "127.0.0.1:9000",
                        .cluster_listen = "tcp://127.0.0.1:9100",
                        .jwks_refresh_s = 300,
                        .metrics_retention_days = METRICS_AGG_DEFAULT_RETENTION_DAYS,
                        .settings = {COMPILER_ACCOUNT_RATE, COMPILER_ACCOUNT_BURST},
                        .iam_region = IAM_KEYS_DEFAULT_REGION};
    int ch;
    char *end;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            o->data_dir = optarg;
            break;
        case 'a':
            o->admin_listen = optarg;
            break;
        case 'c':
            o->cluster_listen = optarg;
            break;
        case 's':
            o->cluster_secret_file = optarg;
            break;
        case 'j': {
            long v = strtol(optarg, &end, 10);
            if (*end != '\0' || v < 1 || v > 86400) {
                fprintf(stderr, "--jwks-refresh must be 1..86400 seconds\n");
                return -1;
            }
            o->jwks_refresh_s = (unsigned)v;
            break;
        }
        case 'r': {
            long days = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || days < 1 || days > 3650) {
                fprintf(stderr, "--metrics-retention-days must be 1..3650\n");
                return -1;
            }
            o->metrics_retention_days = (int)days;
            break;
        }
        case 'R':
            o->settings.account_rate_limit = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || !(o->settings.account_rate_limit > 0) ||
                o->settings.account_rate_limit > 1e9) {
                fprintf(stderr, "--account-rate-limit must be a number in (0, 1e9]\n");
                return -1;
            }
            break;
        case 'b': {
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 1 || v > 1000000000) {
                fprintf(stderr, "--account-burst-limit must be 1..1000000000\n");
                return -1;
            }
            o->settings.account_burst_limit = (uint32_t)v;
            break;
        }
        case 'K':
            o->access_key_file = optarg;
            break;
        case 'V':
            if (strcmp(optarg, "sealed") != 0 && strcmp(optarg, "hashed") != 0) {
                fprintf(stderr, "--api-key-values must be sealed or hashed\n");
                return -1;
            }
            o->api_key_values_hashed = strcmp(optarg, "hashed") == 0;
            break;
        case 'I':
            if (strlen(optarg) == 0 || strlen(optarg) > 63 ||
                strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(optarg)) {
                fprintf(stderr, "--iam-region must be a region name such as us-east-1\n");
                return -1;
            }
            o->iam_region = optarg;
            break;
        case 'h':
            cp_usage(stdout);
            exit(0);
        default:
            cp_usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        cp_usage(stderr);
        return -1;
    }
    return 0;
}

/* The admin token: from the environment, else DIR/admin.token (created once). */
static char *cp_admin_token(const char *dir)
{
    const char *env = getenv("PORTICO_ADMIN_TOKEN");
    if (env != NULL && *env != '\0')
        return strdup(env);
    char path[4096];
    snprintf(path, sizeof(path), "%s/admin.token", dir);
    char *buf;
    size_t len;
    int rc = fsutil_read(path, 4096, &buf, &len);
    if (rc == 0) {
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len >= 16)
            return buf;
        free(buf);
        log_error("%s is shorter than 16 characters; remove it to generate a new one", path);
        return NULL;
    }
    if (rc != -ENOENT) {
        log_error("cannot read %s: %s", path, strerror(-rc));
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
    cp->api_key_values_hashed = o->api_key_values_hashed;
    snprintf(path, sizeof(path), "%s/sealing.key", o->data_dir);
    if (secret_load_or_create(path, &cp->seal_secret, err, sizeof(err)) != 0) {
        log_error("sealing key: %s", err);
        return -1;
    }
    if (id != NULL)
        log_info("SigV4 bootstrap access key %s", id);
    return 0;
}

void cp_schedule_publish(cp_t *cp)
{
    if (cp->publish_pending)
        return;
    cp->publish_pending = 1;
    h2o_timeout_link(cp->loop, &cp->publish_timeout, &cp->publish_entry);
}

/* Builds the whole snapshot; broadcast 0 keeps it for fetches only. */
static int cp_build_and_publish(cp_t *cp, int broadcast)
{
    uint8_t *bytes;
    size_t len;
    uint64_t version, epoch;
    uint64_t started = clock_mono_us();
    if (compiler_build_snapshot_with(cp->store, &cp->settings, &bytes, &len, &version) !=
            STORE_OK ||
        store_epoch(cp->store, &epoch) != STORE_OK) {
        log_error("could not build the snapshot; data planes keep the previous one");
        cp->full_failed = 1;
        return -1;
    }
    cluster_publish_snapshot(cp->cluster, version, epoch, bytes, len, broadcast);
    keydelta_reset(cp->keydelta, version);
    cp->published_version = version;
    cp->published_epoch = epoch;
    cp->full_failed = 0;
    log_info("%s snapshot version %llu (%zu bytes, built in %.1f ms)",
             broadcast ? "published" : "rebuilt (for fetches)", (unsigned long long)version, len,
             (double)(clock_mono_us() - started) / 1000.0);
    return 0;
}

int cp_publish_now(cp_t *cp)
{
    return cp_build_and_publish(cp, 1);
}

int cp_rebuild_quiet(cp_t *cp)
{
    return cp_build_and_publish(cp, 0);
}

static void cp_on_publish(h2o_timeout_entry_t *entry)
{
    cp_t *cp = H2O_STRUCT_FROM_MEMBER(cp_t, publish_entry, entry);
    cp->publish_pending = 0;
    cp_publish_now(cp);
}

static h2o_timeout_t cp_heartbeat_timeout;
static h2o_timeout_entry_t cp_heartbeat_entry;
static cp_t *cp_heartbeat_cp;

/* Quota counts that changed and the live node count. */
static void cp_send_usage_status(cp_t *cp)
{
    uint8_t *status;
    size_t len;
    unsigned live = nodes_live_count(cp->nodes, clock_wall_ms());
    if (usage_status(cp->usage, live > 0 ? live : 1, store_id(cp->store), &status, &len) != 0)
        return;
    cluster_publish_status(cp->cluster, status, len);
    free(status);
}

/* AWS_IAM signing keys are per UTC day (every snapshot carries the keys of
 * the day it is built on, and the days around it): on a new day the
 * configuration version moves, since data planes only take newer versions,
 * and a snapshot goes out. Once a day, even if that snapshot fails. */
static void cp_iam_new_day(cp_t *cp)
{
    static int64_t keys_day;
    int64_t today = (int64_t)(clock_wall_ms() / 86400000);
    if (keys_day == 0)
        keys_day = today; /* the first heartbeat: the startup snapshot has today's keys */
    if (today == keys_day)
        return;
    keys_day = today;
    if (store_begin(cp->store) != STORE_OK)
        return;
    if (store_bump_version(cp->store, NULL) != STORE_OK || store_commit(cp->store) != STORE_OK) {
        store_rollback(cp->store);
        log_error("could not move the configuration version for a new day's IAM signing keys");
        return;
    }
    cp_schedule_publish(cp);
}

static void cp_on_heartbeat(h2o_timeout_entry_t *entry)
{
    cluster_announce(cp_heartbeat_cp->cluster);
    cp_iam_new_day(cp_heartbeat_cp);
    if (jwks_fetch_take_changed(cp_heartbeat_cp->jwks))
        cp_schedule_publish(cp_heartbeat_cp);
    cp_send_usage_status(cp_heartbeat_cp);
    h2o_timeout_link(cp_heartbeat_cp->loop, &cp_heartbeat_timeout, entry);
}

static void cp_on_report(void *ctx, const Portico__NodeReport *r)
{
    cp_t *cp = ctx;
    uint64_t now = clock_wall_ms();
    if (nodes_record(cp->nodes, r, now) != 0) {
        log_warn("cluster: dropped a replayed report from node %s", r->node_id);
        return;
    }
    usage_record(cp->usage, r, now); /* this thread's own connection */
    if (r->status == PORTICO__APPLY_STATUS__APPLY_NACK)
        log_warn("node %s refused version %llu: %s", r->node_id,
                 (unsigned long long)r->nack_version, r->nack_reason);
    metrics_agg_report(cp->metrics, r, now);
}

static int cp_run(const cp_options_t *o)
{
    cp_t cp = {0};
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
    snprintf(path, sizeof(path), "%s/portico.db", o->data_dir);
    if (store_open(path, &cp.store) != STORE_OK ||
        metrics_agg_open(path, o->metrics_retention_days, &cp.metrics) != STORE_OK ||
        usage_open(path, &cp.usage) != STORE_OK)
        goto out;
    cp.metrics_retention_days = o->metrics_retention_days;
    cp.settings = o->settings;
    cp.keydelta = keydelta_create();
    cp.nodes = nodes_create();
    cp.loop = h2o_evloop_create();
    cluster_config_t cc = {.url = o->cluster_listen,
                           .secret = secret,
                           .store_id = store_id(cp.store),
                           .on_report = cp_on_report,
                           .ctx = &cp};
    if (cluster_start(&cc, &cp.cluster, err, sizeof(err)) != 0 ||
        admin_start(&cp, o->admin_listen, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    h2o_timeout_init(cp.loop, &cp.publish_timeout, 0);
    cp.publish_entry.cb = cp_on_publish;
    keydelta_init_timers(&cp);
    if (cp_publish_now(&cp) != 0)
        goto out;
    if (jwks_fetch_start(path, o->jwks_refresh_s, &cp.jwks) != 0)
        goto out;
    cp_heartbeat_cp = &cp;
    h2o_timeout_init(cp.loop, &cp_heartbeat_timeout, 1000);
    cp_heartbeat_entry.cb = cp_on_heartbeat;
    h2o_timeout_link(cp.loop, &cp_heartbeat_timeout, &cp_heartbeat_entry);
    log_info("admin API on http://%s, cluster on %s", o->admin_listen, o->cluster_listen);
    while (!cp_stop_requested)
        h2o_evloop_run(cp.loop, 100);
    log_info("stopping");
    rc = 0;
out:
    jwks_fetch_stop(cp.jwks);
    cluster_stop(cp.cluster);
    metrics_agg_close(cp.metrics);
    usage_close(cp.usage);
    keydelta_destroy(cp.keydelta);
    store_close(cp.store);
    nodes_destroy(cp.nodes);
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
    if (cp_parse(argc, argv, &o) != 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = cp_on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    umask(077);
    return cp_run(&o);
}
