/* Unit tests for dataplane/step/authz_cache.h: authorizer answers parsed into
 * decisions (and which are malformed), and the per-worker cache's expiry,
 * replacement and eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "authz_cache.h"

static authz_decision_t *parse(const char *text)
{
    char err[256] = "";
    authz_decision_t *d = authz_decision_parse(text, strlen(text), "abcdef1234", err, sizeof(err));
    assert_non_null(d);
    return d;
}

static void parses_answers(void **state)
{
    authz_decision_t *d = parse(
        "{\"principalId\": \"u1\", \"usageIdentifierKey\": \"k\", \"context\": {\"s\": \"x\", "
        "\"n\": 3, \"f\": 1.5, \"b\": false}, \"policyDocument\": {\"Version\": \"2012-10-17\", "
        "\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"execute-api:Invoke\", "
        "\"Resource\": \"execute-api:/prod/GET/*\"}]}}");
    assert_int_equal(d->outcome, AUTHZ_POLICY);
    assert_int_equal(d->nctx, 5);
    assert_string_equal(d->ctx[0].key, "principalId");
    assert_string_equal(d->ctx[0].value, "u1");
    const char *want[][2] = {{"s", "x"}, {"n", "3"}, {"f", "1.5"}, {"b", "false"}};
    for (size_t i = 0; i < 4; i++) {
        int found = 0;
        for (size_t k = 1; k < d->nctx; k++)
            found |=
                strcmp(d->ctx[k].key, want[i][0]) == 0 && strcmp(d->ctx[k].value, want[i][1]) == 0;
        if (!found)
            fail_msg("context %s=%s missing", want[i][0], want[i][1]);
    }
    assert_string_equal(d->usage_key, "k");
    const char *arn = "arn:aws:execute-api:local:000000000000:abcdef1234/prod/GET/pets";
    policy_request_t req = {arn, strlen(arn), NULL};
    assert_int_equal(policy_evaluate(d->policy, &req), POLICY_ALLOW);
    authz_decision_release(d);
}

static void refuses_malformed_answers(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"principalId\": \"u\"}",
        "{\"policyDocument\": {\"Statement\": []}, \"principalId\": 7}",
        "{\"policyDocument\": {\"Statement\": []}, \"context\": {\"o\": {\"a\": 1}}}",
        "{\"policyDocument\": {\"Statement\": []}, \"context\": {\"l\": [1]}}",
        "{\"policyDocument\": {\"Statement\": []}, \"context\": {\"z\": null}}",
        "{\"policyDocument\": {\"Statement\": []}, \"usageIdentifierKey\": 1}",
        "{\"policyDocument\": {\"Statement\": [{\"Effect\": \"Allow\"}]}}",
        NULL,
    };
    for (const char *const *b = bad; *b != NULL; b++) {
        authz_decision_t *d = parse(*b);
        if (d->outcome != AUTHZ_CONFIG_ERROR)
            fail_msg("accepted: %s", *b);
        authz_decision_release(d);
    }
}

static authz_decision_t *expiring(uint64_t at)
{
    authz_decision_t *d = authz_decision_new(AUTHZ_POLICY);
    d->expires_ms = at;
    return d;
}

static void cache_expiry_and_replacement(void **state)
{
    authz_cache_t *c = authz_cache_create(10);
    authz_decision_t *a = expiring(1000), *b = expiring(2000);
    authz_cache_put(c, "k\0id", 4, a);
    assert_ptr_equal(authz_cache_get(c, "k\0id", 4, 999), a);
    assert_null(authz_cache_get(c, "k\0ie", 4, 999));
    assert_null(authz_cache_get(c, "k", 1, 999));
    assert_null(authz_cache_get(c, "k\0id", 4, 1000)); /* expired: dropped */
    authz_cache_put(c, "k\0id", 4, a);
    authz_cache_put(c, "k\0id", 4, b); /* replaces */
    assert_ptr_equal(authz_cache_get(c, "k\0id", 4, 1500), b);
    authz_decision_release(a);
    authz_decision_release(b);
    authz_cache_destroy(c); /* releases the cache's references (ASan checks the rest) */
}

static void cache_evicts_oldest(void **state)
{
    authz_cache_t *c = authz_cache_create(3);
    authz_decision_t *d = expiring(UINT64_MAX);
    char key[8];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        authz_cache_put(c, key, strlen(key), d);
    }
    assert_null(authz_cache_get(c, "key0", 4, 0));
    assert_null(authz_cache_get(c, "key1", 4, 0));
    for (int i = 2; i < 5; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        assert_ptr_equal(authz_cache_get(c, key, strlen(key), 0), d);
    }
    authz_cache_destroy(c);
    assert_int_equal(atomic_load(&d->refs), 1);
    authz_decision_release(d);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_answers),
        cmocka_unit_test(refuses_malformed_answers),
        cmocka_unit_test(cache_expiry_and_replacement),
        cmocka_unit_test(cache_evicts_oldest),
    };
    return cmocka_run_group_tests_name("authz_cache", tests, NULL, NULL);
}
