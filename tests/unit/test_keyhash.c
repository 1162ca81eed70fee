/* test_keyhash: SipHash-2-4 (common/keyhash.h) against OpenSSL's SIPHASH MAC
 * (8-byte output, 2 and 4 rounds) at every length across several 8-byte
 * words, the paper's first vector, and the process key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "keyhash.h"

/* OpenSSL's SipHash-2-4 of data under key, as a little-endian 64-bit value */
static uint64_t openssl_siphash(const uint8_t key[16], const void *data, size_t len)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    size_t size = 8, out_len = 0;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_END};
    uint8_t out[8];
    assert_non_null(ctx);
    assert_int_equal(EVP_MAC_init(ctx, key, 16, params), 1);
    assert_int_equal(EVP_MAC_update(ctx, data, len), 1);
    assert_int_equal(EVP_MAC_final(ctx, out, &out_len, sizeof(out)), 1);
    assert_int_equal(out_len, 8);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | out[i];
    return v;
}

static void key_0_to_15(uint8_t key[16])
{
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
}

static void paper_first_vector(void **state)
{
    (void)state;
    uint8_t key[16];
    key_0_to_15(key);
    /* the empty message under key 00 01 ... 0f (the reference's vectors.h) */
    assert_true(keyhash_siphash(key, "", 0) == 0x726fdb47dd0e0e31ULL);
}

static void matches_openssl_at_every_length(void **state)
{
    (void)state;
    uint8_t key[16], msg[70];
    key_0_to_15(key);
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)i;
    for (size_t len = 0; len <= sizeof(msg); len++)
        if (keyhash_siphash(key, msg, len) != openssl_siphash(key, msg, len))
            fail_msg("length %zu differs", len);
    key[3] ^= 0x80; /* another key, every length again */
    for (size_t len = 0; len <= sizeof(msg); len++)
        if (keyhash_siphash(key, msg, len) != openssl_siphash(key, msg, len))
            fail_msg("length %zu differs under the second key", len);
}

static void process_key_is_fixed_and_not_zero(void **state)
{
    (void)state;
    static const uint8_t zero[16];
    uint64_t a = keyhash("cache key", 9);
    assert_true(keyhash("cache key", 9) == a);
    assert_true(keyhash("cache kez", 9) != a);
    assert_true(keyhash_siphash(zero, "cache key", 9) != a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(paper_first_vector),
                                       cmocka_unit_test(matches_openssl_at_every_length),
                                       cmocka_unit_test(process_key_is_fixed_and_not_zero)};
    return cmocka_run_group_tests_name("keyhash", tests, NULL, NULL);
}
