/* Unit tests for common/fnuri.h: Lambda invocation URIs, function
 * references, ${stageVariables.x} substitution and the check after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fnuri.h"

#define URI(fn) "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" fn "/invocations"

static void parses_uris(void **state)
{
    static const struct {
        const char *uri;
        const char *fn; /* NULL: refused */
    } cases[] = {
        {URI("arn:aws:lambda:us-east-1:123456789012:function:echo"),
         "arn:aws:lambda:us-east-1:123456789012:function:echo"},
        {URI("arn:aws:lambda:local:000000000000:function:echo:${stageVariables.alias}"),
         "arn:aws:lambda:local:000000000000:function:echo:${stageVariables.alias}"},
        {URI("echo"), "echo"},
        {"arn:aws:apigateway:local:lambda:path/2015-03-31/functions/f/invocations", "f"},
        {URI(""), NULL},
        {"arn:aws:apigateway::lambda:path/2015-03-31/functions/f/invocations", NULL},
        {"arn:aws:apigateway:us-east-1:s3:path/bucket/key", NULL},
        {"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f", NULL},
        {"arn:aws:apigateway:us-east-1:lambda:path/2016-01-01/functions/f/invocations", NULL},
        {"http://example.com/2015-03-31/functions/f/invocations", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *fn;
        size_t len;
        int rc = fnuri_function(cases[i].uri, strlen(cases[i].uri), &fn, &len);
        print_message("# %s\n", cases[i].uri);
        if (cases[i].fn == NULL) {
            assert_int_equal(rc, -1);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(len, strlen(cases[i].fn));
        assert_memory_equal(fn, cases[i].fn, len);
    }
    assert_true(fnuri_is_aws(URI("x"), strlen(URI("x"))));
    assert_false(fnuri_is_aws("https://x", 9));
}

static void checks_references(void **state)
{
    static const struct {
        const char *ref;
        int ok;
    } cases[] = {
        {"echo", 1},
        {"echo:$LATEST", 1},
        {"echo:3", 1},
        {"echo:live-1_a", 1},
        {"arn:aws:lambda:us-east-1:123456789012:function:echo", 1},
        {"arn:aws:lambda:us-east-1:123456789012:function:echo:prod", 1},
        {"", 0},
        {"echo:", 0},
        {"ec ho", 0},
        {"echo:a:b", 0},
        {"echo/x", 0},
        {"echo:$latest", 0},
        {"arn:aws:lambda:us-east-1:12345:function:echo", 0},
        {"arn:aws:lambda:us-east-1:123456789012:layer:echo", 0},
        {"arn:aws:lambda::123456789012:function:echo", 0},
        {"arn:aws:lambda:us-east-1:123456789012:function:", 0},
        {"${stageVariables.fn}", 0},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0}, /* 65 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("# %s\n", cases[i].ref);
        assert_int_equal(fnuri_check_ref(cases[i].ref, strlen(cases[i].ref)), cases[i].ok ? 0 : -1);
    }
}

static void checks_templates(void **state)
{
    static const struct {
        const char *tmpl;
        int ok;
    } cases[] = {
        {"echo:${stageVariables.alias}", 1},
        {"${stageVariables.fn}", 1},
        {"fn-${stageVariables.env}:live", 1},
        {"arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}", 1},
        {"arn:aws:lambda:us-east-1:123456789012:function:echo:${stageVariables.alias}", 1},
        {"arn:aws:lambda:${stageVariables.region}:123456789012:function:echo", 0},
        {"echo:${stageVariables.}", 0},
        {"echo:${stageVariables.a-b}", 0},
        {"echo:${stageVariables.alias", 0},
        {"${stageVariables.fn}/x", 0},
        {"echo", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("# %s\n", cases[i].tmpl);
        assert_int_equal(fnuri_check_template(cases[i].tmpl, strlen(cases[i].tmpl)),
                         cases[i].ok ? 0 : -1);
    }
    assert_true(fnuri_has_vars("a:${stageVariables.x}", 21));
    assert_false(fnuri_has_vars("a:${stageVariables.}", 20));
}

static const char *lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    static const char *const vars[][2] = {{"alias", "live"}, {"bad", "a b"}, {"ver", "$LATEST"}};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (strlen(vars[i][0]) == len && memcmp(vars[i][0], name, len) == 0) {
            *vlen = strlen(vars[i][1]);
            return vars[i][1];
        }
    return NULL;
}

static void expands_and_rechecks(void **state)
{
    static const struct {
        const char *tmpl, *want;
        int ok; /* the expansion is a valid reference */
    } cases[] = {
        {"echo:${stageVariables.alias}", "echo:live", 1},
        {"echo:${stageVariables.ver}", "echo:$LATEST", 1},
        {"echo:${stageVariables.missing}", "echo:", 0},
        {"echo:${stageVariables.bad}", "echo:a b", 0},
        {"${stageVariables.alias}-fn", "live-fn", 1},
        {"echo:$${stageVariables.alias}", "echo:$live", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[64];
        size_t n;
        print_message("# %s\n", cases[i].tmpl);
        assert_int_equal(
            fnuri_expand(cases[i].tmpl, strlen(cases[i].tmpl), lookup, NULL, out, sizeof(out), &n),
            0);
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
        assert_int_equal(fnuri_check_ref(out, n), cases[i].ok ? 0 : -1);
    }
    char small[4];
    size_t n;
    assert_int_equal(
        fnuri_expand("echo:${stageVariables.alias}", 28, lookup, NULL, small, sizeof(small), &n),
        -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_uris),
        cmocka_unit_test(checks_references),
        cmocka_unit_test(checks_templates),
        cmocka_unit_test(expands_and_rechecks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
