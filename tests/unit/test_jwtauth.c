/* Unit tests for common/jwtauth.h: tokens signed here with libjwt and keys
 * made with OpenSSL; the algorithm is pinned by the key (none, confusion
 * and curve mix-ups refused), claims are checked with leeway, scopes read
 * from scope or scp. Signatures are checked by jwtauth's own OpenSSL code:
 * libjwt's jwt_decode is the oracle for every single-character tampering of
 * tokens of each algorithm, and tokens made by PyJWT (jwt_pyjwt_vectors.h)
 * must verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtauth.h"
#include "jwt_pyjwt_vectors.h"

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
    for (size_t i = 0; i < 4; i++)
        if (jwtauth_key_load(&keys[i]) != 0)
            return -1;
    return 0;
}

static int teardown(void **state)
{
    for (size_t i = 0; i < 4; i++)
        jwtauth_key_unload(&keys[i]);
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

static void unloaded_keys_verify_the_same(void **state)
{
    /* keys never loaded are parsed on every call, with the same verdicts */
    jwtauth_key_t raw[4];
    memcpy(raw, keys, sizeof(raw));
    for (size_t i = 0; i < 4; i++)
        raw[i].pkey = NULL;
    jwtauth_config_t c2 = {ISS, audience, 2, raw, 4};
    const char *c = CLAIMS "}";
    char *good = sign(JWT_ALG_ES384, ec384.priv, strlen(ec384.priv), "ec384", c);
    char *bad = sign(JWT_ALG_RS256, rsa.priv, strlen(rsa.priv), NULL, c);
    bad[strlen(bad) - 4] = bad[strlen(bad) - 4] == 'A' ? 'B' : 'A';
    assert_int_equal(jwtauth_verify(&c2, good, strlen(good), NOW, NULL), 0);
    assert_int_equal(jwtauth_verify(&c2, bad, strlen(bad), NOW, NULL), JWTAUTH_BAD_SIGNATURE);
    free(good);
    free(bad);
}

static void key_load_checks_the_key_type(void **state)
{
    static const struct {
        const char *kty, *crv;
        const keypair_t *pair;
        int want;
    } cases[] = {
        {"RSA", NULL, &rsa, 0},      {"RSA", NULL, &ec256, -1}, {"EC", "P-256", &ec256, 0},
        {"EC", "P-256", &ec384, -1}, {"EC", "P-384", &rsa, -1}, {"EC", "P-384", &ec384, 0},
        {"oct", NULL, &rsa, 0}, /* a secret is any bytes */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        jwtauth_key_t k = {"k", jwtauth_key_algs(cases[i].kty, cases[i].crv, NULL),
                           (const unsigned char *)cases[i].pair->pub, strlen(cases[i].pair->pub)};
        if (jwtauth_key_load(&k) != cases[i].want)
            fail_msg("case %zu: want %d", i, cases[i].want);
        assert_true(cases[i].want == 0 || k.pkey == NULL);
        jwtauth_key_unload(&k);
    }
    jwtauth_key_t junk = {"k", jwtauth_key_algs("RSA", NULL, NULL),
                          (const unsigned char *)"not a key", 9};
    assert_int_equal(jwtauth_key_load(&junk), -1);
}

/* libjwt's verdict on token with key: 1 when it verifies under alg. */
static int libjwt_accepts(const char *token, const char *key, jwt_alg_t alg)
{
    jwt_t *jwt = NULL;
    int ok = jwt_decode(&jwt, token, (const unsigned char *)key, (int)strlen(key)) == 0 &&
             jwt_get_alg(jwt) == alg;
    jwt_free(jwt);
    return ok;
}

static void agrees_with_libjwt_on_tampered_tokens(void **state)
{
    static const char alphabet[] = "AQgw-_";
    const char *c = CLAIMS "}";
    const struct {
        jwt_alg_t alg;
        const char *priv, *pub, *kid;
    } signers[] = {
        {JWT_ALG_RS256, rsa.priv, rsa.pub, "rsa"},
        {JWT_ALG_RS512, rsa.priv, rsa.pub, NULL},
        {JWT_ALG_ES256, ec256.priv, ec256.pub, NULL},
        {JWT_ALG_ES384, ec384.priv, ec384.pub, "ec384"},
        {JWT_ALG_HS256, hmac, hmac, "hs"},
    };
    size_t checked = 0, accepted = 0;
    for (size_t s = 0; s < sizeof(signers) / sizeof(signers[0]); s++) {
        char *token =
            sign(signers[s].alg, signers[s].priv, strlen(signers[s].priv), signers[s].kid, c);
        size_t len = strlen(token);
        for (size_t i = 0; i < len; i += 3) {
            /* the last character of a part may only carry padding bits */
            if (token[i] == '.' || i + 1 == len || token[i + 1] == '.')
                continue;
            char *t = strdup(token);
            t[i] = alphabet[(strchr(alphabet, t[i]) != NULL ? 1 : 0) + (i % 4)];
            if (t[i] == token[i])
                t[i] = t[i] == 'A' ? 'B' : 'A';
            int ours = jwtauth_verify(&cfg, t, len, NOW, NULL) == 0;
            int theirs = libjwt_accepts(t, signers[s].pub, signers[s].alg);
            if (ours != theirs)
                fail_msg("%s at %zu: jwtauth %d, libjwt %d", t, i, ours, theirs);
            checked++;
            accepted += ours;
            free(t);
        }
        assert_int_equal(jwtauth_verify(&cfg, token, len, NOW, NULL), 0);
        assert_true(libjwt_accepts(token, signers[s].pub, signers[s].alg));
        free(token);
    }
    assert_true(checked > 500);
    assert_int_equal(accepted, 0);
}

