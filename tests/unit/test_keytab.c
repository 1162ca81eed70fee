/* test_keytab: lookups by digest, several plans per key, deltas on top of a
 * base, and limiter state carried across both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "keytab.h"

#define NSTATE 3

static int plans(void *ctx, const char *plan_id, uint32_t *plan, uint32_t *nstate)
{
    if (strcmp(plan_id, "plan01") == 0 || strcmp(plan_id, "plan02") == 0) {
        *plan = (uint32_t)(plan_id[5] - '0');
        *nstate = NSTATE;
        return 0;
    }
    return -1;
}

static void record(uint8_t *out, const char *value, const char *key_id, const char *plan_id)
{
    uint8_t sha[32];
    crypto_sha256(value, strlen(value), sha);
    keyrec_pack(out, sha, key_id, plan_id);
}

typedef struct {
    int n;
    uint32_t plans;
    _Atomic uint64_t *state;
} found_t;

static int collect(void *ctx, const keytab_hit_t *hit)
{
    found_t *f = ctx;
    f->n++;
    f->plans |= 1u << hit->plan;
    f->state = hit->state;
    return 0;
}

static found_t find(const keytab_t *t, const char *value)
{
    uint8_t sha[32];
    found_t f = {0};
    crypto_sha256(value, strlen(value), sha);
    keytab_find(t, sha, collect, &f);
    return f;
}

/* 1000 keys, key 7 in two plans. */
static keytab_t *build(arena_t *a, uint8_t *recs, const keytab_t *prev)
{
    char value[32], id[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(value, sizeof(value), "value-%04d-abcdefghijklmn", i);
        snprintf(id, sizeof(id), "key%07d", i);
        record(recs + i * KEYREC_LEN, value, id, "plan01");
    }
    record(recs + 1000 * KEYREC_LEN, "value-0007-abcdefghijklmn", "key0000007", "plan02");
    char err[128];
    keytab_t *t = keytab_build(a, recs, 1001, plans, NULL, prev, err, sizeof(err));
    assert_non_null(t);
    return t;
}

static void finds_every_key_and_every_plan(void **state)
{
    arena_t *a = arena_create(1 << 20);
    static uint8_t recs[1001 * KEYREC_LEN];
    keytab_t *t = build(a, recs, NULL);
    assert_int_equal(keytab_count(t), 1001);
    assert_int_equal(find(t, "value-0500-abcdefghijklmn").n, 1);
    found_t seven = find(t, "value-0007-abcdefghijklmn");
    assert_int_equal(seven.n, 2);
    assert_int_equal(seven.plans, (1u << 1) | (1u << 2));
    assert_int_equal(find(t, "no-such-key-value-here").n, 0);
    arena_destroy(a);
}

static void unknown_plan_is_refused(void **state)
{
    arena_t *a = arena_create(1 << 16);
    uint8_t rec[KEYREC_LEN];
    char err[128] = "";
    record(rec, "some-value-long-enough-1", "key0000001", "planXX");
    assert_null(keytab_build(a, rec, 1, plans, NULL, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "planXX"));
    arena_destroy(a);
}

static void delta_hides_adds_and_keeps_the_rest(void **state)
{
    arena_t *a = arena_create(1 << 20), *b = arena_create(1 << 16), *c = arena_create(1 << 16);
    static uint8_t recs[1001 * KEYREC_LEN];
    keytab_t *t = build(a, recs, NULL);
    uint8_t changed[2 * 32], added[KEYREC_LEN];
    crypto_sha256("value-0500-abcdefghijklmn", 25, changed);    /* disabled: no records */
    crypto_sha256("a-brand-new-key-value-x", 23, changed + 32); /* created in plan01 */
    record(added, "a-brand-new-key-value-x", "newkey0001", "plan01");
    char err[128];
    keytab_t *d1 = keytab_derive(b, t, changed, 2, added, 1, plans, NULL, err, sizeof(err));
    assert_non_null(d1);
    assert_int_equal(find(d1, "value-0500-abcdefghijklmn").n, 0);
    assert_int_equal(find(d1, "a-brand-new-key-value-x").n, 1);
    assert_int_equal(find(d1, "value-0501-abcdefghijklmn").n, 1);
    assert_int_equal(keytab_count(d1), 1001);
    /* the old table is untouched for requests still using it */
    assert_int_equal(find(t, "value-0500-abcdefghijklmn").n, 1);
    /* a second delta keeps the first one's changes */
    uint8_t sha[32];
    crypto_sha256("value-0001-abcdefghijklmn", 25, sha);
    keytab_t *d2 = keytab_derive(c, d1, sha, 1, NULL, 0, plans, NULL, err, sizeof(err));
    assert_non_null(d2);
    assert_int_equal(find(d2, "value-0500-abcdefghijklmn").n, 0);
    assert_int_equal(find(d2, "value-0001-abcdefghijklmn").n, 0);
    assert_int_equal(find(d2, "a-brand-new-key-value-x").n, 1);
    assert_int_equal(keytab_count(d2), 1000);
    assert_int_equal(keytab_overlay_count(d2), 3);
    arena_destroy(c);
    arena_destroy(b);
    arena_destroy(a);
}

static void delta_record_for_unlisted_key_is_refused(void **state)
{
    arena_t *a = arena_create(1 << 20), *b = arena_create(1 << 16);
    static uint8_t recs[1001 * KEYREC_LEN];
    keytab_t *t = build(a, recs, NULL);
    uint8_t added[KEYREC_LEN];
    char err[128] = "";
    record(added, "a-brand-new-key-value-x", "newkey0001", "plan01");
    assert_null(keytab_derive(b, t, NULL, 0, added, 1, plans, NULL, err, sizeof(err)));
    assert_true(err[0] != '\0');
    arena_destroy(b);
    arena_destroy(a);
}

static void state_carries_over(void **state)
{
    arena_t *a = arena_create(1 << 20), *b = arena_create(1 << 20), *c = arena_create(1 << 16);
    static uint8_t recs[1001 * KEYREC_LEN], recs2[1001 * KEYREC_LEN];
    keytab_t *t = build(a, recs, NULL);
    atomic_store(&find(t, "value-0042-abcdefghijklmn").state[1], 1234);
    keytab_t *t2 = build(b, recs2, t); /* a new snapshot */
    assert_int_equal(atomic_load(&find(t2, "value-0042-abcdefghijklmn").state[1]), 1234);
    uint8_t sha[32], rec[KEYREC_LEN];
    crypto_sha256("value-0042-abcdefghijklmn", 25, sha);
    record(rec, "value-0042-abcdefghijklmn", "key0000042", "plan01");
    char err[128];
    keytab_t *d = keytab_derive(c, t2, sha, 1, rec, 1, plans, NULL, err, sizeof(err));
    assert_non_null(d);
    assert_int_equal(atomic_load(&find(d, "value-0042-abcdefghijklmn").state[1]), 1234);
    arena_destroy(c);
    arena_destroy(b);
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_every_key_and_every_plan),
        cmocka_unit_test(unknown_plan_is_refused),
        cmocka_unit_test(delta_hides_adds_and_keeps_the_rest),
        cmocka_unit_test(delta_record_for_unlisted_key_is_refused),
        cmocka_unit_test(state_carries_over),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
