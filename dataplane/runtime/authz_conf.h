/* authz_conf: the authorization part of a snapshot compiled for requests —
 * JWKS key sets (ready for jwtauth), each deployment's authorizers and
 * resource policy, and each method's link to its authorizer. Parsing apart
 * from running: authz.c, step_policy.c and step_authorize.c use what
 * is built here and never parse configuration themselves. */
#ifndef PORTICO_AUTHZ_CONF_H
#define PORTICO_AUTHZ_CONF_H

#include "jwtauth.h"
#include "params.h"
#include "pattern.h"
#include "rt_build.h"

enum rt_authorizer_type { RT_AUTHORIZER_TOKEN, RT_AUTHORIZER_REQUEST, RT_AUTHORIZER_JWT };

typedef struct rt_authorizer {
    const char *id;
    const char *cache_key; /* "api/deployment/authorizer": decisions are cached under it */
    size_t cache_key_len;
    enum rt_authorizer_type type;
    /* TOKEN and REQUEST */
    const char *uri;
    size_t uri_len;
    const char *function; /* a function invocation URI's function (fnuri.h), else NULL */
    size_t function_len;
    const params_expr_t *sources; /* identity sources, in order */
    size_t nsources;
    const pattern_t *validation; /* TOKEN identityValidationExpression, or NULL */
    uint32_t ttl_s;              /* 0: no caching, no coalescing */
    /* HTTP APIs' REQUEST authorizers (rt_build_v2.c, authz_v2.h): 0 for REST */
    int v2_payload;       /* payloadFormatVersion: 1 or 2 */
    int simple_responses; /* enableSimpleResponses: {isAuthorized, context} */
    /* JWT */
    const char *header; /* the header holding the token */
    size_t header_len;
    jwtauth_config_t jwt;
} rt_authorizer_t;

int authz_conf_jwks(rt_build_t *b, const Portico__Snapshot *snap);
int authz_conf_deployment(rt_build_t *b, rt_deployment_t *d, const Portico__ApiDefinition *def);
int authz_conf_method(rt_build_t *b, const rt_deployment_t *d, const Portico__Method *m,
                      rt_method_t *rm);

#endif
