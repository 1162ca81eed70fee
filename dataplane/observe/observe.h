/* observe: what a worker does when a request ends — count it (reqmetrics),
 * write its access log line and its execution log lines (accesslog) — and the
 * worker's 100 ms tick that hands log chunks to the writer and refreshes the
 * gauges the status server reads. Everything here runs on the worker that
 * owns the request; nothing blocks and nothing takes a lock. */
#ifndef PORTICO_OBSERVE_H
#define PORTICO_OBSERVE_H

#include "observe_thread.h"
#include "request.h"

/* Sets up t->obs on the worker's loop (before the worker runs). */
int observe_thread_init(dp_thread_t *t);
/* Hands the last log lines to the writer; the metrics table stays (readers may still sum it). */
void observe_thread_flush(dp_thread_t *t);
void observe_thread_dispose(dp_thread_t *t);

/* The request has ended (its pool is being released), in this order:
 * its final status (499 when the client left unanswered), latency and the
 * method's log settings; its metrics; its access and execution log lines. */
void observe_request_close(dp_request_t *r);
void observe_request_count(dp_request_t *r);
void observe_request_log(dp_request_t *r);

#endif
