/* Unit tests for dataplane/step/step_host.c: which API and stage a request
 * is for — execute-api host names, the path-style form, custom domains —
 * through the request fixture (no server). One table of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "reqfixture.h"

#define API "abcdefghij"

typedef struct {
    const char *name;
    const char *host;
    const char *path;
    const char *stage; /* NULL: refused with 403 Forbidden */
    const char *resource_path;
    const char *query;
} host_case_t;

static const host_case_t host_cases[] = {
    {"execute-api host", API ".execute-api.localhost", "/prod/pets", "prod", "/pets", ""},
    {"with a port", API ".execute-api.localhost:8080", "/prod/pets/7", "prod", "/pets/7", ""},
    {"invoke domain in any case", API ".Execute-Api.LocalHost", "/prod/pets", "prod", "/pets", ""},
    {"query string kept apart", API ".execute-api.localhost", "/prod/pets?a=1&b", "prod", "/pets",
     "a=1&b"},
    {"stage alone is the root", API ".execute-api.localhost", "/prod", "prod", "/", ""},
    {"second stage", API ".execute-api.localhost", "/beta/pets", "beta", "/pets", ""},
    {"unknown stage", API ".execute-api.localhost", "/test/pets", NULL, NULL, NULL},
    {"no stage", API ".execute-api.localhost", "/", NULL, NULL, NULL},
    {"unknown API", "zzzzzzzzzz.execute-api.localhost", "/prod/pets", NULL, NULL, NULL},
    {"another invoke domain", API ".execute-api.example.com", "/prod/pets", NULL, NULL, NULL},
    {"API id too short", "abcdefghi.execute-api.localhost", "/prod/pets", NULL, NULL, NULL},
    {"path style", "localhost:8080", "/restapis/" API "/prod/_user_request_/pets", "prod", "/pets",
     ""},
    {"path style without marker", "localhost", "/restapis/" API "/prod/pets", NULL, NULL, NULL},
    {"custom domain base path", "api.example.com", "/v1/pets", "prod", "/pets", ""},
    {"custom domain in any case", "API.Example.COM:443", "/v1/pets", "prod", "/pets", ""},
    {"base path is a whole segment", "api.example.com", "/v1x/pets", NULL, NULL, NULL},
    {"domain without base path names the stage", "shop.example.com", "/beta/pets", "beta", "/pets",
     ""},
    {"unknown host", "example.org", "/prod/pets", NULL, NULL, NULL},
};

static runtime_t *host_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, API, "dep001");
    reqfix_snap_method(&s, d, "/pets", "GET", "[]");
    reqfix_snap_stage(&s, API, "prod", "dep001");
    reqfix_snap_stage(&s, API, "beta", "dep001");
    reqfix_snap_domain(&s, "api.example.com", "v1", API, "prod");
    reqfix_snap_domain(&s, "shop.example.com", "", API, "");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

static void host_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host};
    const host_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, host_runtime());
    reqfix_request(&f, "GET", c->host, c->path);
    enum step_result res = reqfix_run(&f, steps, sizeof(steps) / sizeof(steps[0]));
    if (c->stage == NULL) {
        assert_int_equal(res, STEP_DONE);
        assert_int_equal(reqfix_status(&f), 403);
        assert_string_equal(f.body.base, "{\"message\":\"Forbidden\"}");
        size_t len;
        const char *type = reqfix_res_header(&f, "x-amzn-errortype", &len);
        assert_non_null(type);
        assert_true(h2o_memis(type, len, H2O_STRLIT("ForbiddenException")));
        goto out_dispose;
    }
    assert_int_equal(res, STEP_CONTINUE);
    assert_int_equal(reqfix_status(&f), 0);
    assert_string_equal(f.r.stage->api_id, API);
    assert_string_equal(f.r.stage->name, c->stage);
    assert_true(h2o_memis(f.r.path.base, f.r.path.len, c->resource_path, strlen(c->resource_path)));
    assert_true(h2o_memis(f.r.query.base, f.r.query.len, c->query, strlen(c->query)));
    assert_ptr_equal(f.r.deployment, f.r.stage->deployment);
out_dispose:
    reqfix_dispose(&f);
}

int main(void)
{
    enum { N = sizeof(host_cases) / sizeof(host_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] =
            (struct CMUnitTest){host_cases[i].name, host_case, NULL, NULL, (void *)&host_cases[i]};
    return _cmocka_run_group_tests("step_host", tests, N, NULL, NULL);
}
