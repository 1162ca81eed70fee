/* Unit tests for dataplane/step/step_api_key.c: methods with
 * apiKeyRequired need an enabled key in a usage plan serving the API stage
 * (x-api-key); anything else is 403 Forbidden. One table of named cases,
 * through the request fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "reqfixture.h"

#define HOST "abcdefghij.execute-api.localhost"
#define KEY_PROD "prod-key-value-0123456789"
#define KEY_BETA "beta-key-value-0123456789"

typedef struct {
    const char *name;
    const char *path;
    const char *key;  /* x-api-key, NULL: none */
    const char *plan; /* the plan the key was found in; NULL: 403 */
    int ok;
} api_key_case_t;

static const api_key_case_t api_key_cases[] = {
    {"key in the stage's plan", "/prod/pets", KEY_PROD, "plan01", 1},
    {"no key", "/prod/pets", NULL, NULL, 0},
    {"empty key", "/prod/pets", "", NULL, 0},
    {"unknown key", "/prod/pets", "not-a-key-0123456789", NULL, 0},
    {"key of another stage's plan", "/prod/pets", KEY_BETA, NULL, 0},
    {"that key on its own stage", "/beta/pets", KEY_BETA, "plan02", 1},
    {"method without apiKeyRequired", "/prod/open", NULL, NULL, 1},
};

static runtime_t *api_key_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, "abcdefghij", "dep001");
    reqfix_snap_method(&s, d, "/pets", "GET", "[]")->api_key_required = 1;
    reqfix_snap_method(&s, d, "/open", "GET", "{}");
    reqfix_snap_stage(&s, "abcdefghij", "prod", "dep001");
    reqfix_snap_stage(&s, "abcdefghij", "beta", "dep001");
    reqfix_snap_plan(&s, "plan01", "abcdefghij", "prod");
    reqfix_snap_plan(&s, "plan02", "abcdefghij", "beta");
    reqfix_snap_key(&s, KEY_PROD, "key0000001", "plan01");
    reqfix_snap_key(&s, KEY_BETA, "key0000002", "plan02");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

static void api_key_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host, step_route, step_api_key};
    const api_key_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, api_key_runtime());
    reqfix_request(&f, "GET", HOST, c->path);
    if (c->key != NULL)
        reqfix_header(&f, "X-Api-Key", c->key);
    enum step_result res = reqfix_run(&f, steps, sizeof(steps) / sizeof(steps[0]));
    if (!c->ok) {
        assert_int_equal(res, STEP_DONE);
        assert_int_equal(reqfix_status(&f), 403);
        assert_string_equal(f.body.base, "{\"message\":\"Forbidden\"}");
        goto out_dispose;
    }
    assert_int_equal(res, STEP_CONTINUE);
    if (c->plan == NULL) {
        assert_null(f.r.plan_stage);
        goto out_dispose;
    }
    assert_non_null(f.r.plan_stage);
    assert_string_equal(f.r.plan_stage->plan->id, c->plan);
out_dispose:
    reqfix_dispose(&f);
}

int main(void)
{
    enum { N = sizeof(api_key_cases) / sizeof(api_key_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){api_key_cases[i].name, api_key_case, NULL, NULL,
                                       (void *)&api_key_cases[i]};
    return _cmocka_run_group_tests("step_api_key", tests, N, NULL, NULL);
}
