/* Unit tests for common/jwk.h: JWKS conversion (RSA and EC keys to PEM,
 * checked by OpenSSL; what is left out), OIDC discovery, fetchable URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwk.h"

static void b64url(const unsigned char *in, size_t len, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < len ? in[i + 2] : 0);
        out[n++] = abc[v >> 18];
        out[n++] = abc[(v >> 12) & 63];
        if (i + 1 < len)
            out[n++] = abc[(v >> 6) & 63];
        if (i + 2 < len)
            out[n++] = abc[v & 63];
    }
    out[n] = '\0';
}

static void bn_param(EVP_PKEY *k, const char *name, char *out)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
    int n = BN_bn2bin(bn, buf);
    b64url(buf, (size_t)n, out);
    BN_free(bn);
}

static json_t *convert(const char *jwks, int *skipped)
{
    json_t *keys = NULL;
    char err[256];
    if (jwk_convert_set(jwks, strlen(jwks), &keys, skipped, err, sizeof(err)) != 0)
        fail_msg("convert: %s", err);
    return keys;
}

static void converts_rsa_and_sorts(void **state)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    char n[1024], e[16], jwks[4096];
    bn_param(k, OSSL_PKEY_PARAM_RSA_N, n);
    bn_param(k, OSSL_PKEY_PARAM_RSA_E, e);
    EVP_PKEY_free(k);
    snprintf(jwks, sizeof(jwks),
             "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"z\", \"n\": \"%s\", \"e\": \"%s\"},"
             "{\"kty\": \"oct\", \"kid\": \"a\", \"k\": \"c2VjcmV0\", \"alg\": \"HS256\"},"
             "{\"kty\": \"RSA\", \"kid\": \"enc\", \"use\": \"enc\", \"n\": \"%s\", \"e\": \"%s\"},"
             "{\"kty\": \"RSA\", \"kid\": \"weak\", \"n\": \"AQAB\", \"e\": \"AQAB\"},"
             "{\"kty\": \"OKP\", \"kid\": \"ed\", \"crv\": \"Ed25519\", \"x\": \"AAAA\"}]}",
             n, e, n, e);
    int skipped;
    json_t *keys = convert(jwks, &skipped);
    /* the symmetric (oct) key is left out: a JWKS URL never supplies a shared secret */
    assert_int_equal(skipped, 4);
    assert_int_equal(json_array_size(keys), 1);
    json_t *rsa = json_array_get(keys, 0);
    assert_string_equal(json_string_value(json_object_get(rsa, "kid")), "z");
    assert_non_null(strstr(json_string_value(json_object_get(rsa, "pem")), "BEGIN PUBLIC KEY"));
    json_decref(keys);
}

static void converts_ec_and_refuses_points_off_the_curve(void **state)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    unsigned char point[65];
    size_t len;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &len), 1);
    EVP_PKEY_free(k);
    char x[64], y[64], jwks[512];
    b64url(point + 1, 32, x);
    b64url(point + 33, 32, y);
    snprintf(jwks, sizeof(jwks),
             "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"e\", \"x\": \"%s\", "
             "\"y\": \"%s\"}]}",
             x, y);
    int skipped;
    json_t *keys = convert(jwks, &skipped);
    assert_int_equal(json_array_size(keys), 1);
    json_decref(keys);
    point[40] ^= 1; /* y no longer matches x */
    b64url(point + 33, 32, y);
    snprintf(jwks, sizeof(jwks),
             "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"e\", \"x\": \"%s\", "
             "\"y\": \"%s\"}]}",
             x, y);
    char err[256];
    assert_int_equal(jwk_convert_set(jwks, strlen(jwks), &keys, &skipped, err, sizeof(err)), -1);
    assert_int_equal(skipped, 1);
}

static void refuses_documents(void **state)
{
    static const char *const bad[] = {
        "", "[]", "{\"keys\": {}}", "{\"keys\": []}", "{\"keys\": [{\"kty\": \"RSA\"}]}", NULL};
    json_t *keys;
    int skipped;
    char err[256];
    for (const char *const *b = bad; *b != NULL; b++)
        if (jwk_convert_set(*b, strlen(*b), &keys, &skipped, err, sizeof(err)) == 0)
            fail_msg("accepted: %s", *b);
}

static void discovery(void **state)
{
    char err[256];
    const char *doc =
        "{\"issuer\": \"https://id.example\", \"jwks_uri\": \"https://id.example/k\"}";
    char *uri = jwk_discovery_jwks_uri(doc, strlen(doc), "https://id.example", err, sizeof(err));
    assert_string_equal(uri, "https://id.example/k");
    free(uri);
    assert_null(jwk_discovery_jwks_uri(doc, strlen(doc), "https://other", err, sizeof(err)));
    const char *plain = "{\"issuer\": \"https://id.example\", \"jwks_uri\": \"http://evil/k\"}";
    assert_null(
        jwk_discovery_jwks_uri(plain, strlen(plain), "https://id.example", err, sizeof(err)));
}

static void fetchable_urls(void **state)
{
    static const struct {
        const char *url;
        int ok;
    } cases[] = {
        {"https://id.example/x", 1},   {"http://127.0.0.1:8080/x", 1},
        {"http://localhost/x", 1},     {"http://[::1]:9/x", 1},
        {"http://127.5.6.7", 1},       {"http://id.example/x", 0},
        {"http://127.0.0.1.evil/", 0}, {"http://127.0.0.1@evil/", 0},
        {"ftp://127.0.0.1/", 0},       {"https://", 0},
        {"file:///etc/passwd", 0},     {"http://127.0.0.1:1@evil.example/x", 0},
        {"http://localhost@evil/", 0}, {"https://u:p@id.example/", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (jwk_url_allowed(cases[i].url) != cases[i].ok)
            fail_msg("%s: %d, want %d", cases[i].url, !cases[i].ok, cases[i].ok);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(converts_rsa_and_sorts),
        cmocka_unit_test(converts_ec_and_refuses_points_off_the_curve),
        cmocka_unit_test(refuses_documents),
        cmocka_unit_test(discovery),
        cmocka_unit_test(fetchable_urls),
    };
    return cmocka_run_group_tests_name("jwk", tests, NULL, NULL);
}
