/* integ: the integrations a method can have — MOCK (integ_mock.c) and
 * HTTP_PROXY (integ_proxy.c) — and the integration-response writer they
 * share (integ_response.c). step_integration.c picks one. */
#ifndef PORTICO_INTEG_H
#define PORTICO_INTEG_H

#include "steps.h"

enum step_result integ_mock_run(dp_request_t *r);
enum step_result integ_proxy_run(dp_request_t *r);

/* Sets status, method.response.header.* mappings and the template body of an
 * integration response, then sends it. */
void integ_response_send(dp_request_t *r, const rt_int_response_t *resp);

#endif
