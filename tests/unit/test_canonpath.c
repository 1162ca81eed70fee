/* Unit tests for common/canonpath.h: the canonical request path, as a table
 * of named cases (input, expected output or error). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "canonpath.h"

struct canon_case {
    const char *name;
    const char *in;
    int rc;
    const char *want; /* when rc is CANONPATH_OK */
};

static const struct canon_case canon_cases[] = {
    {"root", "/", CANONPATH_OK, "/"},
    {"plain", "/prod/pets/7", CANONPATH_OK, "/prod/pets/7"},
    {"trailing slash kept", "/prod/pets/", CANONPATH_OK, "/prod/pets/"},
    {"dot segment", "/prod/./admin/users", CANONPATH_OK, "/prod/admin/users"},
    {"dot-dot segment", "/prod/x/../admin/users", CANONPATH_OK, "/prod/admin/users"},
    {"dot-dot at the end", "/prod/x/..", CANONPATH_OK, "/prod/"},
    {"dot at the end", "/prod/x/.", CANONPATH_OK, "/prod/x/"},
    {"dot-dot to root", "/a/..", CANONPATH_OK, "/"},
    {"encoded dot-dot", "/prod/x/%2e%2E/admin", CANONPATH_OK, "/prod/admin"},
    {"encoded dot", "/prod/%2E/admin", CANONPATH_OK, "/prod/admin"},
    {"unreserved decoded", "/prod/%61dmin/users", CANONPATH_OK, "/prod/admin/users"},
    {"all unreserved kinds", "/%41%7a%30%2D%5F%7E", CANONPATH_OK, "/Az0-_~"},
    {"reserved kept, hex upper", "/a%2bb%3f%23", CANONPATH_OK, "/a%2Bb%3F%23"},
    {"duplicate slashes", "//prod///admin//users", CANONPATH_OK, "/prod/admin/users"},
    {"only slashes", "///", CANONPATH_OK, "/"},
    {"raw sub-delims kept", "/a!$&'()*+,;=:@b", CANONPATH_OK, "/a!$&'()*+,;=:@b"},
    {"raw space encoded", "/a b", CANONPATH_OK, "/a%20b"},
    {"raw CR LF encoded", "/a\r\nb", CANONPATH_OK, "/a%0D%0Ab"},
    {"raw non-ASCII encoded", "/caf\xc3\xa9", CANONPATH_OK, "/caf%C3%A9"},
    {"raw braces encoded", "/{x}", CANONPATH_OK, "/%7Bx%7D"},
    {"encoded control kept", "/a%0d%0a", CANONPATH_OK, "/a%0D%0A"},
    {"dotted names stay", "/a/.b/..c/...", CANONPATH_OK, "/a/.b/..c/..."},
    {"above root", "/..", CANONPATH_ERR_ABOVE_ROOT, NULL},
    {"above root later", "/a/../../b", CANONPATH_ERR_ABOVE_ROOT, NULL},
    {"encoded above root", "/%2e%2e/etc/passwd", CANONPATH_ERR_ABOVE_ROOT, NULL},
    {"encoded slash", "/prod/admin%2Fusers", CANONPATH_ERR_SLASH, NULL},
    {"encoded slash lower", "/prod/..%2fadmin", CANONPATH_ERR_SLASH, NULL},
    {"encoded backslash", "/a%5cb", CANONPATH_ERR_SLASH, NULL},
    {"raw backslash", "/a\\..\\b", CANONPATH_ERR_SLASH, NULL},
    {"lone percent", "/a%", CANONPATH_ERR_BAD_ESCAPE, NULL},
    {"one hex digit", "/a%4", CANONPATH_ERR_BAD_ESCAPE, NULL},
    {"bad hex digit", "/a%4g", CANONPATH_ERR_BAD_ESCAPE, NULL},
    {"percent then slash", "/a%/b", CANONPATH_ERR_BAD_ESCAPE, NULL},
    {"encoded NUL", "/a%00", CANONPATH_ERR_NUL, NULL},
    {"relative", "prod/x", CANONPATH_ERR_NOT_ABSOLUTE, NULL},
    {"asterisk form", "*", CANONPATH_ERR_NOT_ABSOLUTE, NULL},
    {"empty", "", CANONPATH_ERR_NOT_ABSOLUTE, NULL},
};

static void canon_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
        const struct canon_case *c = &canon_cases[i];
        size_t len = strlen(c->in), out_len = 0;
        char out[256];
        int rc = canonpath_normalize(c->in, len, out, sizeof(out), &out_len);
        if (rc != c->rc)
            fail_msg("%s: rc %d (%s), want %d", c->name, rc, canonpath_strerror(rc), c->rc);
        if (rc == CANONPATH_OK &&
            (out_len != strlen(c->want) || memcmp(out, c->want, out_len) != 0))
            fail_msg("%s: \"%.*s\", want \"%s\"", c->name, (int)out_len, out, c->want);
    }
}

