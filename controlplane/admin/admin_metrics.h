/* admin_metrics: the cluster's request metrics — GET /metrics, the running
 * totals in the Prometheus text format for a scrape, and GET /cluster/metrics,
 * a JSON query over the per-minute rows (the reference's CloudWatch metrics:
 * Count, 4XXError, 5XXError, CacheHitCount, CacheMissCount as sums; Latency
 * and IntegrationLatency with sum, sample count, p50, p90 and p99 in ms). */
#ifndef PORTICO_ADMIN_METRICS_H
#define PORTICO_ADMIN_METRICS_H

#include "admin.h"

void admin_metrics_prometheus(admin_call_t *c);
void admin_metrics_query(admin_call_t *c);

#endif
