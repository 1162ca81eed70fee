/* crypto: thin wrappers over libcrypto with the shapes Portico needs. */
#include "crypto.h"

/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but
 * they are the same code (and the same SHA-NI/AVX dispatch) without EVP's
 * per-call provider context allocation: the hasher below uses them. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    SHA256(data, len, out);
}

void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                        uint8_t out[CRYPTO_SHA256_LEN])
{
    unsigned int out_len = CRYPTO_SHA256_LEN;
    HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len);
}

struct crypto_hasher {
    SHA256_CTX ctx;
};

crypto_hasher_t *crypto_hasher_create(void)
{
    return calloc(1, sizeof(crypto_hasher_t));
}

void crypto_hasher_destroy(crypto_hasher_t *h)
{
    if (h == NULL)
        return;
    OPENSSL_cleanse(h, sizeof(*h));
    free(h);
}

void crypto_hasher_sha256(crypto_hasher_t *h, const void *data, size_t len,
                          uint8_t out[CRYPTO_SHA256_LEN])
{
    /* SHA256_Final wipes its input block: no key bytes stay in the context */
    if (SHA256_Init(&h->ctx) != 1 || SHA256_Update(&h->ctx, data, len) != 1 ||
        SHA256_Final(out, &h->ctx) != 1) {
        fputs("portico: SHA-256 failed\n", stderr);
        abort(); /* cannot happen: the low-level functions only check for NULL */
    }
}

int crypto_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (a_len != b_len)
        return 0;
    return CRYPTO_memcmp(a, b, a_len) == 0;
}

void crypto_random(void *buf, size_t len)
{
    if (RAND_bytes(buf, (int)len) != 1) {
        fputs("portico: the random number generator failed\n", stderr);
        abort();
    }
}

static void crypto_random_from(char *out, size_t len, const char *alphabet, unsigned n)
{
    /* rejection sampling keeps every character equally likely */
    unsigned limit = 256 - 256 % n;
    size_t i = 0;
    while (i < len) {
        uint8_t buf[64];
        crypto_random(buf, sizeof(buf));
        for (size_t j = 0; j < sizeof(buf) && i < len; j++)
            if (buf[j] < limit)
                out[i++] = alphabet[buf[j] % n];
    }
    out[len] = '\0';
}

void crypto_random_id(char *out, size_t len)
{
    crypto_random_from(out, len, "abcdefghijklmnopqrstuvwxyz0123456789", 36);
}

void crypto_random_token(char *out, size_t len)
{
    crypto_random_from(out, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                       62);
}

void crypto_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

void crypto_uuid4(char out[37])
{
    uint8_t b[16];
    crypto_random(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}
