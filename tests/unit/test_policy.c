/* Unit tests for common/policy.h and the CIDR helpers of common/netaddr.h:
 * parsing (what is refused), evaluation (explicit deny wins, NotAction,
 * NotResource, source IP conditions on IPv4/IPv6) and IAM-style globbing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "policy.h"

#define API "abcdef1234"
#define ARN(path) "arn:aws:execute-api:local:000000000000:" API path

static arena_t *arena;

static int setup(void **state)
{
    arena = arena_create(64 * 1024);
    return arena == NULL;
}

static int teardown(void **state)
{
    arena_destroy(arena);
    return 0;
}

static policy_t *parse_ok(const char *text, enum policy_kind kind)
{
    policy_t *p = NULL;
    char err[256];
    if (policy_parse(text, strlen(text), kind, API, arena, &p, err, sizeof(err)) != 0)
        fail_msg("parse(%s): %s", text, err);
    return p;
}

static enum policy_result eval(const policy_t *p, const char *arn, const char *ip)
{
    netaddr_cidr_t addr;
    if (ip != NULL && netaddr_cidr_parse(ip, &addr) != 0)
        fail_msg("bad test address %s", ip);
    policy_request_t req = {arn, strlen(arn), ip != NULL ? &addr : NULL};
    return policy_evaluate(p, &req);
}

/* ---- glob and CIDR ------------------------------------------------------- */

