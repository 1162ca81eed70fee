/* gwresp: the answers the gateway itself gives (the reference service's
 * gateway responses): one row per case with its response type, status,
 * message and error type, sent as JSON with x-amzn-ErrorType and
 * x-amzn-RequestId, or as the API's override of that type. */
#ifndef PORTICO_GWRESP_H
#define PORTICO_GWRESP_H

#include "request.h"

#include "gwresp_case.h"

/* Sends the answer for c; the request is done afterwards. Overrides of the
 * API (PUT /gatewayresponses) apply: the case's type, then DEFAULT_4XX/5XX. */
void gwresp_send(dp_request_t *r, enum gwresp_case c);

/* The same with a message of the caller's instead of the row's (it becomes
 * $context.error.message). */
void gwresp_send_message(dp_request_t *r, enum gwresp_case c, const char *message);

/* For h2o requests that never became a dp_request (no memory, draining). */
void gwresp_send_plain(h2o_req_t *req, int status, const char *json_body, const char *error_type);

#endif
