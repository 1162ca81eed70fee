/* lease_size: see lease_size.h for the rule. */
#include "lease_size.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* The node's demand over the horizon, from its spend rate. */
static uint64_t lease_demand(const lease_input_t *in)
{
    if (in->interval_ms == 0 || in->spent == 0)
        return 0;
    uint64_t spent = min_u64(in->spent, LEASE_MAX);
    return spent * LEASE_HORIZON_MS / in->interval_ms;
}

uint64_t lease_size(const lease_input_t *in)
{
    if (in->remaining == 0)
        return 0;
    uint64_t want = lease_demand(in);
    /* used the previous lease up fast: a bigger one */
    if (in->prev_grant > 0 && in->prev_age_ms < LEASE_HORIZON_MS)
        want = want > 2 * in->prev_grant ? want : 2 * in->prev_grant;
    want = want < LEASE_MIN ? LEASE_MIN : min_u64(want, LEASE_MAX);
    unsigned nodes = in->live_nodes == 0 ? 1 : in->live_nodes;
    uint64_t fair = in->remaining / nodes + (in->remaining % nodes != 0);
    return min_u64(min_u64(want, fair), in->remaining);
}
