/* Unit tests for dataplane/step/step_throttle.c: the stage's and the usage
 * plan's token buckets (429 Too Many Requests) and the key's quota (429
 * Limit Exceeded). Each case sends a burst of requests at once (the buckets
 * refill far slower than the case runs) and lists the answers in order.
 * One table of named cases, through the request fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "keytab.h"
#include "period.h"
#include "quota.h"
#include "reqfixture.h"

#define HOST "abcdefghij.execute-api.localhost"
#define KEY "throttle-key-0123456789"
#define MAX_SENT 8

typedef struct {
    const char *name;
    const char *path;
    int with_key;
    int nsent;
    int expect[MAX_SENT]; /* 0: through; else the 429 (1: throttled, 2: quota) */
    int lease;            /* quota budget leased to the node before the requests */
    int dry;              /* and then: nothing more to be had */
} throttle_case_t;

static const throttle_case_t throttle_cases[] = {
    /* stage-wide burst 3 */
    {"stage burst", "/prod/pets", 0, 5, {0, 0, 0, 1, 1}},
    /* the method's own setting (burst 1) replaces the stage's */
    {"method setting", "/prod/slow", 0, 3, {0, 1, 1}},
    /* plan burst 2 is reached before the stage's 3 */
    {"usage plan burst", "/keyed/pets", 1, 4, {0, 0, 1, 1}},
    /* quota of 2 a day on its own plan, no throttle: the node spends the
     * lease it holds, then the control plane has nothing left */
    {"quota lease spent", "/quota/pets", 1, 4, {0, 0, 2, 2}, 2, 1},
    {"quota lease of one", "/quota/pets", 1, 3, {0, 2, 2}, 1, 1},
    {"quota dry, no lease", "/quota/pets", 1, 2, {2, 2}, 0, 1},
};

static int lease_visit(void *ctx, const keytab_hit_t *hit)
{
    if (memcmp(hit->record + KEYREC_PLAN_ID_AT, "plan02", KEYREC_PLAN_ID_LEN) != 0)
        return 0;
    *(_Atomic uint64_t **)ctx = &hit->state[KEYTAB_STATE_QUOTA];
    return 1;
}

/* What the cluster thread does when a grant arrives. */
static void lease_grant(runtime_t *rt, uint64_t amount, int dry)
{
    uint8_t sha[CRYPTO_SHA256_LEN];
    _Atomic uint64_t *word = NULL;
    crypto_sha256(KEY, strlen(KEY), sha);
    keytab_find(rt->keys, sha, lease_visit, &word);
    assert_non_null(word);
    uint32_t period = period_start(PERIOD_DAY, period_day_of_ms(clock_wall_ms()));
    if (amount > 0)
        quota_grant(word, period, amount);
    if (dry)
        quota_grant(word, period, 0);
}

static runtime_t *throttle_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, "abcdefghij", "dep001");
    reqfix_snap_method(&s, d, "/pets", "GET", "[]");
    reqfix_snap_method(&s, d, "/slow", "GET", "{}");
    Portico__ApiDefinition *keyed = reqfix_snap_deployment(&s, "abcdefghij", "dep002");
    reqfix_snap_method(&s, keyed, "/pets", "GET", "[]")->api_key_required = 1;
    const char *const stages[] = {"prod", "keyed", "quota"};
    for (size_t i = 0; i < 3; i++) {
        Portico__StageBinding *b =
            reqfix_snap_stage(&s, "abcdefghij", stages[i], i == 0 ? "dep001" : "dep002");
        Portico__MethodSetting *all = reqfix_snap_setting(&s, b, "*", "*");
        all->throttling_burst_limit = 3;
        all->throttling_rate_limit = 0.001;
        if (i == 0) {
            Portico__MethodSetting *slow = reqfix_snap_setting(&s, b, "/slow", "GET");
            slow->throttling_burst_limit = 1;
            slow->throttling_rate_limit = 0.001;
        }
    }
    Portico__UsagePlan *p = reqfix_snap_plan(&s, "plan01", "abcdefghij", "keyed");
    p->has_throttle = 1;
    p->burst_limit = 2;
    p->rate_limit = 0.001;
    Portico__UsagePlan *q = reqfix_snap_plan(&s, "plan02", "abcdefghij", "quota");
    q->has_quota = 1;
    q->quota_limit = 2;
    q->quota_period = "DAY";
    reqfix_snap_key(&s, KEY, "key0000001", "plan01");
    reqfix_snap_key(&s, KEY, "key0000001", "plan02");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

static void throttle_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host, step_route, step_api_key, step_throttle};
    const throttle_case_t *c = *state;
    {
        reqfix_t f;
        runtime_t *rt = throttle_runtime();
        reqfix_init(&f, rt); /* fresh buckets for each case */
        if (c->lease > 0 || c->dry)
            lease_grant(rt, (uint64_t)c->lease, c->dry);
        for (int k = 0; k < c->nsent; k++) {
            reqfix_request(&f, "GET", HOST, c->path);
            if (c->with_key)
                reqfix_header(&f, "x-api-key", KEY);
            enum step_result res = reqfix_run(&f, steps, sizeof(steps) / sizeof(steps[0]));
            if (c->expect[k] == 0) {
                assert_int_equal(res, STEP_CONTINUE);
                continue;
            }
            assert_int_equal(res, STEP_DONE);
            assert_int_equal(reqfix_status(&f), 429);
            assert_string_equal(f.body.base, c->expect[k] == 1
                                                 ? "{\"message\":\"Too Many Requests\"}"
                                                 : "{\"message\":\"Limit Exceeded\"}");
        }
        reqfix_dispose(&f);
    }
}

int main(void)
{
    enum { N = sizeof(throttle_cases) / sizeof(throttle_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){throttle_cases[i].name, throttle_case, NULL, NULL,
                                       (void *)&throttle_cases[i]};
    return _cmocka_run_group_tests("step_throttle", tests, N, NULL, NULL);
}
