/* cp: the control plane's process-wide context, owned by main and used on
 * the admin event loop thread (the cluster threads only touch `cluster` and
 * `nodes`, which lock internally). */
#ifndef PORTICO_CP_H
#define PORTICO_CP_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <stdint.h>

#include "cluster.h"
#include "compiler.h"
#include "nodes.h"
#include "store.h"

struct keydelta;
struct usage;

typedef struct cp {
    store_t *store;
    h2o_evloop_t *loop;
    const char *admin_token;
    size_t admin_token_len;
    cluster_t *cluster;
    nodes_t *nodes;
    /* snapshot publication: a change schedules one build on the next loop turn */
    int publish_pending;
    uint64_t published_version;
    h2o_timeout_t publish_timeout;
    h2o_timeout_entry_t publish_entry;
    /* authorization: the JWKS fetcher thread, NULL until started */
    struct jwks_fetch *jwks;
    /* ---- metrics: written on the PULL thread, read by the admin API */
    struct metrics_agg *metrics;
    int metrics_retention_days;
    /* API keys, usage plans and quotas */
    compiler_settings_t settings; /* account-wide throttle, from the options */
    uint64_t published_epoch;     /* epoch of the last whole snapshot */
    int full_failed;              /* the last whole snapshot failed to build */
    struct keydelta *keydelta;
    int key_delta_pending;
    h2o_timeout_entry_t key_delta_entry; /* on publish_timeout (next turn) */
    h2o_timeout_t rebuild_timeout;
    h2o_timeout_entry_t rebuild_entry;
    struct usage *usage;
    /* SigV4 on the management API, and secrets sealed at rest */
    const char *access_key_id; /* the bootstrap key (environment or file); NULL when none */
    const char *secret_access_key;
    envelope_secret_t seal_secret; /* DATA-DIR/sealing.key */
    int api_key_values_hashed;     /* --api-key-values hashed: keep no API key value */
} cp_t;

/* Call after committing a change that data planes must see. */
void cp_schedule_publish(cp_t *cp);

/* Builds the snapshot for the store's current version and publishes it. */
int cp_publish_now(cp_t *cp);

/* Builds it and keeps it for fetches without broadcasting (after
 * key deltas, the nodes already have what it holds). */
int cp_rebuild_quiet(cp_t *cp);

#endif
