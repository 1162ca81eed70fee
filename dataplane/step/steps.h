/* steps: the contract every pipeline step keeps, and the steps in the order
 * of the table in pipeline.c, each in its step_<name>.c. A step returns
 * CONTINUE (run the next), DONE (it has answered) or PENDING (it started
 * I/O and will call pipeline_resume from a callback on the same event loop). */
#ifndef PORTICO_STEPS_H
#define PORTICO_STEPS_H

#include "request.h"

enum step_result { STEP_CONTINUE, STEP_DONE, STEP_PENDING };

typedef enum step_result (*step_fn)(dp_request_t *r);

/* checks the client's method, headers and query; the canonical path; step_canon.c */
enum step_result step_canon(dp_request_t *r);
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
/* x-api-key → the key's usage plan for this stage; step_api_key.c */
enum step_result step_api_key(dp_request_t *r);
/* token buckets and quotas; step_throttle.c */
enum step_result step_throttle(dp_request_t *r);
/* required request parameters and the body's model; step_validate.c */
enum step_result step_validate(dp_request_t *r);
/* the stage's response cache; step_cache.c */
enum step_result step_cache(dp_request_t *r);
/* MOCK or HTTP_PROXY; step_integration.c */
enum step_result step_integration(dp_request_t *r);

#endif
