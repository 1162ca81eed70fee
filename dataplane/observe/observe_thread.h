/* observe_thread: a worker's observability record — its metrics table, log
 * buffer, the memo of metric series, and the per-second and per-client
 * memos the $context getters keep (mapping.c). Owned and touched by that
 * worker only, apart from the two gauges the status server reads. */
#ifndef PORTICO_OBSERVE_THREAD_H
#define PORTICO_OBSERVE_THREAD_H

#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include "accesslog.h"
#include "dp.h"
#include "reqmetrics.h"

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
    sa_family_t ip_family;          /* the last client address formatted (without its port) ... */
    uint8_t ip_addr[16];            /* struct in_addr or in6_addr */
    char ip_text[INET6_ADDRSTRLEN]; /* ... and its text */
    size_t ip_text_len;
    time_t clf_second; /* $context.requestTime of that second */
    char clf[32];
    size_t clf_len;
    atomic_uint inflight; /* gauges, refreshed every tick */
    atomic_uint connections;
    h2o_timeout_t tick_timeout;
    h2o_timeout_entry_t tick_entry;
} observe_thread_t;

#endif
