/* sigv4: credentials parsing (header and presigned forms), the clock check,
 * the key chain and the final comparison; the canonical request itself is
 * built in sigv4_canon.c. */
#include "sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define BLOCK 64 /* SHA-256's block size, HMAC's pad length */
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* ---- SHA-256 and HMAC with the algorithm fetched once: OpenSSL 3's
 * one-shot SHA256() and HMAC() look it up (under a lock) on every call,
 * which costs more than the hashing of a request. */

static EVP_MD *sigv4_md;
static pthread_once_t sigv4_md_once = PTHREAD_ONCE_INIT;

static void sigv4_md_fetch(void)
{
    sigv4_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256 of a ‖ b. */
static void sha256_2(const void *a, size_t alen, const void *b, size_t blen,
                     uint8_t out[CRYPTO_SHA256_LEN])
{
    pthread_once(&sigv4_md_once, sigv4_md_fetch);
    EVP_MD_CTX *ctx = sigv4_md != NULL ? EVP_MD_CTX_new() : NULL;
    unsigned int n = CRYPTO_SHA256_LEN;
    if (ctx == NULL || EVP_DigestInit_ex2(ctx, sigv4_md, NULL) != 1 ||
        EVP_DigestUpdate(ctx, a, alen) != 1 || EVP_DigestUpdate(ctx, b, blen) != 1 ||
        EVP_DigestFinal_ex(ctx, out, &n) != 1) {
        fputs("portico: SHA-256 failed\n", stderr);
        abort(); /* only memory can make a fetched SHA-256 fail */
    }
    EVP_MD_CTX_free(ctx);
}

/* HMAC-SHA256 (RFC 2104); out may alias key. */
static void hmac(const void *key, size_t key_len, const void *msg, size_t len,
                 uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t k0[BLOCK] = {0}, pad[BLOCK], inner[CRYPTO_SHA256_LEN];
    if (key_len > BLOCK)
        sha256_2(key, key_len, "", 0, k0);
    else
        memcpy(k0, key, key_len);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k0[i] ^ 0x36;
    sha256_2(pad, BLOCK, msg, len, inner);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k0[i] ^ 0x5c;
    sha256_2(pad, BLOCK, inner, sizeof(inner), out);
    OPENSSL_cleanse(k0, sizeof(k0));
    OPENSSL_cleanse(pad, sizeof(pad));
}

static const sigv4_header_t *find_header(const sigv4_request_t *r, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < r->nheaders; i++)
        if (r->headers[i].name_len == len && strncasecmp(r->headers[i].name, name, len) == 0)
            return &r->headers[i];
    return NULL;
}

/* The raw value of query parameter name decoded into out; 0 found, 1 absent,
 * -1 malformed. */
static int find_query(const sigv4_request_t *r, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *q = r->query, *end = r->query + (r->query != NULL ? r->query_len : 0);
    while (q != NULL && q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp != NULL ? amp : end;
        if ((size_t)(stop - q) > nlen && memcmp(q, name, nlen) == 0 && q[nlen] == '=')
            return sigv4_decode(q + nlen + 1, (size_t)(stop - q - nlen - 1), out, cap) < 0 ? -1 : 0;
        q = amp != NULL ? amp + 1 : NULL;
    }
    return 1;
}

static int all_of(const char *s, size_t len, const char *set)
{
    for (size_t i = 0; i < len; i++)
        if (strchr(set, s[i]) == NULL || s[i] == '\0')
            return 0;
    return 1;
}

#define DIGITS "0123456789"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* Copies s[0..len) into a field of size cap when its characters are in set. */
static int take(char *field, size_t cap, const char *s, size_t len, const char *set)
{
    if (len == 0 || len >= cap || !all_of(s, len, set))
        return -1;
    memcpy(field, s, len);
    field[len] = '\0';
    return 0;
}

