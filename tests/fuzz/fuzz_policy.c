/* libFuzzer target: resource policies and authorizer policy documents
 * (parse both ways, then evaluate against a few requests), and CIDRs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const arns[] = {
    "arn:aws:execute-api:local:000000000000:abcdef1234/prod/GET/pets",
    "arn:aws:execute-api:local:000000000000:abcdef1234/dev/POST/",
};

static void evaluate_all(const policy_t *p)
{
    netaddr_cidr_t v4, v6;
    netaddr_cidr_parse("127.0.0.2", &v4);
    netaddr_cidr_parse("2001:db8::1", &v6);
    const netaddr_cidr_t *ips[] = {&v4, &v6, NULL};
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < 3; i++) {
            policy_request_t req = {arns[a], strlen(arns[a]), ips[i]};
            policy_evaluate(p, &req);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum policy_kind kinds[] = {POLICY_RESOURCE, POLICY_AUTHORIZER};
    char err[256];
    for (size_t k = 0; k < 2; k++) {
        arena_t *a = arena_create(16 * 1024);
        policy_t *p;
        if (policy_parse((const char *)data, size, kinds[k], "abcdef1234", a, &p, err,
                         sizeof(err)) == 0)
            evaluate_all(p);
        arena_destroy(a);
    }
    char text[64];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    netaddr_cidr_t c;
    netaddr_cidr_parse(text, &c);
    return 0;
}
