/* sigv4_sign: signing outgoing requests (see sigv4_sign.h). */
#include "sigv4_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"

void sigv4_amz_date(int64_t now, char out[17])
{
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int sigv4_sign(const sigv4_request_t *r, const char *amz_date, const char *access_key,
               const char *secret, const char *token, const char *region, const char *service,
               const void *body, size_t len, char *out, size_t out_len)
{
    sigv4_auth_t a;
    memset(&a, 0, sizeof(a));
    if (strlen(access_key) > SIGV4_ACCESS_KEY_MAX || strlen(amz_date) != 16 ||
        strlen(region) >= sizeof(a.region) || strlen(service) >= sizeof(a.service))
        return -1;
    snprintf(a.access_key, sizeof(a.access_key), "%s", access_key);
    snprintf(a.amz_date, sizeof(a.amz_date), "%s", amz_date);
    snprintf(a.date, sizeof(a.date), "%.8s", amz_date);
    snprintf(a.region, sizeof(a.region), "%s", region);
    snprintf(a.service, sizeof(a.service), "%s", service);
    snprintf(a.signed_headers, sizeof(a.signed_headers), "host;x-amz-date%s",
             token != NULL ? ";x-amz-security-token" : "");
    uint8_t sha[32], key[SIGV4_KEY_LEN], sig[32];
    char payload[65], hex[65], sig_hex[65];
    crypto_sha256(body, len, sha);
    crypto_hex(sha, 32, payload);
    char *canon = sigv4_canonical_request(r, &a, payload);
    if (canon == NULL)
        return -1;
    crypto_sha256(canon, strlen(canon), sha);
    free(canon);
    crypto_hex(sha, 32, hex);
    char sts[400];
    int n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
                     a.amz_date, a.date, a.region, a.service, hex);
    if (n < 0 || (size_t)n >= sizeof(sts))
        return -1;
    sigv4_signing_key(secret, strlen(secret), a.date, a.region, a.service, key);
    crypto_hmac_sha256(key, sizeof(key), sts, (size_t)n, sig);
    crypto_hex(sig, 32, sig_hex);
    n = snprintf(out, out_len,
                 "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
                 "Signature=%s",
                 a.access_key, a.date, a.region, a.service, a.signed_headers, sig_hex);
    return n > 0 && (size_t)n < out_len ? 0 : -1;
}
