/* gwresp: built-in gateway answers. The body spacing follows the reference:
 * its default template renders compact JSON, while integration failures come
 * with a space after the colon. */
#include "gwresp.h"

#include <string.h>

static const struct gwresp_row {
    const char *response_type; /* the reference's gateway response type */
    int status;
    const char *body;
    const char *error_type;
} gwresp_rows[GW_CASE_COUNT] = {
    [GW_MISSING_AUTHENTICATION_TOKEN] = {"MISSING_AUTHENTICATION_TOKEN", 403,
                                         "{\"message\":\"Missing Authentication Token\"}",
                                         "MissingAuthenticationTokenException"},
    [GW_FORBIDDEN_STAGE] = {NULL, 403, "{\"message\":\"Forbidden\"}", "ForbiddenException"},
    [GW_INVALID_API_KEY] = {"INVALID_API_KEY", 403, "{\"message\":\"Forbidden\"}",
                            "ForbiddenException"},
    [GW_ACCESS_DENIED] = {"ACCESS_DENIED", 403,
                          "{\"Message\":\"User is not authorized to access this resource with an "
                          "explicit deny\"}",
                          "AccessDeniedException"},
    [GW_UNAUTHORIZED] = {"UNAUTHORIZED", 401, "{\"message\":\"Unauthorized\"}",
                         "UnauthorizedException"},
    [GW_THROTTLED] = {"THROTTLED", 429, "{\"message\":\"Too Many Requests\"}",
                      "TooManyRequestsException"},
    [GW_QUOTA_EXCEEDED] = {"QUOTA_EXCEEDED", 429, "{\"message\":\"Limit Exceeded\"}",
                           "LimitExceededException"},
    [GW_REQUEST_TOO_LARGE] = {"REQUEST_TOO_LARGE", 413, "{\"message\":\"Request Too Long\"}",
                              "RequestTooLongException"},
    [GW_API_CONFIGURATION_ERROR] = {"API_CONFIGURATION_ERROR", 500,
                                    "{\"message\": \"Internal server error\"}",
                                    "InternalServerErrorException"},
    [GW_INTEGRATION_TIMEOUT] = {"INTEGRATION_TIMEOUT", 504,
                                "{\"message\": \"Endpoint request timed out\"}",
                                "InternalServerErrorException"},
    [GW_INTEGRATION_UNREACHABLE] = {"INTEGRATION_FAILURE", 503,
                                    "{\"message\": \"Network error communicating with endpoint\"}",
                                    "InternalServerErrorException"},
    [GW_INTEGRATION_BAD_ANSWER] = {"INTEGRATION_FAILURE", 502,
                                   "{\"message\": \"Internal server error\"}",
                                   "InternalServerErrorException"},
    [GW_NOT_READY] = {NULL, 503, "{\"message\":\"Service Unavailable\"}",
                      "ServiceUnavailableException"},
};

static void gwresp_emit(h2o_req_t *req, int status, const char *body, const char *error_type)
{
    req->res.status = status;
    req->res.reason = status >= 500 ? "Server Error" : "Client Error";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    if (error_type != NULL)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-errortype"), 0,
                              NULL, error_type, strlen(error_type));
    req->res.content_length = strlen(body);
    h2o_send_inline(req, body, req->res.content_length);
}

void gwresp_send(dp_request_t *r, enum gwresp_case c)
{
    const struct gwresp_row *row = &gwresp_rows[c];
    r->gw_case = (int)c + 1;
    request_add_common_headers(r);
    gwresp_emit(r->req, row->status, row->body, row->error_type);
}

void gwresp_send_plain(h2o_req_t *req, int status, const char *json_body, const char *error_type)
{
    gwresp_emit(req, status, json_body, error_type);
}

const char *gwresp_message(enum gwresp_case c, size_t *len)
{
    /* the message is the body's one string value: after the first ':' */
    const char *colon = strchr(gwresp_rows[c].body, ':');
    const char *start = colon != NULL ? strchr(colon, '"') : NULL;
    const char *end = start != NULL ? strchr(start + 1, '"') : NULL;
    if (end == NULL)
        return NULL;
    *len = (size_t)(end - start - 1);
    return start + 1;
}

const char *gwresp_response_type(enum gwresp_case c)
{
    return gwresp_rows[c].response_type;
}

int gwresp_status(enum gwresp_case c)
{
    return gwresp_rows[c].status;
}
