/* throttle: GCRA. A request at time t passes when max(TAT, t) - t stays
 * within the burst tolerance (burst - 1 intervals); it then moves TAT one
 * emission interval (1 / rate) forward. */
#include <time.h>

#include "throttle.h"

#include <math.h>

int throttle_take(_Atomic uint64_t *tat, throttle_limit_t limit, uint32_t share_ppm,
                  uint64_t now_ns)
{
    if (share_ppm == 0 || share_ppm > THROTTLE_SHARE_ALL)
        share_ppm = THROTTLE_SHARE_ALL;
    double share = (double)share_ppm / THROTTLE_SHARE_ALL;
    double rate = limit.rate * share;
    /* ceil: every node keeps a burst of 1 */
    uint64_t burst = (uint64_t)ceil((double)limit.burst * share - 1e-9);
    if (limit.burst > 0 && burst == 0)
        burst = 1;
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
