/* Unit tests for dataplane/reqmetrics.h (per-worker counting, aggregation),
 * dataplane/trace.h (traceparent parsing) and the $context getter table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "mapping.h"
#include "reqmetrics.h"
#include "trace.h"

static const reqmetrics_key_t key_a = {"api1", "prod", "/pets", "GET", 0};
static const reqmetrics_key_t key_a_canary = {"api1", "prod", "/pets", "GET", 1};
static const reqmetrics_key_t key_b = {"api1", "prod", "*", "*", 0};

static const reqmetrics_entry_t *find(reqmetrics_agg_t *a, const reqmetrics_key_t *k)
{
    for (size_t i = 0; i < reqmetrics_agg_count(a); i++) {
        const reqmetrics_entry_t *e = reqmetrics_agg_entry(a, i);
        if (strcmp(e->key->resource, k->resource) == 0 && e->key->canary == k->canary)
            return e;
    }
    return NULL;
}

static void workers_are_summed_per_series(void **state)
{
    reqmetrics_thread_t *t[2] = {reqmetrics_thread_create(), reqmetrics_thread_create()};
    /* the key's strings may go away after recording: series copy them */
    char resource[16];
    snprintf(resource, sizeof(resource), "/pets");
    reqmetrics_key_t transient = {"api1", "prod", resource, "GET", 0};
    reqmetrics_record(t[0], &transient, 200, 1000, 400, 1);
    memset(resource, 'x', sizeof(resource) - 1);
    reqmetrics_record(t[0], &key_a, 404, 2000, -1, 2);
    reqmetrics_record(t[1], &key_a, 500, 3000, 900, 0);
    reqmetrics_record(t[1], &key_a_canary, 200, 10, -1, 0);
    reqmetrics_record(t[1], &key_b, 403, 10, -1, 0);
    reqmetrics_record(t[1], NULL, 503, 10, -1, 0); /* no stage: node totals only */
    reqmetrics_agg_t *a = reqmetrics_agg_create();
    assert_int_equal(reqmetrics_agg_collect(a, t, 2, 1), 0);
    assert_int_equal(reqmetrics_agg_count(a), 3);
    const reqmetrics_entry_t *e = find(a, &key_a);
    assert_non_null(e);
    assert_int_equal(e->sum.v[MV_COUNT], 3);
    assert_int_equal(e->sum.v[MV_4XX], 1);
    assert_int_equal(e->sum.v[MV_5XX], 1);
    assert_int_equal(e->sum.v[MV_CACHE_HIT], 1);
    assert_int_equal(e->sum.v[MV_CACHE_MISS], 1);
    assert_int_equal(e->sum.v[MV_LATENCY_SUM], 6000);
    assert_int_equal(e->sum.v[MV_INTEG_COUNT], 2);
    assert_int_equal(e->sum.v[MV_INTEG_SUM], 1300);
    assert_int_equal(find(a, &key_a_canary)->sum.v[MV_COUNT], 1);
    const uint64_t *node = reqmetrics_agg_node(a);
    assert_int_equal(node[REQMETRICS_NODE_REQUESTS], 6);
    assert_int_equal(node[REQMETRICS_NODE_4XX], 2);
    assert_int_equal(node[REQMETRICS_NODE_5XX], 2);
    reqmetrics_agg_destroy(a);
    reqmetrics_thread_destroy(t[0]);
    reqmetrics_thread_destroy(t[1]);
}

static void collects_mark_what_changed(void **state)
{
    reqmetrics_thread_t *t = reqmetrics_thread_create();
    reqmetrics_agg_t *a = reqmetrics_agg_create();
    reqmetrics_record(t, &key_a, 200, 1, -1, 0);
    reqmetrics_record(t, &key_b, 200, 1, -1, 0);
    reqmetrics_agg_collect(a, &t, 1, 1);
    reqmetrics_record(t, &key_b, 200, 1, -1, 0);
    reqmetrics_agg_collect(a, &t, 1, 2);
    reqmetrics_agg_collect(a, &t, 1, 3);
    assert_int_equal(find(a, &key_a)->changed_at, 1);
    assert_int_equal(find(a, &key_b)->changed_at, 2);
    assert_int_equal(find(a, &key_b)->sum.v[MV_COUNT], 2); /* sums are recomputed, not added */
    reqmetrics_agg_destroy(a);
    reqmetrics_thread_destroy(t);
}

