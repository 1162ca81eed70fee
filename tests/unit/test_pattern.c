/* Unit tests for common/pattern.h: Java-flavoured regular expressions, whole-subject matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pattern.h"

/* ---- helpers ------------------------------------------------------------ */

struct subject {
    const char *text;
    int want; /* 1: the whole subject matches */
};

#define SUBJECTS(...) ((const struct subject[]){__VA_ARGS__, {NULL, 0}})

/* Compiles re and checks it against subjects, ended by a NULL text. */
static void expect_matches(const char *re, const struct subject *subjects)
{
    char err[256] = "";
    pattern_t *p = pattern_compile(re, err, sizeof(err));
    if (p == NULL)
        fail_msg("pattern \"%s\" does not compile: %s", re, err);
    for (; subjects->text != NULL; subjects++) {
        int got = pattern_matches(p, subjects->text, strlen(subjects->text));
        if (got != subjects->want) {
            pattern_free(p);
            fail_msg("\"%s\" against \"%s\" = %d, want %d", subjects->text, re, got,
                     subjects->want);
        }
    }
    pattern_free(p);
}

/* ---- cases -------------------------------------------------------------- */

static void digit_class(void **state)
{
    expect_matches("\\d{3}", SUBJECTS({"200", 1}, {"404", 1}, {"20", 0}, {"2000", 0}, {"abc", 0}));
    expect_matches("2\\d{2}", SUBJECTS({"200", 1}, {"204", 1}, {"302", 0}, {"2xx", 0}));
}

static void digit_class_is_ascii_only(void **state)
{
    /* Java's \d is [0-9] unless UNICODE_CHARACTER_CLASS: not ARABIC-INDIC DIGIT ONE */
    expect_matches("\\d", SUBJECTS({"7", 1}, {"\xd9\xa1", 0}));
}

static void whole_subject_only(void **state)
{
    /* no implicit .* on either side, as String.matches */
    expect_matches("4\\d\\d", SUBJECTS({"404", 1}, {"x404", 0}, {"404x", 0}, {"1404", 0}));
    expect_matches("error", SUBJECTS({"error", 1}, {"an error", 0}, {"errors", 0}));
}

static void alternation_is_anchored_as_a_whole(void **state)
{
    expect_matches("4\\d{2}|5\\d{2}",
                   SUBJECTS({"404", 1}, {"503", 1}, {"200", 0}, {"4041", 0}, {"x503", 0}));
    /* the end anchor forces the longer branch */
    expect_matches("a|ab", SUBJECTS({"a", 1}, {"ab", 1}, {"abc", 0}));
}

static void dot_star(void **state)
{
    expect_matches(".*", SUBJECTS({"", 1}, {"anything at all", 1}));
    /* as in Java, '.' does not match a line terminator without DOTALL */
    expect_matches(".*", SUBJECTS({"two\nlines", 0}));
    expect_matches(".*Not Found.*",
                   SUBJECTS({"404 Not Found", 1}, {"Not Found: /x", 1}, {"Found", 0}));
}

static void java_syntax(void **state)
{
    expect_matches("\\w+@\\w+\\.com", SUBJECTS({"a_1@example.com", 1}, {"a b@example.com", 0}));
    expect_matches("a.*?b", SUBJECTS({"axxb", 1}, {"axxbyb", 1}));
    expect_matches("(?i)ok", SUBJECTS({"OK", 1}, {"Ok", 1}));
    expect_matches("[^/]+/\\s*\\S+", SUBJECTS({"text/ html", 1}, {"text/", 0}));
}

static void case_sensitive_by_default(void **state)
{
    expect_matches("ok", SUBJECTS({"ok", 1}, {"OK", 0}));
}

static void empty_pattern(void **state)
{
    expect_matches("", SUBJECTS({"", 1}, {"x", 0}));
}

static void subject_length_is_respected(void **state)
{
    char err[64];
    pattern_t *p = pattern_compile("2\\d\\d", err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(pattern_matches(p, "2001", 3), 1);
    assert_int_equal(pattern_matches(p, "2001", 4), 0);
    /* an embedded NUL is part of the subject */
    assert_int_equal(pattern_matches(p, "20\0", 3), 0);
    pattern_free(p);
}

static void invalid_utf8_subject_does_not_match(void **state)
{
    char err[64];
    pattern_t *p = pattern_compile(".*", err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(pattern_matches(p, "\xff\xfe", 2), 0);
    pattern_free(p);
}

static void invalid_pattern_has_a_reason(void **state)
{
    static const char *const bad[] = {"(", "[a-", "a{2,1}", "*x", "\\"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256] = "";
        pattern_t *p = pattern_compile(bad[i], err, sizeof(err));
        if (p != NULL) {
            pattern_free(p);
            fail_msg("pattern \"%s\" compiled, want an error", bad[i]);
        }
        if (err[0] == '\0')
            fail_msg("pattern \"%s\": no reason given", bad[i]);
    }
}

static void free_null_is_safe(void **state)
{
    pattern_free(NULL);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(digit_class),
        cmocka_unit_test(digit_class_is_ascii_only),
        cmocka_unit_test(whole_subject_only),
        cmocka_unit_test(alternation_is_anchored_as_a_whole),
        cmocka_unit_test(dot_star),
        cmocka_unit_test(java_syntax),
        cmocka_unit_test(case_sensitive_by_default),
        cmocka_unit_test(empty_pattern),
        cmocka_unit_test(subject_length_is_respected),
        cmocka_unit_test(invalid_utf8_subject_does_not_match),
        cmocka_unit_test(invalid_pattern_has_a_reason),
        cmocka_unit_test(free_null_is_safe),
    };
    return cmocka_run_group_tests_name("pattern", tests, NULL, NULL);
}