static void glob_matches(void **state)
{
    static const struct {
        const char *pat, *s;
        int nocase, want;
    } cases[] = {
        {"*", "", 0, 1},
        {"*", "anything/at/all", 0, 1},
        {"a*c", "abbbc", 0, 1},
        {"a*c", "abbbd", 0, 0},
        {"a?c", "abc", 0, 1},
        {"a?c", "ac", 0, 0},
        {"*/GET/*", "x/prod/GET/pets/1", 0, 1},
        {"*/GET/*", "x/prod/POST/pets", 0, 0},
        {"execute-api:invoke", "execute-api:Invoke", 1, 1},
        {"execute-api:invoke", "execute-api:Invoke", 0, 0},
        {"a**b*", "axxbyy", 0, 1},
        {"abc", "abcd", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = policy_glob(cases[i].pat, strlen(cases[i].pat), cases[i].s, strlen(cases[i].s),
                              cases[i].nocase);
        if (got != cases[i].want)
            fail_msg("glob(%s, %s) = %d, want %d", cases[i].pat, cases[i].s, got, cases[i].want);
    }
}

static void cidr_parse_and_contain(void **state)
{
    netaddr_cidr_t net, ip;
    assert_int_equal(netaddr_cidr_parse("10.0.0.0/8", &net), 0);
    assert_int_equal(netaddr_cidr_parse("10.200.3.4", &ip), 0);
    assert_true(netaddr_cidr_contains(&net, &ip));
    assert_int_equal(netaddr_cidr_parse("11.0.0.1", &ip), 0);
    assert_false(netaddr_cidr_contains(&net, &ip));
    assert_int_equal(netaddr_cidr_parse("2001:db8::/32", &net), 0);
    assert_int_equal(netaddr_cidr_parse("2001:db8:1::7", &ip), 0);
    assert_true(netaddr_cidr_contains(&net, &ip));
    assert_int_equal(netaddr_cidr_parse("10.0.0.1", &ip), 0);
    assert_false(netaddr_cidr_contains(&net, &ip)); /* families differ */
    /* an IPv4-mapped IPv6 peer is the IPv4 address */
    assert_int_equal(netaddr_cidr_parse("::ffff:127.0.0.2", &ip), 0);
    assert_int_equal(netaddr_cidr_parse("127.0.0.0/30", &net), 0);
    assert_true(netaddr_cidr_contains(&net, &ip));
    assert_int_equal(netaddr_cidr_parse("0.0.0.0/0", &net), 0);
    assert_true(netaddr_cidr_contains(&net, &ip));
}

static void cidr_refused(void **state)
{
    static const char *const bad[] = {"",        "10.0.0.0/33", "10.0.0.1/8", "300.1.1.1", "1.2.3",
                                      "::1/129", "10.0.0.0/",   "10.0.0.0/x", "host",      NULL};
    netaddr_cidr_t net;
    for (const char *const *b = bad; *b != NULL; b++)
        if (netaddr_cidr_parse(*b, &net) == 0)
            fail_msg("cidr \"%s\" accepted", *b);
}

/* ---- parsing ------------------------------------------------------------- */

static void parse_refuses(void **state)
{
    static const struct {
        const char *text;
        enum policy_kind kind;
        const char *fragment;
    } cases[] = {
        {"[]", POLICY_RESOURCE, "JSON object"},
        {"{\"Statement\": 3}", POLICY_RESOURCE, "Statement"},
        {"{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}",
         POLICY_RESOURCE, "Principal"},
        {"{\"Statement\": {\"Effect\": \"Permit\", \"Action\": \"*\", \"Resource\": \"*\"}}",
         POLICY_AUTHORIZER, "Effect"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Resource\": \"*\"}}", POLICY_AUTHORIZER,
         "Action"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"NotAction\": \"*\", "
         "\"Resource\": \"*\"}}",
         POLICY_AUTHORIZER, "Action"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [], \"Resource\": \"*\"}}",
         POLICY_AUTHORIZER, "between"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": "
         "\"arn:aws:s3:::x\"}}",
         POLICY_AUTHORIZER, "execute-api"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", "
         "\"Principal\": {\"AWS\": \"arn:aws:iam::1:root\"}}}",
         POLICY_RESOURCE, "Principal"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", "
         "\"Principal\": \"*\", \"Condition\": {\"StringEquals\": {\"aws:SourceVpc\": \"v\"}}}}",
         POLICY_RESOURCE, "StringEquals"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", "
         "\"Principal\": \"*\", \"Condition\": {\"IpAddress\": {\"aws:SourceVpc\": \"v\"}}}}",
         POLICY_RESOURCE, "aws:SourceVpc"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", "
         "\"Principal\": \"*\", \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": \"1.2.3\"}}}}",
         POLICY_RESOURCE, "1.2.3"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", "
         "\"Extra\": 1}}",
         POLICY_AUTHORIZER, "Extra"},
        {"{\"Version\": 2012, \"Statement\": []}", POLICY_RESOURCE, "Version"},
        {"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": "
         "\"execute-api:/*\"}}",
         POLICY_AUTHORIZER, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        policy_t *p;
        char err[256] = "";
        const char *api = cases[i].fragment == NULL ? NULL : API;
        if (policy_parse(cases[i].text, strlen(cases[i].text), cases[i].kind, api, arena, &p, err,
                         sizeof(err)) == 0)
            fail_msg("accepted: %s", cases[i].text);
        if (cases[i].fragment != NULL && strstr(err, cases[i].fragment) == NULL)
            fail_msg("%s: error \"%s\" lacks \"%s\"", cases[i].text, err, cases[i].fragment);
    }
}

/* ---- evaluation ---------------------------------------------------------- */

static void evaluate_explicit_deny_wins(void **state)
{
    policy_t *p = parse_ok(
        "{\"Version\": \"2012-10-17\", \"Statement\": ["
        "{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"execute-api:Invoke\","
        " \"Resource\": \"execute-api:/*\"},"
        "{\"Effect\": \"Deny\", \"Principal\": {\"AWS\": [\"*\"]}, \"Action\": \"execute-api:*\","
        " \"Resource\": [\"execute-api:/prod/DELETE/*\", \"execute-api:/*/GET/admin\"]}]}",
        POLICY_RESOURCE);
    assert_int_equal(eval(p, ARN("/prod/GET/pets"), NULL), POLICY_ALLOW);
    assert_int_equal(eval(p, ARN("/prod/DELETE/pets/1"), NULL), POLICY_DENY);
    assert_int_equal(eval(p, ARN("/dev/GET/admin"), NULL), POLICY_DENY);
    assert_int_equal(
        eval(p, "arn:aws:execute-api:local:000000000000:otherapi99/prod/GET/pets", NULL),
        POLICY_NO_MATCH);
}

static void evaluate_source_ip(void **state)
{
    policy_t *p = parse_ok(
        "{\"Statement\": ["
        "{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"*\", \"Resource\": \"*\","
        " \"Condition\": {\"IpAddress\": {\"aws:SourceIp\": [\"192.0.2.0/24\", "
        "\"2001:db8::/32\"]}}},"
        "{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"*\", \"Resource\": \"*\","
        " \"Condition\": {\"NotIpAddress\": {\"aws:SourceIp\": [\"192.0.2.0/25\", "
        "\"2001:db8::/32\"]}}}]}",
        POLICY_RESOURCE);
    assert_int_equal(eval(p, ARN("/prod/GET/"), "192.0.2.10"), POLICY_ALLOW);
    assert_int_equal(eval(p, ARN("/prod/GET/"), "192.0.2.200"), POLICY_DENY);
    assert_int_equal(eval(p, ARN("/prod/GET/"), "2001:db8::5"), POLICY_ALLOW);
    assert_int_equal(eval(p, ARN("/prod/GET/"), "198.51.100.1"), POLICY_DENY);
    /* an unknown source satisfies no IP condition either way */
    assert_int_equal(eval(p, ARN("/prod/GET/"), NULL), POLICY_NO_MATCH);
}

static void evaluate_not_action_not_resource(void **state)
{
    policy_t *p = parse_ok("{\"Statement\": ["
                           "{\"Effect\": \"Allow\", \"Action\": \"*\", \"NotResource\": "
                           "\"arn:aws:execute-api:*:*:*/*/POST/*\"},"
                           "{\"Effect\": \"Deny\", \"NotAction\": \"execute-api:Invoke\", "
                           "\"Resource\": \"*\"}]}",
                           POLICY_AUTHORIZER);
    assert_int_equal(eval(p, ARN("/prod/GET/pets"), NULL), POLICY_ALLOW);
    assert_int_equal(eval(p, ARN("/prod/POST/pets"), NULL), POLICY_NO_MATCH);
}

static void method_arn_format(void **state)
{
    char buf[128];
    int n = policy_method_arn(buf, sizeof(buf), API, "prod", "GET", 3, "/pets/7", 7);
    assert_int_equal(n, (int)strlen(ARN("/prod/GET/pets/7")));
    assert_string_equal(buf, ARN("/prod/GET/pets/7"));
    assert_int_equal(policy_method_arn(buf, 20, API, "prod", "GET", 3, "/", 1), -1);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(glob_matches),
        cmocka_unit_test(cidr_parse_and_contain),
        cmocka_unit_test(cidr_refused),
        cmocka_unit_test(parse_refuses),
        cmocka_unit_test(evaluate_explicit_deny_wins),
        cmocka_unit_test(evaluate_source_ip),
        cmocka_unit_test(evaluate_not_action_not_resource),
        cmocka_unit_test(method_arn_format),
    };
    return cmocka_run_group_tests_name("policy", tests, setup, teardown);
}
