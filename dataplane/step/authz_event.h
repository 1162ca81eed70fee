/* authz_event: what a custom authorizer is asked — the identity of a
 * request (its identity sources, checked present and, for TOKEN, against
 * identityValidationExpression) and the reference's authorizer event JSON:
 *   TOKEN   {"type":"TOKEN","authorizationToken","methodArn"}
 *   REQUEST {"type":"REQUEST","methodArn","resource","path","httpMethod",
 *            "headers","multiValueHeaders","queryStringParameters",
 *            "multiValueQueryStringParameters","pathParameters",
 *            "stageVariables","requestContext":{...}} */
#ifndef PORTICO_AUTHZ_EVENT_H
#define PORTICO_AUTHZ_EVENT_H

#include "authz_conf.h"
#include "request.h"

/* The identity (sources' values joined by NUL, in the request pool);
 * -1 when a source is missing or empty, or the token fails validation:
 * the reference answers 401 without calling the authorizer. */
int authz_identity(dp_request_t *r, const rt_authorizer_t *a, h2o_iovec_t *identity);

/* The event body for r, malloc'd (caller frees); NULL when out of memory. */
char *authz_event_build(dp_request_t *r, const rt_authorizer_t *a, h2o_iovec_t identity,
                        size_t *len);

#endif
