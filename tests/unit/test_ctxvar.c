/* test_ctxvar: the $context variable table (common/ctxvar.h): every name
 * finds its own row, and near misses find none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctxvar.h"

static void every_name_finds_its_row(void **state)
{
    (void)state;
    for (int i = 0; i < CTXVAR_COUNT; i++) {
        const char *name = ctxvar_name((enum ctxvar)i);
        if (ctxvar_find(name, strlen(name)) != i)
            fail_msg("%s: row %d", name, ctxvar_find(name, strlen(name)));
    }
}

static void near_misses_find_none(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t len;
        int want;
    } cases[] = {
        {"", 0, -1},
        {"pat", 3, -1},
        {"paths", 5, -1},
        {"Path", 4, -1},
        {"identity.sourceIpx", 18, -1},
        {"identity.sourceIp", 16, -1}, /* a prefix of the name */
        {"identity.sourceIp", 17, CTXVAR_IDENTITY_SOURCE_IP},
        {"integration.status", 18, CTXVAR_INTEGRATION_STATUS},
        {"integrationStatus", 17, CTXVAR_INTEGRATION_STATUS_LEGACY},
        {"stagex", 5, CTXVAR_STAGE}, /* only len bytes are the name */
        {"xrayTraceId", 11, CTXVAR_XRAY_TRACE_ID},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (ctxvar_find(cases[i].name, cases[i].len) != cases[i].want)
            fail_msg("case %zu (%.*s): %d, want %d", i, (int)cases[i].len, cases[i].name,
                     ctxvar_find(cases[i].name, cases[i].len), cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_name_finds_its_row),
                                       cmocka_unit_test(near_misses_find_none)};
    return cmocka_run_group_tests_name("ctxvar", tests, NULL, NULL);
}
