/* ctxvar: the names of the $context variables Portico knows, one row each.
 * The control plane validates access log formats against this table; the
 * data plane's mapping.c gives each row its value for a request (its getters
 * are indexed by enum ctxvar, so names live here only). */
#ifndef PORTICO_CTXVAR_H
#define PORTICO_CTXVAR_H

#include <stddef.h>

/* X(ENUM, "name as written after $context.") */
#define CTXVAR_TABLE(X)                                                                            \
    X(ACCOUNT_ID, "accountId")                                                                     \
    X(API_ID, "apiId")                                                                             \
    X(DEPLOYMENT_ID, "deploymentId")                                                               \
    X(DOMAIN_NAME, "domainName")                                                                   \
    X(DOMAIN_PREFIX, "domainPrefix")                                                               \
    X(ERROR_MESSAGE, "error.message")                                                              \
    X(ERROR_MESSAGE_STRING, "error.messageString")                                                 \
    X(ERROR_RESPONSE_TYPE, "error.responseType")                                                   \
    X(ERROR_VALIDATION_ERROR_STRING, "error.validationErrorString")                                \
    X(EXTENDED_REQUEST_ID, "extendedRequestId")                                                    \
    X(HTTP_METHOD, "httpMethod")                                                                   \
    X(IDENTITY_ACCESS_KEY, "identity.accessKey")                                                   \
    X(IDENTITY_CALLER, "identity.caller")                                                          \
    X(IDENTITY_SOURCE_IP, "identity.sourceIp")                                                     \
    X(IDENTITY_USER, "identity.user")                                                              \
    X(IDENTITY_USER_AGENT, "identity.userAgent")                                                   \
    X(INTEGRATION_ERROR_MESSAGE, "integrationErrorMessage")                                        \
    X(INTEGRATION_LATENCY, "integration.latency")                                                  \
    X(INTEGRATION_STATUS, "integration.status")                                                    \
    X(INTEGRATION_ERROR, "integration.error")                                                      \
    X(INTEGRATION_INTEGRATION_STATUS, "integration.integrationStatus")                             \
    X(INTEGRATION_REQUEST_ID, "integration.requestId")                                             \
    X(INTEGRATION_LATENCY_LEGACY, "integrationLatency")                                            \
    X(INTEGRATION_STATUS_LEGACY, "integrationStatus")                                              \
    X(IS_CANARY_REQUEST, "isCanaryRequest")                                                        \
    X(PATH, "path")                                                                                \
    X(PROTOCOL, "protocol")                                                                        \
    X(REQUEST_ID, "requestId")                                                                     \
    X(REQUEST_TIME, "requestTime")                                                                 \
    X(REQUEST_TIME_EPOCH, "requestTimeEpoch")                                                      \
    X(RESOURCE_ID, "resourceId")                                                                   \
    X(RESOURCE_PATH, "resourcePath")                                                               \
    X(RESPONSE_LATENCY, "responseLatency")                                                         \
    X(RESPONSE_LENGTH, "responseLength")                                                           \
    X(ROUTE_KEY, "routeKey")                                                                       \
    X(STAGE, "stage")                                                                              \
    X(STATUS, "status")                                                                            \
    X(TRACE_ID, "traceId")                                                                         \
    X(XRAY_TRACE_ID, "xrayTraceId")

#define CTXVAR_ENUM(id, name) CTXVAR_##id,
enum ctxvar { CTXVAR_TABLE(CTXVAR_ENUM) CTXVAR_COUNT };
#undef CTXVAR_ENUM

/* The variable called name (without "context."), or -1. */
int ctxvar_find(const char *name, size_t len);

/* The name of a variable (valid ids only). */
const char *ctxvar_name(enum ctxvar id);

#endif
