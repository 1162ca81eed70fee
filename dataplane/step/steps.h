/* steps: the pipeline's step functions (see the table in request.c). */
#ifndef PORTICO_STEPS_H
#define PORTICO_STEPS_H

#include "request.h"

/* host → API + stage (+ canary choice); step_host.c */
enum step_result step_host(dp_request_t *r);
/* path + verb → method; step_route.c */
enum step_result step_route(dp_request_t *r);
/* resource policy: source IP, explicit deny; step_policy.c */
enum step_result step_policy(dp_request_t *r);
/* JWT and custom authorizers; step_authorize.c */
enum step_result step_authorize(dp_request_t *r);
/* AWS_IAM: SigV4 with the snapshot's signing keys, identity policy; step_iam.c */
enum step_result step_iam(dp_request_t *r);
/* the stage's response cache; step_cache.c */
enum step_result step_cache(dp_request_t *r);
/* x-api-key → the key's usage plan for this stage; step_api_key.c */
enum step_result step_api_key(dp_request_t *r);
/* token buckets and quotas; step_throttle.c */
enum step_result step_throttle(dp_request_t *r);
/* MOCK or HTTP_PROXY; integration.c */
enum step_result step_integration(dp_request_t *r);

#endif
