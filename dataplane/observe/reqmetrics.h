/* reqmetrics: request counts and latency histograms per metric series (API,
 * stage, resource, method, canary flag), counted by each worker in a table of
 * its own. A worker is the only writer of its counters (relaxed atomic
 * stores, no read-modify-write, no lock); any thread may read them, and the
 * readers (the cluster thread's reporter, the status server) sum the
 * workers' tables in an aggregate of their own. Counters are cumulative
 * since the process started and never reset. */
#ifndef PORTICO_REQMETRICS_H
#define PORTICO_REQMETRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "metricvec.h"

#define REQMETRICS_MAX_SERIES 16384 /* per worker; requests beyond count in node totals only */

typedef struct {
    const char *api_id;
    const char *stage;
    const char *resource; /* "*" without detailed metrics */
    const char *method;   /* "*" likewise */
    int canary;
} reqmetrics_key_t;

typedef struct reqmetrics_series {
    reqmetrics_key_t key; /* strings owned by the series, never freed while the process runs */
    uint64_t hash;
    struct reqmetrics_series *next; /* the worker's hash chain (worker only) */
    atomic_uint_fast64_t v[MV_LEN];
} reqmetrics_series_t;

enum { REQMETRICS_NODE_REQUESTS, REQMETRICS_NODE_4XX, REQMETRICS_NODE_5XX, REQMETRICS_NODE_LEN };

typedef struct reqmetrics_thread reqmetrics_thread_t;

reqmetrics_thread_t *reqmetrics_thread_create(void);
void reqmetrics_thread_destroy(reqmetrics_thread_t *m);

/* Counts one request (worker only). key NULL: a request no stage answered,
 * counted in the node's totals only. integ_us < 0: no integration call;
 * cache: 0 none, 1 hit, 2 miss. */
void reqmetrics_record(reqmetrics_thread_t *m, const reqmetrics_key_t *key, int status,
                       uint64_t latency_us, int64_t integ_us, int cache);

/* The same in two halves, for callers that cache series: the series of key
 * (created on first use; NULL when the table is full), and counting one
 * request in a series (NULL: the node's totals only). Worker only. */
reqmetrics_series_t *reqmetrics_series(reqmetrics_thread_t *m, const reqmetrics_key_t *key);
void reqmetrics_count(reqmetrics_thread_t *m, reqmetrics_series_t *s, int status,
                      uint64_t latency_us, int64_t integ_us, int cache);

/* Series that did not fit the table (their requests are in the node totals). */
uint64_t reqmetrics_overflow(reqmetrics_thread_t *m);

/* ---- readers: one aggregate per reading thread ---- */

typedef struct {
    const reqmetrics_key_t *key;
    metricvec_t sum;     /* over every worker, as of the last collect */
    uint64_t changed_at; /* the collect tick at which sum last changed */
} reqmetrics_entry_t;

typedef struct reqmetrics_agg reqmetrics_agg_t;

reqmetrics_agg_t *reqmetrics_agg_create(void);
void reqmetrics_agg_destroy(reqmetrics_agg_t *a);

/* Sums the workers' tables; entries whose sum changed get changed_at = tick;
 * node totals (REQMETRICS_NODE_*) are summed into a->node. Returns 0 or -1
 * (out of memory: the figures are incomplete this time). */
int reqmetrics_agg_collect(reqmetrics_agg_t *a, reqmetrics_thread_t *const *threads, int n,
                           uint64_t tick);

size_t reqmetrics_agg_count(const reqmetrics_agg_t *a);
const reqmetrics_entry_t *reqmetrics_agg_entry(const reqmetrics_agg_t *a, size_t i);
const uint64_t *reqmetrics_agg_node(const reqmetrics_agg_t *a);

#endif
