/* gwresp_case: the rows. The body spacing follows the reference: its
 * default template renders compact JSON, while integration failures come
 * with a space after the colon. */
#include "gwresp_case.h"

#include <string.h>

static const gwresp_row_t gwresp_rows[GW_CASE_COUNT] = {
    [GW_MISSING_AUTHENTICATION_TOKEN] = {GWT_MISSING_AUTHENTICATION_TOKEN, 403, "message",
                                         "Missing Authentication Token", 0,
                                         "MissingAuthenticationTokenException"},
    [GW_FORBIDDEN_STAGE] = {GWT_NONE, 403, "message", "Forbidden", 0, "ForbiddenException"},
    [GW_INVALID_API_KEY] = {GWT_INVALID_API_KEY, 403, "message", "Forbidden", 0,
                            "ForbiddenException"},
    [GW_ACCESS_DENIED] = {GWT_ACCESS_DENIED, 403, "Message",
                          "User is not authorized to access this resource with an explicit deny", 0,
                          "AccessDeniedException"},
    [GW_UNAUTHORIZED] = {GWT_UNAUTHORIZED, 401, "message", "Unauthorized", 0,
                         "UnauthorizedException"},
    [GW_THROTTLED] = {GWT_THROTTLED, 429, "message", "Too Many Requests", 0,
                      "TooManyRequestsException"},
    [GW_QUOTA_EXCEEDED] = {GWT_QUOTA_EXCEEDED, 429, "message", "Limit Exceeded", 0,
                           "LimitExceededException"},
    [GW_REQUEST_TOO_LARGE] = {GWT_REQUEST_TOO_LARGE, 413, "message", "Request Too Long", 0,
                              "RequestTooLongException"},
    [GW_API_CONFIGURATION_ERROR] = {GWT_API_CONFIGURATION_ERROR, 500, "message",
                                    "Internal server error", 1, "InternalServerErrorException"},
    [GW_INTEGRATION_TIMEOUT] = {GWT_INTEGRATION_TIMEOUT, 504, "message",
                                "Endpoint request timed out", 1, "InternalServerErrorException"},
    [GW_INTEGRATION_UNREACHABLE] = {GWT_INTEGRATION_FAILURE, 503, "message",
                                    "Network error communicating with endpoint", 1,
                                    "InternalServerErrorException"},
    [GW_INTEGRATION_BAD_ANSWER] = {GWT_INTEGRATION_FAILURE, 502, "message", "Internal server error",
                                   1, "InternalServerErrorException"},
    [GW_NOT_READY] = {GWT_NONE, 503, "message", "Service Unavailable", 0,
                      "ServiceUnavailableException"},
    [GW_ACCESS_NOT_ALLOWED] = {GWT_ACCESS_DENIED, 403, "Message",
                               "User is not authorized to access this resource", 0,
                               "AccessDeniedException"},
    [GW_POLICY_DENIED] = {GWT_ACCESS_DENIED, 403, "Message", NULL, 0, "AccessDeniedException"},
    [GW_INSUFFICIENT_SCOPE] = {GWT_ACCESS_DENIED, 403, "message", "Forbidden", 0,
                               "AccessDeniedException"},
    [GW_AUTHORIZER_FAILURE] = {GWT_AUTHORIZER_FAILURE, 500, "message", NULL, 0,
                               "AuthorizerConfigurationException"},
    [GW_AUTHORIZER_CONFIGURATION_ERROR] = {GWT_AUTHORIZER_CONFIGURATION_ERROR, 500, "message", NULL,
                                           0, "AuthorizerConfigurationException"},
    [GW_CACHE_CONTROL_FORBIDDEN] = {GWT_ACCESS_DENIED, 403, "message",
                                    "Not authorized to invalidate the cache", 0,
                                    "AccessDeniedException"},
    [GW_BAD_REQUEST_PARAMETERS] = {GWT_BAD_REQUEST_PARAMETERS, 400, "message", NULL, 0,
                                   "BadRequestException"},
    [GW_BAD_REQUEST_BODY] = {GWT_BAD_REQUEST_BODY, 400, "message", "Invalid request body", 0,
                             "BadRequestException"},
    [GW_MISDIRECTED] = {GWT_NONE, 421, "message", "Misdirected Request", 0,
                        "MisdirectedRequestException"},
    [GW_UNSUPPORTED_MEDIA_TYPE] = {GWT_UNSUPPORTED_MEDIA_TYPE, 415, "message",
                                   "Unsupported Media Type", 0, "UnsupportedMediaTypeException"},
    [GW_BAD_REQUEST] = {GWT_DEFAULT_4XX, 400, "message", "Bad Request", 0, "BadRequestException"},
    [GW_IAM_INVALID_SIGNATURE] = {GWT_INVALID_SIGNATURE, 403, "message",
                                  "The request signature we calculated does not match the "
                                  "signature you provided. Check your AWS Secret Access Key and "
                                  "signing method. Consult the service documentation for details.",
                                  0, "InvalidSignatureException"},
    [GW_IAM_UNRECOGNIZED_CLIENT] = {GWT_INVALID_SIGNATURE, 403, "message",
                                    "The security token included in the request is invalid.", 0,
                                    "UnrecognizedClientException"},
    [GW_NOT_FOUND] = {GWT_RESOURCE_NOT_FOUND, 404, "message", "Not Found", 0, "NotFoundException"},
    [GW_INTEGRATION_THROTTLED] = {GWT_INTEGRATION_FAILURE, 500, "message", "Internal server error",
                                  1, "InternalServerErrorException"},
    [GW_IAM_INCOMPLETE_SIGNATURE] = {GWT_INVALID_SIGNATURE, 403, "message", NULL, 0,
                                     "IncompleteSignatureException"},
};

const gwresp_row_t *gwresp_case_row(enum gwresp_case c)
{
    return &gwresp_rows[c];
}

const char *gwresp_case_message(enum gwresp_case c, size_t *len)
{
    const char *m = gwresp_rows[c].message;
    if (m != NULL)
        *len = strlen(m);
    return m;
}

const char *gwresp_case_response_type(enum gwresp_case c)
{
    enum gwtype t = gwresp_rows[c].type;
    return t == GWT_NONE ? NULL : gwtypes[t].name;
}

int gwresp_case_status(enum gwresp_case c)
{
    return gwresp_rows[c].status;
}

int gwresp_case_v2(enum gwresp_case c, const char **message)
{
    int status = gwresp_rows[c].status;
    switch (c) {
    case GW_MISSING_AUTHENTICATION_TOKEN:
    case GW_NOT_FOUND:
        *message = "Not Found";
        return 404;
    case GW_UNAUTHORIZED:
        *message = "Unauthorized";
        return 401;
    case GW_THROTTLED:
        *message = "Too Many Requests";
        return 429;
    case GW_REQUEST_TOO_LARGE:
        *message = "Request Entity Too Large";
        return 413;
    case GW_INTEGRATION_TIMEOUT:
        *message = "Gateway Timeout";
        return 504;
    case GW_INTEGRATION_UNREACHABLE:
    case GW_NOT_READY:
        *message = "Service Unavailable";
        return 503;
    case GW_BAD_REQUEST:
    case GW_BAD_REQUEST_PARAMETERS:
    case GW_BAD_REQUEST_BODY:
        *message = "Bad Request";
        return 400;
    case GW_MISDIRECTED:
        *message = "Misdirected Request";
        return 421;
    default:
        break;
    }
    if (status >= 500) {
        *message = "Internal Server Error";
        return 500;
    }
    *message = status == 401 ? "Unauthorized" : "Forbidden";
    return status == 401 ? 401 : 403;
}
