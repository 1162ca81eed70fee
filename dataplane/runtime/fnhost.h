/* fnhost: the data plane's function host — the one entry point through which
 * the gateway invokes a function (AWS_PROXY and AWS integrations, function
 * authorizers, HTTP and WebSocket APIs, the control plane's Invoke).
 *
 * A function is looked up in the node's current snapshot (FunctionVersion,
 * FunctionAlias); a local one runs in a runtime process this node supervises
 * (code fetched by hash and unpacked once, the Lambda Runtime API on
 * loopback, warm processes reused), a remote one (remote_endpoint) is called
 * through the Lambda Invoke API with SigV4.
 *
 * Threads: fnhost_invoke and fnhost_cancel are called on a data-plane worker
 * thread (the loop of a dp_thread_t); the callback runs later on that same
 * loop, never inside fnhost_invoke, exactly once unless the call was
 * cancelled first. */
#ifndef PORTICO_FNHOST_H
#define PORTICO_FNHOST_H

#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

typedef enum {
    FNHOST_OK,             /* the function answered: payload is its response (any bytes) */
    FNHOST_FUNCTION_ERROR, /* the handler failed (Runtime API /error or a crash mid-invocation):
                              payload is the error JSON {"errorMessage","errorType",...} */
    FNHOST_TIMEOUT,        /* the function's Timeout (or the caller's deadline) passed: process
                              killed */
    FNHOST_THROTTLED,      /* no slot and the bounded wait queue full (reserved or node-wide) */
    FNHOST_NOT_FOUND,      /* no such function / version / alias in the node's snapshot */
    FNHOST_FAILED,         /* init error, bootstrap not executable, code unavailable, ...;
                              payload: a reason (text, for logs) */
} fnhost_status_t;

typedef struct {
    fnhost_status_t status;
    const char *payload; /* valid only during the callback */
    size_t len;
    const char *function_error;   /* "Unhandled" on FUNCTION_ERROR, else NULL */
    const char *executed_version; /* "$LATEST", "3"; NULL when not resolved */
} fnhost_result_t;

typedef struct {
    const char *trace_id; /* X-Amzn-Trace-Id value: becomes Lambda-Runtime-Trace-Id; may be NULL */
    const char *log_tag;  /* the gateway request id: tags the function's stdout/stderr lines */
    const char *client_context;   /* base64 Lambda-Runtime-Client-Context, or NULL */
    const char *cognito_identity; /* Lambda-Runtime-Cognito-Identity JSON, or NULL */
    int async;            /* InvocationType Event: cb fires once queued, status OK, empty payload */
    uint32_t deadline_ms; /* 0: the function's Timeout; else min(Timeout, this) */
} fnhost_opts_t;

typedef void (*fnhost_cb)(void *arg, const fnhost_result_t *r);

typedef struct fnhost_call fnhost_call_t;

/* On a worker thread: `ref` is "name", "name:qualifier", an unqualified or
 * qualified function ARN. payload (len bytes) and the strings of opts are
 * copied. cb runs later on `loop`, never inside this call, exactly once
 * unless cancelled. Never returns NULL (failures come through cb). */
fnhost_call_t *fnhost_invoke(h2o_loop_t *loop, const char *ref, const void *payload, size_t len,
                             const fnhost_opts_t *opts, fnhost_cb cb, void *arg);

/* On the thread that invoked: the caller went away; cb is never called and
 * the call is released (a running invocation finishes in its process and its
 * answer is dropped). */
void fnhost_cancel(fnhost_call_t *call);

#endif
