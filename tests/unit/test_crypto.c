/* test_crypto: the per-thread SHA-256 hasher (common/crypto.h) against FIPS
 * 180-2's vectors and the one-shot crypto_sha256(), reused across calls of
 * every length around the 64-byte block (padding into a second block). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

static const struct {
    const char *name, *in, *hex;
} vectors[] = {
    {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"two blocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"api key", "Lz8sTq3kWm1Xc9VbN2hJrPa5YeUo7GdKfCi0Ql4E", NULL}, /* the one-shot's */
};

static void hashes_vectors(void **state)
{
    (void)state;
    crypto_hasher_t *h = crypto_hasher_create();
    assert_non_null(h);
    for (int round = 0; round < 2; round++) /* the same hasher, reused */
        for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
            uint8_t sha[CRYPTO_SHA256_LEN], one[CRYPTO_SHA256_LEN];
            char hex[2 * CRYPTO_SHA256_LEN + 1];
            crypto_hasher_sha256(h, vectors[i].in, strlen(vectors[i].in), sha);
            crypto_sha256(vectors[i].in, strlen(vectors[i].in), one);
            assert_memory_equal(sha, one, sizeof(sha));
            if (vectors[i].hex != NULL) { /* FIPS 180-2 */
                crypto_hex(sha, sizeof(sha), hex);
                if (strcmp(hex, vectors[i].hex) != 0)
                    fail_msg("%s: %s", vectors[i].name, hex);
            }
        }
    crypto_hasher_destroy(h);
}

static void matches_one_shot_at_every_length(void **state)
{
    (void)state;
    crypto_hasher_t *h = crypto_hasher_create();
    assert_non_null(h);
    char buf[300];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)('a' + i % 26);
    for (size_t len = 0; len <= sizeof(buf); len++) {
        uint8_t sha[CRYPTO_SHA256_LEN], one[CRYPTO_SHA256_LEN];
        crypto_hasher_sha256(h, buf, len, sha);
        crypto_sha256(buf, len, one);
        if (memcmp(sha, one, sizeof(sha)) != 0)
            fail_msg("length %zu differs", len);
    }
    crypto_hasher_destroy(h);
    crypto_hasher_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(hashes_vectors),
                                       cmocka_unit_test(matches_one_shot_at_every_length)};
    return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
