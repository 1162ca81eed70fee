/* iam_keys: one IamSigningKey per (invoking access key, day). */
#include "iam_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sealbox.h"
#include "sigv4.h"
#include "store_sealed.h"

#define IAM_KEYS_DAYS 3

static struct {
    envelope_secret_t seal, cluster;
    char region[64];
    int configured;
} iam_keys;

void iam_keys_configure(const envelope_secret_t *seal, const envelope_secret_t *cluster,
                        const char *region)
{
    iam_keys.seal = *seal;
    iam_keys.cluster = *cluster;
    snprintf(iam_keys.region, sizeof(iam_keys.region), "%s", region);
    iam_keys.configured = 1;
}

const char *iam_keys_region(void)
{
    return iam_keys.region[0] != '\0' ? iam_keys.region : "us-east-1";
}

typedef struct {
    arena_t *a;
    char dates[IAM_KEYS_DAYS][9];
    Portico__IamSigningKey **list;
    size_t n, cap;
} iam_ctx_t;

static int iam_add(iam_ctx_t *x, const char *id, const char *date, const uint8_t key[32],
                   const char *policy)
{
    size_t sealed_len;
    uint8_t *sealed = sealbox_seal(&iam_keys.cluster, key, SIGV4_KEY_LEN, &sealed_len);
    if (sealed == NULL)
        return STORE_EIO;
    if (x->n == x->cap) {
        size_t cap = x->cap != 0 ? x->cap * 2 : 16;
        Portico__IamSigningKey **bigger = arena_alloc(x->a, sizeof(*bigger) * cap);
        if (x->n > 0)
            memcpy(bigger, x->list, sizeof(*bigger) * x->n);
        x->list = bigger;
        x->cap = cap;
    }
    Portico__IamSigningKey *k = arena_alloc(x->a, sizeof(*k));
    portico__iam_signing_key__init(k);
    k->access_key_id = arena_strdup(x->a, id);
    k->date = arena_strdup(x->a, date);
    k->region = iam_keys.region;
    k->sealed_key.data = arena_memdup(x->a, sealed, sealed_len);
    k->sealed_key.len = sealed_len;
    k->policy = arena_strdup(x->a, policy);
    free(sealed);
    x->list[x->n++] = k;
    return STORE_OK;
}

static int iam_visit(void *ctx, const char *id, const uint8_t *sealed, size_t len,
                     const char *policy)
{
    iam_ctx_t *x = ctx;
    size_t plain_len;
    uint8_t key[SIGV4_KEY_LEN];
    char *secret = sealbox_open(&iam_keys.seal, sealed, len, &plain_len);
    if (secret == NULL)
        return STORE_OK; /* sealed under another key: this key cannot invoke */
    int rc = STORE_OK;
    for (int d = 0; d < IAM_KEYS_DAYS && rc == STORE_OK; d++) {
        sigv4_signing_key(secret, plain_len, x->dates[d], iam_keys.region, "execute-api", key);
        rc = iam_add(x, id, x->dates[d], key, policy);
    }
    sealbox_free(secret, plain_len);
    memset(key, 0, sizeof(key));
    return rc;
}

int iam_keys_snapshot(store_t *s, arena_t *a, int64_t day, Portico__IamSigningKey ***out, size_t *n)
{
    iam_ctx_t x = {.a = a};
    *out = NULL;
    *n = 0;
    if (!iam_keys.configured)
        return STORE_OK;
    for (int d = 0; d < IAM_KEYS_DAYS; d++) {
        time_t t = (time_t)((day - 1 + d) * 86400);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(x.dates[d], sizeof(x.dates[d]), "%Y%m%d", &tm);
    }
    int rc = store_accesskey_visit_invokers(s, iam_visit, &x);
    if (rc == STORE_OK) {
        *out = x.list;
        *n = x.n;
    }
    return rc;
}
