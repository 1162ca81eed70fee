/* pipeline: the path of a client request through the data plane, readable
 * top to bottom in pipeline.c — the h2o entry point, the steps in order,
 * resuming after a step that waited, what runs when any response starts
 * (common headers, the cache fill's watch) and what runs when the request
 * ends (metrics, access and execution logs, the runtime lease). Everything
 * runs on the worker that accepted the request. */
#ifndef PORTICO_PIPELINE_H
#define PORTICO_PIPELINE_H

#include "request.h"

/* The h2o handler entry: creates the request and runs the pipeline. */
int pipeline_on_req(h2o_handler_t *self, h2o_req_t *req);

/* Continues the pipeline after a PENDING step finished (its answer, if any, sent). */
void pipeline_resume(dp_request_t *r);

#endif
