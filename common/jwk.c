/* jwk: JWK → PEM through OpenSSL 3's EVP_PKEY_fromdata, which also checks
 * the key material (an EC point must lie on its curve). */
#include "jwk.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtauth.h"

typedef struct {
    unsigned char *data;
    size_t len;
} jwk_bytes_t;

static int b64_member(json_t *jwk, const char *name, jwk_bytes_t *out)
{
    const char *v = json_string_value(json_object_get(jwk, name));
    out->data = v != NULL ? jwtauth_b64url_decode(v, strlen(v), &out->len) : NULL;
    if (out->data != NULL && out->len > 0)
        return 0;
    free(out->data); /* empty values are as unusable as missing ones */
    out->data = NULL;
    return -1;
}

static char *pkey_to_pem(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL, *data;
    if (bio != NULL && PEM_write_bio_PUBKEY(bio, pkey) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        pem = n > 0 ? strndup(data, (size_t)n) : NULL;
    }
    BIO_free(bio);
    return pem;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static char *rsa_pem(json_t *jwk)
{
    jwk_bytes_t n = {0}, e = {0};
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    EVP_PKEY *pkey = NULL;
    char *pem = NULL;
    if (b64_member(jwk, "n", &n) != 0 || b64_member(jwk, "e", &e) != 0 || e.len > 8)
        goto out;
    bn_n = BN_bin2bn(n.data, (int)n.len, NULL);
    bn_e = BN_bin2bn(e.data, (int)e.len, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (bn_n == NULL || bn_e == NULL || bld == NULL || BN_num_bits(bn_n) < JWK_MIN_RSA_BITS ||
        BN_num_bits(bn_n) > 16384 || !BN_is_odd(bn_e) || BN_is_one(bn_e) ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1)
        goto out;
    pkey = pkey_from_params("RSA", bld);
    if (pkey != NULL)
        pem = pkey_to_pem(pkey);
out:
    EVP_PKEY_free(pkey);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    free(n.data);
    free(e.data);
    return pem;
}

static const struct {
    const char *crv;
    const char *group;
    size_t coord_len;
} jwk_curves[] = {
    {"P-256", "prime256v1", 32},
    {"P-384", "secp384r1", 48},
    {"P-521", "secp521r1", 66},
};

/* The public key is checked on its curve: a point that is not would open
 * invalid-curve attacks on whoever trusts it. */
static int ec_point_ok(EVP_PKEY *pkey)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static char *ec_pem(json_t *jwk, const char *crv)
{
    size_t c = 0;
    while (c < sizeof(jwk_curves) / sizeof(jwk_curves[0]) && strcmp(jwk_curves[c].crv, crv) != 0)
        c++;
    if (c == sizeof(jwk_curves) / sizeof(jwk_curves[0]))
        return NULL;
    jwk_bytes_t x = {0}, y = {0};
    OSSL_PARAM_BLD *bld = NULL;
    EVP_PKEY *pkey = NULL;
    char *pem = NULL;
    unsigned char point[1 + 2 * 66];
    size_t len = jwk_curves[c].coord_len;
    if (b64_member(jwk, "x", &x) != 0 || b64_member(jwk, "y", &y) != 0 || x.len != len ||
        y.len != len)
        goto out;
    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, x.data, len);
    memcpy(point + 1 + len, y.data, len);
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL ||
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, jwk_curves[c].group, 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * len) != 1)
        goto out;
    pkey = pkey_from_params("EC", bld);
    if (pkey != NULL && ec_point_ok(pkey))
        pem = pkey_to_pem(pkey);
out:
    EVP_PKEY_free(pkey);
    OSSL_PARAM_BLD_free(bld);
    free(x.data);
    free(y.data);
    return pem;
}

