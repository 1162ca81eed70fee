/* iam_conf: keys live in the runtime's arena (wiped with it by nothing:
 * they are day-scoped and the arena is freed with the runtime). */
#include "iam_conf.h"

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "sealbox.h"

static envelope_secret_t iam_conf_secret;

void iam_conf_set_secret(const envelope_secret_t *secret)
{
    iam_conf_secret = *secret;
}

static int table_key(char *out, size_t cap, const char *id, const char *date, const char *region)
{
    int n = snprintf(out, cap, "%s\n%s\n%s", id, date, region);
    return n > 0 && (size_t)n < cap ? n : -1;
}

static int compile_key(rt_build_t *b, const Portico__IamSigningKey *k)
{
    char name[256], err[256];
    size_t len;
    int n = table_key(name, sizeof(name), k->access_key_id, k->date, k->region);
    if (n < 0)
        return rt_build_fail(b, "an IAM signing key has an overlong name");
    char *key = sealbox_open(&iam_conf_secret, k->sealed_key.data, k->sealed_key.len, &len);
    if (key == NULL || len != SIGV4_KEY_LEN) {
        sealbox_free(key, len);
        return rt_build_fail(b, "IAM signing key %s for %s does not open", k->access_key_id,
                             k->date);
    }
    rt_iam_key_t *e = arena_alloc(b->a, sizeof(*e));
    memcpy(e->key, key, SIGV4_KEY_LEN);
    sealbox_free(key, len);
    e->access_key_id = arena_strdup(b->a, k->access_key_id);
    policy_t *p;
    if (policy_parse(k->policy, strlen(k->policy), POLICY_AUTHORIZER, NULL, b->a, &p, err,
                     sizeof(err)) != 0)
        return rt_build_fail(b, "access key %s: policy: %s", k->access_key_id, err);
    e->policy = p;
    if (strmap_put(b->rt->iam_keys, name, (size_t)n, e) != 0)
        return rt_build_fail(b, "out of memory");
    return 0;
}

int iam_conf_keys(rt_build_t *b, const Portico__Snapshot *snap)
{
    b->rt->iam_keys = strmap_create(b->a, snap->n_iam_signing_keys);
    for (size_t i = 0; i < snap->n_iam_signing_keys; i++)
        if (compile_key(b, snap->iam_signing_keys[i]) != 0)
            return -1;
    return 0;
}

const rt_iam_key_t *iam_conf_key(const runtime_t *rt, const char *id, const char *date,
                                 const char *region)
{
    char name[256];
    int n = table_key(name, sizeof(name), id, date, region);
    if (rt->iam_keys == NULL || n < 0)
        return NULL;
    return strmap_get(rt->iam_keys, name, (size_t)n);
}
