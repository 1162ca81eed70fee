/* sealbox: OpenSSL EVP AES-256-GCM; the key is HMAC-SHA256(secret, label). */
#include "sealbox.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define SEALBOX_LABEL "portico-sealbox-v1"
#define NONCE_LEN 12
#define TAG_LEN 16

static void sealbox_key(const envelope_secret_t *secret, uint8_t key[32])
{
    crypto_hmac_sha256(secret->data, secret->len, SEALBOX_LABEL, sizeof(SEALBOX_LABEL) - 1, key);
}

uint8_t *sealbox_seal(const envelope_secret_t *secret, const void *data, size_t len,
                      size_t *out_len)
{
    uint8_t key[32];
    uint8_t *out = malloc(len + SEALBOX_OVERHEAD);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, ok = out != NULL && ctx != NULL && len < (size_t)1 << 30;
    sealbox_key(secret, key);
    if (ok) {
        crypto_random(out, NONCE_LEN);
        ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) == 1 &&
             EVP_EncryptUpdate(ctx, out + NONCE_LEN, &n, data, (int)len) == 1 &&
             EVP_EncryptFinal_ex(ctx, out + NONCE_LEN + n, &n) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + NONCE_LEN + len) == 1;
    }
    OPENSSL_cleanse(key, sizeof(key));
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        free(out);
        return NULL;
    }
    *out_len = len + SEALBOX_OVERHEAD;
    return out;
}

char *sealbox_open(const envelope_secret_t *secret, const uint8_t *sealed, size_t len,
                   size_t *out_len)
{
    if (len < SEALBOX_OVERHEAD || len > ((size_t)1 << 30))
        return NULL;
    size_t plain_len = len - SEALBOX_OVERHEAD;
    uint8_t key[32];
    char *out = malloc(plain_len + 1);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, ok = out != NULL && ctx != NULL;
    sealbox_key(secret, key);
    if (ok)
        ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed) == 1 &&
             EVP_DecryptUpdate(ctx, (uint8_t *)out, &n, sealed + NONCE_LEN, (int)plain_len) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
                                 (void *)(sealed + NONCE_LEN + plain_len)) == 1 &&
             EVP_DecryptFinal_ex(ctx, (uint8_t *)out + n, &n) == 1;
    OPENSSL_cleanse(key, sizeof(key));
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        if (out != NULL)
            sealbox_free(out, plain_len);
        return NULL;
    }
    out[plain_len] = '\0';
    *out_len = plain_len;
    return out;
}

void sealbox_free(char *plain, size_t len)
{
    if (plain != NULL)
        OPENSSL_clear_free(plain, len + 1);
}
