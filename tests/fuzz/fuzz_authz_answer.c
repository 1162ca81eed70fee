/* libFuzzer target: what a custom authorizer endpoint answers (untrusted
 * input to the data plane), parsed into a decision and evaluated. */
#include <stdint.h>
#include <string.h>

#include "authz_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    authz_decision_t *d =
        authz_decision_parse((const char *)data, size, "abcdef1234", err, sizeof(err));
    if (d != NULL && d->outcome == AUTHZ_POLICY) {
        const char *arn = "arn:aws:execute-api:local:000000000000:abcdef1234/prod/GET/pets";
        policy_request_t req = {arn, strlen(arn), NULL};
        policy_evaluate(d->policy, &req);
    }
    authz_decision_release(d);
    return 0;
}
