/* rate_share: how a cluster-wide rate limit is split among live nodes.
 * Each node enforces share × rate with a bucket of ceil(share × burst). An
 * even split throttles early when a load balancer sends most traffic to one
 * node, so shares follow each node's part of the cluster's recent requests,
 * with a floor that lets a quiet node serve its first requests until the
 * next status (about a second later) gives it more. Shares sum to one
 * million ppm, so the cluster never passes more than the configured rate.
 *
 * The demand is the node's whole traffic, not each bucket's: exact when one
 * limit dominates a node's traffic (the common case of one busy API),
 * approximate when several limits are skewed differently. */
#ifndef PORTICO_RATE_SHARE_H
#define PORTICO_RATE_SHARE_H

#include <stddef.h>
#include <stdint.h>

#define RATE_SHARE_ONE 1000000u
/* Each node keeps at least this part of an even share (percent). */
#define RATE_SHARE_FLOOR_PERCENT 10u

/* Splits RATE_SHARE_ONE among n nodes by demand (requests per second, any
 * scale; none at all → even). ppm[i] ≥ the floor; Σ ppm ≤ RATE_SHARE_ONE. */
void rate_share_split(const double *demand, size_t n, uint32_t *ppm);

#endif
