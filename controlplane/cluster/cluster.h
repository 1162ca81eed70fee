/* cluster: the control plane's side of the cluster protocol over NNG.
 *   base port     PUB  — snapshots on change, announcements every second
 *   base port + 1 REP  — data planes fetch the current snapshot, and
 *                        functions' code by hash (codefetch.h)
 *   base port + 2 PULL — node reports
 * Every message is an authenticated envelope (common/envelope.h). The REP and
 * PULL sides each run on a thread of their own; publishing is thread-safe. */
#ifndef PORTICO_CLUSTER_H
#define PORTICO_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "clustertls.h"
#include "codefetch.h"
#include "envelope.h"
#include "portico.pb-c.h"

typedef struct cluster cluster_t;

/* Called on the PULL thread for every authenticated, decoded report. */
typedef void (*cluster_report_fn)(void *ctx, const Portico__NodeReport *report);

typedef struct {
    const char *url; /* tcp://HOST:PORT, the PUB address */
    envelope_secret_t secret;
    const char *store_id;
    cluster_report_fn on_report;
    void *ctx;
    clustertls_files_t tls; /* for a tls+tcp:// url (clustertls.h) */
    /* functions' zips for KIND_CODE_FETCH on REP (NULL: "unknown code" to all) */
    codefetch_fn code_fetch;
    void *code_ctx; /* used on the REP thread only */
} cluster_config_t;

int cluster_start(const cluster_config_t *cfg, cluster_t **out, char *err, size_t err_len);
void cluster_stop(cluster_t *c);

/* Makes snapshot (takes ownership of the malloc'd bytes) current and publishes it. */
void cluster_publish(cluster_t *c, uint64_t version, uint8_t *snapshot, size_t len);

/* Publishes the heartbeat announcement of the current version. */
void cluster_announce(cluster_t *c);

/* Version regressions seen at run time: 1 (once) when a node reported a
 * version of the current store incarnation above any this control plane has
 * published — its database went back (a backup restored with its mark). The
 * caller starts a new store epoch and gives its id to cluster_set_store_id. */
int cluster_take_regression(cluster_t *c);
void cluster_set_store_id(cluster_t *c, const char *store_id);

/* ---- API keys and usage plans ---------------------------------- */

/* Makes snapshot current (taking the bytes) with its config epoch; broadcasts
 * it on PUB unless broadcast is 0 (a quiet rebuild after key deltas: nodes
 * have its content already, fetches get it). Drops the cumulative delta. */
void cluster_publish_snapshot(cluster_t *c, uint64_t version, uint64_t epoch, uint8_t *snapshot,
                              size_t len, int broadcast);

/* Broadcasts a KeyDelta (inc, taken) and keeps cum, the cumulative KeyDelta
 * since the current snapshot (taken), to answer fetches from nodes of the
 * same epoch at or past the snapshot's version. Announcements now carry
 * version. */
void cluster_publish_delta(cluster_t *c, uint64_t version, uint64_t epoch, uint8_t *inc,
                           size_t inc_len, uint8_t *cum, size_t cum_len);

/* Broadcasts a UsageStatus payload (not taken). */
void cluster_publish_status(cluster_t *c, const uint8_t *payload, size_t len);
/* WebSocket APIs: the node directory (a packed WsDirectory). */
void cluster_publish_ws_directory(cluster_t *c, const uint8_t *payload, size_t len);

/* Broadcasts a LeaseGrants payload (not taken); any thread. */
void cluster_publish_grants(cluster_t *c, const uint8_t *payload, size_t len);

/* The URLs derived from the base address (for --help and logs). */
int cluster_urls(const char *url, char *rep, char *pull, size_t len);

/* The cluster secret (for MACs the admin API makes, e.g. a forwarded Invoke). */
const envelope_secret_t *cluster_secret(const cluster_t *c);

#endif
