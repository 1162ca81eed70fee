/* Unit tests for common/logfmt.h and common/ctxvar.h: access log formats and destinations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ctxvar.h"
#include "logfmt.h"

/* Renders segments as "[literal]" and "<name>" for comparison. */
static int render(void *ctx, const logfmt_seg_t *seg)
{
    char *out = ctx;
    size_t n = strlen(out);
    if (seg->var < 0)
        snprintf(out + n, 512 - n, "[%.*s]", (int)seg->len, seg->text);
    else
        snprintf(out + n, 512 - n, "<%s>", ctxvar_name((enum ctxvar)seg->var));
    return 0;
}

static void expect_render(const char *fmt, const char *want)
{
    char out[512] = "", err[256] = "";
    if (logfmt_parse(fmt, strlen(fmt), render, out, err, sizeof(err)) != 0)
        fail_msg("\"%s\" refused: %s", fmt, err);
    assert_string_equal(out, want);
}

static void expect_refused(const char *fmt, const char *reason_part)
{
    char out[512] = "", err[256] = "";
    assert_int_equal(logfmt_validate(fmt, strlen(fmt), err, sizeof(err)), -1);
    if (strstr(err, reason_part) == NULL)
        fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", fmt, err, reason_part);
    (void)out;
}

static void variables_and_literals(void **state)
{
    expect_render("$context.requestId", "<requestId>");
    expect_render("$context.identity.sourceIp - [$context.requestTime] \"$context.httpMethod\"",
                  "<identity.sourceIp>[ - []<requestTime>[] \"]<httpMethod>[\"]");
    expect_render("{\"id\":\"$context.requestId\",\"s\":$context.status}",
                  "[{\"id\":\"]<requestId>[\",\"s\":]<status>[}]");
    expect_render("no variables at all", "[no variables at all]");
}

static void a_trailing_dot_ends_the_name(void **state)
{
    expect_render("status $context.status.", "[status ]<status>[.]");
    expect_render("$context.error.message", "<error.message>");
}

static void other_dollars_are_literal(void **state)
{
    expect_render("$5 $stageVariables.x $context", "[$5 $stageVariables.x $context]");
}

static void validate_requires_a_request_id(void **state)
{
    char err[256];
    assert_int_equal(logfmt_validate("$context.requestId", 18, err, sizeof(err)), 0);
    assert_int_equal(logfmt_validate("x $context.extendedRequestId", 28, err, sizeof(err)), 0);
    expect_refused("$context.status", "requestId");
}

static void validate_refuses_unknown_and_control(void **state)
{
    expect_refused("$context.requestId $context.nope", "$context.nope");
    expect_refused("$context.requestId $context.authorizer.claims.sub", "authorizer");
    expect_refused("$context.requestId\n", "control character");
    expect_refused("$context.requestId\t", "control character");
    expect_refused("", "1 to");
}

static void validate_limits_the_length(void **state)
{
    char fmt[LOGFMT_MAX_LEN + 2], err[256];
    memset(fmt, 'x', sizeof(fmt));
    memcpy(fmt, "$context.requestId ", 19);
    assert_int_equal(logfmt_validate(fmt, LOGFMT_MAX_LEN, err, sizeof(err)), 0);
    assert_int_equal(logfmt_validate(fmt, LOGFMT_MAX_LEN + 1, err, sizeof(err)), -1);
}

static void every_variable_is_found_by_its_name(void **state)
{
    for (int i = 0; i < CTXVAR_COUNT; i++) {
        const char *name = ctxvar_name((enum ctxvar)i);
        assert_int_equal(ctxvar_find(name, strlen(name)), i);
    }
    assert_int_equal(ctxvar_find("requestI", 8), -1);
    assert_int_equal(ctxvar_find("requestIdx", 10), -1);
}

static void destinations(void **state)
{
    static const struct {
        const char *dest;
        int ok;
    } rows[] = {
        {"stdout", 1},
        {"stderr", 1},
        {"access.log", 1},
        {"api-1_prod.log", 1},
        {"a", 1},
        /* paths are the node operator's to choose, never the admin API's */
        {"/var/log/portico/a.log", 0},
        {"/a", 0},
        {"logs/a.log", 0},
        {"", 0},
        {"/", 0},
        {".", 0},
        {"..", 0},
        {".hidden", 0},
        {"-n", 0},
        {"../etc/passwd", 0},
        {"a\\b", 0},
        {"a b", 0},
        {"a\nb", 0},
        {"arn:aws:logs:x", 0},
        {"STDOUT", 1}, /* a file of that name in the directory */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (logfmt_destination_valid(rows[i].dest) != rows[i].ok)
            fail_msg("destination \"%s\": want %d", rows[i].dest, rows[i].ok);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(variables_and_literals),
        cmocka_unit_test(a_trailing_dot_ends_the_name),
        cmocka_unit_test(other_dollars_are_literal),
        cmocka_unit_test(validate_requires_a_request_id),
        cmocka_unit_test(validate_refuses_unknown_and_control),
        cmocka_unit_test(validate_limits_the_length),
        cmocka_unit_test(every_variable_is_found_by_its_name),
        cmocka_unit_test(destinations),
    };
    return cmocka_run_group_tests_name("logfmt", tests, NULL, NULL);
}
