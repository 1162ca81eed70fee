/* Unit tests for controlplane/store_metrics.h: diffing cumulative reports,
 * minute rows, totals, incarnations and pruning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_metrics.h"
#include "testdb.h"

typedef testdb_t fixture_t;

#define setup testdb_setup
#define teardown testdb_teardown

static const store_metric_key_t key_pets = {"api1", "prod", "/pets", "GET", 0};
static const store_metric_key_t key_toys = {"api1", "prod", "/toys", "GET", 1};

/* One node report: cumulative count and 5xx for a key, in its own transaction. */
static int report(store_t *s, const char *node, uint64_t started, const store_metric_key_t *k,
                  uint64_t count, uint64_t e5, int64_t minute)
{
    metricvec_t v = {0};
    v.v[MV_COUNT] = count;
    v.v[MV_5XX] = e5;
    v.v[MV_LATENCY_BKT] = count;
    int added = 0;
    assert_int_equal(store_begin(s), STORE_OK);
    assert_int_equal(store_metrics_incarnation(s, node, started, minute), STORE_OK);
    assert_int_equal(store_metrics_ingest(s, node, started, k, &v, minute, &added), STORE_OK);
    assert_int_equal(store_commit(s), STORE_OK);
    return added;
}

typedef struct {
    uint64_t count, e5;
    int rows;
} sum_t;

static int sum_rows(void *ctx, int64_t minute, const store_metric_key_t *k, const metricvec_t *v)
{
    sum_t *t = ctx;
    t->count += v->v[MV_COUNT];
    t->e5 += v->v[MV_5XX];
    t->rows++;
    return STORE_OK;
}

static sum_t totals(store_t *s)
{
    sum_t t = {0};
    assert_int_equal(store_metrics_visit_totals(s, sum_rows, &t), STORE_OK);
    return t;
}

static sum_t minutes(store_t *s, const store_metrics_query_t *q)
{
    sum_t t = {0};
    assert_int_equal(store_metrics_visit_minutes(s, q, sum_rows, &t), STORE_OK);
    return t;
}

static void cumulative_reports_add_their_differences(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(report(f->s, "n1", 1000, &key_pets, 5, 1, 100), 1);
    assert_int_equal(report(f->s, "n1", 1000, &key_pets, 5, 1, 100), 0); /* repeated: no change */
    assert_int_equal(report(f->s, "n1", 1000, &key_pets, 9, 2, 101), 1);
    sum_t t = totals(f->s);
    assert_int_equal(t.count, 9);
    assert_int_equal(t.e5, 2);
    store_metrics_query_t q = {.from_minute = 100, .to_minute = 101};
    assert_int_equal(minutes(f->s, &q).count, 5);
    q = (store_metrics_query_t){.from_minute = 0, .to_minute = 1000};
    assert_int_equal(minutes(f->s, &q).count, 9);
    assert_int_equal(minutes(f->s, &q).rows, 2);
}

static void an_older_report_is_ignored(void **state)
{
    fixture_t *f = *state;
    report(f->s, "n1", 1000, &key_pets, 9, 0, 100);
    assert_int_equal(report(f->s, "n1", 1000, &key_pets, 4, 0, 100), 0);
    assert_int_equal(totals(f->s).count, 9);
    assert_int_equal(report(f->s, "n1", 1000, &key_pets, 10, 0, 100), 1);
    assert_int_equal(totals(f->s).count, 10);
}

static void nodes_and_incarnations_count_apart(void **state)
{
    fixture_t *f = *state;
    report(f->s, "n1", 1000, &key_pets, 3, 0, 100);
    report(f->s, "n2", 1000, &key_pets, 4, 0, 100);
    report(f->s, "n1", 2000, &key_pets, 2, 0, 101); /* n1 restarted: counts from zero */
    report(f->s, "n1", 1000, &key_toys, 1, 0, 101);
    assert_int_equal(totals(f->s).count, 10);
    assert_int_equal(totals(f->s).rows, 2);
    store_metrics_query_t q = {.resource = "/toys", .from_minute = 0, .to_minute = 1000};
    assert_int_equal(minutes(f->s, &q).count, 1);
    q = (store_metrics_query_t){
        .api_id = "api1", .stage = "prod", .method = "GET", .from_minute = 0, .to_minute = 1000};
    assert_int_equal(minutes(f->s, &q).count, 10);
    q.stage = "dev";
    assert_int_equal(minutes(f->s, &q).count, 0);
}

static void prune_drops_old_rows_and_incarnations(void **state)
{
    fixture_t *f = *state;
    report(f->s, "n1", 1000, &key_pets, 3, 0, 100);
    report(f->s, "n1", 1000, &key_toys, 1, 0, 200);
    report(f->s, "n1", 2000, &key_pets, 5, 0, 200); /* supersedes incarnation 1000 */
    int64_t count;
    assert_int_equal(store_metrics_count_minutes(f->s, &count), STORE_OK);
    assert_int_equal(count, 3);
    assert_int_equal(store_begin(f->s), STORE_OK);
    assert_int_equal(store_metrics_prune(f->s, 150, 150), STORE_OK);
    assert_int_equal(store_commit(f->s), STORE_OK);
    assert_int_equal(store_metrics_count_minutes(f->s, &count), STORE_OK);
    assert_int_equal(count, 2);
    /* incarnation 1000 reported at 200: kept (not silent long enough); a
     * repeat of its last values adds nothing */
    assert_int_equal(report(f->s, "n1", 1000, &key_toys, 1, 0, 201), 0);
    assert_int_equal(store_begin(f->s), STORE_OK);
    assert_int_equal(store_metrics_prune(f->s, 0, 300), STORE_OK);
    assert_int_equal(store_commit(f->s), STORE_OK);
    /* now it is forgotten with what it sent: the same values would count again */
    sqlite3_stmt *st = store_stmt(f->s, "SELECT count(*) FROM metrics_node_seen");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_reset(st);
    /* totals of series not updated since keep_from go too */
    report(f->s, "n1", 2000, &key_pets, 6, 0, 250);
    assert_int_equal(store_begin(f->s), STORE_OK);
    assert_int_equal(store_metrics_prune(f->s, 201, 0), STORE_OK);
    assert_int_equal(store_commit(f->s), STORE_OK);
    assert_int_equal(totals(f->s).rows, 1);
}

#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        CASE(cumulative_reports_add_their_differences),
        CASE(an_older_report_is_ignored),
        CASE(nodes_and_incarnations_count_apart),
        CASE(prune_drops_old_rows_and_incarnations),
    };
    return cmocka_run_group_tests_name("store_metrics", tests, NULL, NULL);
}
