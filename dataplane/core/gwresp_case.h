/* gwresp_case: the answers the gateway itself gives, as data — one row per
 * case with the reference's gateway response type, status, message key and
 * text, spacing and x-amzn-ErrorType. The responder (gwresp.c) renders a
 * row; $context.error.* (mapping.c) and the execution log read it. No
 * request state here. */
#ifndef PORTICO_GWRESP_CASE_H
#define PORTICO_GWRESP_CASE_H

#include <stddef.h>

#include "gwtypes.h"

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
    /* request validation (step_validate.c) */
    GW_BAD_REQUEST_PARAMETERS, /* message names the missing parameters */
    GW_BAD_REQUEST_BODY,
    GW_BAD_REQUEST, /* a path that cannot be made canonical, an invalid method/header/query */
    GW_MISDIRECTED, /* a certificate's domain on a connection made for another name */
    /* AWS_IAM methods (step_iam.c) */
    GW_IAM_INVALID_SIGNATURE,    /* wrong signature, or a clock off by more than 5 minutes */
    GW_IAM_UNRECOGNIZED_CLIENT,  /* an access key without a signing key here */
    GW_IAM_INCOMPLETE_SIGNATURE, /* a malformed Authorization header or X-Amz-* query */
    /* mapping templates: no request template for the Content-Type (passthroughBehavior) */
    GW_UNSUPPORTED_MEDIA_TYPE,
    /* HTTP APIs: no route, and no `$default` route either */
    GW_NOT_FOUND,
    /* functions (integ_fn.c): the function had no free slot */
    GW_INTEGRATION_THROTTLED,
    GW_CASE_COUNT,
};

typedef struct gwresp_row {
    enum gwtype type; /* the reference's gateway response type; GWT_NONE: not overridable */
    int status;
    const char *key;     /* "message", or "Message" for access denials */
    const char *message; /* NULL renders as JSON null */
    int spaced;          /* {"message": "..."} rather than {"message":"..."} */
    const char *error_type;
} gwresp_row_t;

/* The row of c (static). */
const gwresp_row_t *gwresp_case_row(enum gwresp_case c);

/* The message of c's body ($context.error.message), without quotes. */
const char *gwresp_case_message(enum gwresp_case c, size_t *len);
/* The reference's gateway response type of c, or NULL when it has none. */
const char *gwresp_case_response_type(enum gwresp_case c);
int gwresp_case_status(enum gwresp_case c);

/* HTTP APIs answer with their own fixed texts ({"message":"Not Found"},
 * "Unauthorized", "Forbidden", "Internal Server Error", ...) and have no
 * gateway responses to customize: c's status and message there. */
int gwresp_case_v2(enum gwresp_case c, const char **message);

#endif
