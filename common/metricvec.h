/* metricvec: the figures counted for one metric series (an API, stage,
 * resource, method and canary flag), as one flat vector of uint64 that both
 * planes and the wire share: counters, then two latency histograms.
 *
 * Histogram buckets are per bucket (not cumulative): bucket i counts samples
 * with bound[i-1] < v <= bound[i] microseconds; the last bucket is +Inf. */
#ifndef PORTICO_METRICVEC_H
#define PORTICO_METRICVEC_H

#include <stddef.h>
#include <stdint.h>

#define METRICVEC_BUCKETS 30 /* 29 finite bounds and +Inf */

enum metricvec_slot {
    MV_COUNT,       /* requests (the reference's Count) */
    MV_3XX,         /* answered 3xx */
    MV_4XX,         /* 4XXError (including clients that left before an answer) */
    MV_5XX,         /* 5XXError */
    MV_CACHE_HIT,   /* CacheHitCount */
    MV_CACHE_MISS,  /* CacheMissCount */
    MV_LATENCY_SUM, /* Latency, microseconds summed */
    MV_INTEG_COUNT, /* requests that called an integration endpoint */
    MV_INTEG_SUM,   /* IntegrationLatency, microseconds summed */
    MV_LATENCY_BKT, /* METRICVEC_BUCKETS entries */
    MV_INTEG_BKT = MV_LATENCY_BKT + METRICVEC_BUCKETS,
    MV_LEN = MV_INTEG_BKT + METRICVEC_BUCKETS,
};

typedef struct {
    uint64_t v[MV_LEN];
} metricvec_t;

/* Upper bound of bucket i in microseconds (UINT64_MAX for the last). */
uint64_t metricvec_bound_us(int i);

/* The bucket a sample of us microseconds falls in. */
int metricvec_bucket(uint64_t us);

/* Adds one request: status, latency, integration latency (negative: no
 * integration call) and cache outcome (0 none, 1 hit, 2 miss). */
void metricvec_add_request(metricvec_t *m, int status, uint64_t latency_us, int64_t integ_us,
                           int cache);

void metricvec_add(metricvec_t *into, const metricvec_t *from);

/* into = cur - prev element by element. Returns 1 when anything is
 * non-zero, 0 when nothing changed, and -1 when some value went down: cur is
 * older than prev (counters are cumulative within one sender's life), so it
 * must be ignored. */
int metricvec_delta(metricvec_t *into, const metricvec_t *cur, const metricvec_t *prev);

/* The q-quantile (0 < q < 1) of a histogram starting at slot first, in
 * microseconds, interpolated linearly inside the bucket; 0 when empty. */
double metricvec_quantile(const metricvec_t *m, int first, double q);

/* Little-endian bytes for SQLite (MV_LEN * 8); decode refuses another length. */
void metricvec_encode(const metricvec_t *m, uint8_t out[MV_LEN * 8]);
int metricvec_decode(metricvec_t *m, const void *blob, size_t len);

#endif
