/* Unit tests for common/httpval.h: which values may become part of an HTTP
 * message, as a table of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "httpval.h"

enum kind { METHOD, NAME, VALUE, TARGET, QUERY, AUTHORITY };

struct val_case {
    const char *name;
    enum kind kind;
    const char *s;
    size_t len; /* 0: strlen(s) */
    int want;   /* 0 or HTTPVAL_INVALID */
};

#define BAD HTTPVAL_INVALID

static const struct val_case val_cases[] = {
    {"method GET", METHOD, "GET", 0, 0},
    {"method extension", METHOD, "PROPFIND", 0, 0},
    {"method with space", METHOD, "GET /admin", 0, BAD},
    {"method with CRLF", METHOD, "GET\r\n", 0, BAD},
    {"method empty", METHOD, "", 0, BAD},
    {"name plain", NAME, "x-user-id", 0, 0},
    {"name with colon", NAME, "x-a:b", 0, BAD},
    {"name with space", NAME, "x a", 0, BAD},
    {"name with CR", NAME, "x\ra", 0, BAD},
    {"name empty", NAME, "", 0, BAD},
    {"name non-ASCII", NAME, "x-\xc3\xa9", 0, BAD},
    {"value plain", VALUE, "alice; role=admin", 0, 0},
    {"value empty", VALUE, "", 0, 0},
    {"value HTAB", VALUE, "a\tb", 0, 0},
    {"value obs-text", VALUE, "caf\xc3\xa9", 0, 0},
    {"value CRLF split", VALUE, "x\r\n\r\nGET /admin HTTP/1.1", 0, BAD},
    {"value bare LF", VALUE, "x\nfoo: bar", 0, BAD},
    {"value bare CR", VALUE, "x\rfoo", 0, BAD},
    {"value NUL", VALUE, "a\0b", 3, BAD},
    {"value DEL", VALUE, "a\x7f", 0, BAD},
    {"value other control", VALUE, "a\x01", 0, BAD},
    /* values of eight bytes and more are checked a word at a time */
    {"value long plain", VALUE, "Mozilla/5.0 (X11; Linux x86_64) caf\xc3\xa9 \xff\x80 ~}", 0, 0},
    {"value long HTAB", VALUE, "abcdefgh\tijklmnop\tq", 0, 0},
    {"value long CR in the first word", VALUE, "abc\rdefghijklmnop", 0, BAD},
    {"value long LF in the second word", VALUE, "abcdefghijk\nlmnop", 0, BAD},
    {"value long DEL at a word's end", VALUE, "abcdefg\x7fhijklmnop", 0, BAD},
    {"value long control in the tail", VALUE, "abcdefghijklmnopq\x1f", 0, BAD},
    {"value long NUL after high bytes", VALUE, "\xff\xfe\xfd\xfc\x80\x81\x82\0xyz", 11, BAD},
    {"value long 0x1f after a 0x20", VALUE, "        \x20\x1f      ", 0, BAD},
    {"target plain", TARGET, "/api/pets?x=1&y=%20", 0, 0},
    {"target obs bytes", TARGET, "/caf\xc3\xa9", 0, 0},
    {"target relative", TARGET, "api/pets", 0, BAD},
    {"target space", TARGET, "/a b", 0, BAD},
    {"target CRLF", TARGET, "/a\r\nHost: x", 0, BAD},
    {"target fragment", TARGET, "/a#b", 0, BAD},
    {"target empty", TARGET, "", 0, BAD},
    {"query plain", QUERY, "a=1&b=%0D", 0, 0},
    {"query LF", QUERY, "a=1\n", 0, BAD},
    {"query space", QUERY, "a=1 2", 0, BAD},
    {"authority host port", AUTHORITY, "backend.internal:8080", 0, 0},
    {"authority IPv6", AUTHORITY, "[::1]:80", 0, 0},
    {"authority userinfo", AUTHORITY, "a@evil", 0, BAD},
    {"authority CRLF", AUTHORITY, "h\r\nx: y", 0, BAD},
    {"authority slash", AUTHORITY, "h/x", 0, BAD},
    {"authority empty", AUTHORITY, "", 0, BAD},
};

static int check(const struct val_case *c)
{
    size_t len = c->len != 0 ? c->len : strlen(c->s);
    switch (c->kind) {
    case METHOD:
        return httpval_method(c->s, len);
    case NAME:
        return httpval_header_name(c->s, len);
    case VALUE:
        return httpval_header_value(c->s, len);
    case TARGET:
        return httpval_target(c->s, len);
    case QUERY:
        return httpval_query(c->s, len);
    case AUTHORITY:
        return httpval_authority(c->s, len);
    }
    return 1;
}

static void val_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(val_cases) / sizeof(val_cases[0]); i++)
        if (check(&val_cases[i]) != val_cases[i].want)
            fail_msg("%s: got %d, want %d", val_cases[i].name, check(&val_cases[i]),
                     val_cases[i].want);
}

static void val_header_pair(void **state)
{
    (void)state;
    assert_int_equal(httpval_header("x-a", 3, "v", 1), 0);
    assert_int_equal(httpval_header("x a", 3, "v", 1), BAD);
    assert_int_equal(httpval_header("x-a", 3, "v\n", 2), BAD);
}

static void val_lengths(void **state)
{
    (void)state;
    static char big[HTTPVAL_VALUE_MAX + 1];
    memset(big, 'a', sizeof(big));
    assert_int_equal(httpval_header_value(big, HTTPVAL_VALUE_MAX), 0);
    assert_int_equal(httpval_header_value(big, HTTPVAL_VALUE_MAX + 1), BAD);
    assert_int_equal(httpval_header_name(big, HTTPVAL_NAME_MAX), 0);
    assert_int_equal(httpval_header_name(big, HTTPVAL_NAME_MAX + 1), BAD);
}

/* The word-at-a-time check agrees with the byte rule on every byte value at
 * every position of values of every length up to three words. */
static void val_value_words_agree(void **state)
{
    (void)state;
    char buf[24];
    for (size_t len = 1; len <= sizeof(buf); len++)
        for (size_t at = 0; at < len; at++)
            for (int c = 0; c < 256; c++) {
                memset(buf, 0xe9, sizeof(buf)); /* a high byte around it */
                buf[at] = (char)c;
                int want = ((c >= 0x20 || c == '\t') && c != 0x7f) ? 0 : BAD;
                if (httpval_header_value(buf, len) != want)
                    fail_msg("len %zu, byte 0x%02x at %zu: want %d", len, c, at, want);
            }
}

static void val_status(void **state)
{
    (void)state;
    assert_int_equal(httpval_status(200), 0);
    assert_int_equal(httpval_status(599), 0);
    assert_int_equal(httpval_status(99), BAD);
    assert_int_equal(httpval_status(600), BAD);
    assert_int_equal(httpval_status(-1), BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(val_table),   cmocka_unit_test(val_header_pair),
        cmocka_unit_test(val_lengths), cmocka_unit_test(val_value_words_agree),
        cmocka_unit_test(val_status),
    };
    return cmocka_run_group_tests_name("httpval", tests, NULL, NULL);
}
