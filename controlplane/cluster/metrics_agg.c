/* metrics_agg: one transaction per report, so the last-seen values and the
 * rows they fed change together: if the transaction fails or the process
 * dies mid-way, nothing of the report counted and the node's next report
 * (cumulative) carries the same figures again. */
#include "metrics_agg.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "store_metrics.h"

#define METRICS_AGG_MAX_LABEL 1024

struct metrics_agg {
    store_t *store;
    int retention_days;
    int64_t pruned_minute;
    int bad_series_logged;
};

static void metrics_agg_prune(metrics_agg_t *m, int64_t minute)
{
    int64_t keep_from = minute - (int64_t)m->retention_days * 24 * 60;
    if (store_begin(m->store) != STORE_OK)
        return;
    if (store_metrics_prune(m->store, keep_from, minute - METRICS_AGG_SUPERSEDED_MINUTES) !=
            STORE_OK ||
        store_commit(m->store) != STORE_OK) {
        store_rollback(m->store);
        log_warn("metrics: pruning failed; retrying in a minute");
    }
    m->pruned_minute = minute;
}

int metrics_agg_open(const char *db_path, int retention_days, metrics_agg_t **out)
{
    metrics_agg_t *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return STORE_EIO;
    int rc = store_open(db_path, &m->store);
    if (rc != STORE_OK) {
        free(m);
        return rc;
    }
    /* per-minute figures need consistency more than the last fsync: a
     * transaction lost to a power cut takes its last-seen values with it */
    sqlite3_exec(store_db(m->store), "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    m->retention_days = retention_days;
    metrics_agg_prune(m, (int64_t)(time(NULL) / 60));
    *out = m;
    return STORE_OK;
}

void metrics_agg_close(metrics_agg_t *m)
{
    if (m == NULL)
        return;
    store_close(m->store);
    free(m);
}

static int metrics_agg_label_ok(const char *s)
{
    return s != NULL && strlen(s) <= METRICS_AGG_MAX_LABEL;
}

static int metrics_agg_series(metrics_agg_t *m, const Portico__NodeReport *r,
                              const Portico__MetricSeries *ms, int64_t minute)
{
    if (ms->n_values != MV_LEN || !metrics_agg_label_ok(ms->api_id) ||
        !metrics_agg_label_ok(ms->stage) || !metrics_agg_label_ok(ms->resource) ||
        !metrics_agg_label_ok(ms->method)) {
        if (!m->bad_series_logged++)
            log_warn("metrics: node %s sent a series this build cannot read (%zu values); "
                     "skipping such series",
                     r->node_id, ms->n_values);
        return STORE_OK;
    }
    metricvec_t cur;
    memcpy(cur.v, ms->values, sizeof(cur.v));
    store_metric_key_t k = {ms->api_id, ms->stage, ms->resource, ms->method, ms->canary};
    int added;
    return store_metrics_ingest(m->store, r->node_id, r->started_at_ms, &k, &cur, minute, &added);
}

void metrics_agg_report(metrics_agg_t *m, const Portico__NodeReport *r, uint64_t now_ms)
{
    int64_t minute = (int64_t)(now_ms / 60000);
    if (minute != m->pruned_minute)
        metrics_agg_prune(m, minute);
    if (store_begin(m->store) != STORE_OK)
        return;
    int rc = store_metrics_incarnation(m->store, r->node_id, r->started_at_ms, minute);
    for (size_t i = 0; i < r->n_metric_series && rc == STORE_OK; i++)
        rc = metrics_agg_series(m, r, r->metric_series[i], minute);
    if (rc == STORE_OK)
        rc = store_commit(m->store);
    if (rc != STORE_OK) {
        store_rollback(m->store);
        log_warn("metrics: could not record the report of node %s; its next report carries "
                 "the same figures",
                 r->node_id);
    }
}
