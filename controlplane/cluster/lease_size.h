/* lease_size: how much quota budget the control plane leases to a node that
 * asks — a pure function, kept apart from the ledger so it can be tested as a
 * table. The lease covers LEASE_HORIZON_MS of the node's recent demand, at
 * least doubles when the node spent its previous lease within that horizon,
 * and never exceeds the node's fair part of what is left (what is left
 * divided among the live nodes, rounded up) nor what is left. */
#ifndef PORTICO_LEASE_SIZE_H
#define PORTICO_LEASE_SIZE_H

#include <stdint.h>

#define LEASE_HORIZON_MS 4000
#define LEASE_MIN 1
#define LEASE_MAX (UINT64_C(1) << 32)

typedef struct {
    uint64_t remaining;   /* the quota minus everything granted and not returned */
    unsigned live_nodes;  /* 0 is taken as 1 */
    uint64_t spent;       /* what the node spent since its previous ask */
    uint32_t interval_ms; /* over this long (0: unknown) */
    uint64_t prev_grant;  /* the node's previous lease of this quota, 0 none */
    uint64_t prev_age_ms; /* how long ago that lease was granted */
} lease_input_t;

uint64_t lease_size(const lease_input_t *in);

#endif
