/* step_v2: HTTP APIs at routing time (step_v2.c) — the gateway's own CORS
 * preflight answer, `$default` as the catch-all route, 404 Not Found — and
 * the CORS headers added to every answer of an API with a corsConfiguration. */
#ifndef PORTICO_STEP_V2_H
#define PORTICO_STEP_V2_H

#include "steps.h"

/* step_route for a deployment with r->deployment->v2 set. */
enum step_result step_route_v2(dp_request_t *r);

/* When any response of an HTTP API request starts: apigw-requestid, and on
 * a routed request of an API with a corsConfiguration the configuration's
 * CORS headers in place of the backend's. */
void v2_on_response(dp_request_t *r);

#endif
