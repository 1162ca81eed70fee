/* Unit tests for common/params.h: parameter mapping keys and source expressions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "params.h"

/* ---- helpers ------------------------------------------------------------ */

typedef int (*check_fn)(const char *key);
typedef int (*parse_fn)(const char *expr, params_expr_t *out);

static void expect_checks(check_fn fn, const char *fn_name, const char *const *keys, int want)
{
    for (; *keys != NULL; keys++) {
        int got = fn(*keys);
        if ((got == 0) != (want == 0))
            fail_msg("%s(\"%s\") = %d, want %d", fn_name, *keys, got, want);
    }
}

/* Parses expr and checks every field; want_name NULL means "no name". */
static void expect_parsed(parse_fn fn, const char *expr, enum params_source_kind kind,
                          enum params_loc loc, const char *want_name)
{
    params_expr_t e;
    memset(&e, 0xa5, sizeof(e));
    int rc = fn(expr, &e);
    if (rc != 0)
        fail_msg("parse(\"%s\") = %d, want 0", expr, rc);
    if (e.kind != kind || e.loc != loc)
        fail_msg("parse(\"%s\"): kind %d loc %d, want kind %d loc %d", expr, e.kind, e.loc, kind,
                 loc);
    if (want_name == NULL) {
        if (e.name_len != 0)
            fail_msg("parse(\"%s\"): name_len %zu, want 0", expr, e.name_len);
        return;
    }
    if (e.name_len != strlen(want_name) || memcmp(e.name, want_name, e.name_len) != 0)
        fail_msg("parse(\"%s\"): name \"%.*s\", want \"%s\"", expr, (int)e.name_len, e.name,
                 want_name);
    /* the name points into the expression, not into a copy */
    if (e.name < expr || e.name + e.name_len > expr + strlen(expr))
        fail_msg("parse(\"%s\"): the name does not point into the expression", expr);
}

static void expect_refused(parse_fn fn, const char *const *exprs)
{
    for (; *exprs != NULL; exprs++) {
        params_expr_t e;
        int rc = fn(*exprs, &e);
        if (rc == 0)
            fail_msg("parse(\"%s\") accepted (kind %d loc %d), want -1", *exprs, e.kind, e.loc);
    }
}

/* A name of n 'x' characters after prefix, in buf. */
static const char *long_name(char *buf, size_t cap, const char *prefix, size_t n)
{
    size_t plen = strlen(prefix);
    assert_true(plen + n + 1 <= cap);
    memcpy(buf, prefix, plen);
    memset(buf + plen, 'x', n);
    buf[plen + n] = '\0';
    return buf;
}

/* ---- method.request / method.response keys ------------------------------ */

static void method_request_valid(void **state)
{
    static const char *const keys[] = {
        "method.request.path.petId",
        "method.request.querystring.q",
        "method.request.header.X-Tenant",
        "method.request.multivaluequerystring.tags",
        "method.request.multivalueheader.Accept",
        "method.request.header.a.b",
        NULL,
    };
    expect_checks(params_check_method_request, "check_method_request", keys, 0);
}

static void method_request_invalid(void **state)
{
    static const char *const keys[] = {
        "",
        "method.request.path.",
        "method.request.path",
        "method.request.pathx.y",
        "method.request.cookie.x",
        "method.request.header.X Tenant",
        "method.request.header..x",
        "method.request.header.\x7f",
        "method.response.header.X",
        "integration.request.path.id",
        "METHOD.REQUEST.PATH.id",
        NULL,
    };
    expect_checks(params_check_method_request, "check_method_request", keys, -1);
}

static void method_request_name_length(void **state)
{
    char buf[512];
    const char *prefix = "method.request.header.";
    assert_int_equal(params_check_method_request(long_name(buf, sizeof(buf), prefix, 256)), 0);
    assert_int_equal(params_check_method_request(long_name(buf, sizeof(buf), prefix, 257)), -1);
}

static void method_response_keys(void **state)
{
    static const char *const valid[] = {
        "method.response.header.X-Rate-Limit",
        "method.response.header.Access-Control-Allow-Origin",
        NULL,
    };
    static const char *const invalid[] = {
        "method.response.header.", "method.response.body",       "method.response.header",
        "method.request.header.X", "method.response.header.A B", NULL,
    };
    expect_checks(params_check_method_response, "check_method_response", valid, 0);
    expect_checks(params_check_method_response, "check_method_response", invalid, -1);
}

/* ---- mapping targets ---------------------------------------------------- */

static void integration_target_valid(void **state)
{
    expect_parsed(params_parse_integration_target, "integration.request.path.id",
                  PARAMS_SRC_INVALID, PARAMS_LOC_PATH, "id");
    expect_parsed(params_parse_integration_target, "integration.request.querystring.page",
                  PARAMS_SRC_INVALID, PARAMS_LOC_QUERYSTRING, "page");
    expect_parsed(params_parse_integration_target, "integration.request.header.X-Tenant",
                  PARAMS_SRC_INVALID, PARAMS_LOC_HEADER, "X-Tenant");
    expect_parsed(params_parse_integration_target, "integration.request.multivaluequerystring.tag",
                  PARAMS_SRC_INVALID, PARAMS_LOC_MULTIVALUEQUERYSTRING, "tag");
    expect_parsed(params_parse_integration_target, "integration.request.multivalueheader.Via",
                  PARAMS_SRC_INVALID, PARAMS_LOC_MULTIVALUEHEADER, "Via");
}