/* One JWK → its normalized object, or NULL when it is left out. */
static json_t *convert_key(json_t *jwk)
{
    if (!json_is_object(jwk))
        return NULL;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    json_t *kid = json_object_get(jwk, "kid");
    if ((use != NULL && strcmp(use, "sig") != 0) || (kid != NULL && !json_is_string(kid)) ||
        jwtauth_key_algs(kty, crv, alg) == 0)
        return NULL;
    json_t *out =
        json_pack("{s:s,s:s,s:s,s:s}", "kid", kid != NULL ? json_string_value(kid) : "", "kty", kty,
                  "alg", alg != NULL ? alg : "", "crv", crv != NULL ? crv : "");
    if (strcmp(kty, "oct") == 0) {
        /* a symmetric key from a URL is a shared secret published to the
         * world (or to whoever can answer for that URL): never a signing key */
        json_decref(out);
        return NULL;
    }
    char *pem = strcmp(kty, "RSA") == 0 ? rsa_pem(jwk) : ec_pem(jwk, crv);
    if (pem == NULL) {
        json_decref(out);
        return NULL;
    }
    json_object_set_new(out, "pem", json_string(pem));
    free(pem);
    return out;
}

static int compare_kid(const void *a, const void *b)
{
    json_t *ka = *(json_t *const *)a, *kb = *(json_t *const *)b;
    return strcmp(json_string_value(json_object_get(ka, "kid")),
                  json_string_value(json_object_get(kb, "kid")));
}

int jwk_convert_set(const char *text, size_t len, json_t **keys, int *skipped, char *err,
                    size_t err_len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    json_t *list = json_object_get(doc, "keys");
    *skipped = 0;
    if (!json_is_array(list)) {
        snprintf(err, err_len, "the JWKS is not a JSON object with a \"keys\" list");
        json_decref(doc);
        return -1;
    }
    json_t *found[JWK_MAX_KEYS];
    size_t n = 0, i;
    json_t *jwk;
    json_array_foreach(list, i, jwk)
    {
        json_t *k = n < JWK_MAX_KEYS ? convert_key(jwk) : NULL;
        if (k != NULL)
            found[n++] = k;
        else
            (*skipped)++;
    }
    json_decref(doc);
    if (n == 0) {
        snprintf(err, err_len, "the JWKS holds no usable signing key (%d left out)", *skipped);
        return -1;
    }
    qsort(found, n, sizeof(found[0]), compare_kid);
    *keys = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(*keys, found[i]);
    return 0;
}

char *jwk_discovery_jwks_uri(const char *text, size_t len, const char *issuer, char *err,
                             size_t err_len)
{
    json_t *doc = json_loadb(text, len, 0, NULL);
    const char *iss = json_string_value(json_object_get(doc, "issuer"));
    const char *uri = json_string_value(json_object_get(doc, "jwks_uri"));
    char *out = NULL;
    if (uri == NULL)
        snprintf(err, err_len, "the OpenID configuration has no jwks_uri");
    else if (iss == NULL || strcmp(iss, issuer) != 0)
        snprintf(err, err_len, "the OpenID configuration names issuer %s, not %s",
                 iss != NULL ? iss : "(none)", issuer);
    else if (!jwk_url_allowed(uri))
        snprintf(err, err_len, "jwks_uri %s must be https (or http on loopback)", uri);
    else
        out = strdup(uri);
    json_decref(doc);
    return out;
}

static int host_is_loopback(const char *host, size_t len)
{
    static const char *const loopback[] = {"localhost", "[::1]", NULL};
    for (const char *const *l = loopback; *l != NULL; l++)
        if (len == strlen(*l) && strncasecmp(host, *l, len) == 0)
            return 1;
    return len >= 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") >= len;
}

int jwk_url_allowed(const char *url)
{
    if (strncmp(url, "https://", 8) == 0)
        return url[8] != '\0' && url[8] != '/' && strcspn(url + 8, "@") >= strcspn(url + 8, "/?#");
    if (strncmp(url, "http://", 7) != 0)
        return 0;
    const char *host = url + 7;
    if (strcspn(host, "@") < strcspn(host, "/?#"))
        return 0; /* user information: the host is after the '@' */
    size_t len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/?#");
    return host_is_loopback(host, len);
}