static void verifies_pyjwt_tokens(void **state)
{
    jwtauth_key_t pk[] = {
        {"rsa", jwtauth_key_algs("RSA", NULL, NULL), (const unsigned char *)pyjwt_rsa_pub,
         strlen(pyjwt_rsa_pub)},
        {"ec256", jwtauth_key_algs("EC", "P-256", NULL), (const unsigned char *)pyjwt_ec256_pub,
         strlen(pyjwt_ec256_pub)},
        {"ec384", jwtauth_key_algs("EC", "P-384", NULL), (const unsigned char *)pyjwt_ec384_pub,
         strlen(pyjwt_ec384_pub)},
        {"ec521", jwtauth_key_algs("EC", "P-521", NULL), (const unsigned char *)pyjwt_ec521_pub,
         strlen(pyjwt_ec521_pub)},
        {"hs", jwtauth_key_algs("oct", NULL, NULL), (const unsigned char *)pyjwt_hs_secret,
         strlen(pyjwt_hs_secret)},
    };
    size_t n = sizeof(pk) / sizeof(pk[0]);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(jwtauth_key_load(&pk[i]), 0);
    jwtauth_config_t pc = {ISS, audience, 2, pk, n};
    for (size_t i = 0; i < sizeof(pyjwt_tokens) / sizeof(pyjwt_tokens[0]); i++) {
        const char *tok = pyjwt_tokens[i].token;
        size_t len = strlen(tok);
        int rc = jwtauth_verify(&pc, tok, len, NOW, NULL);
        if (rc != 0)
            fail_msg("PyJWT %s: %s", pyjwt_tokens[i].alg, jwtauth_strerror(rc));
        char *t = strdup(tok);
        t[len - 5] = t[len - 5] == 'A' ? 'B' : 'A'; /* tamper with the signature */
        assert_int_equal(jwtauth_verify(&pc, t, len, NOW, NULL), JWTAUTH_BAD_SIGNATURE);
        size_t mid = (size_t)(strchr(t, '.') - t) + 3; /* and with the payload */
        strcpy(t, tok);
        t[mid] = t[mid] == 'A' ? 'B' : 'A';
        assert_int_not_equal(jwtauth_verify(&pc, t, len, NOW, NULL), 0);
        free(t);
    }
    for (size_t i = 0; i < n; i++)
        jwtauth_key_unload(&pk[i]);
}

static char *b64url(const unsigned char *in, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(n * 4 / 3 + 4), *p = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        *p++ = abc[v >> 18 & 63];
        *p++ = abc[v >> 12 & 63];
        if (i + 1 < n)
            *p++ = abc[v >> 6 & 63];
        if (i + 2 < n)
            *p++ = abc[v & 63];
    }
    *p = '\0';
    return out;
}

/* An HS256 token with exactly this header, signed with the oct key. */
static char *hs256_with_header(const char *header, const char *claims)
{
    char *h = b64url((const unsigned char *)header, strlen(header));
    char *c = b64url((const unsigned char *)claims, strlen(claims));
    char msg[2048];
    snprintf(msg, sizeof(msg), "%s.%s", h, c);
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), hmac, (int)strlen(hmac), (const unsigned char *)msg, strlen(msg), mac, &len);
    char *sig = b64url(mac, len);
    char *token = malloc(strlen(msg) + strlen(sig) + 2);
    sprintf(token, "%s.%s", msg, sig);
    free(h);
    free(c);
    free(sig);
    return token;
}

static void typ_as_libjwt_checks_it(void **state)
{
    static const struct {
        const char *header;
        int want;
    } cases[] = {
        {"{\"alg\":\"HS256\",\"kid\":\"hs\"}", 0},
        {"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"hs\"}", 0},
        {"{\"alg\":\"HS256\",\"typ\":\"jwt\",\"kid\":\"hs\"}", 0},
        {"{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"hs\"}", JWTAUTH_BAD_SIGNATURE},
        {"{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", JWTAUTH_BAD_SIGNATURE},
        {"{\"alg\":\"HS256\",\"typ\":7,\"kid\":\"hs\"}", 0},
    };
    const char *c = CLAIMS "}";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *t = hs256_with_header(cases[i].header, c);
        int ours = jwtauth_verify(&cfg, t, strlen(t), NOW, NULL);
        jwt_t *jwt = NULL;
        int theirs = jwt_decode(&jwt, t, (const unsigned char *)hmac, (int)strlen(hmac));
        jwt_free(jwt);
        if (ours != cases[i].want || (ours == 0) != (theirs == 0))
            fail_msg("%s: jwtauth %d, libjwt %d, want %d", cases[i].header, ours, theirs,
                     cases[i].want);
        free(t);
    }
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
        cmocka_unit_test(unloaded_keys_verify_the_same),
        cmocka_unit_test(key_load_checks_the_key_type),
        cmocka_unit_test(agrees_with_libjwt_on_tampered_tokens),
        cmocka_unit_test(verifies_pyjwt_tokens),
        cmocka_unit_test(typ_as_libjwt_checks_it),
        cmocka_unit_test(checks_time_issuer_audience),
        cmocka_unit_test(scopes),
        cmocka_unit_test(key_algorithms),
        cmocka_unit_test(base64url),
    };
    return cmocka_run_group_tests_name("jwtauth", tests, setup, teardown);
}
