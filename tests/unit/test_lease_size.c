/* test_lease_size: how much quota budget the control plane leases to a
 * node (controlplane/cluster/lease_size.c). One table of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lease_size.h"

typedef struct {
    const char *name;
    lease_input_t in;
    uint64_t want;
} lease_case_t;

static const lease_case_t lease_cases[] = {
    {"nothing left", {.remaining = 0, .live_nodes = 2, .spent = 100, .interval_ms = 1000}, 0},
    {"first ask: the minimum", {.remaining = 1000, .live_nodes = 1}, LEASE_MIN},
    {"demand over the horizon",
     {.remaining = 100000, .live_nodes = 1, .spent = 100, .interval_ms = 1000},
     100 * LEASE_HORIZON_MS / 1000},
    {"1,000 rps for 2 s",
     {.remaining = 1000000, .live_nodes = 2, .spent = 2000, .interval_ms = 2000},
     1000 * LEASE_HORIZON_MS / 1000},
    {"used fast: at least double the previous lease",
     {.remaining = 100000,
      .live_nodes = 1,
      .spent = 1,
      .interval_ms = 1000,
      .prev_grant = 50,
      .prev_age_ms = 500},
     100},
    {"used slowly: demand only",
     {.remaining = 100000,
      .live_nodes = 1,
      .spent = 10,
      .interval_ms = 10000,
      .prev_grant = 50,
      .prev_age_ms = 10000},
     10 * LEASE_HORIZON_MS / 10000},
    {"bounded by the fair part of what is left",
     {.remaining = 10, .live_nodes = 2, .spent = 1000, .interval_ms = 1000},
     5},
    {"fair part rounds up",
     {.remaining = 7, .live_nodes = 3, .spent = 1000, .interval_ms = 1000},
     3},
    {"the last unit goes to whoever asks",
     {.remaining = 1, .live_nodes = 3, .spent = 1000, .interval_ms = 1000},
     1},
    {"0 live nodes counts as 1",
     {.remaining = 10, .live_nodes = 0, .spent = 1000, .interval_ms = 1000},
     10},
    {"slow demand still gets the minimum",
     {.remaining = 10, .live_nodes = 1, .spent = 1, .interval_ms = 60000},
     LEASE_MIN},
    {"huge demand is capped",
     {.remaining = UINT64_MAX, .live_nodes = 1, .spent = UINT64_MAX, .interval_ms = 1},
     LEASE_MAX},
};

static void lease_case(void **state)
{
    const lease_case_t *c = *state;
    assert_int_equal(lease_size(&c->in), c->want);
}

int main(void)
{
    enum { N = sizeof(lease_cases) / sizeof(lease_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){lease_cases[i].name, lease_case, NULL, NULL,
                                       (void *)&lease_cases[i]};
    return _cmocka_run_group_tests("lease_size", tests, N, NULL, NULL);
}