/* "AKID/20150830/us-east-1/service/aws4_request" */
static int parse_credential(sigv4_auth_t *a, const char *s, size_t len)
{
    const char *parts[5];
    size_t lens[5];
    int n = 0;
    const char *p = s, *end = s + len;
    while (n < 5) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash != NULL ? slash : end;
        parts[n] = p;
        lens[n++] = (size_t)(stop - p);
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    if (n != 5 || parts[4] + lens[4] != end || lens[4] != 12 ||
        memcmp(parts[4], "aws4_request", 12) != 0 || lens[1] != 8)
        return -1;
    if (take(a->access_key, sizeof(a->access_key), parts[0], lens[0], UPPER LOWER DIGITS) != 0 ||
        take(a->date, sizeof(a->date), parts[1], lens[1], DIGITS) != 0 ||
        take(a->region, sizeof(a->region), parts[2], lens[2], LOWER DIGITS "-") != 0 ||
        take(a->service, sizeof(a->service), parts[3], lens[3], LOWER DIGITS "-") != 0)
        return -1;
    return 0;
}

/* Strictly sorted, unique, lower-case names separated by ';', with host. */
static int parse_signed_headers(sigv4_auth_t *a, const char *s, size_t len)
{
    if (take(a->signed_headers, sizeof(a->signed_headers), s, len, LOWER DIGITS "-_;.") != 0)
        return -1;
    const char *prev = NULL;
    size_t prev_len = 0;
    int has_host = 0;
    for (const char *p = a->signed_headers; *p != '\0';) {
        size_t l = strcspn(p, ";");
        if (l == 0)
            return -1;
        if (prev != NULL) {
            int c = strncmp(prev, p, l < prev_len ? l : prev_len);
            if (c > 0 || (c == 0 && prev_len >= l))
                return -1;
        }
        has_host |= l == 4 && memcmp(p, "host", 4) == 0;
        prev = p;
        prev_len = l;
        p += l;
        if (*p == ';' && *++p == '\0')
            return -1;
    }
    return has_host ? 0 : -1;
}

