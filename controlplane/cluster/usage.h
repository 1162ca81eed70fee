/* usage: the control plane's usage aggregation. Node reports carry
 * accepted requests per (key, plan, day); usage_record persists them in
 * SQLite through a connection of its own (it runs on the PULL thread) and
 * recomputes the current-period count of every quota they touch. Once a
 * second the heartbeat takes those changed counts, with the number of live
 * nodes, as a UsageStatus for every data plane. */
#ifndef PORTICO_USAGE_H
#define PORTICO_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lease.h"
#include "nodes.h"
#include "portico.pb-c.h"
#include "store.h"

typedef struct usage usage_t;

/* Opens its own connection to the database at path (already migrated). */
int usage_open(const char *path, usage_t **out);
void usage_close(usage_t *u);

/* PULL thread: one transaction per report — its counts, then its lease
 * asks (lease.h); the grants it committed are appended to grants (none when
 * the transaction failed), for the caller to send. */
void usage_record(usage_t *u, const Portico__NodeReport *r, unsigned live_nodes, uint64_t now_ms,
                  lease_grants_t *grants);

/* Any thread: a packed UsageStatus (malloc'd) with every quota count that
 * changed since the previous call and the nodes' rate shares. */
int usage_status(usage_t *u, unsigned live_nodes, const nodes_share_t *shares, size_t nshares,
                 const char *store_id, uint8_t **out, size_t *len);

#endif
