/* step_policy: the API's resource policy, evaluated before any authorizer
 * as the reference does. An explicit deny wins; with a policy present and
 * no statement allowing the request, it is refused too. The message names
 * the resource with the account masked, as the reference's does. */
#include <stdio.h>
#include <string.h>

#include "gwresp.h"
#include "policy.h"
#include "steps.h"

static void policy_refuse(dp_request_t *r, h2o_iovec_t arn, int explicit_deny)
{
    static const char account[] = ":" POLICY_ACCOUNT ":";
    const char *at = memmem(arn.base, arn.len, account, sizeof(account) - 1);
    size_t head = at != NULL ? (size_t)(at - arn.base) : arn.len;
    size_t cap = arn.len + 160;
    char *msg = h2o_mem_alloc_pool(&r->req->pool, cap);
    snprintf(msg, cap,
             "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
             "%.*s%s%.*s%s",
             (int)head, arn.base, at != NULL ? ":********" : "",
             at != NULL ? (int)(arn.len - head - 9) : 0, at != NULL ? at + 9 : "",
             explicit_deny ? " with an explicit deny" : "");
    gwresp_send_message(r, GW_POLICY_DENIED, msg);
}

enum step_result step_policy(dp_request_t *r)
{
    const policy_t *p = r->deployment->policy;
    if (p == NULL)
        return STEP_CONTINUE;
    h2o_iovec_t arn = request_method_arn(r);
    policy_request_t pr = {arn.base, arn.len, request_source_ip(r)};
    enum policy_result res = policy_evaluate(p, &pr);
    if (res == POLICY_ALLOW)
        return STEP_CONTINUE;
    policy_refuse(r, arn, res == POLICY_DENY);
    return STEP_DONE;
}
