/* test_pctdecode: the one percent-decoding rule (common/pctdecode.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pctdecode.h"

typedef struct {
    const char *name;
    const char *in;
    int plus;
    const char *want;
    size_t want_len;
} pct_case_t;

static const pct_case_t cases[] = {
    {"plain", "abc", 0, "abc", 3},
    {"escape", "a%20b", 0, "a b", 3},
    {"either case", "%2f%2F", 0, "//", 2},
    {"plus kept", "a+b", 0, "a+b", 3},
    {"plus as space", "a+b", 1, "a b", 3},
    {"escaped plus stays a plus", "%2B", 1, "+", 1},
    {"escape at the end", "x%41", 0, "xA", 2},
    {"truncated escape kept", "x%4", 0, "x%4", 3},
    {"lone percent kept", "%", 0, "%", 1},
    {"bad digit kept", "%G1%1G", 0, "%G1%1G", 6},
    {"NUL byte", "a%00b", 0, "a\0b", 3},
    {"high byte", "%C3%A9", 0, "\xc3\xa9", 2},
    {"empty", "", 1, "", 0},
};

static void decodes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const pct_case_t *c = &cases[i];
        char out[64];
        size_t n = pct_decode(c->in, strlen(c->in), c->plus, out);
        if (n != c->want_len || memcmp(out, c->want, n) != 0)
            fail_msg("%s: got %zu bytes '%.*s'", c->name, n, (int)n, out);
    }
}

static void hex_digits(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        int want = c >= '0' && c <= '9'   ? c - '0'
                   : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : -1;
        assert_int_equal(pct_hexval(c), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(decodes), cmocka_unit_test(hex_digits)};
    return cmocka_run_group_tests_name("pctdecode", tests, NULL, NULL);
}
