/* Unit tests for dataplane/step/step_route.c: the deployment's router picks
 * the method after the host step; no match is 403 Missing Authentication
 * Token. One table of named cases, through the request fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "reqfixture.h"

#define HOST "abcdefghij.execute-api.localhost"

typedef struct {
    const char *name;
    const char *method;
    const char *path;
    const char *resource_path; /* NULL: 403 Missing Authentication Token */
    const char *verb;
    const char *param; /* "name=value" of the first path parameter, or NULL */
} route_case_t;

static const route_case_t route_cases[] = {
    {"literal", "GET", "/prod/pets", "/pets", "GET", NULL},
    {"parameter", "GET", "/prod/pets/7", "/pets/{id}", "GET", "id=7"},
    {"literal beats parameter", "GET", "/prod/pets/mine", "/pets/mine", "GET", NULL},
    {"greedy proxy", "GET", "/prod/files/a/b/c", "/files/{proxy+}", "ANY", "proxy=a/b/c"},
    {"ANY takes other verbs", "DELETE", "/prod/files/x", "/files/{proxy+}", "ANY", "proxy=x"},
    {"root", "GET", "/prod", "/", "GET", NULL},
    {"wrong verb on a known path", "POST", "/prod/pets", NULL, NULL, NULL},
    {"unknown path", "GET", "/prod/cats", NULL, NULL, NULL},
    {"too deep", "GET", "/prod/pets/7/toys", NULL, NULL, NULL},
};

static runtime_t *route_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, "abcdefghij", "dep001");
    reqfix_snap_method(&s, d, "/", "GET", "{}");
    reqfix_snap_method(&s, d, "/pets", "GET", "[]");
    reqfix_snap_method(&s, d, "/pets/{id}", "GET", "{}");
    reqfix_snap_method(&s, d, "/pets/mine", "GET", "{}");
    reqfix_snap_method(&s, d, "/files/{proxy+}", "ANY", "{}");
    reqfix_snap_stage(&s, "abcdefghij", "prod", "dep001");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

static void route_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host, step_route};
    const route_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, route_runtime());
    reqfix_request(&f, c->method, HOST, c->path);
    enum step_result res = reqfix_run(&f, steps, sizeof(steps) / sizeof(steps[0]));
    if (c->resource_path == NULL) {
        assert_int_equal(res, STEP_DONE);
        assert_int_equal(reqfix_status(&f), 403);
        assert_string_equal(f.body.base, "{\"message\":\"Missing Authentication Token\"}");
        goto out_dispose;
    }
    assert_int_equal(res, STEP_CONTINUE);
    assert_string_equal(f.r.method->resource_path, c->resource_path);
    assert_string_equal(f.r.method->verb, c->verb);
    if (c->param == NULL)
        goto out_dispose;
    const char *eq = strchr(c->param, '=');
    size_t vlen;
    const char *v = request_path_param(&f.r, c->param, (size_t)(eq - c->param), &vlen);
    assert_non_null(v);
    assert_true(h2o_memis(v, vlen, eq + 1, strlen(eq + 1)));
out_dispose:
    reqfix_dispose(&f);
}

int main(void)
{
    enum { N = sizeof(route_cases) / sizeof(route_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){route_cases[i].name, route_case, NULL, NULL,
                                       (void *)&route_cases[i]};
    return _cmocka_run_group_tests("step_route", tests, N, NULL, NULL);
}
