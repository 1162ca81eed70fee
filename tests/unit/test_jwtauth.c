/* Unit tests for common/jwtauth.h: tokens signed here with libjwt and keys
 * made with OpenSSL; the algorithm is pinned by the key (none, confusion
 * and curve mix-ups refused), claims are checked with leeway, scopes read
 * from scope or scp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtauth.h"

#define NOW 1700000000
#define ISS "https://issuer.example"

typedef struct {
    char *priv, *pub;
} keypair_t;

static keypair_t rsa, ec256, ec384;
static const char hmac[] = "a-shared-secret-of-thirty-two-by";
static jwtauth_key_t keys[4];
static const char *const audience[] = {"api", "other"};
static jwtauth_config_t cfg = {ISS, audience, 2, keys, 4};

static char *pem_of(EVP_PKEY *k, int private)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (private)
        PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_PUBKEY(bio, k);
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(bio);
    return out;
}

static keypair_t make_pair(EVP_PKEY *k)
{
    keypair_t p = {pem_of(k, 1), pem_of(k, 0)};
    EVP_PKEY_free(k);
    return p;
}

static int setup(void **state)
{
    rsa = make_pair(EVP_RSA_gen(2048));
    ec256 = make_pair(EVP_EC_gen("P-256"));
    ec384 = make_pair(EVP_EC_gen("P-384"));
    keys[0] = (jwtauth_key_t){"rsa", jwtauth_key_algs("RSA", NULL, NULL),
                              (const unsigned char *)rsa.pub, strlen(rsa.pub)};
    keys[1] = (jwtauth_key_t){"ec256", jwtauth_key_algs("EC", "P-256", ""),
                              (const unsigned char *)ec256.pub, strlen(ec256.pub)};
    keys[2] = (jwtauth_key_t){"ec384", jwtauth_key_algs("EC", "P-384", "ES384"),
                              (const unsigned char *)ec384.pub, strlen(ec384.pub)};
    keys[3] = (jwtauth_key_t){"hs", jwtauth_key_algs("oct", NULL, "HS256"),
                              (const unsigned char *)hmac, strlen(hmac)};
    return 0;
}

static int teardown(void **state)
{
    keypair_t *all[] = {&rsa, &ec256, &ec384};
    for (size_t i = 0; i < 3; i++) {
        free(all[i]->priv);
        free(all[i]->pub);
    }
    return 0;
}

/* A token with claims (JSON) signed by alg with key (PEM or secret). */
static char *sign(jwt_alg_t alg, const char *key, size_t key_len, const char *kid,
                  const char *claims)
{
    jwt_t *jwt;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_add_grants_json(jwt, claims), 0);
    if (kid != NULL)
        jwt_add_header(jwt, "kid", kid);
    assert_int_equal(jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)key_len), 0);
    char *token = jwt_encode_str(jwt);
    jwt_free(jwt);
    assert_non_null(token);
    return token;
}

#define CLAIMS "{\"iss\": \"" ISS "\", \"aud\": \"api\", \"sub\": \"u1\", \"exp\": 1700000300"

static int verify(char *token)
{
    int rc = jwtauth_verify(&cfg, token, strlen(token), NOW, NULL);
    free(token);
    return rc;
}

static void accepts_every_supported_algorithm(void **state)
{
    const char *c = CLAIMS "}";
    assert_int_equal(verify(sign(JWT_ALG_RS256, rsa.priv, strlen(rsa.priv), "rsa", c)), 0);
    assert_int_equal(verify(sign(JWT_ALG_RS384, rsa.priv, strlen(rsa.priv), "rsa", c)), 0);
    assert_int_equal(verify(sign(JWT_ALG_RS512, rsa.priv, strlen(rsa.priv), NULL, c)), 0);
    assert_int_equal(verify(sign(JWT_ALG_ES256, ec256.priv, strlen(ec256.priv), "ec256", c)), 0);
    assert_int_equal(verify(sign(JWT_ALG_ES384, ec384.priv, strlen(ec384.priv), "ec384", c)), 0);
    assert_int_equal(verify(sign(JWT_ALG_HS256, hmac, strlen(hmac), "hs", c)), 0);
}

static void refuses_algorithm_tricks(void **state)
{
    const char *c = CLAIMS "}";
    /* the RSA public key as an HMAC secret: classic algorithm confusion */
    assert_int_equal(verify(sign(JWT_ALG_HS256, rsa.pub, strlen(rsa.pub), "rsa", c)),
                     JWTAUTH_BAD_ALG);
    assert_int_equal(verify(sign(JWT_ALG_HS256, rsa.pub, strlen(rsa.pub), NULL, c)),
                     JWTAUTH_BAD_SIGNATURE); /* tried only on the oct key, which fails */
    /* HS384 is not what the oct key's JWK named */
    assert_int_equal(verify(sign(JWT_ALG_HS384, hmac, strlen(hmac), "hs", c)), JWTAUTH_BAD_ALG);
    /* an EC key of the other curve */
    assert_int_equal(verify(sign(JWT_ALG_ES256, ec256.priv, strlen(ec256.priv), "ec384", c)),
                     JWTAUTH_BAD_ALG);
    /* "none", signed or not */
    jwt_t *jwt;
    jwt_new(&jwt);
    jwt_add_grants_json(jwt, c);
    jwt_add_header(jwt, "kid", "rsa");
    char *none = jwt_encode_str(jwt);
    jwt_free(jwt);
    assert_int_equal(verify(none), JWTAUTH_BAD_ALG);
}

