/* jwtauth: the header is read here first (alg, kid) to pick the key and pin
 * the algorithm; OpenSSL then checks the signature with the key parsed at
 * snapshot compile (what libjwt 1.10 does, without reading the PEM again on
 * every call); the claims are checked from the decoded payload. */
#include "jwtauth.h"

#include <jwt.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALG(a) (1u << (a))
#define ALGS_RS (ALG(JWT_ALG_RS256) | ALG(JWT_ALG_RS384) | ALG(JWT_ALG_RS512))
#define ALGS_HS (ALG(JWT_ALG_HS256) | ALG(JWT_ALG_HS384) | ALG(JWT_ALG_HS512))

static const struct {
    const char *kty;
    const char *crv; /* NULL: any */
    jwtauth_algs_t algs;
} jwtauth_key_kinds[] = {
    {"RSA", NULL, ALGS_RS},
    {"EC", "P-256", ALG(JWT_ALG_ES256)},
    {"EC", "P-384", ALG(JWT_ALG_ES384)},
    {"EC", "P-521", ALG(JWT_ALG_ES512)},
    {"oct", NULL, ALGS_HS},
};

jwtauth_algs_t jwtauth_key_algs(const char *kty, const char *crv, const char *alg)
{
    jwtauth_algs_t algs = 0;
    for (size_t i = 0; i < sizeof(jwtauth_key_kinds) / sizeof(jwtauth_key_kinds[0]); i++)
        if (kty != NULL && strcmp(kty, jwtauth_key_kinds[i].kty) == 0 &&
            (jwtauth_key_kinds[i].crv == NULL ||
             (crv != NULL && strcmp(crv, jwtauth_key_kinds[i].crv) == 0)))
            algs = jwtauth_key_kinds[i].algs;
    if (alg == NULL || alg[0] == '\0')
        return algs;
    jwt_alg_t a = jwt_str_alg(alg);
    /* jwt_str_alg ignores case; JWS names are case-sensitive */
    if (a == JWT_ALG_INVAL || a == JWT_ALG_NONE || strcmp(jwt_alg_str(a), alg) != 0)
        return 0;
    return algs & ALG(a);
}

unsigned char *jwtauth_b64url_decode(const char *in, size_t len, size_t *out_len)
{
    unsigned char *out = malloc(len * 3 / 4 + 3);
    if (out == NULL)
        return NULL;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    while (len > 0 && in[len - 1] == '=')
        len--;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-' || c == '+' ? 62
                : c == '_' || c == '/' ? 63
                                       : -1;
        if (v < 0)
            goto bad;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
        goto bad; /* a dangling character or non-canonical trailing bits */
    *out_len = n;
    return out;
bad:
    free(out);
    return NULL;
}

