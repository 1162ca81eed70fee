/* nodes: the registry of data-plane nodes, fed by their reports (cluster
 * threads) and read by the admin API (loop thread); internally locked. */
#ifndef PORTICO_NODES_H
#define PORTICO_NODES_H

#include <jansson.h>
#include <stdint.h>

#include "portico.pb-c.h"

/* A node not heard from for this long is STALE; after NODES_FORGET_MS it is dropped. */
#define NODES_STALE_MS 5000
#define NODES_FORGET_MS (10 * 60 * 1000)

typedef struct nodes nodes_t;

nodes_t *nodes_create(void);
/* The control plane's store incarnation (store_id()): nodes that report
 * another are BEHIND whatever their version. Any thread. */
void nodes_set_store_id(nodes_t *n, const char *store_id);
void nodes_destroy(nodes_t *n);

/* Records a report. Returns 0, or -1 when it replays an older sequence number
 * of the same node incarnation (dropped). */
int nodes_record(nodes_t *n, const Portico__NodeReport *r, uint64_t now_ms);

/* {"item": [...]} describing every known node against the current version. */
json_t *nodes_to_json(nodes_t *n, uint64_t current_version, uint64_t now_ms);

/* The listen address of a live node (reported within NODES_STALE_MS), taking
 * turns among them, into out: 0, or -1 when none is live. Any thread. */
int nodes_pick_addr(nodes_t *n, uint64_t now_ms, char *out, size_t out_len);
/* WebSocket APIs: the live nodes' peer URLs as a packed WsDirectory
 * (malloc'd). 0 or -1. */
int nodes_ws_directory(nodes_t *n, uint64_t now_ms, uint8_t **out, size_t *len);

/* Nodes that reported within NODES_STALE_MS. */
unsigned nodes_live_count(nodes_t *n, uint64_t now_ms);

/* Rate shares are sized by the requests of this last stretch. */
#define NODES_SHARE_WINDOW_MS 3000

/* Every live node's part of the cluster's rate limits (rate_share.h), by
 * its requests over NODES_SHARE_WINDOW_MS. *out: an array of *n entries
 * (free with nodes_shares_free). Returns 0, or -1 on allocation failure. */
typedef struct {
    char *node_id;
    uint64_t incarnation;
    uint32_t share_ppm;
} nodes_share_t;
int nodes_shares(nodes_t *n, uint64_t now_ms, nodes_share_t **out, size_t *count);
void nodes_shares_free(nodes_share_t *shares, size_t count);

#endif
