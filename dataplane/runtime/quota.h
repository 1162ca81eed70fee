/* quota: a (key, plan) quota counter in one 64-bit word: the
 * period it counts (its first day, 24 bits) and the requests used in it
 * (40 bits). Workers count with compare-and-swap; the cluster thread raises
 * the count to the cluster-wide figure the control plane announces. A word
 * from an older period reads as 0 used. */
#ifndef PORTICO_QUOTA_H
#define PORTICO_QUOTA_H

#include <stdatomic.h>
#include <stdint.h>

#define QUOTA_USED_BITS 40
#define QUOTA_USED_MAX ((UINT64_C(1) << QUOTA_USED_BITS) - 1)

/* Requests used in period_start as this node sees them. */
uint64_t quota_used(_Atomic uint64_t *word, uint32_t period_start);

/* Counts one request when fewer than limit were used: 1, else 0. */
int quota_take(_Atomic uint64_t *word, uint32_t period_start, uint64_t limit);

/* Raises the count of period_start to at least used (never lowers it: the
 * announced figure may predate this node's latest requests). */
void quota_merge(_Atomic uint64_t *word, uint32_t period_start, uint64_t used);

#endif
