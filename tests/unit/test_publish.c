/* test_publish: the control plane's commit path. Each case of the table opens
 * a transaction on a fresh database, names a change, commits or rolls back,
 * and checks the version and epoch the store holds, what the publisher
 * scheduled, and what it published after one loop turn (no cluster: the
 * snapshot is built and kept, as for a node's fetch). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "publish.h"
#include "testdb.h"

typedef struct {
    testdb_t *db;
    h2o_evloop_t *loop;
    publish_t *p;
    uint64_t version0, epoch0; /* after the first snapshot */
} fixture_t;

static int setup(void **state)
{
    static fixture_t f;
    memset(&f, 0, sizeof(f));
    if (testdb_setup((void **)&f.db) != 0)
        return -1;
    if (f.loop == NULL)
        f.loop = h2o_evloop_create();
    publish_config_t cfg = {.store = f.db->s, .loop = f.loop, .settings = {0, 0, 0}};
    if (publish_create(&cfg, &f.p) != 0 || publish_now(f.p) != 0)
        return -1;
    f.version0 = publish_version(f.p);
    f.epoch0 = publish_epoch(f.p);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    publish_destroy(f->p);
    void *db = f->db;
    return testdb_teardown(&db);
}

static void store_state(fixture_t *f, uint64_t *version, uint64_t *epoch)
{
    assert_int_equal(store_version(f->db->s, version), STORE_OK);
    assert_int_equal(store_epoch(f->db->s, epoch), STORE_OK);
}

/* Lets the zero-delay timers of this turn fire. */
static void run_turn(fixture_t *f)
{
    for (int i = 0; i < 3 && publish_scheduled(f->p) != 0; i++)
        h2o_evloop_run(f->loop, 1);
}

typedef struct {
    const char *name;
    unsigned what[2]; /* one or two publish_change calls in the transaction */
    size_t nkeys;     /* digests passed with PUBLISH_KEYS */
    int commit;       /* 0: rolled back */
    int grew;         /* how much the store's version grew */
    int new_epoch;    /* the epoch is the new version (a whole snapshot) */
    unsigned scheduled;
} change_case_t;

static const change_case_t change_cases[] = {
    {"stage: snapshot", {PUBLISH_STAGES}, 0, 1, 1, 1, PUBLISH_SNAPSHOT},
    {"API deleted: snapshot", {PUBLISH_APIS}, 0, 1, 1, 1, PUBLISH_SNAPSHOT},
    {"domain mapping: snapshot", {PUBLISH_DOMAINS}, 0, 1, 1, 1, PUBLISH_SNAPSHOT},
    {"plan: snapshot", {PUBLISH_PLANS}, 0, 1, 1, 1, PUBLISH_SNAPSHOT},
    {"deployment bound to a stage: snapshot",
     {PUBLISH_DEPLOYMENTS | PUBLISH_STAGES},
     0,
     1,
     1,
     1,
     PUBLISH_SNAPSHOT},
    {"key membership: delta", {PUBLISH_KEYS}, 1, 1, 1, 0, PUBLISH_KEYS},
    {"two keys: one delta", {PUBLISH_KEYS, PUBLISH_KEYS}, 1, 1, 1, 0, PUBLISH_KEYS},
    {"keys then a stage: a new epoch",
     {PUBLISH_KEYS, PUBLISH_STAGES},
     1,
     1,
     2,
     1,
     PUBLISH_SNAPSHOT | PUBLISH_KEYS},
    {"method document: stored only", {PUBLISH_DEFINITION}, 0, 1, 0, 0, 0},
    {"deployment alone: stored only", {PUBLISH_DEPLOYMENTS}, 0, 1, 0, 0, 0},
    {"key name: stored only", {PUBLISH_KEY_INFO}, 0, 1, 0, 0, 0},
    {"bare domain name: stored only", {PUBLISH_DOMAIN_INFO}, 0, 1, 0, 0, 0},
    /* rolled back: the version was bumped inside the transaction only */
    {"stage rolled back: nothing", {PUBLISH_STAGES}, 0, 0, 0, 0, 0},
    {"key rolled back: nothing", {PUBLISH_KEYS}, 1, 0, 0, 0, 0},
};