static void integration_target_invalid(void **state)
{
    static const char *const keys[] = {
        "",
        "integration.request.path.",
        "integration.request.body",
        "integration.request.cookie.x",
        "integration.response.header.X",
        "method.request.path.id",
        "integration.request.header.X Y",
        NULL,
    };
    expect_refused(params_parse_integration_target, keys);
}

static void response_target(void **state)
{
    static const char *const invalid[] = {
        "method.response.header.",
        "method.response.body",
        "integration.response.header.X",
        "method.response.header.\t",
        NULL,
    };
    expect_parsed(params_parse_response_target, "method.response.header.X-Up", PARAMS_SRC_INVALID,
                  PARAMS_LOC_HEADER, "X-Up");
    expect_refused(params_parse_response_target, invalid);
}

/* ---- source expressions ------------------------------------------------- */

static void source_static(void **state)
{
    expect_parsed(params_parse_source, "'static value'", PARAMS_SRC_STATIC, PARAMS_LOC_NONE,
                  "static value");
    expect_parsed(params_parse_source, "'*'", PARAMS_SRC_STATIC, PARAMS_LOC_NONE, "*");
    expect_parsed(params_parse_source, "''", PARAMS_SRC_STATIC, PARAMS_LOC_NONE, NULL);
}

static void source_method_request(void **state)
{
    expect_parsed(params_parse_source, "method.request.path.petId", PARAMS_SRC_METHOD_REQUEST,
                  PARAMS_LOC_PATH, "petId");
    expect_parsed(params_parse_source, "method.request.querystring.q", PARAMS_SRC_METHOD_REQUEST,
                  PARAMS_LOC_QUERYSTRING, "q");
    expect_parsed(params_parse_source, "method.request.header.X-Tenant", PARAMS_SRC_METHOD_REQUEST,
                  PARAMS_LOC_HEADER, "X-Tenant");
    expect_parsed(params_parse_source, "method.request.multivalueheader.Accept",
                  PARAMS_SRC_METHOD_REQUEST, PARAMS_LOC_MULTIVALUEHEADER, "Accept");
    expect_parsed(params_parse_source, "method.request.multivaluequerystring.tag",
                  PARAMS_SRC_METHOD_REQUEST, PARAMS_LOC_MULTIVALUEQUERYSTRING, "tag");
}

static void source_stage_variable(void **state)
{
    expect_parsed(params_parse_source, "stageVariables.backend", PARAMS_SRC_STAGE_VARIABLE,
                  PARAMS_LOC_NONE, "backend");
}

static void source_context(void **state)
{
    expect_parsed(params_parse_source, "context.requestId", PARAMS_SRC_CONTEXT, PARAMS_LOC_NONE,
                  "requestId");
    expect_parsed(params_parse_source, "context.authorizer.sub", PARAMS_SRC_CONTEXT,
                  PARAMS_LOC_NONE, "authorizer.sub");
}

static void source_integration_response(void **state)
{
    expect_parsed(params_parse_source, "integration.response.header.X-Up",
                  PARAMS_SRC_INTEGRATION_RESPONSE, PARAMS_LOC_HEADER, "X-Up");
    expect_parsed(params_parse_source, "integration.response.body", PARAMS_SRC_INTEGRATION_RESPONSE,
                  PARAMS_LOC_BODY, NULL);
    expect_parsed(params_parse_source, "integration.response.body.a.b",
                  PARAMS_SRC_INTEGRATION_RESPONSE, PARAMS_LOC_BODY, "a.b");
}

static void source_method_request_body(void **state)
{
    expect_parsed(params_parse_source, "method.request.body", PARAMS_SRC_METHOD_REQUEST,
                  PARAMS_LOC_BODY, NULL);
    expect_parsed(params_parse_source, "method.request.body.pet.tags[0]", PARAMS_SRC_METHOD_REQUEST,
                  PARAMS_LOC_BODY, "pet.tags[0]");
}

static void source_invalid(void **state)
{
    static const char *const exprs[] = {
        "",
        "'",
        "'unterminated",
        "unquoted",
        "stageVariables.",
        "stageVariables",
        "stageVariables.a b",
        "context.",
        "context..x",
        "method.request.cookie.x",
        "method.request.path.",
        "integration.response.header.",
        "integration.response.bodyx",
        "method.request.bodyx",
        "method.request.body.",
        "integration.request.header.X",
        "method.response.header.X",
        NULL,
    };
    expect_refused(params_parse_source, exprs);
}

static void source_invalid_sets_kind(void **state)
{
    params_expr_t e = {.kind = PARAMS_SRC_STATIC};
    assert_int_equal(params_parse_source("nonsense", &e), -1);
    assert_int_equal(e.kind, PARAMS_SRC_INVALID);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(method_request_valid),
        cmocka_unit_test(method_request_invalid),
        cmocka_unit_test(method_request_name_length),
        cmocka_unit_test(method_response_keys),
        cmocka_unit_test(integration_target_valid),
        cmocka_unit_test(integration_target_invalid),
        cmocka_unit_test(response_target),
        cmocka_unit_test(source_static),
        cmocka_unit_test(source_method_request),
        cmocka_unit_test(source_stage_variable),
        cmocka_unit_test(source_context),
        cmocka_unit_test(source_integration_response),
        cmocka_unit_test(source_method_request_body),
        cmocka_unit_test(source_invalid),
        cmocka_unit_test(source_invalid_sets_kind),
    };
    return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}
