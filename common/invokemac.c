/* invokemac: the forwarded Invoke's MAC (see invokemac.h). */
#include "invokemac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

static void mac_of(const envelope_secret_t *secret, uint64_t t_ms, const char *nonce_hex,
                   const char *ref, const char *type, const void *body, size_t len, char hex[65])
{
    uint8_t sha[32], mac[32];
    char body_hex[65];
    crypto_sha256(body, len, sha);
    crypto_hex(sha, 32, body_hex);
    size_t cap = strlen(ref) + strlen(type) + 200;
    char *msg = malloc(cap);
    if (msg == NULL) {
        memset(hex, '0', 64);
        hex[64] = '\0';
        return;
    }
    int n = snprintf(msg, cap, "portico-invoke\n%llu\n%s\n%s\n%s\n%s", (unsigned long long)t_ms,
                     nonce_hex, ref, type, body_hex);
    crypto_hmac_sha256(secret->data, secret->len, msg, (size_t)n, mac);
    free(msg);
    crypto_hex(mac, 32, hex);
}

void invokemac_make(const envelope_secret_t *secret, uint64_t now_ms, const char *ref,
                    const char *type, const void *body, size_t len, char *out, size_t out_len)
{
    uint8_t nonce[16];
    char nonce_hex[33], mac[65];
    crypto_random(nonce, sizeof(nonce));
    crypto_hex(nonce, sizeof(nonce), nonce_hex);
    mac_of(secret, now_ms, nonce_hex, ref, type, body, len, mac);
    snprintf(out, out_len, "t=%llu;n=%s;m=%s", (unsigned long long)now_ms, nonce_hex, mac);
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

int invokemac_check(const envelope_secret_t *secret, const char *value, size_t value_len,
                    const char *ref, const char *type, const void *body, size_t len, uint64_t *t_ms,
                    uint8_t nonce[16])
{
    char v[256], nonce_hex[33], got[65], want[65];
    unsigned long long t;
    if (value_len >= sizeof(v))
        return -1;
    memcpy(v, value, value_len);
    v[value_len] = '\0';
    if (sscanf(v, "t=%13llu;n=%32[0-9a-f];m=%64[0-9a-f]", &t, nonce_hex, got) != 3 ||
        strlen(nonce_hex) != 32 || strlen(got) != 64)
        return -1;
    mac_of(secret, t, nonce_hex, ref, type, body, len, want);
    if (!crypto_equal(got, 64, want, 64) || unhex(nonce_hex, nonce, 16) != 0)
        return -1;
    *t_ms = t;
    return 0;
}
