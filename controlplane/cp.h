/* cp: the control plane's process-wide context, owned by main and used on
 * the admin event loop thread (the cluster threads only touch `cluster` and
 * `nodes`, which lock internally). */
#ifndef PORTICO_CP_H
#define PORTICO_CP_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <stdint.h>

#include "cluster.h"
#include "nodes.h"
#include "publish.h"
#include "store.h"

struct admin_console;
struct usage;

typedef struct cp {
    store_t *store;
    h2o_evloop_t *loop;
    const char *admin_token;
    size_t admin_token_len;
    cluster_t *cluster;
    nodes_t *nodes;
    /* the commit path and every publication to the data planes */
    publish_t *publish;
    /* authorization: the JWKS fetcher thread, NULL until started */
    struct jwks_fetch *jwks;
    /* ---- metrics: written on the PULL thread, read by the admin API */
    struct metrics_agg *metrics;
    int metrics_retention_days;
    /* API keys, usage plans and quotas */
    struct usage *usage;
    /* the web console's static files; NULL when it is not installed */
    struct admin_console *console;
    /* SigV4 on the management API, and secrets sealed at rest */
    const char *access_key_id; /* the bootstrap key (environment or file); NULL when none */
    const char *secret_access_key;
    envelope_secret_t seal_secret; /* DATA-DIR/sealing.key */
    int api_key_values_hashed;     /* --api-key-values hashed: keep no API key value */
    const char *region; /* --iam-region: also the region of function ARNs (NULL: us-east-1) */
    /* admin_accesskey_known, for the admin gate (set by main.c) */
    int (*access_key_known)(void *cp, const char *id, size_t len);
} cp_t;

#endif
