/* metricvec: bucket bounds roughly 1-1.5-2-3-5-7.5 per decade from 100 µs to
 * 30 s, so quantiles read from them are within a bucket's width (≤ 50 %) of
 * the truth and usually much closer after interpolation. */
#include "metricvec.h"

#include <string.h>

static const uint64_t metricvec_bounds[METRICVEC_BUCKETS] = {
    100,    250,    500,     750,     1000,    1500,    2000,    3000,     5000,     7500,
    10000,  15000,  20000,   30000,   50000,   75000,   100000,  150000,   200000,   300000,
    500000, 750000, 1000000, 1500000, 2000000, 3000000, 5000000, 10000000, 30000000, UINT64_MAX,
};

uint64_t metricvec_bound_us(int i)
{
    return metricvec_bounds[i];
}

int metricvec_bucket(uint64_t us)
{
    int lo = 0, hi = METRICVEC_BUCKETS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (us <= metricvec_bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void metricvec_add_request(metricvec_t *m, int status, uint64_t latency_us, int64_t integ_us,
                           int cache)
{
    m->v[MV_COUNT]++;
    if (status >= 300 && status < 400)
        m->v[MV_3XX]++;
    else if (status >= 400 && status < 500)
        m->v[MV_4XX]++;
    else if (status >= 500)
        m->v[MV_5XX]++;
    if (cache == 1)
        m->v[MV_CACHE_HIT]++;
    else if (cache == 2)
        m->v[MV_CACHE_MISS]++;
    m->v[MV_LATENCY_SUM] += latency_us;
    m->v[MV_LATENCY_BKT + metricvec_bucket(latency_us)]++;
    if (integ_us >= 0) {
        m->v[MV_INTEG_COUNT]++;
        m->v[MV_INTEG_SUM] += (uint64_t)integ_us;
        m->v[MV_INTEG_BKT + metricvec_bucket((uint64_t)integ_us)]++;
    }
}

void metricvec_add(metricvec_t *into, const metricvec_t *from)
{
    for (int i = 0; i < MV_LEN; i++)
        into->v[i] += from->v[i];
}

int metricvec_delta(metricvec_t *into, const metricvec_t *cur, const metricvec_t *prev)
{
    int any = 0;
    for (int i = 0; i < MV_LEN; i++)
        if (cur->v[i] < prev->v[i])
            return -1;
    for (int i = 0; i < MV_LEN; i++) {
        into->v[i] = cur->v[i] - prev->v[i];
        any |= into->v[i] != 0;
    }
    return any;
}

double metricvec_quantile(const metricvec_t *m, int first, double q)
{
    const uint64_t *b = &m->v[first];
    uint64_t total = 0;
    for (int i = 0; i < METRICVEC_BUCKETS; i++)
        total += b[i];
    if (total == 0)
        return 0;
    double rank = q * (double)total, seen = 0;
    for (int i = 0; i < METRICVEC_BUCKETS; i++) {
        if (b[i] == 0 || seen + (double)b[i] < rank) {
            seen += (double)b[i];
            continue;
        }
        double lo = i == 0 ? 0 : (double)metricvec_bounds[i - 1];
        /* the +Inf bucket has no upper bound: report its lower one */
        if (i == METRICVEC_BUCKETS - 1)
            return lo;
        double hi = (double)metricvec_bounds[i];
        return lo + (hi - lo) * ((rank - seen) / (double)b[i]);
    }
    return (double)metricvec_bounds[METRICVEC_BUCKETS - 2];
}

void metricvec_encode(const metricvec_t *m, uint8_t out[MV_LEN * 8])
{
    for (int i = 0; i < MV_LEN; i++)
        for (int k = 0; k < 8; k++)
            out[i * 8 + k] = (uint8_t)(m->v[i] >> (8 * k));
}

int metricvec_decode(metricvec_t *m, const void *blob, size_t len)
{
    const uint8_t *p = blob;
    if (len != MV_LEN * 8)
        return -1;
    for (int i = 0; i < MV_LEN; i++) {
        uint64_t v = 0;
        for (int k = 0; k < 8; k++)
            v |= (uint64_t)p[i * 8 + k] << (8 * k);
        m->v[i] = v;
    }
    return 0;
}
