/* Unit tests for controlplane/compile/iam_keys.h: the signing keys shipped
 * for AWS_IAM methods are exactly the SigV4 key chain of the access key's
 * secret for yesterday, today and tomorrow in the configured region and
 * service execute-api; only keys with a policy are shipped; a secret sealed
 * under another key is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "iam_keys.h"
#include "sealbox.h"
#include "sigv4.h"
#include "store_sealed.h"
#include "testdb.h"

#define POLICY "{\"Statement\":[]}"
#define DAY_20261130 20787 /* days since 1970-01-01 */

static const envelope_secret_t seal = {(const uint8_t *)"sealing-key-0123456789abcdef", 28};
static const envelope_secret_t other = {(const uint8_t *)"another-key-0123456789abcdef", 28};
static const envelope_secret_t cluster = {(const uint8_t *)"cluster-secret-0123456789", 25};

static void add_key(store_t *s, const char *id, const char *secret, const char *policy,
                    const envelope_secret_t *with)
{
    size_t len;
    uint8_t *sealed = sealbox_seal(with, secret, strlen(secret), &len);
    assert_int_equal(store_accesskey_insert(s, id, sealed, len, "", policy, 1), STORE_OK);
    free(sealed);
}

static void shipped_keys_are_the_key_chain(void **state)
{
    testdb_t *db = *state;
    add_key(db->s, "AKIAINVOKER000000001", "invoker-secret-0123456789", POLICY, &seal);
    add_key(db->s, "AKIAADMINONLY0000002", "admin-secret-0123456789", "", &seal);
    add_key(db->s, "AKIAOTHERSEAL0000003", "other-secret-0123456789", POLICY, &other);
    iam_keys_configure(&seal, &cluster, "eu-west-3");
    arena_t *a = arena_create(16 * 1024);
    Portico__IamSigningKey **keys;
    size_t n;
    assert_int_equal(iam_keys_snapshot(db->s, a, DAY_20261130, &keys, &n), STORE_OK);
    assert_int_equal(n, 3);
    static const char *const dates[] = {"20261129", "20261130", "20261201"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(keys[i]->access_key_id, "AKIAINVOKER000000001");
        assert_string_equal(keys[i]->date, dates[i]);
        assert_string_equal(keys[i]->region, "eu-west-3");
        assert_string_equal(keys[i]->policy, POLICY);
        size_t len;
        char *key = sealbox_open(&cluster, keys[i]->sealed_key.data, keys[i]->sealed_key.len, &len);
        assert_non_null(key);
        assert_int_equal(len, SIGV4_KEY_LEN);
        uint8_t want[SIGV4_KEY_LEN];
        sigv4_signing_key("invoker-secret-0123456789", 25, dates[i], "eu-west-3", "execute-api",
                          want);
        assert_memory_equal(key, want, SIGV4_KEY_LEN);
        sealbox_free(key, len);
    }
    arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(shipped_keys_are_the_key_chain, testdb_setup,
                                        testdb_teardown),
    };
    return cmocka_run_group_tests_name("iam_keys", tests, NULL, NULL);
}
