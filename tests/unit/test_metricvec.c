/* Unit tests for common/metricvec.h: buckets, requests, deltas, quantiles, blobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "metricvec.h"

static void bounds_increase_and_end_at_inf(void **state)
{
    for (int i = 1; i < METRICVEC_BUCKETS; i++)
        assert_true(metricvec_bound_us(i) > metricvec_bound_us(i - 1));
    assert_int_equal(metricvec_bound_us(METRICVEC_BUCKETS - 1), UINT64_MAX);
}

static void bucket_is_the_first_bound_at_or_above(void **state)
{
    assert_int_equal(metricvec_bucket(0), 0);
    assert_int_equal(metricvec_bucket(100), 0);
    assert_int_equal(metricvec_bucket(101), 1);
    assert_int_equal(metricvec_bucket(1000), 4);
    assert_int_equal(metricvec_bucket(30000000), METRICVEC_BUCKETS - 2);
    assert_int_equal(metricvec_bucket(30000001), METRICVEC_BUCKETS - 1);
    assert_int_equal(metricvec_bucket(UINT64_MAX), METRICVEC_BUCKETS - 1);
    for (int i = 0; i < METRICVEC_BUCKETS - 1; i++)
        assert_int_equal(metricvec_bucket(metricvec_bound_us(i)), i);
}

static void requests_are_classified(void **state)
{
    metricvec_t m = {0};
    static const struct {
        int status;
        int cache;
        int64_t integ;
    } rows[] = {{200, 0, 5000}, {204, 1, -1}, {302, 2, 1000},  {404, 0, -1},
                {429, 0, -1},   {499, 0, -1}, {500, 0, 40000}, {504, 0, 29000000}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        metricvec_add_request(&m, rows[i].status, 1500, rows[i].integ, rows[i].cache);
    assert_int_equal(m.v[MV_COUNT], 8);
    assert_int_equal(m.v[MV_3XX], 1);
    assert_int_equal(m.v[MV_4XX], 3);
    assert_int_equal(m.v[MV_5XX], 2);
    assert_int_equal(m.v[MV_CACHE_HIT], 1);
    assert_int_equal(m.v[MV_CACHE_MISS], 1);
    assert_int_equal(m.v[MV_LATENCY_SUM], 8 * 1500);
    assert_int_equal(m.v[MV_LATENCY_BKT + metricvec_bucket(1500)], 8);
    assert_int_equal(m.v[MV_INTEG_COUNT], 4);
    assert_int_equal(m.v[MV_INTEG_SUM], 5000 + 1000 + 40000 + 29000000);
}

static void delta_subtracts_and_refuses_older_values(void **state)
{
    metricvec_t prev = {0}, cur = {0}, d;
    cur.v[MV_COUNT] = 5;
    cur.v[MV_INTEG_BKT + 3] = 2;
    assert_int_equal(metricvec_delta(&d, &cur, &prev), 1);
    assert_int_equal(d.v[MV_COUNT], 5);
    assert_int_equal(d.v[MV_INTEG_BKT + 3], 2);
    assert_int_equal(metricvec_delta(&d, &cur, &cur), 0);
    prev = cur;
    prev.v[MV_5XX] = 1; /* cur is older than prev */
    assert_int_equal(metricvec_delta(&d, &cur, &prev), -1);
}

static void add_sums_every_slot(void **state)
{
    metricvec_t a, b;
    for (int i = 0; i < MV_LEN; i++) {
        a.v[i] = (uint64_t)i;
        b.v[i] = 1000;
    }
    metricvec_add(&a, &b);
    for (int i = 0; i < MV_LEN; i++)
        assert_int_equal(a.v[i], 1000 + (uint64_t)i);
}

static void quantiles_interpolate_within_buckets(void **state)
{
    metricvec_t m = {0};
    assert_true(metricvec_quantile(&m, MV_LATENCY_BKT, 0.5) == 0);
    /* 100 samples in (1000, 1500] µs */
    m.v[MV_LATENCY_BKT + metricvec_bucket(1200)] = 100;
    double p50 = metricvec_quantile(&m, MV_LATENCY_BKT, 0.5);
    assert_true(p50 > 1000 && p50 <= 1500);
    assert_true(p50 == 1250);
    /* and one slow outlier: p99 stays in the first bucket, p99.9 moves */
    m.v[MV_LATENCY_BKT + metricvec_bucket(2500000)] = 1;
    assert_true(metricvec_quantile(&m, MV_LATENCY_BKT, 0.99) <= 1500);
    assert_true(metricvec_quantile(&m, MV_LATENCY_BKT, 0.999) > 2000000);
    /* +Inf reports its lower bound */
    memset(&m, 0, sizeof(m));
    m.v[MV_INTEG_BKT + METRICVEC_BUCKETS - 1] = 3;
    assert_true(metricvec_quantile(&m, MV_INTEG_BKT, 0.5) == 30000000);
}

static void blobs_round_trip_and_check_length(void **state)
{
    metricvec_t m, back;
    uint8_t blob[MV_LEN * 8];
    for (int i = 0; i < MV_LEN; i++)
        m.v[i] = (uint64_t)i * 0x0101010101ULL + (i == 0 ? UINT64_MAX - 5 : 0);
    metricvec_encode(&m, blob);
    assert_int_equal(blob[8], 0x01); /* little-endian: slot 1's low byte first */
    assert_int_equal(metricvec_decode(&back, blob, sizeof(blob)), 0);
    assert_memory_equal(&m, &back, sizeof(m));
    assert_int_equal(metricvec_decode(&back, blob, sizeof(blob) - 8), -1);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(bounds_increase_and_end_at_inf),
        cmocka_unit_test(bucket_is_the_first_bound_at_or_above),
        cmocka_unit_test(requests_are_classified),
        cmocka_unit_test(delta_subtracts_and_refuses_older_values),
        cmocka_unit_test(add_sums_every_slot),
        cmocka_unit_test(quantiles_interpolate_within_buckets),
        cmocka_unit_test(blobs_round_trip_and_check_length),
    };
    return cmocka_run_group_tests_name("metricvec", tests, NULL, NULL);
}
