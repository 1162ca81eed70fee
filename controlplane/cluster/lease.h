/* lease: the control plane's ledger of quota budget leased to data-plane
 * nodes, one row per (plan, key, period, node) in quota_leases: cumulative
 * granted, returned (given back by the node or counted back here) and what
 * the node last said it holds. A grant is written in the caller's
 * transaction and sent only after that transaction commits, so a restarted
 * control plane never grants more than the quota:
 *   left = limit - max(sum over nodes of (granted - returned), used)
 * (used: the period's counted requests, which also covers requests from
 * before leases and from nodes serving "open" while this was away).
 * Leases are counted back without the node's word only when it can no
 * longer spend them: its new incarnation reported (a restart), or it has not
 * been heard of for LEASE_ORPHAN_MS (data planes stop spending after
 * LEASE_NODE_TTL_MS without news of the control plane).
 * PULL thread only (the usage module's own store connection). */
#ifndef PORTICO_LEASE_H
#define PORTICO_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "keyrec.h"
#include "portico.pb-c.h"
#include "store.h"

#define LEASE_ORPHAN_MS 30000

typedef struct {
    uint8_t sha[KEYREC_SHA_LEN];
    char plan_id[KEYREC_PLAN_ID_LEN + 1];
    uint32_t period_start;
    uint64_t amount; /* new now */
    uint64_t total;  /* granted to the node's incarnation, all told */
} lease_grant_t;

typedef struct {
    lease_grant_t *items;
    size_t n, cap;
} lease_grants_t;

/* Applies one report's asks inside the caller's transaction; grants for the
 * node are appended to out. */
int lease_apply(store_t *s, const Portico__NodeReport *r, unsigned live_nodes, uint64_t now_ms,
                lease_grants_t *out);

/* Counts back the leases of nodes silent for LEASE_ORPHAN_MS, once this
 * process has itself been up that long (started_ms). In a transaction. */
int lease_count_back_orphans(store_t *s, uint64_t started_ms, uint64_t now_ms);

/* A packed LeaseGrants payload for node (malloc'd). */
int lease_pack(const lease_grants_t *g, const char *node_id, uint64_t incarnation, uint8_t **out,
               size_t *len);

void lease_grants_free(lease_grants_t *g);

#endif
