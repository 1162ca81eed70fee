/* Unit tests for dataplane/runtime/iam_conf.h: the snapshot's sealed AWS_IAM
 * signing keys open with the cluster secret into a table by id, date and
 * region; a key that does not open or whose policy does not parse refuses
 * the snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "iam_conf.h"
#include "runtime.h"
#include "portico.pb-c.h"
#include "sealbox.h"

#define POLICY_OK                                                                                  \
    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"execute-api:Invoke\","                     \
    "\"Resource\":\"arn:aws:execute-api:*:*:abc/*/GET/*\"}]}"

static const envelope_secret_t cluster = {(const uint8_t *)"cluster-secret-0123456789", 25};
static const envelope_secret_t other = {(const uint8_t *)"another-secret-0123456789", 25};

typedef struct {
    const char *id, *date, *region, *policy;
    const envelope_secret_t *sealed_with;
    uint8_t fill; /* the signing key's bytes */
} key_row_t;

/* Compiles a snapshot holding rows; NULL (reason in err) when refused. */
static runtime_t *compile_keys(const key_row_t *rows, size_t n, char *err, size_t err_len)
{
    Portico__Snapshot snap = PORTICO__SNAPSHOT__INIT;
    Portico__IamSigningKey keys[8], *ptrs[8];
    uint8_t *sealed[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        uint8_t raw[SIGV4_KEY_LEN];
        memset(raw, rows[i].fill, sizeof(raw));
        portico__iam_signing_key__init(&keys[i]);
        keys[i].access_key_id = (char *)rows[i].id;
        keys[i].date = (char *)rows[i].date;
        keys[i].region = (char *)rows[i].region;
        keys[i].policy = (char *)rows[i].policy;
        sealed[i] = sealbox_seal(rows[i].sealed_with, raw, sizeof(raw), &keys[i].sealed_key.len);
        keys[i].sealed_key.data = sealed[i];
        ptrs[i] = &keys[i];
    }
    snap.version = 3;
    snap.store_id = "s";
    snap.n_iam_signing_keys = n;
    snap.iam_signing_keys = ptrs;
    size_t len = portico__snapshot__get_packed_size(&snap);
    uint8_t *buf = malloc(len + 1);
    portico__snapshot__pack(&snap, buf);
    err[0] = '\0';
    runtime_t *rt = runtime_compile(buf, len, err, err_len);
    free(buf);
    for (size_t i = 0; i < n; i++)
        free(sealed[i]);
    return rt;
}

static void keys_found_by_id_date_and_region(void **state)
{
    (void)state;
    static const key_row_t rows[] = {
        {"AKIAONE0000000000001", "20261129", "us-east-1", POLICY_OK, &cluster, 1},
        {"AKIAONE0000000000001", "20261130", "us-east-1", POLICY_OK, &cluster, 2},
        {"AKIATWO0000000000002", "20261130", "us-east-1", POLICY_OK, &cluster, 3},
    };
    static const struct {
        const char *id, *date, *region;
        int fill; /* 0: not found */
    } lookups[] = {
        {"AKIAONE0000000000001", "20261129", "us-east-1", 1},
        {"AKIAONE0000000000001", "20261130", "us-east-1", 2},
        {"AKIATWO0000000000002", "20261130", "us-east-1", 3},
        {"AKIATWO0000000000002", "20261129", "us-east-1", 0},
        {"AKIAONE0000000000001", "20261130", "eu-west-1", 0},
        {"AKIATHREE00000000003", "20261130", "us-east-1", 0},
    };
    char err[256];
    iam_conf_set_secret(&cluster);
    runtime_t *rt = compile_keys(rows, 3, err, sizeof(err));
    if (rt == NULL)
        fail_msg("refused: %s", err);
    for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
        const rt_iam_key_t *k = iam_conf_key(rt, lookups[i].id, lookups[i].date, lookups[i].region);
        if (lookups[i].fill == 0) {
            if (k != NULL)
                fail_msg("lookup %zu: found a key, want none", i);
            continue;
        }
        if (k == NULL || k->key[0] != lookups[i].fill || k->key[31] != lookups[i].fill ||
            k->policy == NULL || strcmp(k->access_key_id, lookups[i].id) != 0)
            fail_msg("lookup %zu: wrong or missing key", i);
    }
    runtime_release(rt);
}

static void bad_keys_refuse_the_snapshot(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        key_row_t row;
        const char *reason;
    } cases[] = {
        {"sealed under another secret",
         {"AKIAONE0000000000001", "20261130", "us-east-1", POLICY_OK, &other, 1},
         "does not open"},
        {"policy not JSON",
         {"AKIAONE0000000000001", "20261130", "us-east-1", "{nope", &cluster, 1},
         "policy"},
        {"policy without statements",
         {"AKIAONE0000000000001", "20261130", "us-east-1", "{\"Statement\": 3}", &cluster, 1},
         "policy"},
    };
    char err[256];
    iam_conf_set_secret(&cluster);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        runtime_t *rt = compile_keys(&cases[i].row, 1, err, sizeof(err));
        if (rt != NULL) {
            runtime_release(rt);
            fail_msg("%s: compiled, want a refusal", cases[i].name);
        }
        if (strstr(err, cases[i].reason) == NULL)
            fail_msg("%s: refused with \"%s\", want \"%s\"", cases[i].name, err, cases[i].reason);
    }
}

static void no_keys_no_table_entries(void **state)
{
    (void)state;
    char err[256];
    runtime_t *rt = compile_keys(NULL, 0, err, sizeof(err));
    assert_non_null(rt);
    assert_null(iam_conf_key(rt, "AKIAONE0000000000001", "20261130", "us-east-1"));
    runtime_release(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_found_by_id_date_and_region),
        cmocka_unit_test(bad_keys_refuse_the_snapshot),
        cmocka_unit_test(no_keys_no_table_entries),
    };
    return cmocka_run_group_tests_name("iam_conf", tests, NULL, NULL);
}