static void check_change(fixture_t *f, const change_case_t *tc)
{
    uint8_t sha[32];
    uint64_t version, epoch, v_in, e_in;
    memset(sha, 0xab, sizeof(sha));
    assert_int_equal(publish_begin(f->p), STORE_OK);
    for (size_t i = 0; i < 2 && tc->what[i] != 0; i++)
        assert_int_equal(publish_change(f->p, tc->what[i], sha, tc->nkeys), STORE_OK);
    /* the bump is part of the transaction: visible inside it */
    store_state(f, &v_in, &e_in);
    assert_int_equal(v_in, f->version0 + (uint64_t)(tc->commit ? tc->grew : 1));
    if (tc->commit)
        assert_int_equal(publish_commit(f->p), STORE_OK);
    else
        publish_rollback(f->p);
    store_state(f, &version, &epoch);
    assert_int_equal(version, f->version0 + (uint64_t)tc->grew);
    assert_int_equal(epoch, tc->new_epoch ? version : f->epoch0);
    assert_int_equal(publish_scheduled(f->p), tc->scheduled);
    run_turn(f);
    assert_int_equal(publish_scheduled(f->p), 0);
    /* a snapshot or a delta brings the data planes to the exact version */
    assert_int_equal(publish_version(f->p), tc->scheduled != 0 ? version : f->version0);
    assert_int_equal(publish_epoch(f->p), tc->new_epoch ? version : f->epoch0);
}

static void test_change_table(void **state)
{
    for (size_t i = 0; i < sizeof(change_cases) / sizeof(change_cases[0]); i++) {
        print_message("# case: %s\n", change_cases[i].name);
        assert_int_equal(teardown(state), 0);
        assert_int_equal(setup(state), 0);
        check_change(*state, &change_cases[i]);
    }
}

/* A handler that rolled back by itself (store_rollback, as most error paths
 * do) leaves a staged change behind: the next transaction must not publish
 * it. */
static void test_abandoned_change_is_forgotten(void **state)
{
    fixture_t *f = *state;
    uint64_t version, epoch;
    assert_int_equal(publish_begin(f->p), STORE_OK);
    assert_int_equal(publish_change(f->p, PUBLISH_STAGES, NULL, 0), STORE_OK);
    store_rollback(f->db->s);
    assert_int_equal(publish_begin(f->p), STORE_OK);
    assert_int_equal(publish_change(f->p, PUBLISH_DEFINITION, NULL, 0), STORE_OK);
    assert_int_equal(publish_commit(f->p), STORE_OK);
    store_state(f, &version, &epoch);
    assert_int_equal(version, f->version0);
    assert_int_equal(publish_scheduled(f->p), 0);
}

/* Changes of one turn coalesce into one snapshot. */
static void test_changes_of_one_turn_coalesce(void **state)
{
    fixture_t *f = *state;
    uint64_t version, epoch;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(publish_begin(f->p), STORE_OK);
        assert_int_equal(publish_change(f->p, PUBLISH_STAGES, NULL, 0), STORE_OK);
        assert_int_equal(publish_commit(f->p), STORE_OK);
    }
    assert_int_equal(publish_scheduled(f->p), PUBLISH_SNAPSHOT);
    run_turn(f);
    store_state(f, &version, &epoch);
    assert_int_equal(version, f->version0 + 3);
    assert_int_equal(publish_version(f->p), version);
}

/* A change committed elsewhere (the JWKS fetcher's connection) is scheduled
 * by name. */
static void test_schedule_from_elsewhere(void **state)
{
    fixture_t *f = *state;
    publish_schedule(f->p, PUBLISH_AUTHORIZER_KEYS);
    assert_int_equal(publish_scheduled(f->p), PUBLISH_SNAPSHOT);
    publish_schedule(f->p, PUBLISH_DEFINITION);
    assert_int_equal(publish_scheduled(f->p), PUBLISH_SNAPSHOT);
    run_turn(f);
    assert_int_equal(publish_scheduled(f->p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_change_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abandoned_change_is_forgotten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_of_one_turn_coalesce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_from_elsewhere, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
