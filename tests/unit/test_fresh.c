/* Unit tests for common/fresh.h: time windows, sequences and incarnations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fresh.h"

#define NOW 1700000000000ULL

typedef struct {
    const char *name;
    const char *sender;
    uint64_t incarnation, seq;
    int64_t age_ms; /* now - sent_at */
    int want;
} step_t;

/* One scenario: messages offered in order to one table, each with its verdict. */
static void run(const step_t *steps, size_t n)
{
    fresh_table_t *t = fresh_table_create(4);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++) {
        const step_t *s = &steps[i];
        envelope_t env = {.sender = s->sender,
                          .incarnation = s->incarnation,
                          .seq = s->seq,
                          .sent_at_ms = (uint64_t)((int64_t)NOW - s->age_ms)};
        int rc = fresh_table_accept(t, &env, NOW);
        if (rc != s->want)
            fail_msg("%s: %d, want %d (%s)", s->name, rc, s->want, fresh_strerror(rc));
    }
    fresh_table_destroy(t);
}

static void sequences_grow(void **state)
{
    static const step_t steps[] = {
        {"first", "a", 100, 1, 0, FRESH_OK},
        {"next", "a", 100, 2, 0, FRESH_OK},
        {"same again", "a", 100, 2, 0, FRESH_EREPLAY},
        {"older", "a", 100, 1, 0, FRESH_EREPLAY},
        {"gap is fine", "a", 100, 9, 0, FRESH_OK},
        {"another sender has its own", "b", 100, 1, 0, FRESH_OK},
    };
    run(steps, sizeof(steps) / sizeof(steps[0]));
}

static void time_window(void **state)
{
    static const step_t steps[] = {
        {"just inside", "a", 100, 1, FRESH_WINDOW_MS, FRESH_OK},
        {"too old", "a", 100, 2, FRESH_WINDOW_MS + 1, FRESH_ESTALE},
        {"from the future", "a", 100, 3, -(int64_t)FRESH_WINDOW_MS - 1, FRESH_ESTALE},
        {"unknown sender, too old", "z", 1, 1, 10 * 60 * 1000, FRESH_ESTALE},
    };
    run(steps, sizeof(steps) / sizeof(steps[0]));
}

static void incarnations(void **state)
{
    static const step_t steps[] = {
        {"first run", "a", 100, 50, 5000, FRESH_OK},
        {"restart: newer incarnation, seq from 1", "a", 200, 1, 1000, FRESH_OK},
        {"the first run's messages come back", "a", 100, 51, 4000, FRESH_EREPLAY},
        {"even later ones of the first run", "a", 100, 60, 1500, FRESH_EREPLAY},
        {"the new run goes on", "a", 200, 2, 500, FRESH_OK},
        /* a clock set back across a restart: an older start time, sent later */
        {"older start time but sent later", "a", 150, 1, 0, FRESH_OK},
    };
    run(steps, sizeof(steps) / sizeof(steps[0]));
}

static void table_is_bounded(void **state)
{
    static const step_t steps[] = {
        {"1", "a", 1, 1, 0, FRESH_OK},
        {"2", "b", 1, 1, 0, FRESH_OK},
        {"3", "c", 1, 1, 0, FRESH_OK},
        {"4", "d", 1, 1, 0, FRESH_OK},
        {"5th sender", "e", 1, 1, 0, FRESH_EFULL},
        {"known still", "a", 1, 2, 0, FRESH_OK},
    };
    run(steps, sizeof(steps) / sizeof(steps[0]));
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(sequences_grow),
        cmocka_unit_test(time_window),
        cmocka_unit_test(incarnations),
        cmocka_unit_test(table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
