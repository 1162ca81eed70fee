/* test_rate_share: rate limits split among nodes by demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rate_share.h"

#define MAXN 4

typedef struct {
    const char *name;
    size_t n;
    double demand[MAXN];
    uint32_t want[MAXN];
} share_case_t;

static const share_case_t cases[] = {
    {"one node takes everything", 1, {5}, {1000000}},
    {"no traffic: even", 2, {0, 0}, {500000, 500000}},
    {"even traffic: even", 2, {10, 10}, {500000, 500000}},
    /* floor 5 % each, the other 90 % by demand */
    {"90/10", 2, {18, 2}, {860000, 140000}},
    {"all on one node: the other keeps its floor", 2, {30, 0}, {950000, 50000}},
    {"three nodes", 3, {6, 3, 1}, {573333, 303333, 123333}},
    {"negative demand counts as none", 2, {-4, 4}, {50000, 950000}},
};

static void splits(void **state)
{
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const share_case_t *t = &cases[c];
        uint32_t got[MAXN] = {0};
        rate_share_split(t->demand, t->n, got);
        uint64_t sum = 0;
        for (size_t i = 0; i < t->n; i++) {
            if (got[i] + 1 < t->want[i] || got[i] > t->want[i] + 1)
                fail_msg("%s: node %zu has %u ppm, want %u", t->name, i, got[i], t->want[i]);
            sum += got[i];
        }
        if (sum > RATE_SHARE_ONE)
            fail_msg("%s: shares sum to %llu ppm", t->name, (unsigned long long)sum);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(splits)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