static json_t *b64_json(const char *in, size_t len)
{
    size_t n;
    unsigned char *raw = jwtauth_b64url_decode(in, len, &n);
    if (raw == NULL)
        return NULL;
    json_t *doc = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (doc != NULL && !json_is_object(doc)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* The keys the header may use: by kid when given, else every key allowing alg. */
static int key_candidate(const jwtauth_key_t *k, const char *kid, jwt_alg_t alg)
{
    if (kid != NULL && strcmp(k->kid, kid) != 0)
        return 0;
    return (k->algs & ALG(alg)) != 0;
}

#define ALGS_ES (ALG(JWT_ALG_ES256) | ALG(JWT_ALG_ES384) | ALG(JWT_ALG_ES512))

static const EVP_MD *alg_md(jwt_alg_t alg)
{
    switch (alg) {
    case JWT_ALG_HS256:
    case JWT_ALG_RS256:
    case JWT_ALG_ES256:
        return EVP_sha256();
    case JWT_ALG_HS384:
    case JWT_ALG_RS384:
    case JWT_ALG_ES384:
        return EVP_sha384();
    case JWT_ALG_HS512:
    case JWT_ALG_RS512:
    case JWT_ALG_ES512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

/* A public key whose type fits algs (RSA for RS*, EC of the right size for
 * ES*), or NULL. */
static EVP_PKEY *parse_public_key(const unsigned char *pem, size_t len, jwtauth_algs_t algs)
{
    if (len == 0 || len > INT_MAX || (algs & (ALGS_RS | ALGS_ES)) == 0 || (algs & ALGS_HS) != 0)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (pkey == NULL)
        return NULL;
    int ok;
    if ((algs & ALGS_ES) == 0)
        ok = EVP_PKEY_get_id(pkey) == EVP_PKEY_RSA;
    else {
        int bits = EVP_PKEY_get_bits(pkey);
        jwtauth_algs_t want = bits == 256   ? ALG(JWT_ALG_ES256)
                              : bits == 384 ? ALG(JWT_ALG_ES384)
                              : bits == 521 ? ALG(JWT_ALG_ES512)
                                            : 0;
        ok = EVP_PKEY_get_id(pkey) == EVP_PKEY_EC && (algs & ~want) == 0;
    }
    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

int jwtauth_key_load(jwtauth_key_t *k)
{
    k->pkey = NULL;
    if ((k->algs & ALGS_HS) != 0)
        return (k->algs & ~ALGS_HS) == 0 && k->key_len > 0 ? 0 : -1;
    k->pkey = parse_public_key(k->key, k->key_len, k->algs);
    return k->pkey != NULL ? 0 : -1;
}

void jwtauth_key_unload(jwtauth_key_t *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
}

static int verify_hmac(const jwtauth_key_t *k, const EVP_MD *md, const char *msg, size_t msg_len,
                       const unsigned char *sig, size_t sig_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (k->key_len > INT_MAX || HMAC(md, k->key, (int)k->key_len, (const unsigned char *)msg,
                                     msg_len, mac, &mac_len) == NULL)
        return 0;
    return sig_len == mac_len && CRYPTO_memcmp(mac, sig, mac_len) == 0;
}

/* JWS ECDSA signatures are r||s, each the curve's size in bytes; OpenSSL
 * wants DER. *der is malloc'd. */
static int ecdsa_der(EVP_PKEY *pkey, const unsigned char *sig, size_t sig_len, unsigned char **der,
                     size_t *der_len)
{
    size_t half = ((size_t)EVP_PKEY_get_bits(pkey) + 7) / 8;
    if (half == 0 || sig_len != 2 * half)
        return -1;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)half, NULL), *s = BN_bin2bn(sig + half, (int)half, NULL);
    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return -1;
    }
    *der = NULL;
    int n = i2d_ECDSA_SIG(es, der);
    ECDSA_SIG_free(es);
    if (n <= 0)
        return -1;
    *der_len = (size_t)n;
    return 0;
}

static int verify_public(EVP_PKEY *pkey, jwt_alg_t alg, const EVP_MD *md, const char *msg,
                         size_t msg_len, const unsigned char *sig, size_t sig_len)
{
    unsigned char *der = NULL;
    if ((ALG(alg) & ALGS_ES) != 0) {
        if (ecdsa_der(pkey, sig, sig_len, &der, &sig_len) != 0)
            return 0;
        sig = der;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)msg, msg_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

/* 1 when sig is k's signature of msg under alg (already one k allows). */
static int key_verifies(const jwtauth_key_t *k, jwt_alg_t alg, const char *msg, size_t msg_len,
                        const unsigned char *sig, size_t sig_len)
{
    const EVP_MD *md = alg_md(alg);
    if (md == NULL)
        return 0;
    if ((ALG(alg) & ALGS_HS) != 0)
        return verify_hmac(k, md, msg, msg_len, sig, sig_len);
    EVP_PKEY *pkey = k->pkey != NULL ? k->pkey : parse_public_key(k->key, k->key_len, k->algs);
    int ok = pkey != NULL && verify_public(pkey, alg, md, msg, msg_len, sig, sig_len);
    if (pkey != k->pkey)
        EVP_PKEY_free(pkey);
    return ok;
}

/* token[0, msg_len) is the signing input, sig the decoded signature. */
static int verify_signature(const jwtauth_config_t *cfg, const char *msg, size_t msg_len,
                            const unsigned char *sig, size_t sig_len, json_t *header)
{
    const char *alg_name = json_string_value(json_object_get(header, "alg"));
    json_t *kid_v = json_object_get(header, "kid");
    if (alg_name == NULL || (kid_v != NULL && !json_is_string(kid_v)))
        return JWTAUTH_MALFORMED;
    jwt_alg_t alg = jwt_str_alg(alg_name);
    if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE || strcmp(jwt_alg_str(alg), alg_name) != 0)
        return JWTAUTH_BAD_ALG;
    const char *kid = json_string_value(kid_v);
    /* libjwt 1.10 refuses a typ other than JWT (any case): so do we, the
     * way it did (no key verifies such a token) */
    const char *typ = json_string_value(json_object_get(header, "typ"));
    int typ_ok = typ == NULL || strcasecmp(typ, "JWT") == 0;
    int known_kid = 0, tried = 0;
    for (size_t i = 0; i < cfg->nkeys; i++) {
        const jwtauth_key_t *k = &cfg->keys[i];
        known_kid |= kid != NULL && strcmp(k->kid, kid) == 0;
        if (!key_candidate(k, kid, alg))
            continue;
        tried = 1;
        if (typ_ok && key_verifies(k, alg, msg, msg_len, sig, sig_len))
            return JWTAUTH_OK;
    }
    if (tried)
        return JWTAUTH_BAD_SIGNATURE;
    return kid != NULL && !known_kid ? JWTAUTH_UNKNOWN_KEY : JWTAUTH_BAD_ALG;
}

/* A NumericDate claim: absent → 0 with *present = 0; not a number → -1. */
static int numeric_claim(json_t *claims, const char *name, double *v, int *present)
{
    json_t *c = json_object_get(claims, name);
    *present = c != NULL;
    if (c == NULL)
        return 0;
    if (!json_is_number(c))
        return -1;
    *v = json_number_value(c);
    return 0;
}

static int string_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

static int audience_ok(const jwtauth_config_t *cfg, json_t *claims)
{
    json_t *aud = json_object_get(claims, "aud");
    if (aud == NULL) /* Cognito access tokens carry client_id instead */
        return string_in(json_string_value(json_object_get(claims, "client_id")), cfg->audience,
                         cfg->naudience);
    if (json_is_string(aud))
        return string_in(json_string_value(aud), cfg->audience, cfg->naudience);
    size_t i;
    json_t *v;
    json_array_foreach(
        aud, i, v) if (string_in(json_string_value(v), cfg->audience, cfg->naudience)) return 1;
    return 0;
}

static int check_claims(const jwtauth_config_t *cfg, json_t *claims, int64_t now)
{
    double exp = 0, nbf = 0;
    int has_exp, has_nbf;
    if (numeric_claim(claims, "exp", &exp, &has_exp) != 0 ||
        numeric_claim(claims, "nbf", &nbf, &has_nbf) != 0)
        return JWTAUTH_MALFORMED;
    if (!has_exp || (double)now > exp + JWTAUTH_LEEWAY_S)
        return JWTAUTH_EXPIRED;
    if (has_nbf && (double)now + JWTAUTH_LEEWAY_S < nbf)
        return JWTAUTH_NOT_YET_VALID;
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (iss == NULL || strcmp(iss, cfg->issuer) != 0)
        return JWTAUTH_BAD_ISSUER;
    return audience_ok(cfg, claims) ? JWTAUTH_OK : JWTAUTH_BAD_AUDIENCE;
}

int jwtauth_verify(const jwtauth_config_t *cfg, const char *token, size_t len, int64_t now,
                   json_t **claims)
{
    if (len == 0 || len > JWTAUTH_MAX_TOKEN || memchr(token, '\0', len) != NULL)
        return JWTAUTH_MALFORMED;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 =
        dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
        return JWTAUTH_MALFORMED; /* exactly three parts (no JWE) */
    json_t *header = b64_json(token, (size_t)(dot1 - token));
    json_t *payload = b64_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    size_t sig_len = 0;
    unsigned char *sig =
        jwtauth_b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), &sig_len);
    int rc = header == NULL || payload == NULL || sig == NULL
                 ? JWTAUTH_MALFORMED
                 : verify_signature(cfg, token, (size_t)(dot2 - token), sig, sig_len, header);
    if (rc == JWTAUTH_OK)
        rc = check_claims(cfg, payload, now);
    free(sig);
    json_decref(header);
    if (rc == JWTAUTH_OK && claims != NULL)
        *claims = payload;
    else
        json_decref(payload);
    return rc;
}

