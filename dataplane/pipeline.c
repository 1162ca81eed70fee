/* pipeline: the step table and the hooks around it; nothing else. */
#include "pipeline.h"

#include "cache_fill.h"
#include "gwresp.h"
#include "observe.h"
#include "resetguard.h"
#include "step_v2.h"
#include "steps.h"

static const struct {
    const char *name;
    step_fn run;
} pipeline_steps[] = {
    {"canon", step_canon}, /* first: every later step reads the canonical path */
    {"host", step_host},
    {"route", step_route},
    {"policy", step_policy},
    {"authorize", step_authorize},
    {"api_key", step_api_key}, /* after authorize: usageIdentifierKey can name the key */
    {"throttle", step_throttle},
    {"validate", step_validate}, /* required parameters, then the body's model */
    {"cache", step_cache},       /* after the steps that authorize, throttle and validate */
    {"integration", step_integration},
};

#define PIPELINE_LEN (sizeof(pipeline_steps) / sizeof(pipeline_steps[0]))

typedef struct {
    h2o_req_prefilter_t super;
    dp_request_t *r;
} pipeline_prefilter_t;

/* When any response starts — a gateway answer, an integration's, a cache
 * hit — in this order. */
static void pipeline_on_response(h2o_req_prefilter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    dp_request_t *r = ((pipeline_prefilter_t *)self)->r;
    request_add_common_headers(r); /* x-amzn-RequestId, X-Amzn-Trace-Id */
    if (r->deployment != NULL && r->deployment->v2 != NULL)
        v2_on_response(r); /* HTTP APIs: apigw-requestid, the corsConfiguration's headers */
    if (r->cache_fill != NULL)
        slot = cache_fill_on_response(r, slot); /* tag; store a cacheable miss */
    h2o_setup_next_prefilter(self, req, slot);
}

/* When the request ends (h2o releases its pool, after the response was
 * written or the client went away), in this order. */
static void pipeline_on_end(void *p)
{
    dp_request_t *r = p;
    observe_request_close(r); /* final status, latency, the method's log settings */
    observe_request_count(r); /* metrics */
    observe_request_log(r);   /* access log, execution log */
    request_dispose(r);       /* runtime lease, in-flight count (the hooks read the runtime) */
}

void pipeline_resume(dp_request_t *r)
{
    while (r->step < (int)PIPELINE_LEN) {
        enum step_result res = pipeline_steps[r->step++].run(r);
        if (res != STEP_CONTINUE)
            return;
    }
}

int pipeline_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    dp_thread_t *t = H2O_STRUCT_FROM_MEMBER(dp_thread_t, ctx, req->conn->ctx);
    dp_request_t *r = h2o_mem_alloc_shared(&req->pool, sizeof(*r), pipeline_on_end);
    request_init(r, req, t);
    resetguard_watch(req);
    pipeline_prefilter_t *pf = (void *)h2o_add_prefilter(req, sizeof(*pf));
    pf->super.on_setup_ostream = pipeline_on_response;
    pf->r = r;
    if (request_lease(r) != 0) {
        gwresp_send(r, GW_NOT_READY);
        return 0;
    }
    pipeline_resume(r);
    return 0;
}
