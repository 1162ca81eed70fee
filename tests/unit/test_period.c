/* test_period: calendar days, quota periods and their limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "period.h"

static uint32_t day_of(const char *date)
{
    uint32_t d = 0;
    assert_int_equal(period_parse_date(date, &d), 0);
    return d;
}

static void parse_and_format_dates(void **state)
{
    char out[11];
    assert_int_equal(day_of("1970-01-01"), 0);
    assert_int_equal(day_of("2024-02-29"), 19782);
    period_format_date(19782, out);
    assert_string_equal(out, "2024-02-29");
    uint32_t d;
    assert_int_equal(period_parse_date("2023-02-29", &d), -1);
    assert_int_equal(period_parse_date("2024-13-01", &d), -1);
    assert_int_equal(period_parse_date("2024-1-01", &d), -1);
    assert_int_equal(period_parse_date("2024-01-01x", &d), -1);
    assert_int_equal(period_parse_date(NULL, &d), -1);
}

static void weeks_start_on_monday(void **state)
{
    /* 2024-05-15 is a Wednesday; its week starts on Monday 2024-05-13 */
    assert_int_equal(period_start(PERIOD_WEEK, day_of("2024-05-15")), day_of("2024-05-13"));
    assert_int_equal(period_start(PERIOD_WEEK, day_of("2024-05-13")), day_of("2024-05-13"));
    assert_int_equal(period_start(PERIOD_WEEK, day_of("2024-05-19")), day_of("2024-05-13"));
}

static void months_start_on_the_first(void **state)
{
    assert_int_equal(period_start(PERIOD_MONTH, day_of("2024-02-29")), day_of("2024-02-01"));
    assert_int_equal(period_start(PERIOD_MONTH, day_of("2023-12-31")), day_of("2023-12-01"));
    assert_int_equal(period_start(PERIOD_DAY, day_of("2023-12-31")), day_of("2023-12-31"));
}

static void offset_applies_to_the_initial_period_only(void **state)
{
    uint32_t created = day_of("2024-05-15");
    assert_int_equal(period_limit(PERIOD_MONTH, 100, 30, created, day_of("2024-05-31")), 70);
    assert_int_equal(period_limit(PERIOD_MONTH, 100, 30, created, day_of("2024-06-01")), 100);
    assert_int_equal(period_limit(PERIOD_DAY, 100, 130, created, created), 0);
}

static void period_names(void **state)
{
    assert_int_equal(period_parse("DAY"), PERIOD_DAY);
    assert_int_equal(period_parse("WEEK"), PERIOD_WEEK);
    assert_int_equal(period_parse("MONTH"), PERIOD_MONTH);
    assert_int_equal(period_parse("YEAR"), PERIOD_NONE);
    assert_int_equal(period_parse(NULL), PERIOD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_and_format_dates),
        cmocka_unit_test(weeks_start_on_monday),
        cmocka_unit_test(months_start_on_the_first),
        cmocka_unit_test(offset_applies_to_the_initial_period_only),
        cmocka_unit_test(period_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
