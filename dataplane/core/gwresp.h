/* gwresp: the answers the gateway itself gives (the reference service's
 * gateway responses): one row per case with its response type, status,
 * message and error type, sent as JSON with x-amzn-ErrorType and
 * x-amzn-RequestId, or as the API's override of that type. */
#ifndef PORTICO_GWRESP_H
#define PORTICO_GWRESP_H

#include "request.h"

enum gwresp_case {
    GW_MISSING_AUTHENTICATION_TOKEN,
    GW_FORBIDDEN_STAGE, /* unknown API or stage */
    GW_INVALID_API_KEY,
    GW_ACCESS_DENIED,
    GW_UNAUTHORIZED,
    GW_THROTTLED,
    GW_QUOTA_EXCEEDED,
    GW_REQUEST_TOO_LARGE,
    GW_API_CONFIGURATION_ERROR,
    GW_INTEGRATION_TIMEOUT,
    GW_INTEGRATION_UNREACHABLE, /* connection refused or failed */
    GW_INTEGRATION_BAD_ANSWER,  /* the endpoint's answer could not be read */
    GW_NOT_READY,               /* no snapshot applied yet */
    /* authorization */
    GW_ACCESS_NOT_ALLOWED,             /* an authorizer policy allows nothing here */
    GW_POLICY_DENIED,                  /* the resource policy refuses (message names the ARN) */
    GW_INSUFFICIENT_SCOPE,             /* a valid JWT without the method's scopes */
    GW_AUTHORIZER_FAILURE,             /* the authorizer could not be reached or failed */
    GW_AUTHORIZER_CONFIGURATION_ERROR, /* the authorizer's answer is malformed */
    GW_CACHE_CONTROL_FORBIDDEN, /* Cache-Control from an unauthorized caller, FAIL_WITH_403 */
    /* AWS_IAM methods (step_iam.c) */
    GW_IAM_INVALID_SIGNATURE,    /* wrong signature, or a clock off by more than 5 minutes */
    GW_IAM_UNRECOGNIZED_CLIENT,  /* an access key without a signing key here */
    GW_IAM_INCOMPLETE_SIGNATURE, /* a malformed Authorization header or X-Amz-* query */
    GW_CASE_COUNT,
};

/* Sends the answer for c; the request is done afterwards. Overrides of the
 * API (PUT /gatewayresponses) apply: the case's type, then DEFAULT_4XX/5XX. */
void gwresp_send(dp_request_t *r, enum gwresp_case c);

/* The same with a message of the caller's instead of the row's (it becomes
 * $context.error.message). */
void gwresp_send_message(dp_request_t *r, enum gwresp_case c, const char *message);

/* For h2o requests that never became a dp_request (no memory, draining). */
void gwresp_send_plain(h2o_req_t *req, int status, const char *json_body, const char *error_type);

/* ---- observability ---- */
/* The message of c's body ($context.error.message), without quotes. */
const char *gwresp_message(enum gwresp_case c, size_t *len);
/* The reference's gateway response type of c, or NULL when it has none. */
const char *gwresp_response_type(enum gwresp_case c);
int gwresp_status(enum gwresp_case c);

#endif