static void canon_nul_inside(void **state)
{
    (void)state;
    char out[32];
    size_t out_len;
    assert_int_equal(canonpath_normalize("/a\0b", 4, out, sizeof(out), &out_len),
                     CANONPATH_ERR_NUL);
}

static void canon_is_idempotent(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
        if (canon_cases[i].rc != CANONPATH_OK)
            continue;
        char once[256], twice[256];
        size_t n1, n2;
        const char *in = canon_cases[i].in;
        assert_int_equal(canonpath_normalize(in, strlen(in), once, sizeof(once), &n1), 0);
        assert_int_equal(canonpath_normalize(once, n1, twice, sizeof(twice), &n2), 0);
        if (n1 != n2 || memcmp(once, twice, n1) != 0)
            fail_msg("%s: not idempotent: \"%s\" → \"%s\"", canon_cases[i].name, once, twice);
    }
}

static void canon_room_checked(void **state)
{
    (void)state;
    char out[8];
    size_t out_len;
    assert_int_equal(canonpath_normalize("/abc", 4, out, canonpath_room(4) - 1, &out_len),
                     CANONPATH_ERR_SPACE);
    assert_int_equal(canonpath_normalize("/abc", 4, out, sizeof(out), &out_len),
                     CANONPATH_ERR_SPACE);
}

struct target_case {
    const char *in, *want;
    size_t path_len;
    int rc;
};

/* the path made canonical, the query after it kept byte for byte */
static void target_table(void **state)
{
    (void)state;
    static const struct target_case cases[] = {
        {"/a/../b?x=1", "/b?x=1", 2, CANONPATH_OK},
        {"/a/b", "/a/b", 4, CANONPATH_OK},
        {"/a?b/../c&%2F", "/a?b/../c&%2F", 2, CANONPATH_OK},
        {"/a/./b/?", "/a/b/?", 5, CANONPATH_OK},
        {"/a%2Fb?x", NULL, 0, CANONPATH_ERR_SLASH},
        {"?x", NULL, 0, CANONPATH_ERR_NOT_ABSOLUTE},
        {"/../x?y", NULL, 0, CANONPATH_ERR_ABOVE_ROOT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct target_case *c = &cases[i];
        char out[64];
        size_t len = strlen(c->in), plen = 0, all = 0;
        int rc = canonpath_normalize_target(c->in, len, out, sizeof(out), &plen, &all);
        if (rc != c->rc)
            fail_msg("%s: rc %d, want %d", c->in, rc, c->rc);
        if (rc == CANONPATH_OK &&
            (plen != c->path_len || all != strlen(c->want) || memcmp(out, c->want, all) != 0))
            fail_msg("%s: \"%.*s\" (path %zu), want \"%s\" (%zu)", c->in, (int)all, out, plen,
                     c->want, c->path_len);
    }
    /* "/a?xyz" needs the room of its path (2 bytes) and its 4-byte query */
    char out[32];
    size_t plen, all, need = canonpath_room(2) + 4;
    assert_int_equal(canonpath_normalize_target("/a?xyz", 6, out, need - 1, &plen, &all),
                     CANONPATH_ERR_SPACE);
    assert_int_equal(canonpath_normalize_target("/a?xyz", 6, out, need, &plen, &all), CANONPATH_OK);
    assert_true(need <= canonpath_target_room(6));
}

struct within_case {
    const char *path, *prefix;
    int want;
};

static void within_table(void **state)
{
    (void)state;
    static const struct within_case cases[] = {
        {"/api/pets", "/api/", 1},
        {"/api", "/api/", 0},
        {"/api/pets", "/api", 1},
        {"/apix/pets", "/api", 0},
        {"/admin/x", "/api/", 0},
        {"/x", "/", 1},
        {"/x", "", 1},
        {"/api", "/api", 1},
        {"/ap", "/api", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct within_case *c = &cases[i];
        int got = canonpath_within(c->path, strlen(c->path), c->prefix, strlen(c->prefix));
        if (got != c->want)
            fail_msg("within(%s, %s) = %d, want %d", c->path, c->prefix, got, c->want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canon_table),         cmocka_unit_test(canon_nul_inside),
        cmocka_unit_test(canon_is_idempotent), cmocka_unit_test(canon_room_checked),
        cmocka_unit_test(target_table),        cmocka_unit_test(within_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
