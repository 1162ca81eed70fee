/* throttle: token buckets shared by a node's worker threads.
 * A bucket is one 64-bit word updated with compare-and-swap: the generic
 * cell rate algorithm keeps the bucket's "theoretical arrival time" (TAT,
 * monotonic nanoseconds), which is exactly a token bucket of size burst
 * refilled at rate per second. No lock, no per-bucket allocation; a word of
 * zero is a full bucket.
 *
 * Limits are cluster-wide as configured; each node enforces its share of
 * them (parts per million, from the control plane: by the node's part of
 * recent traffic, see controlplane/cluster/rate_share.h; 1 / live nodes
 * until it says) with a bucket of ceil(burst × share), never below one. */
#ifndef PORTICO_THROTTLE_H
#define PORTICO_THROTTLE_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

typedef struct {
    double rate;    /* requests per second, cluster-wide */
    uint32_t burst; /* bucket size, cluster-wide */
} throttle_limit_t;

/* Takes one token: 1 when the request may pass, 0 when throttled. A rate or
 * burst of 0 refuses everything. Any thread. */
int throttle_take(_Atomic uint64_t *tat, throttle_limit_t limit, uint32_t share_ppm,
                  uint64_t now_ns);

#define THROTTLE_SHARE_ALL 1000000u

static inline uint64_t throttle_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
