/* authz_v2: HTTP APIs' REQUEST authorizers (authz_v2.c) on the REST
 * authorizer machinery (authz.c: home worker, coalescing, cache, HTTP
 * endpoint or function): the payload 2.0 event and the simple responses
 * {"isAuthorized": bool, "context": {...}}. Payload 1.0 uses the REST
 * REQUEST event, and answers without enableSimpleResponses are IAM
 * policies as for REST. */
#ifndef PORTICO_AUTHZ_V2_H
#define PORTICO_AUTHZ_V2_H

#include "authz_cache.h"
#include "authz_conf.h"
#include "request.h"

/* The payload 2.0 event (malloc'd JSON text, *len its length): the
 * request as a 2.0 proxy event plus type REQUEST, routeArn and
 * identitySource (the identity's values in order). NULL: out of memory. */
char *authz_v2_event(dp_request_t *r, const rt_authorizer_t *a, h2o_iovec_t identity, size_t *len);

/* A simple response as a decision: allowed with its context, or denied
 * (403); AUTHZ_CONFIG_ERROR (reason in err) when isAuthorized is not a
 * boolean. NULL only when out of memory. */
authz_decision_t *authz_v2_simple_parse(const char *text, size_t len, const char *api_id, char *err,
                                        size_t err_len);

#endif
