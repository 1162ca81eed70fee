/* request: one client request's state, its lifetime (the lease on the
 * runtime, the worker's in-flight count) and the lookups the steps share.
 * The pipeline it runs through is pipeline.c. All request memory comes from
 * h2o's request pool. */
#ifndef PORTICO_REQUEST_H
#define PORTICO_REQUEST_H

#include "dp.h"
#include "netaddr.h"
#include "router.h"
#include "rt.h"
#include "trace.h"

/* What the stage cache did for a request: set by the cache step, read by
 * metrics and access logs when the request ends. */
enum request_cache_status { REQUEST_CACHE_NONE, REQUEST_CACHE_HIT, REQUEST_CACHE_MISS };

typedef struct dp_request {
    h2o_req_t *req;
    dp_thread_t *thread;
    dp_lease_t *lease;
    const runtime_t *rt;
    const rt_stage_t *stage;
    const rt_deployment_t *deployment;
    const rt_vars_t *variables; /* stage variables (canary-merged on canary requests) */
    int is_canary;
    h2o_iovec_t path;       /* the resource path requested: "/pets/7", no stage, no query */
    h2o_iovec_t query;      /* without '?'; len 0 when none */
    h2o_iovec_t canon_path; /* the whole canonical path (canonpath.h), set by step_canon */
    router_match_t match;
    const rt_method_t *method;
    char request_id[37];
    uint64_t started_us;
    enum request_cache_status cache_status;
    int step;
    /* authorization: $context.authorizer.* (principalId, the
     * custom authorizer's context, or claims.* of a JWT), request pool */
    const rt_kv_t *authorizer_ctx;
    size_t nauthorizer_ctx;
    const char *usage_identifier_key; /* a custom authorizer's usageIdentifierKey */
    /* request validation: $context.error.validationErrorString, request pool */
    const char *validation_error;
    const char *iam_access_key; /* AWS_IAM: the SigV4 access key (runtime arena) */
    /* why a mapping template failed (vtlreq.c), for the execution log; NULL: none */
    const char *exec_error;
    /* ---- observability: filled as the request runs, read when it ends */
    uint64_t started_wall_ms;
    uint64_t integ_started_us; /* 0: no integration endpoint was called */
    uint64_t integ_ended_us;   /* its answer's head arrived (or it failed) */
    int integ_status;          /* the endpoint's status, 0 when none */
    int integ_fn_status;       /* a proxy function's own statusCode, 0 when none */
    const char *integ_error;   /* the integration's error (a function's errorMessage), or NULL */
    int gw_case;               /* enum gwresp_case + 1 of a gateway answer, 0 when none */
    int final_status;          /* set when the request ends (499: the client left unanswered) */
    trace_t trace;
    /* API keys and usage plans: the key's membership in the plan
     * that serves this stage, when the method requires a key */
    const rt_plan_stage_t *plan_stage;
    keytab_hit_t key;
    /* the response cache's watch on a miss (cache_fill.c), NULL when none */
    struct fill_watch *cache_fill;
    /* set when the request ends (observe.c) */
    const rt_obs_setting_t *obs_setting; /* NULL without a stage */
    uint64_t latency_us;
} dp_request_t;

/* Sets up r for req on worker t (counts it in t's in-flight total). */
void request_init(dp_request_t *r, h2o_req_t *req, dp_thread_t *t);

/* Takes a reference on the worker's current runtime; -1 when it has none yet. */
int request_lease(dp_request_t *r);

/* Ends r: drops its runtime lease and its place in the in-flight count. */
void request_dispose(dp_request_t *r);

/* Adds the headers every Portico answer carries (x-amzn-RequestId,
 * X-Amzn-Trace-Id); the pipeline calls it when any response starts. */
void request_add_common_headers(dp_request_t *r);

/* X-Amzn-Trace-Id for this request: carried, or started on a stage with
 * tracingEnabled; len 0 when none. Stable once asked after the stage is known. */
h2o_iovec_t request_trace_amzn(dp_request_t *r);

/* Adds a response header; the name is lower-cased for the wire (HTTP/2
 * requires it) while HTTP/1 keeps the spelling given. A name or value that
 * is not valid HTTP (httpval.h: CR, LF, NUL...) is not added: -1, logged. */
int request_add_response_header(dp_request_t *r, const char *name, size_t name_len,
                                const char *value, size_t value_len);

/* The client's address (NULL when unknown), in the request pool. */
const netaddr_cidr_t *request_source_ip(dp_request_t *r);

/* The execute-api ARN of this request (arn:aws:execute-api:...:API/STAGE/VERB/PATH),
 * in the request pool. */
h2o_iovec_t request_method_arn(dp_request_t *r);

/* Value of a path parameter from the route match, or NULL. */
const char *request_path_param(const dp_request_t *r, const char *name, size_t len, size_t *vlen);

/* First value of a request header (case-insensitive name), or NULL. */
const char *request_header(const dp_request_t *r, const char *name, size_t len, size_t *vlen);

/* First value of a query parameter (raw, still encoded), or NULL. */
const char *request_query_param(const dp_request_t *r, const char *name, size_t len, size_t *vlen);

/* Of a list of templates keyed by content type: the one the client's Accept
 * names, else application/json, else the first; NULL when n is 0. */
const rt_kv_t *request_accept_template(const dp_request_t *r, const rt_kv_t *templates, size_t n);

#endif