static void a_full_table_counts_in_node_totals(void **state)
{
    reqmetrics_thread_t *t = reqmetrics_thread_create();
    char stage[32];
    for (int i = 0; i <= REQMETRICS_MAX_SERIES; i++) {
        snprintf(stage, sizeof(stage), "s%d", i);
        reqmetrics_key_t k = {"api1", stage, "*", "*", 0};
        reqmetrics_record(t, &k, 200, 1, -1, 0);
    }
    assert_int_equal(reqmetrics_overflow(t), 1);
    reqmetrics_agg_t *a = reqmetrics_agg_create();
    reqmetrics_agg_collect(a, &t, 1, 1);
    assert_int_equal(reqmetrics_agg_count(a), REQMETRICS_MAX_SERIES);
    assert_int_equal(reqmetrics_agg_node(a)[REQMETRICS_NODE_REQUESTS], REQMETRICS_MAX_SERIES + 1);
    reqmetrics_agg_destroy(a);
    reqmetrics_thread_destroy(t);
}

/* A worker counting while another thread sums: totals only grow and end exact. */
struct counting {
    reqmetrics_thread_t *t;
    int n;
};

static void *count_many(void *arg)
{
    struct counting *c = arg;
    char stage[16];
    for (int i = 0; i < c->n; i++) {
        snprintf(stage, sizeof(stage), "s%d", i % 50);
        reqmetrics_key_t k = {"api1", stage, "*", "*", 0};
        reqmetrics_record(c->t, &k, i % 3 == 0 ? 500 : 200, 100, -1, 0);
    }
    return NULL;
}

static uint64_t total_count(reqmetrics_agg_t *a)
{
    uint64_t n = 0;
    for (size_t i = 0; i < reqmetrics_agg_count(a); i++)
        n += reqmetrics_agg_entry(a, i)->sum.v[MV_COUNT];
    return n;
}

static void readers_see_growing_totals_while_workers_count(void **state)
{
    struct counting c = {reqmetrics_thread_create(), 200000};
    reqmetrics_agg_t *a = reqmetrics_agg_create();
    pthread_t th;
    pthread_create(&th, NULL, count_many, &c);
    uint64_t last = 0;
    for (int tick = 1; tick < 200; tick++) {
        assert_int_equal(reqmetrics_agg_collect(a, &c.t, 1, (uint64_t)tick), 0);
        uint64_t now = total_count(a);
        assert_true(now >= last);
        last = now;
    }
    pthread_join(th, NULL);
    reqmetrics_agg_collect(a, &c.t, 1, 1000);
    assert_int_equal(total_count(a), 200000);
    reqmetrics_agg_destroy(a);
    reqmetrics_thread_destroy(c.t);
}

static void traceparent_parsing(void **state)
{
    static const struct {
        const char *v;
        int ok;
    } rows[] = {
        {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", 1},
        {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", 1},
        {"01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", 1}, /* a later version */
        {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", 0},
        {"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", 0},
        {"00-00000000000000000000000000000000-b7ad6b7169203331-01", 0},
        {"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", 0},
        {"00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", 0}, /* upper case */
        {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01", 0},
        {"garbage", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t hi, lo, parent;
        uint8_t flags;
        int got = trace_parse_parent(rows[i].v, strlen(rows[i].v), &hi, &lo, &parent, &flags) == 0;
        if (got != rows[i].ok)
            fail_msg("traceparent \"%s\": want %d", rows[i].v, rows[i].ok);
        if (got && i == 0) {
            assert_true(hi == 0x0af7651916cd43ddULL && lo == 0x8448eb211c80319cULL);
            assert_true(parent == 0xb7ad6b7169203331ULL && flags == 1);
        }
    }
}

static void every_context_variable_has_a_value_getter(void **state)
{
    for (int i = 0; i < CTXVAR_COUNT; i++)
        if (!mapping_context_has_getter((enum ctxvar)i))
            fail_msg("$context.%s has no getter in mapping.c", ctxvar_name((enum ctxvar)i));
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(workers_are_summed_per_series),
        cmocka_unit_test(collects_mark_what_changed),
        cmocka_unit_test(a_full_table_counts_in_node_totals),
        cmocka_unit_test(readers_see_growing_totals_while_workers_count),
        cmocka_unit_test(traceparent_parsing),
        cmocka_unit_test(every_context_variable_has_a_value_getter),
    };
    return cmocka_run_group_tests_name("reqmetrics", tests, NULL, NULL);
}
