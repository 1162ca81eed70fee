/* throttle: GCRA. A request at time t passes when max(TAT, t) - t stays
 * within the burst tolerance (burst - 1 intervals); it then moves TAT one
 * emission interval (1 / rate) forward. */
#include <time.h>

#include "throttle.h"

int throttle_take(_Atomic uint64_t *tat, throttle_limit_t limit, unsigned nodes, uint64_t now_ns)
{
    if (nodes == 0)
        nodes = 1;
    double rate = limit.rate / nodes;
    uint64_t burst = (limit.burst + nodes - 1) / nodes; /* ceil: every node keeps a burst of 1 */
    if (!(rate > 0) || burst == 0)
        return 0;
    double iv = 1e9 / rate;
    uint64_t interval = iv < 1 ? 1 : iv > 1e15 ? (uint64_t)1e15 : (uint64_t)iv;
    uint64_t tolerance =
        (burst - 1) > UINT64_MAX / 4 / interval ? UINT64_MAX / 4 : (burst - 1) * interval;
    uint64_t old = atomic_load_explicit(tat, memory_order_relaxed);
    for (;;) {
        uint64_t base = old > now_ns ? old : now_ns;
        if (base - now_ns > tolerance)
            return 0;
        if (atomic_compare_exchange_weak_explicit(tat, &old, base + interval, memory_order_relaxed,
                                                  memory_order_relaxed))
            return 1;
    }
}
