/* step_iam: authorizationType AWS_IAM — the request must carry AWS
 * Signature Version 4 for service "execute-api" made with an access key the
 * snapshot ships a signing key for (iam_conf.h: the control plane derived
 * it; this node never sees a secret), within ±5 minutes, over the body as
 * received, and the key's identity policy must allow execute-api:Invoke on
 * the method's ARN. Answers are the reference's 403s. On success
 * $context.identity.accessKey, .caller and .user name the key. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gwresp.h"
#include "iam_conf.h"
#include "log.h"
#include "policy.h"
#include "sigv4_h2o.h"
#include "steps.h"

#define IAM_MAX_HEADERS 100

typedef struct {
    sigv4_header_t headers[IAM_MAX_HEADERS];
    sigv4_request_t r;
} iam_view_t;

static enum step_result iam_refuse(dp_request_t *r, enum gwresp_case c, const char *message)
{
    if (message != NULL)
        gwresp_send_message(r, c, message);
    else
        gwresp_send(r, c);
    return STEP_DONE;
}

/* Checks the policy on the method's ARN; sets the identity on success. */
static enum step_result iam_authorize(dp_request_t *r, const rt_iam_key_t *k)
{
    h2o_iovec_t arn = request_method_arn(r);
    policy_request_t pr = {arn.base, arn.len, request_source_ip(r)};
    if (policy_evaluate(k->policy, &pr) != POLICY_ALLOW) {
        size_t cap = arn.len + 200;
        char *msg = h2o_mem_alloc_pool(&r->req->pool, cap);
        snprintf(msg, cap,
                 "User: arn:aws:iam::000000000000:user/%s is not authorized to perform: "
                 "execute-api:Invoke on resource: %.*s",
                 k->access_key_id, (int)arn.len, arn.base);
        return iam_refuse(r, GW_POLICY_DENIED, msg);
    }
    r->iam_access_key = k->access_key_id;
    return STEP_CONTINUE;
}

enum step_result step_iam(dp_request_t *r)
{
    iam_view_t *v = h2o_mem_alloc_pool(&r->req->pool, sizeof(*v));
    sigv4_auth_t a;
    char msg[256];
    if (sigv4_from_h2o(r->req, v->headers, IAM_MAX_HEADERS, &v->r) != 0)
        return iam_refuse(r, GW_IAM_INCOMPLETE_SIGNATURE, "Too many request headers");
    int rc = sigv4_parse(&v->r, &a);
    if (rc == SIGV4_ENONE)
        return iam_refuse(r, GW_MISSING_AUTHENTICATION_TOKEN, NULL);
    if (rc == SIGV4_ETOKEN)
        return iam_refuse(r, GW_IAM_UNRECOGNIZED_CLIENT, NULL);
    if (rc != SIGV4_OK || strcmp(a.service, "execute-api") != 0)
        return iam_refuse(r, GW_IAM_INCOMPLETE_SIGNATURE,
                          rc == SIGV4_OK ? "Credential should be scoped to correct service: "
                                           "'execute-api'. "
                                         : "Authorization header requires 'Credential', "
                                           "'SignedHeaders', 'Signature' and 'X-Amz-Date'.");
    if (sigv4_check_time(&a, (int64_t)time(NULL), msg, sizeof(msg)) != SIGV4_OK)
        return iam_refuse(r, GW_IAM_INVALID_SIGNATURE, msg);
    const rt_iam_key_t *k = iam_conf_key(r->rt, a.access_key, a.date, a.region);
    if (k == NULL)
        return iam_refuse(r, GW_IAM_UNRECOGNIZED_CLIENT, NULL);
    h2o_iovec_t body = r->req->entity;
    rc = sigv4_verify(&v->r, &a, k->key, body.base, body.base != NULL ? body.len : 0,
                      body.base == NULL || body.len == 0);
    if (rc != SIGV4_OK) {
        log_debug("request %s: SigV4 refused: %s", r->request_id, sigv4_strerror(rc));
        return iam_refuse(r, GW_IAM_INVALID_SIGNATURE, NULL);
    }
    return iam_authorize(r, k);
}
