/* Unit tests for common/strmap.h: the build-once byte-string hash map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "strmap.h"

/* ---- fixture: one arena per case ---------------------------------------- */

static int setup_arena(void **state)
{
    *state = arena_create(4096);
    return *state != NULL ? 0 : -1;
}

static int teardown_arena(void **state)
{
    arena_destroy(*state);
    return 0;
}

static int put_str(strmap_t *m, const char *key, void *value)
{
    return strmap_put(m, key, strlen(key), value);
}

static void *get_str(const strmap_t *m, const char *key)
{
    return strmap_get(m, key, strlen(key));
}

static void key_of(char *buf, size_t cap, int i)
{
    snprintf(buf, cap, "key-%d", i);
}

/* ---- cases -------------------------------------------------------------- */

static void put_then_get(void **state)
{
    strmap_t *m = strmap_create(*state, 4);
    int a = 1, b = 2;
    assert_non_null(m);
    assert_int_equal(put_str(m, "alpha", &a), 0);
    assert_int_equal(put_str(m, "beta", &b), 0);
    assert_ptr_equal(get_str(m, "alpha"), &a);
    assert_ptr_equal(get_str(m, "beta"), &b);
    assert_int_equal(strmap_count(m), 2);
}

static void missing_key_is_null(void **state)
{
    strmap_t *m = strmap_create(*state, 4);
    int a = 1;
    assert_null(get_str(m, "alpha"));
    assert_int_equal(strmap_count(m), 0);
    assert_int_equal(put_str(m, "alpha", &a), 0);
    assert_null(get_str(m, "alph"));
    assert_null(get_str(m, "alphaa"));
    assert_null(get_str(m, "ALPHA"));
}

static void put_replaces_value(void **state)
{
    strmap_t *m = strmap_create(*state, 4);
    int a = 1, b = 2;
    assert_int_equal(put_str(m, "k", &a), 0);
    assert_int_equal(put_str(m, "k", &b), 0);
    assert_ptr_equal(get_str(m, "k"), &b);
    assert_int_equal(strmap_count(m), 1);
}

static void keys_are_copied(void **state)
{
    strmap_t *m = strmap_create(*state, 4);
    int a = 1;
    char key[] = "mutable";
    assert_int_equal(put_str(m, key, &a), 0);
    memset(key, 'x', sizeof(key) - 1);
    assert_ptr_equal(get_str(m, "mutable"), &a);
    assert_null(get_str(m, key));
}

static void many_keys(void **state)
{
    enum { N = 2000 };
    static int values[N];
    strmap_t *m = strmap_create(*state, N);
    char key[32];
    for (int i = 0; i < N; i++) {
        key_of(key, sizeof(key), i);
        assert_int_equal(put_str(m, key, &values[i]), 0);
    }
    assert_int_equal(strmap_count(m), N);
    for (int i = 0; i < N; i++) {
        key_of(key, sizeof(key), i);
        if (get_str(m, key) != &values[i])
            fail_msg("lookup of %s did not find its value", key);
    }
    key_of(key, sizeof(key), N);
    assert_null(get_str(m, key));
}

static void binary_keys(void **state)
{
    strmap_t *m = strmap_create(*state, 8);
    int v[5];
    static const char k_a0b[] = {'a', '\0', 'b'};
    static const char k_a0c[] = {'a', '\0', 'c'};
    static const char k_a[] = {'a'};
    static const unsigned char k_high[] = {0xff, 0x00, 0x80, 0x7f};
    assert_int_equal(strmap_put(m, k_a0b, sizeof(k_a0b), &v[0]), 0);
    assert_int_equal(strmap_put(m, k_a0c, sizeof(k_a0c), &v[1]), 0);
    assert_int_equal(strmap_put(m, k_a, sizeof(k_a), &v[2]), 0);
    assert_int_equal(strmap_put(m, k_high, sizeof(k_high), &v[3]), 0);
    assert_int_equal(strmap_put(m, "", 0, &v[4]), 0);
    assert_int_equal(strmap_count(m), 5);
    assert_ptr_equal(strmap_get(m, k_a0b, sizeof(k_a0b)), &v[0]);
    assert_ptr_equal(strmap_get(m, k_a0c, sizeof(k_a0c)), &v[1]);
    assert_ptr_equal(strmap_get(m, k_a, sizeof(k_a)), &v[2]);
    assert_ptr_equal(strmap_get(m, k_high, sizeof(k_high)), &v[3]);
    assert_ptr_equal(strmap_get(m, "", 0), &v[4]);
    /* a prefix up to the NUL is a different key */
    assert_null(strmap_get(m, k_a0b, 2));
}