static int scope_listed(json_t *claims, const char *scope)
{
    const char *s = json_string_value(json_object_get(claims, "scope"));
    size_t slen = strlen(scope);
    while (s != NULL && *s != '\0') {
        size_t n = strcspn(s, " ");
        if (n == slen && memcmp(s, scope, n) == 0)
            return 1;
        s += n + (s[n] == ' ');
    }
    json_t *scp = json_object_get(claims, "scp");
    if (json_is_string(scp))
        return strcmp(json_string_value(scp), scope) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(scp, i, v) if (json_is_string(v) &&
                                      strcmp(json_string_value(v), scope) == 0) return 1;
    return 0;
}

int jwtauth_has_scope(json_t *claims, const char *const *scopes, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (scope_listed(claims, scopes[i]))
            return 1;
    return 0;
}

const char *jwtauth_strerror(int rc)
{
    static const char *const messages[] = {
        [-JWTAUTH_OK] = "ok",
        [-JWTAUTH_MALFORMED] = "the token is malformed",
        [-JWTAUTH_BAD_ALG] = "the token's algorithm is not allowed for the issuer's keys",
        [-JWTAUTH_UNKNOWN_KEY] = "the token is signed by an unknown key",
        [-JWTAUTH_BAD_SIGNATURE] = "the signature does not verify",
        [-JWTAUTH_EXPIRED] = "the token has expired",
        [-JWTAUTH_NOT_YET_VALID] = "the token is not valid yet",
        [-JWTAUTH_BAD_ISSUER] = "the token's issuer is not accepted",
        [-JWTAUTH_BAD_AUDIENCE] = "the token's audience is not accepted",
    };
    if (rc > 0 || -rc >= (int)(sizeof(messages) / sizeof(messages[0])))
        return "unknown error";
    return messages[-rc];
}
