/* libFuzzer target: bearer tokens against jwtauth_verify with RSA, EC and
 * HMAC keys — the header/payload decoding, key choice and claim checks must
 * never crash, leak or accept an unsigned token. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwtauth.h"

static jwtauth_key_t keys[3];
static const char *const audience[] = {"api"};
static jwtauth_config_t cfg = {"https://issuer.example", audience, 1, keys, 3};

static char *public_pem(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, k);
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(bio);
    EVP_PKEY_free(k);
    return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *rsa = public_pem(EVP_RSA_gen(2048)), *ec = public_pem(EVP_EC_gen("P-256"));
    keys[0] = (jwtauth_key_t){"rsa", jwtauth_key_algs("RSA", NULL, NULL),
                              (const unsigned char *)rsa, strlen(rsa)};
    keys[1] = (jwtauth_key_t){"ec", jwtauth_key_algs("EC", "P-256", NULL),
                              (const unsigned char *)ec, strlen(ec)};
    keys[2] = (jwtauth_key_t){"hs", jwtauth_key_algs("oct", NULL, NULL),
                              (const unsigned char *)"secret-secret-secret", 20};
    for (size_t i = 0; i < 3; i++)
        jwtauth_key_load(&keys[i]); /* parsed once, as the data plane does */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *claims = NULL;
    int rc = jwtauth_verify(&cfg, (const char *)data, size, 1700000000, &claims);
    if (rc == JWTAUTH_OK) {
        if (claims == NULL) /* an accepted token always comes with its claims */
            abort();
        jwtauth_has_scope(claims, audience, 1);
        json_decref(claims);
    }
    size_t n;
    unsigned char *raw = jwtauth_b64url_decode((const char *)data, size, &n);
    free(raw);
    return 0;
}
