/* store_metrics: the metrics tables (schema entry 3). A node reports values
 * cumulative since it started; store_metrics_ingest diffs them against the
 * last values seen from that node incarnation and adds the difference to the
 * minute's row and to the running totals, all in the caller's transaction,
 * so a report lost, repeated or re-sent after a control plane restart never
 * counts twice or not at all. */
#ifndef PORTICO_STORE_METRICS_H
#define PORTICO_STORE_METRICS_H

#include <stdint.h>

#include "metricvec.h"
#include "store.h"

typedef struct {
    const char *api_id;
    const char *stage;
    const char *resource;
    const char *method;
    int canary;
} store_metric_key_t;

/* Records that a node incarnation reported in minute (call before ingest). */
int store_metrics_incarnation(store_t *s, const char *node_id, uint64_t started_at, int64_t minute);

/* Adds cur − (last seen) to minute's row and the totals; *added = 1 when
 * anything changed. */
int store_metrics_ingest(store_t *s, const char *node_id, uint64_t started_at,
                         const store_metric_key_t *k, const metricvec_t *cur, int64_t minute,
                         int *added);

/* Drops rows of minutes before keep_from, totals not updated since, node
 * incarnations silent since keep_from, and incarnations replaced by a newer
 * one of the same node and silent since superseded_before. */
int store_metrics_prune(store_t *s, int64_t keep_from, int64_t superseded_before);

typedef int (*store_metrics_fn)(void *ctx, int64_t minute, const store_metric_key_t *k,
                                const metricvec_t *v);

/* Every totals row (minute = its last update), ordered by key. */
int store_metrics_visit_totals(store_t *s, store_metrics_fn fn, void *ctx);

typedef struct {
    const char *api_id; /* NULL: any (likewise below) */
    const char *stage;
    const char *resource;
    const char *method;
    int64_t from_minute, to_minute; /* [from, to) */
} store_metrics_query_t;

/* Minute rows matching q, ordered by minute. */
int store_metrics_visit_minutes(store_t *s, const store_metrics_query_t *q, store_metrics_fn fn,
                                void *ctx);

/* Number of minute rows (for tests and logs). */
int store_metrics_count_minutes(store_t *s, int64_t *count);

#endif