static void refuses_bad_keys_and_signatures(void **state)
{
    const char *c = CLAIMS "}";
    assert_int_equal(verify(sign(JWT_ALG_RS256, rsa.priv, strlen(rsa.priv), "gone", c)),
                     JWTAUTH_UNKNOWN_KEY);
    EVP_PKEY *other = EVP_RSA_gen(2048);
    char *other_pem = pem_of(other, 1);
    EVP_PKEY_free(other);
    assert_int_equal(verify(sign(JWT_ALG_RS256, other_pem, strlen(other_pem), "rsa", c)),
                     JWTAUTH_BAD_SIGNATURE);
    free(other_pem);
    char *t = sign(JWT_ALG_RS256, rsa.priv, strlen(rsa.priv), "rsa", c);
    t[strlen(t) - 3] ^= 1; /* flip a signature bit */
    assert_int_not_equal(verify(t), 0);
    static const char *const malformed[] = {"", "a.b", "a.b.c.d", "!!.e30.", "e30.e30.", NULL};
    for (const char *const *m = malformed; *m != NULL; m++)
        assert_int_not_equal(jwtauth_verify(&cfg, *m, strlen(*m), NOW, NULL), 0);
}

static void checks_time_issuer_audience(void **state)
{
    static const struct {
        const char *claims;
        int want;
    } cases[] = {
        {"{\"iss\": \"" ISS "\", \"aud\": \"api\", \"exp\": 1699999990}", 0}, /* leeway */
        {"{\"iss\": \"" ISS "\", \"aud\": \"api\", \"exp\": 1699999900}", JWTAUTH_EXPIRED},
        {"{\"iss\": \"" ISS "\", \"aud\": \"api\"}", JWTAUTH_EXPIRED}, /* exp is required */
        {"{\"iss\": \"" ISS "\", \"aud\": \"api\", \"exp\": \"soon\"}", JWTAUTH_MALFORMED},
        {CLAIMS ", \"nbf\": 1700000020}", 0},
        {CLAIMS ", \"nbf\": 1700000100}", JWTAUTH_NOT_YET_VALID},
        {"{\"iss\": \"https://other\", \"aud\": \"api\", \"exp\": 1700000300}", JWTAUTH_BAD_ISSUER},
        {"{\"aud\": \"api\", \"exp\": 1700000300}", JWTAUTH_BAD_ISSUER},
        {"{\"iss\": \"" ISS "\", \"aud\": \"nope\", \"exp\": 1700000300}", JWTAUTH_BAD_AUDIENCE},
        {"{\"iss\": \"" ISS "\", \"aud\": [\"x\", \"other\"], \"exp\": 1700000300}", 0},
        {"{\"iss\": \"" ISS "\", \"client_id\": \"api\", \"exp\": 1700000300}", 0},
        {"{\"iss\": \"" ISS "\", \"exp\": 1700000300}", JWTAUTH_BAD_AUDIENCE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = verify(sign(JWT_ALG_HS256, hmac, strlen(hmac), "hs", cases[i].claims));
        if (rc != cases[i].want)
            fail_msg("%s: %d (%s), want %d", cases[i].claims, rc, jwtauth_strerror(rc),
                     cases[i].want);
    }
}

static void scopes(void **state)
{
    const char *const want[] = {"pets:write", "admin"};
    json_t *c = json_pack("{s:s}", "scope", "read pets:write");
    assert_true(jwtauth_has_scope(c, want, 2));
    json_object_set_new(c, "scope", json_string("read pets:writer"));
    assert_false(jwtauth_has_scope(c, want, 2));
    json_object_set_new(c, "scp", json_pack("[s,s]", "x", "admin"));
    assert_true(jwtauth_has_scope(c, want, 2));
    assert_true(jwtauth_has_scope(c, NULL, 0));
    json_decref(c);
}

static void key_algorithms(void **state)
{
    assert_int_equal(jwtauth_key_algs("RSA", NULL, "RS384"), 1u << JWT_ALG_RS384);
    assert_int_equal(jwtauth_key_algs("RSA", NULL, "HS256"), 0);
    assert_int_equal(jwtauth_key_algs("RSA", NULL, "rs256"), 0);
    assert_int_equal(jwtauth_key_algs("RSA", NULL, "none"), 0);
    assert_int_equal(jwtauth_key_algs("EC", "P-256", NULL), 1u << JWT_ALG_ES256);
    assert_int_equal(jwtauth_key_algs("EC", "secp256k1", NULL), 0);
    assert_int_equal(jwtauth_key_algs("OKP", "Ed25519", NULL), 0);
}

static void base64url(void **state)
{
    size_t n;
    unsigned char *out = jwtauth_b64url_decode("aGk_", 4, &n);
    assert_non_null(out);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "hi?", 3);
    free(out);
    assert_null(jwtauth_b64url_decode("a", 1, &n));    /* a dangling character */
    assert_null(jwtauth_b64url_decode("aGl=", 4, &n)); /* non-canonical trailing bits */
    assert_null(jwtauth_b64url_decode("a*b", 3, &n));
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_every_supported_algorithm),
        cmocka_unit_test(refuses_algorithm_tricks),
        cmocka_unit_test(refuses_bad_keys_and_signatures),
        cmocka_unit_test(checks_time_issuer_audience),
        cmocka_unit_test(scopes),
        cmocka_unit_test(key_algorithms),
        cmocka_unit_test(base64url),
    };
    return cmocka_run_group_tests_name("jwtauth", tests, setup, teardown);
}
