/* trace: a request's place in distributed traces. A W3C `traceparent`
 * (version 00) from the client is continued — same trace id, a new span id of
 * ours as the parent the integration sees — and a new trace is started when
 * there is none or it is malformed. `X-Amzn-Trace-Id` is carried through when
 * present; on stages with tracingEnabled one is started when absent
 * (Root=1-{epoch seconds hex}-{96 random bits hex}), as the reference does. */
#ifndef PORTICO_TRACE_H
#define PORTICO_TRACE_H

#include <stdint.h>

#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "rng.h"

#define TRACE_PARENT_LEN 55 /* "00-" 32 "-" 16 "-" 2 */

typedef struct {
    uint64_t trace_hi, trace_lo; /* the W3C trace id */
    uint64_t span;               /* our span id: the parent-id we send on */
    uint8_t flags;
    uint8_t continued;     /* the client sent a valid traceparent */
    h2o_iovec_t amzn;      /* X-Amzn-Trace-Id carried or started; len 0 when none */
    uint8_t amzn_resolved; /* amzn decided (carried, started or none) */
    uint8_t amzn_carried;  /* the client sent it (it travels on as a normal header) */
} trace_t;

/* Reads the client's trace headers; called once when the request starts. */
void trace_begin(trace_t *tr, rng_t *rng, const h2o_headers_t *headers);

/* "00-{trace id}-{our span}-{flags}" into out (TRACE_PARENT_LEN + 1 bytes). */
void trace_format_parent(const trace_t *tr, char *out);

/* The 32 hex digits of the trace id into out (33 bytes). */
void trace_format_id(const trace_t *tr, char *out);

/* Starts an X-Amzn-Trace-Id (Root=1-{wall_ms/1000 hex}-{random}) in pool
 * memory and records it in tr. Whether to start one is the request's call
 * (request_trace_amzn). */
h2o_iovec_t trace_start_amzn(trace_t *tr, uint64_t wall_ms, rng_t *rng, h2o_mem_pool_t *pool);

/* Parses a traceparent value; 0 when valid (fields out), -1 otherwise. */
int trace_parse_parent(const char *v, size_t len, uint64_t *hi, uint64_t *lo, uint64_t *parent,
                       uint8_t *flags);

#endif
