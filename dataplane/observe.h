/* observe: what a worker does when a request ends — count it (reqmetrics),
 * write its access log line and its execution log lines (accesslog) — and the
 * worker's 100 ms tick that hands log chunks to the writer and refreshes the
 * gauges the status server reads. Everything here runs on the worker that
 * owns the request; nothing blocks and nothing takes a lock. */
#ifndef PORTICO_OBSERVE_H
#define PORTICO_OBSERVE_H

#include <stdatomic.h>

#include "accesslog.h"
#include "reqmetrics.h"
#include "request.h"

#define OBSERVE_TICK_MS 100

typedef struct observe_thread {
    dp_thread_t *thread;
    reqmetrics_thread_t *metrics; /* NULL with --no-metrics */
    accesslog_buf_t log;
    char *line; /* scratch for one log line */
    size_t line_cap;
    atomic_uint inflight; /* gauges, refreshed every tick */
    atomic_uint connections;
    h2o_timeout_t tick_timeout;
    h2o_timeout_entry_t tick_entry;
} observe_thread_t;

/* Sets up t->obs on the worker's loop (before the worker runs). */
int observe_thread_init(dp_thread_t *t);
/* Hands the last log lines to the writer; the metrics table stays (readers may still sum it). */
void observe_thread_flush(dp_thread_t *t);
void observe_thread_dispose(dp_thread_t *t);

/* The request has ended (its pool is being released): count and log it. */
void observe_request_end(dp_request_t *r);

#endif
