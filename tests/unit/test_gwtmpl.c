/* Unit tests for common/gwtmpl.h and common/gwtypes.h: which templates are
 * accepted, how references render, the response type table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gwtmpl.h"
#include "gwtypes.h"

static const char *lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    static const struct {
        const char *name, *value;
    } vars[] = {
        {"context.error.messageString", "\"Forbidden\""},
        {"context.requestId", "rid-1"},
        {"stageVariables.env", "prod"},
    };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0) {
            *vlen = strlen(vars[i].value);
            return vars[i].value;
        }
    }
    return NULL;
}

static void expect_render(const char *tmpl, const char *want)
{
    char out[256];
    char err[128];
    if (gwtmpl_check(tmpl, err, sizeof(err)) != 0)
        fail_msg("check(%s): %s", tmpl, err);
    size_t n = gwtmpl_render(tmpl, strlen(tmpl), lookup, NULL, out, sizeof(out));
    if (n != strlen(want) || memcmp(out, want, n) != 0)
        fail_msg("render(%s) = %.*s, want %s", tmpl, (int)n, out, want);
}

static void renders_references(void **state)
{
    expect_render("{\"message\":$context.error.messageString}", "{\"message\":\"Forbidden\"}");
    expect_render("id=${context.requestId}.", "id=rid-1.");
    expect_render("$!context.requestId/$stageVariables.env", "rid-1/prod");
    expect_render("cost: $5 and $ alone", "cost: $5 and $ alone");
    expect_render("$context.authorizer.missing|", "|"); /* unknown values render empty */
    expect_render("{\"color\": \"#fff\"}", "{\"color\": \"#fff\"}");
}

static void render_reports_full_length(void **state)
{
    char out[4];
    const char *t = "abc $context.requestId";
    assert_int_equal(gwtmpl_render(t, strlen(t), lookup, NULL, out, sizeof(out)), 9);
    assert_memory_equal(out, "abc ", 4);
}

static void refuses_other_vtl(void **state)
{
    static const char *const bad[] = {
        "#set($x = 1)",  "#if(true)x#end",        "## comment",
        "#* block *#",   "$input.body",           "$util.escapeJavaScript('a')",
        "$context.nope", "${context.error.nope}", NULL,
    };
    char err[128];
    for (const char *const *b = bad; *b != NULL; b++)
        if (gwtmpl_check(*b, err, sizeof(err)) == 0)
            fail_msg("accepted: %s", *b);
}

static void response_types(void **state)
{
    assert_int_equal(gwtype_find("UNAUTHORIZED"), GWT_UNAUTHORIZED);
    assert_string_equal(gwtypes[GWT_UNAUTHORIZED].status, "401");
    assert_string_equal(gwtypes[GWT_INTEGRATION_FAILURE].status, "504");
    assert_string_equal(gwtypes[GWT_DEFAULT_5XX].status, "");
    assert_int_equal(gwtype_find("unauthorized"), GWT_NONE);
    assert_int_equal(gwtype_find(NULL), GWT_NONE);
    for (int i = 1; i < GWT_COUNT; i++) /* the reference's alphabetical order */
        assert_true(strcmp(gwtypes[i - 1].name, gwtypes[i].name) < 0);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_references),
        cmocka_unit_test(render_reports_full_length),
        cmocka_unit_test(refuses_other_vtl),
        cmocka_unit_test(response_types),
    };
    return cmocka_run_group_tests_name("gwtmpl", tests, NULL, NULL);
}
