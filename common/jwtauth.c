/* jwtauth: the header is read here first (alg, kid) to pick the key and pin
 * the algorithm; libjwt then checks the signature; the claims are checked
 * from the decoded payload. */
#include "jwtauth.h"

#include <jwt.h>
#include <stdlib.h>
#include <string.h>

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

static int verify_signature(const jwtauth_config_t *cfg, const char *token, json_t *header)
{
    const char *alg_name = json_string_value(json_object_get(header, "alg"));
    json_t *kid_v = json_object_get(header, "kid");
    if (alg_name == NULL || (kid_v != NULL && !json_is_string(kid_v)))
        return JWTAUTH_MALFORMED;
    jwt_alg_t alg = jwt_str_alg(alg_name);
    if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE || strcmp(jwt_alg_str(alg), alg_name) != 0)
        return JWTAUTH_BAD_ALG;
    const char *kid = json_string_value(kid_v);
    int known_kid = 0, tried = 0;
    for (size_t i = 0; i < cfg->nkeys; i++) {
        const jwtauth_key_t *k = &cfg->keys[i];
        known_kid |= kid != NULL && strcmp(k->kid, kid) == 0;
        if (!key_candidate(k, kid, alg))
            continue;
        tried = 1;
        jwt_t *jwt = NULL;
        int rc = jwt_decode(&jwt, token, k->key, (int)k->key_len);
        int ok = rc == 0 && jwt_get_alg(jwt) == alg;
        jwt_free(jwt);
        if (ok)
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
    char *copy = strndup(token, len); /* libjwt wants a C string */
    int rc = header == NULL || payload == NULL || copy == NULL
                 ? JWTAUTH_MALFORMED
                 : verify_signature(cfg, copy, header);
    if (rc == JWTAUTH_OK)
        rc = check_claims(cfg, payload, now);
    free(copy);
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
