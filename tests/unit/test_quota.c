/* test_quota: the per-key quota word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "quota.h"

static void counts_up_to_the_limit(void **state)
{
    _Atomic uint64_t w = 0;
    int ok = 0;
    for (int i = 0; i < 10; i++)
        ok += quota_take(&w, 19000, 4);
    assert_int_equal(ok, 4);
    assert_int_equal(quota_used(&w, 19000), 4);
}

static void a_new_period_starts_at_zero(void **state)
{
    _Atomic uint64_t w = 0;
    for (int i = 0; i < 3; i++)
        quota_take(&w, 19000, 3);
    assert_int_equal(quota_take(&w, 19000, 3), 0);
    assert_int_equal(quota_used(&w, 19001), 0);
    assert_int_equal(quota_take(&w, 19001, 3), 1);
    assert_int_equal(quota_used(&w, 19001), 1);
}

static void merge_raises_never_lowers(void **state)
{
    _Atomic uint64_t w = 0;
    quota_take(&w, 19000, 100);
    quota_merge(&w, 19000, 40);
    assert_int_equal(quota_used(&w, 19000), 40);
    quota_merge(&w, 19000, 10);
    assert_int_equal(quota_used(&w, 19000), 40);
    /* a figure for an older period is ignored */
    quota_take(&w, 19001, 100);
    quota_merge(&w, 19000, 90);
    assert_int_equal(quota_used(&w, 19001), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_up_to_the_limit),
        cmocka_unit_test(a_new_period_starts_at_zero),
        cmocka_unit_test(merge_raises_never_lowers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