static void full_map_refuses(void **state)
{
    enum { EXPECTED = 4, LIMIT = 64 };
    strmap_t *m = strmap_create(*state, EXPECTED);
    static int values[LIMIT];
    char key[32];
    int accepted = 0;
    while (accepted < LIMIT) {
        key_of(key, sizeof(key), accepted);
        if (put_str(m, key, &values[accepted]) != 0)
            break;
        accepted++;
    }
    /* room for at least what was asked, and a bound (load factor 1/2) */
    assert_true(accepted >= EXPECTED);
    assert_true(accepted < LIMIT);
    assert_int_equal(strmap_count(m), (size_t)accepted);
    assert_null(get_str(m, key));
    /* still refused, and replacing an existing key in a full map still works */
    assert_int_equal(put_str(m, key, &values[0]), -1);
    assert_int_equal(put_str(m, "key-0", &values[1]), 0);
    assert_ptr_equal(get_str(m, "key-0"), &values[1]);
    assert_int_equal(strmap_count(m), (size_t)accepted);
    for (int i = 1; i < accepted; i++) {
        key_of(key, sizeof(key), i);
        assert_ptr_equal(get_str(m, key), &values[i]);
    }
}

static void zero_expected_still_usable(void **state)
{
    strmap_t *m = strmap_create(*state, 0);
    int a = 1;
    assert_non_null(m);
    assert_int_equal(put_str(m, "only", &a), 0);
    assert_ptr_equal(get_str(m, "only"), &a);
}

static void null_value_is_stored(void **state)
{
    strmap_t *m = strmap_create(*state, 4);
    assert_int_equal(put_str(m, "k", NULL), 0);
    assert_int_equal(strmap_count(m), 1);
    assert_null(get_str(m, "k"));
}

static void hash_depends_on_every_byte(void **state)
{
    static const char k_a0b[] = {'a', '\0', 'b'};
    static const char k_a0c[] = {'a', '\0', 'c'};
    assert_int_equal(strmap_hash("abc", 3), strmap_hash("abc", 3));
    assert_int_not_equal(strmap_hash("abc", 3), strmap_hash("abd", 3));
    assert_int_not_equal(strmap_hash("abc", 3), strmap_hash("abc", 2));
    assert_int_not_equal(strmap_hash(k_a0b, 3), strmap_hash(k_a0c, 3));
    assert_int_not_equal(strmap_hash("", 0), strmap_hash("\0", 1));
}

/* Word-at-a-time hashing: every bit of every byte counts, at lengths around
 * the 8-byte words; zero padding of the tail never matches real zeros. */
static void hash_sees_every_bit(void **state)
{
    (void)state;
    unsigned char buf[41], zeros[17] = {0};
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 1; len <= sizeof(buf); len++) {
        uint64_t h = strmap_hash(buf, len);
        for (size_t byte = 0; byte < len; byte++)
            for (int bit = 0; bit < 8; bit++) {
                buf[byte] ^= (unsigned char)(1u << bit);
                if (strmap_hash(buf, len) == h)
                    fail_msg("length %zu: flipping byte %zu bit %d keeps the hash", len, byte, bit);
                buf[byte] ^= (unsigned char)(1u << bit);
            }
    }
    for (size_t a = 0; a < sizeof(zeros); a++)
        for (size_t b = a + 1; b <= sizeof(zeros); b++)
            assert_int_not_equal(strmap_hash(zeros, a), strmap_hash(zeros, b));
}

/* Host names that differ in one character spread over the low bits (the
 * index): no bucket of 256 gets more than a few of 1024 keys. */
static void hash_low_bits_spread(void **state)
{
    (void)state;
    unsigned counts[256] = {0}, most = 0;
    for (int i = 0; i < 1024; i++) {
        char key[64];
        int n = snprintf(key, sizeof(key), "a%04dbcdef.execute-api.localhost", i);
        unsigned c = ++counts[strmap_hash(key, (size_t)n) & 255];
        most = c > most ? c : most;
    }
    if (most > 14) /* 4 on average */
        fail_msg("a bucket holds %u keys", most);
}

#define ARENA_CASE(f) cmocka_unit_test_setup_teardown(f, setup_arena, teardown_arena)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_sees_every_bit),
        cmocka_unit_test(hash_low_bits_spread),
        ARENA_CASE(put_then_get),
        ARENA_CASE(missing_key_is_null),
        ARENA_CASE(put_replaces_value),
        ARENA_CASE(keys_are_copied),
        ARENA_CASE(many_keys),
        ARENA_CASE(binary_keys),
        ARENA_CASE(full_map_refuses),
        ARENA_CASE(zero_expected_still_usable),
        ARENA_CASE(null_value_is_stored),
        cmocka_unit_test(hash_depends_on_every_byte),
    };
    return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}
