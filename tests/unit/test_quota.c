/* test_quota: the per-key quota word — the lease budget a node holds. One
 * table of named cases: each is a list of operations on one word and the
 * budget held after each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "quota.h"

enum op { GRANT, TAKE, RECLAIM, RECLAIM_DRY, UNDRY, END };

typedef struct {
    enum op op;
    uint32_t period;
    uint64_t n;    /* GRANT: amount */
    int result;    /* TAKE: 1/0; RECLAIM: what came back */
    uint64_t held; /* after the op, in that period */
    int dry;       /* after the op */
} quota_step_t;

typedef struct {
    const char *name;
    quota_step_t steps[10];
} quota_case_t;

static const quota_case_t quota_cases[] = {
    {"nothing held: nothing spent", {{TAKE, 19000, 0, 0, 0, 0}, {END}}},
    {"spends exactly the grant",
     {{GRANT, 19000, 2, 0, 2, 0},
      {TAKE, 19000, 0, 1, 1, 0},
      {TAKE, 19000, 0, 1, 0, 0},
      {TAKE, 19000, 0, 0, 0, 0},
      {END}}},
    {"grants add up", {{GRANT, 19000, 2, 0, 2, 0}, {GRANT, 19000, 3, 0, 5, 0}, {END}}},
    {"a grant of 0 marks dry, a later grant clears it",
     {{GRANT, 19000, 1, 0, 1, 0},
      {GRANT, 19000, 0, 0, 1, 1},
      {TAKE, 19000, 0, 1, 0, 1},
      {GRANT, 19000, 4, 0, 4, 0},
      {END}}},
    {"a new period holds nothing of the old",
     {{GRANT, 19000, 5, 0, 5, 0},
      {TAKE, 19001, 0, 0, 0, 0},
      {GRANT, 19001, 1, 0, 1, 0},
      {TAKE, 19001, 0, 1, 0, 0},
      {END}}},
    {"a grant for an older period is ignored",
     {{GRANT, 19001, 1, 0, 1, 0}, {GRANT, 19000, 7, 0, 0, 0}, {TAKE, 19001, 0, 1, 0, 0}, {END}}},
    {"reclaim takes everything back",
     {{GRANT, 19000, 6, 0, 6, 0},
      {TAKE, 19000, 0, 1, 5, 0},
      {RECLAIM, 19000, 0, 5, 0, 0},
      {TAKE, 19000, 0, 0, 0, 0},
      {END}}},
    {"reclaim dry, then undry",
     {{GRANT, 19000, 3, 0, 3, 0},
      {RECLAIM_DRY, 19000, 0, 3, 0, 1},
      {UNDRY, 19000, 0, 0, 0, 0},
      {END}}},
};

static void quota_case(void **state)
{
    const quota_case_t *c = *state;
    _Atomic uint64_t w = 0;
    for (const quota_step_t *s = c->steps; s->op != END; s++) {
        switch (s->op) {
        case GRANT:
            quota_grant(&w, s->period, s->n);
            break;
        case TAKE:
            assert_int_equal(quota_take(&w, s->period), s->result);
            break;
        case RECLAIM:
        case RECLAIM_DRY:
            assert_int_equal(quota_reclaim(&w, s->period, s->op == RECLAIM_DRY), s->result);
            break;
        case UNDRY:
            quota_undry(&w, s->period);
            break;
        case END:
            break;
        }
        assert_int_equal(quota_held(&w, s->period), s->held);
        assert_int_equal(quota_dry(&w, s->period), s->dry);
    }
}

int main(void)
{
    enum { N = sizeof(quota_cases) / sizeof(quota_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){quota_cases[i].name, quota_case, NULL, NULL,
                                       (void *)&quota_cases[i]};
    return _cmocka_run_group_tests("quota", tests, N, NULL, NULL);
}
