/* integration: running a method's integration — MOCK (integ_mock.c) and
 * HTTP_PROXY (integ_proxy.c) — and applying integration responses. */
#ifndef PORTICO_INTEGRATION_H
#define PORTICO_INTEGRATION_H

#include "request.h"

enum step_result integ_mock_run(dp_request_t *r);
enum step_result integ_proxy_run(dp_request_t *r);

/* Sets status, method.response.header.* mappings and the template body of an
 * integration response, then sends it. */
void integration_send_response(dp_request_t *r, const rt_int_response_t *resp);

#endif
