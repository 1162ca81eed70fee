/* metrics_agg: the control plane's side of node metrics. It runs on the
 * cluster PULL thread with a store connection of its own (SQLite WAL lets it
 * write beside the admin loop's connection), turns each report's cumulative
 * series into per-minute rows and running totals (store_metrics.h), and
 * prunes rows older than the retention once a minute. */
#ifndef PORTICO_METRICS_AGG_H
#define PORTICO_METRICS_AGG_H

#include <stdint.h>

#include "portico.pb-c.h"

/* an incarnation replaced by a newer one of the same node is forgotten after this */
#define METRICS_AGG_SUPERSEDED_MINUTES 60

typedef struct metrics_agg metrics_agg_t;

/* Opens db_path (already migrated) and prunes once. */
int metrics_agg_open(const char *db_path, int retention_days, metrics_agg_t **out);
void metrics_agg_close(metrics_agg_t *m);

/* One node report (PULL thread only). now_ms picks the minute the figures go to. */
void metrics_agg_report(metrics_agg_t *m, const Portico__NodeReport *r, uint64_t now_ms);

#endif