static int parse_signature(sigv4_auth_t *a, const char *s, size_t len)
{
    if (len != 64 || !all_of(s, len, DIGITS "abcdef"))
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned hi = (unsigned)(s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10);
        unsigned lo =
            (unsigned)(s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' : s[2 * i + 1] - 'a' + 10);
        a->signature[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* yyyymmddThhmmssZ → seconds since the epoch. */
static int parse_amz_date(sigv4_auth_t *a, const char *s, size_t len)
{
    if (len != 16 || s[8] != 'T' || s[15] != 'Z' || !all_of(s, 8, DIGITS) ||
        !all_of(s + 9, 6, DIGITS))
        return -1;
    struct tm tm = {0};
    int v[6];
    static const int off[6] = {0, 4, 6, 9, 11, 13}, width[6] = {4, 2, 2, 2, 2, 2};
    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int k = 0; k < width[i]; k++)
            v[i] = v[i] * 10 + (s[off[i] + k] - '0');
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return -1;
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    a->time = (int64_t)timegm(&tm);
    memcpy(a->amz_date, s, 16);
    a->amz_date[16] = '\0';
    return 0;
}

/* One "Name=value" component of the Authorization header. */
static int parse_component(sigv4_auth_t *a, const char *p, size_t l, unsigned *seen)
{
    static const struct {
        const char *name;
        int (*fn)(sigv4_auth_t *, const char *, size_t);
    } comps[] = {{"Credential=", parse_credential},
                 {"SignedHeaders=", parse_signed_headers},
                 {"Signature=", parse_signature}};
    for (unsigned i = 0; i < 3; i++) {
        size_t nl = strlen(comps[i].name);
        if (l <= nl || memcmp(p, comps[i].name, nl) != 0)
            continue;
        if (*seen & (1u << i) || comps[i].fn(a, p + nl, l - nl) != 0)
            return -1;
        *seen |= 1u << i;
        return 0;
    }
    return -1;
}

static int parse_header_form(const sigv4_request_t *r, const sigv4_header_t *auth, sigv4_auth_t *a)
{
    const char *p = auth->value + sizeof(ALGORITHM) - 1, *end = auth->value + auth->value_len;
    unsigned seen = 0;
    while (p < end) {
        if (*p == ' ' || *p == ',') {
            p++;
            continue;
        }
        const char *stop = p;
        while (stop < end && *stop != ' ' && *stop != ',')
            stop++;
        if (parse_component(a, p, (size_t)(stop - p), &seen) != 0)
            return SIGV4_EMALFORMED;
        p = stop;
    }
    const sigv4_header_t *date = find_header(r, "x-amz-date");
    if (seen != 7 || date == NULL || parse_amz_date(a, date->value, date->value_len) != 0)
        return SIGV4_EMALFORMED;
    const sigv4_header_t *ph = find_header(r, "x-amz-content-sha256");
    if (ph != NULL && take(a->payload_hash, sizeof(a->payload_hash), ph->value, ph->value_len,
                           DIGITS LOWER UPPER "-") != 0)
        return SIGV4_EMALFORMED;
    return SIGV4_OK;
}

static int parse_query_form(const sigv4_request_t *r, sigv4_auth_t *a)
{
    char buf[SIGV4_SIGNED_HEADERS_MAX + 1];
    if (find_query(r, "X-Amz-Algorithm", buf, sizeof(buf)) != 0 || strcmp(buf, ALGORITHM) != 0)
        return SIGV4_EMALFORMED;
    if (find_query(r, "X-Amz-Credential", buf, sizeof(buf)) != 0 ||
        parse_credential(a, buf, strlen(buf)) != 0 ||
        find_query(r, "X-Amz-SignedHeaders", buf, sizeof(buf)) != 0 ||
        parse_signed_headers(a, buf, strlen(buf)) != 0 ||
        find_query(r, "X-Amz-Signature", buf, sizeof(buf)) != 0 ||
        parse_signature(a, buf, strlen(buf)) != 0 ||
        find_query(r, "X-Amz-Date", buf, sizeof(buf)) != 0 ||
        parse_amz_date(a, buf, strlen(buf)) != 0 ||
        find_query(r, "X-Amz-Expires", buf, sizeof(buf)) != 0)
        return SIGV4_EMALFORMED;
    char *endp;
    long long exp = strtoll(buf, &endp, 10);
    if (buf[0] < '0' || buf[0] > '9' || *endp != '\0' || exp < 1 || exp > SIGV4_MAX_EXPIRES)
        return SIGV4_EMALFORMED;
    a->expires = exp;
    a->presigned = 1;
    return SIGV4_OK;
}

int sigv4_parse(const sigv4_request_t *r, sigv4_auth_t *a)
{
    memset(a, 0, sizeof(*a));
    const sigv4_header_t *auth = find_header(r, "authorization");
    int header_form = auth != NULL && auth->value_len > sizeof(ALGORITHM) &&
                      memcmp(auth->value, ALGORITHM, sizeof(ALGORITHM) - 1) == 0 &&
                      auth->value[sizeof(ALGORITHM) - 1] == ' ';
    char alg[32];
    int query_form = find_query(r, "X-Amz-Algorithm", alg, sizeof(alg)) != 1;
    if (!header_form && !query_form)
        return SIGV4_ENONE;
    if (header_form && query_form)
        return SIGV4_EMALFORMED;
    int rc = header_form ? parse_header_form(r, auth, a) : parse_query_form(r, a);
    if (rc != SIGV4_OK)
        return rc;
    if (memcmp(a->date, a->amz_date, 8) != 0)
        return SIGV4_ESCOPE;
    if (find_header(r, "x-amz-security-token") != NULL ||
        find_query(r, "X-Amz-Security-Token", alg, sizeof(alg)) != 1)
        return SIGV4_ETOKEN;
    return SIGV4_OK;
}

static void amz_format(int64_t t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int sigv4_check_time(const sigv4_auth_t *a, int64_t now, char *msg, size_t msg_len)
{
    char now_s[17], edge[17];
    amz_format(now, now_s);
    if (a->presigned) {
        if (now > a->time + a->expires) {
            snprintf(msg, msg_len, "Signature expired: %s is now earlier than %s", a->amz_date,
                     now_s);
            return SIGV4_EEXPIRED;
        }
    } else if (a->time < now - SIGV4_MAX_SKEW) {
        amz_format(now - SIGV4_MAX_SKEW, edge);
        snprintf(msg, msg_len, "Signature expired: %s is now earlier than %s (%s - 5 min.)",
                 a->amz_date, edge, now_s);
        return SIGV4_EEXPIRED;
    }
    if (a->time > now + SIGV4_MAX_SKEW) {
        amz_format(now + SIGV4_MAX_SKEW, edge);
        snprintf(msg, msg_len, "Signature not yet current: %s is still later than %s (%s + 5 min.)",
                 a->amz_date, edge, now_s);
        return SIGV4_EFUTURE;
    }
    return SIGV4_OK;
}

void sigv4_signing_key(const char *secret, size_t secret_len, const char *date, const char *region,
                       const char *service, uint8_t out[SIGV4_KEY_LEN])
{
    uint8_t k[CRYPTO_SHA256_LEN];
    size_t klen = secret_len + 4;
    char *seed = malloc(klen);
    if (seed == NULL)
        abort(); /* a few bytes; nothing sensible to do without them */
    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, secret, secret_len);
    hmac(seed, klen, date, strlen(date), k);
    OPENSSL_cleanse(seed, klen);
    free(seed);
    hmac(k, sizeof(k), region, strlen(region), k);
    hmac(k, sizeof(k), service, strlen(service), k);
    hmac(k, sizeof(k), "aws4_request", 12, out);
    OPENSSL_cleanse(k, sizeof(k));
}

/* The payload line: the sent hash once it matches the body, else the body's. */
static int payload_line(const sigv4_auth_t *a, const void *body, size_t body_len,
                        int allow_unsigned, char out[65])
{
    uint8_t sha[CRYPTO_SHA256_LEN];
    if (strcmp(a->payload_hash, UNSIGNED_PAYLOAD) == 0) {
        if (!allow_unsigned)
            return SIGV4_EPAYLOAD;
        strcpy(out, UNSIGNED_PAYLOAD);
        return SIGV4_OK;
    }
    sha256_2(body != NULL ? body : "", body_len, "", 0, sha);
    crypto_hex(sha, sizeof(sha), out);
    if (a->payload_hash[0] != '\0' && strcmp(a->payload_hash, out) != 0)
        return SIGV4_EPAYLOAD;
    return SIGV4_OK;
}

int sigv4_verify(const sigv4_request_t *r, const sigv4_auth_t *a, const uint8_t key[SIGV4_KEY_LEN],
                 const void *body, size_t body_len, int allow_unsigned)
{
    char payload[65], hex[65];
    uint8_t sha[CRYPTO_SHA256_LEN], sig[CRYPTO_SHA256_LEN];
    int rc = payload_line(a, body, body_len, allow_unsigned, payload);
    if (rc != SIGV4_OK)
        return rc;
    char *canon = sigv4_canonical_request(r, a, payload);
    if (canon == NULL)
        return SIGV4_ESIGNATURE; /* a signed header is missing, or the path or query is malformed */
    sha256_2(canon, strlen(canon), "", 0, sha);
    free(canon);
    crypto_hex(sha, sizeof(sha), hex);
    char sts[sizeof(ALGORITHM) + 17 + 9 + 64 + 64 + 13 + 64 + 8];
    int n = snprintf(sts, sizeof(sts), ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", a->amz_date,
                     a->date, a->region, a->service, hex);
    if (n < 0 || (size_t)n >= sizeof(sts))
        return SIGV4_EMALFORMED;
    hmac(key, SIGV4_KEY_LEN, sts, (size_t)n, sig);
    return crypto_equal(sig, sizeof(sig), a->signature, sizeof(a->signature)) ? SIGV4_OK
                                                                              : SIGV4_ESIGNATURE;
}

const char *sigv4_strerror(int rc)
{
    switch (rc) {
    case SIGV4_OK:
        return "ok";
    case SIGV4_ENONE:
        return "no SigV4 credentials";
    case SIGV4_EMALFORMED:
        return "malformed SigV4 authorization";
    case SIGV4_ESCOPE:
        return "credential scope does not match X-Amz-Date";
    case SIGV4_EEXPIRED:
        return "signature expired";
    case SIGV4_EFUTURE:
        return "signature not yet current";
    case SIGV4_ESIGNATURE:
        return "signature mismatch";
    case SIGV4_EPAYLOAD:
        return "payload hash mismatch";
    case SIGV4_ETOKEN:
        return "session tokens are not accepted";
    case SIGV4_ENOMEM:
        return "out of memory";
    }
    return "unknown SigV4 error";
}
