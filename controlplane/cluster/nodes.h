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

/* WebSocket APIs: the live nodes' peer URLs as a packed WsDirectory
 * (malloc'd). 0 or -1. */
int nodes_ws_directory(nodes_t *n, uint64_t now_ms, uint8_t **out, size_t *len);

/* Nodes that reported within NODES_STALE_MS. */
unsigned nodes_live_count(nodes_t *n, uint64_t now_ms);

#endif
