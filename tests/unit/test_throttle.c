/* test_throttle: GCRA buckets behave as token buckets of (rate, burst). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "throttle.h"

#define SEC 1000000000ull

static int take_n(_Atomic uint64_t *tat, throttle_limit_t l, unsigned nodes, uint64_t now, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += throttle_take(tat, l, nodes, now);
    return ok;
}

static void burst_then_refused(void **state)
{
    _Atomic uint64_t tat = 0;
    throttle_limit_t l = {2.0, 3};
    assert_int_equal(take_n(&tat, l, 1, 100 * SEC, 10), 3);
}

static void refills_at_rate(void **state)
{
    _Atomic uint64_t tat = 0;
    throttle_limit_t l = {2.0, 3};
    uint64_t now = 100 * SEC;
    assert_int_equal(take_n(&tat, l, 1, now, 3), 3);
    assert_int_equal(take_n(&tat, l, 1, now + SEC / 2 - 1, 1), 0);
    assert_int_equal(take_n(&tat, l, 1, now + SEC / 2, 1), 1);
    /* ten idle seconds refill the bucket to its burst, not beyond */
    assert_int_equal(take_n(&tat, l, 1, now + 10 * SEC, 10), 3);
}

static void divided_among_nodes(void **state)
{
    _Atomic uint64_t tat = 0;
    throttle_limit_t l = {10.0, 10};
    uint64_t now = 100 * SEC;
    /* two nodes: each gets rate 5 and a bucket of 5 */
    assert_int_equal(take_n(&tat, l, 2, now, 10), 5);
    assert_int_equal(take_n(&tat, l, 2, now + SEC / 5, 2), 1);
    /* a burst smaller than the node count still leaves each node one */
    _Atomic uint64_t small = 0;
    assert_int_equal(take_n(&small, (throttle_limit_t){1.0, 1}, 3, now, 3), 1);
}

static void zero_refuses_everything(void **state)
{
    _Atomic uint64_t tat = 0;
    assert_int_equal(take_n(&tat, (throttle_limit_t){0.0, 10}, 1, 100 * SEC, 3), 0);
    assert_int_equal(take_n(&tat, (throttle_limit_t){10.0, 0}, 1, 100 * SEC, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_refused),
        cmocka_unit_test(refills_at_rate),
        cmocka_unit_test(divided_among_nodes),
        cmocka_unit_test(zero_refuses_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
