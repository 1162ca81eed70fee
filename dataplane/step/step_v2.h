/* step_v2: HTTP APIs at routing time (step_v2.c) — the gateway's own CORS
 * preflight answer, `$default` as the catch-all route, 404 Not Found — and
 * the CORS headers added to every answer of an API with a corsConfiguration. */
#ifndef PORTICO_STEP_V2_H
#define PORTICO_STEP_V2_H

#include "steps.h"

/* step_route for a deployment with r->deployment->v2 set. */
enum step_result step_route_v2(dp_request_t *r);

/* When a response of a routed HTTP API request with a corsConfiguration
 * starts: the configuration's CORS headers replace the backend's. */
void v2_cors_on_response(dp_request_t *r);

#endif
