/* observe: what a worker does when a request ends — count it (reqmetrics),
 * write its access log line and its execution log lines (accesslog) — and the
 * worker's 100 ms tick that hands log chunks to the writer and refreshes the
 * gauges the status server reads. Everything here runs on the worker that
 * owns the request; nothing blocks and nothing takes a lock. */
#ifndef PORTICO_OBSERVE_H
#define PORTICO_OBSERVE_H

#include <netdb.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include "accesslog.h"
#include "reqmetrics.h"
#include "request.h"

#define OBSERVE_TICK_MS 100
#define OBSERVE_SERIES_CACHE 256

/* A worker's memo of which series a (runtime, stage, method, canary,
 * detailed) counts in, so that counting skips hashing the key's strings. */
typedef struct {
    uint64_t serial; /* runtime_t.serial; 0: empty */
    const void *stage, *method;
    unsigned flags;
    reqmetrics_series_t *series;
} observe_series_slot_t;

typedef struct observe_thread {
    dp_thread_t *thread;
    reqmetrics_thread_t *metrics; /* NULL with --no-metrics */
    observe_series_slot_t series_cache[OBSERVE_SERIES_CACHE];
    accesslog_buf_t log;
    char *line; /* scratch for one log line */
    size_t line_cap;
    struct sockaddr_storage ip_addr; /* the last client address formatted ... */
    socklen_t ip_addr_len;
    char ip_text[NI_MAXHOST]; /* ... and its text */
    size_t ip_text_len;
    time_t clf_second; /* $context.requestTime of that second */
    char clf[32];
    size_t clf_len;
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
