/* test_throttle: GCRA buckets behave as token buckets of (rate, burst). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "throttle.h"

#define SEC 1000000000ull
#define ALL THROTTLE_SHARE_ALL

static int take_n(_Atomic uint64_t *tat, throttle_limit_t l, uint32_t share, uint64_t now, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += throttle_take(tat, l, share, now);
    return ok;
}

static void burst_then_refused(void **state)
{
    _Atomic uint64_t tat = 0;
    throttle_limit_t l = {2.0, 3};
    assert_int_equal(take_n(&tat, l, ALL, 100 * SEC, 10), 3);
}

static void refills_at_rate(void **state)
{
    _Atomic uint64_t tat = 0;
    throttle_limit_t l = {2.0, 3};
    uint64_t now = 100 * SEC;
    assert_int_equal(take_n(&tat, l, ALL, now, 3), 3);
    assert_int_equal(take_n(&tat, l, ALL, now + SEC / 2 - 1, 1), 0);
    assert_int_equal(take_n(&tat, l, ALL, now + SEC / 2, 1), 1);
    /* ten idle seconds refill the bucket to its burst, not beyond */
    assert_int_equal(take_n(&tat, l, ALL, now + 10 * SEC, 10), 3);
}

static void divided_among_nodes(void **state)
{
    _Atomic uint64_t tat = 0;
    throttle_limit_t l = {10.0, 10};
    uint64_t now = 100 * SEC;
    /* two nodes: each gets rate 5 and a bucket of 5 */
    assert_int_equal(take_n(&tat, l, ALL / 2, now, 10), 5);
    assert_int_equal(take_n(&tat, l, ALL / 2, now + SEC / 5, 2), 1);
    /* a burst smaller than the node count still leaves each node one */
    _Atomic uint64_t small = 0;
    assert_int_equal(take_n(&small, (throttle_limit_t){1.0, 1}, ALL / 3, now, 3), 1);
}

static void split_by_share(void **state)
{
    _Atomic uint64_t tat = 0;
    throttle_limit_t l = {20.0, 10};
    uint64_t now = 100 * SEC;
    /* 86 %: rate 17.2 and a bucket of ceil(8.6) = 9 */
    assert_int_equal(take_n(&tat, l, ALL / 100 * 86, now, 20), 9);
    /* refilled at 17.2/s: full again a second later, one token 1/17.2 s after that */
    assert_int_equal(take_n(&tat, l, ALL / 100 * 86, now + SEC, 20), 9);
    assert_int_equal(take_n(&tat, l, ALL / 100 * 86, now + SEC + SEC / 17, 2), 1);
    /* 5 %: rate 1 and a bucket of ceil(0.5) = 1 */
    _Atomic uint64_t quiet = 0;
    assert_int_equal(take_n(&quiet, l, ALL / 20, now, 5), 1);
    assert_int_equal(take_n(&quiet, l, ALL / 20, now + SEC, 5), 1);
}

static void zero_refuses_everything(void **state)
{
    _Atomic uint64_t tat = 0;
    assert_int_equal(take_n(&tat, (throttle_limit_t){0.0, 10}, ALL, 100 * SEC, 3), 0);
    assert_int_equal(take_n(&tat, (throttle_limit_t){10.0, 0}, ALL, 100 * SEC, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_refused),      cmocka_unit_test(refills_at_rate),
        cmocka_unit_test(divided_among_nodes),     cmocka_unit_test(split_by_share),
        cmocka_unit_test(zero_refuses_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
