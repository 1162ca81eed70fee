/* Unit tests for dataplane/step/step_policy.c: the API's resource policy
 * before any authorizer — source address conditions, explicit deny,
 * nothing allowed — through the request fixture. One table of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "reqfixture.h"

#define HOST "abcdefghij.execute-api.localhost"

/* Allows 192.0.2.0/24 and 2001:db8::/32 everywhere; denies DELETE explicitly. The
 * message masks the account but its last four digits, as the reference does. */
static const char policy_json[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": ["
    "{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"execute-api:Invoke\","
    " \"Resource\": \"execute-api:/*\","
    " \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": [\"192.0.2.0/24\", \"2001:db8::/32\"]}}},"
    "{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"execute-api:Invoke\","
    " \"Resource\": \"execute-api:/*/DELETE/*\"}]}";

typedef struct {
    const char *name;
    const char *method;
    const char *path;
    const char *ip;
    int status;          /* 0: allowed (CONTINUE) */
    const char *message; /* the 403's message ends with this */
} policy_case_t;

static const policy_case_t policy_cases[] = {
    {"allowed address", "GET", "/prod/pets", "192.0.2.10", 0, NULL},
    {"allowed IPv6 address", "GET", "/prod/pets", "2001:db8::5", 0, NULL},
    {"address outside", "GET", "/prod/pets", "198.51.100.1", 403,
     "execute-api:Invoke on resource: "
     "arn:aws:execute-api:local:********0000:abcdefghij/prod/GET/pets\"}"},
    {"explicit deny wins", "DELETE", "/prod/pets", "192.0.2.10", 403,
     "abcdefghij/prod/DELETE/pets with an explicit deny\"}"},
    {"open API", "GET", "/open/pets", "198.51.100.1", 0, NULL},
};

static runtime_t *policy_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, "abcdefghij", "dep001");
    d->policy = (char *)policy_json;
    reqfix_snap_method(&s, d, "/pets", "GET", "[]");
    reqfix_snap_method(&s, d, "/pets", "DELETE", "{}");
    Portico__ApiDefinition *open = reqfix_snap_deployment(&s, "abcdefghij", "dep002");
    reqfix_snap_method(&s, open, "/pets", "GET", "[]");
    reqfix_snap_stage(&s, "abcdefghij", "prod", "dep001");
    reqfix_snap_stage(&s, "abcdefghij", "open", "dep002");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

static void policy_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host, step_route, step_policy};
    const policy_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, policy_runtime());
    reqfix_peer(&f, c->ip);
    reqfix_request(&f, c->method, HOST, c->path);
    enum step_result res = reqfix_run(&f, steps, sizeof(steps) / sizeof(steps[0]));
    if (c->status == 0) {
        assert_int_equal(res, STEP_CONTINUE);
        assert_int_equal(reqfix_status(&f), 0);
        goto out_dispose;
    }
    assert_int_equal(res, STEP_DONE);
    assert_int_equal(reqfix_status(&f), c->status);
    assert_non_null(strstr(f.body.base, "{\"Message\":\"User: anonymous is not authorized"));
    size_t n = strlen(c->message);
    assert_true(f.body.len >= n);
    assert_string_equal(f.body.base + f.body.len - n, c->message);
out_dispose:
    reqfix_dispose(&f);
}

int main(void)
{
    enum { N = sizeof(policy_cases) / sizeof(policy_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){policy_cases[i].name, policy_case, NULL, NULL,
                                       (void *)&policy_cases[i]};
    return _cmocka_run_group_tests("step_policy", tests, N, NULL, NULL);
}
