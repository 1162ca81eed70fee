/* authz_v2: a simple response becomes the IAM policy it stands for (allow
 * or deny execute-api:Invoke on everything), so the decision, its cache and
 * $context.authorizer.* are the REST ones. */
#include "authz_v2.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fn_event.h"
#include "integ.h"
#include "integ_v2.h"

char *authz_v2_event(dp_request_t *r, const rt_authorizer_t *a, h2o_iovec_t identity, size_t *len)
{
    fn_event_in_t in;
    integ_fn_event_in(r, &in);
    integ_v2_fn_event(r, &in);
    size_t n;
    char *text = fn_event_v2(&in, &n);
    json_t *ev = text != NULL ? json_loadb(text, n, 0, NULL) : NULL;
    free(text);
    if (ev == NULL)
        return NULL;
    h2o_iovec_t arn = request_method_arn(r);
    json_t *ids = json_array();
    for (size_t at = 0; at < identity.len;) { /* values, each ended by a NUL */
        size_t vlen = strnlen(identity.base + at, identity.len - at);
        json_array_append_new(ids, json_stringn(identity.base + at, vlen));
        at += vlen + 1;
    }
    json_object_set_new(ev, "type", json_string("REQUEST"));
    json_object_set_new(ev, "routeArn", json_stringn(arn.base, arn.len));
    json_object_set_new(ev, "identitySource", ids);
    (void)a;
    char *out = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (out != NULL)
        *len = strlen(out);
    return out;
}

authz_decision_t *authz_v2_simple_parse(const char *text, size_t len, const char *api_id, char *err,
                                        size_t err_len)
{
    json_t *answer = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *allowed = json_object_get(answer, "isAuthorized");
    json_t *ctx = json_object_get(answer, "context");
    if (!json_is_object(answer) || !json_is_boolean(allowed) ||
        (ctx != NULL && !json_is_object(ctx))) {
        json_decref(answer);
        snprintf(err, err_len, "a simple response needs isAuthorized (a boolean)");
        authz_decision_t *d = authz_decision_new(AUTHZ_CONFIG_ERROR);
        return d;
    }
    json_t *as_policy =
        json_pack("{s:s,s:{s:s,s:[{s:s,s:s,s:s}]}}", "principalId", "", "policyDocument", "Version",
                  "2012-10-17", "Statement", "Effect", json_is_true(allowed) ? "Allow" : "Deny",
                  "Action", "execute-api:Invoke", "Resource", "arn:aws:execute-api:*");
    if (as_policy != NULL && ctx != NULL)
        json_object_set(as_policy, "context", ctx);
    char *policy = as_policy != NULL ? json_dumps(as_policy, JSON_COMPACT) : NULL;
    json_decref(as_policy);
    json_decref(answer);
    if (policy == NULL)
        return NULL;
    authz_decision_t *d = authz_decision_parse(policy, strlen(policy), api_id, err, err_len);
    free(policy);
    return d;
}
