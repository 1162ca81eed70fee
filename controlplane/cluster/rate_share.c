/* rate_share: the demand-weighted split of rate limits (see rate_share.h). */
#include "rate_share.h"

void rate_share_split(const double *demand, size_t n, uint32_t *ppm)
{
    if (n == 0)
        return;
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += demand[i] > 0 ? demand[i] : 0;
    double even = 1.0 / (double)n;
    double floor = even * RATE_SHARE_FLOOR_PERCENT / 100.0;
    for (size_t i = 0; i < n; i++) {
        double d = demand[i] > 0 ? demand[i] : 0;
        double share = total > 0 ? floor + (1.0 - floor * (double)n) * (d / total) : even;
        /* truncated: the sum never exceeds one */
        ppm[i] = (uint32_t)(share * RATE_SHARE_ONE);
    }
}
