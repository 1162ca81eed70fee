/* Unit tests for dataplane/core/park.c: a request waiting for another
 * request's result — woken on its own worker at once or by message, the
 * request going away before the wake (taken back, or woken without it),
 * and the worker's in-flight count. One table of named cases, through the
 * request fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "park.h"
#include "reqfixture.h"

enum park_wake_by {
    WAKE_HERE,    /* park_wake on the owner's worker: the callback runs at once */
    WAKE_MESSAGE, /* park_wake from elsewhere: the owner's loop delivers it */
    WAKE_NONE,    /* no wake */
};

typedef struct {
    const char *name;
    int gone_first;       /* the request goes away before the wake */
    int take_back;        /* ... and the gone callback takes the record back */
    enum park_wake_by by; /* how the wake comes (if one comes) */
    int expect_woken;     /* the wake callback ran */
    int expect_request;   /* ... with the request (else with NULL) */
    int expect_gone;      /* the gone callback ran */
} park_case_t;

static const park_case_t park_cases[] = {
    {"woken at once on its own worker", 0, 0, WAKE_HERE, 1, 1, 0},
    {"woken by message from another thread", 0, 0, WAKE_MESSAGE, 1, 1, 0},
    {"gone, taken back: no wake", 1, 1, WAKE_NONE, 0, 0, 1},
    {"gone while the wake is on its way", 1, 0, WAKE_HERE, 1, 0, 1},
    {"gone, then woken by message", 1, 0, WAKE_MESSAGE, 1, 0, 1},
};

typedef struct {
    park_t park;
    int take_back;
} test_record_t;

static struct {
    int woken, gone;
    dp_request_t *r;
} seen;

static void on_wake(park_t *p, dp_request_t *r)
{
    seen.woken++;
    seen.r = r;
    free(H2O_STRUCT_FROM_MEMBER(test_record_t, park, p));
}

static int on_gone(park_t *p)
{
    test_record_t *rec = H2O_STRUCT_FROM_MEMBER(test_record_t, park, p);
    seen.gone++;
    if (!rec->take_back)
        return 0;
    free(rec);
    return 1;
}

static void park_case(void **state)
{
    const park_case_t *c = *state;
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    reqfix_snap_deployment(&s, "abcdefghij", "dep001");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    reqfix_t f;
    reqfix_init(&f, rt);
    h2o_evloop_t *loop = h2o_evloop_create();
    h2o_multithread_queue_t *queue = h2o_multithread_create_queue(loop);
    h2o_multithread_register_receiver(queue, &f.thread.park_receiver, park_on_message);
    memset(&seen, 0, sizeof(seen));

    reqfix_request(&f, "GET", "abcdefghij.execute-api.localhost", "/prod/");
    dp_request_t *r = &f.r;
    unsigned base = f.thread.inflight; /* the request itself */
    test_record_t *rec = calloc(1, sizeof(*rec));
    assert_non_null(rec);
    rec->take_back = c->take_back;
    park_init(&rec->park, r, on_wake, on_gone);
    park_request(&rec->park);
    assert_int_equal(f.thread.inflight, base + 1);
    if (c->gone_first) {
        reqfix_request(&f, "GET", "abcdefghij.execute-api.localhost", "/prod/"); /* disposes r */
        base = 1; /* the new request */
        assert_int_equal(seen.gone, 1);
        assert_int_equal(f.thread.inflight, base + (c->take_back ? 0 : 1));
    }
    if (c->by == WAKE_HERE) {
        park_wake(&rec->park, &f.thread);
    } else if (c->by == WAKE_MESSAGE) {
        park_wake(&rec->park, NULL);
        assert_int_equal(seen.woken, 0); /* not before the owner's loop runs */
        for (int i = 0; i < 100 && seen.woken == 0; i++)
            h2o_evloop_run(loop, 10);
    }
    assert_int_equal(seen.woken, c->expect_woken);
    assert_int_equal(seen.gone, c->expect_gone);
    if (c->expect_woken)
        assert_ptr_equal(seen.r, c->expect_request ? r : NULL);
    assert_int_equal(f.thread.inflight, base);

    h2o_multithread_unregister_receiver(queue, &f.thread.park_receiver);
    h2o_multithread_destroy_queue(queue);
    reqfix_dispose(&f);
}

int main(void)
{
    enum { N = sizeof(park_cases) / sizeof(park_cases[0]) };
    struct CMUnitTest tests[N];
    for (size_t i = 0; i < N; i++)
        tests[i] =
            (struct CMUnitTest){park_cases[i].name, park_case, NULL, NULL, (void *)&park_cases[i]};
    return _cmocka_run_group_tests("park", tests, N, NULL, NULL);
}
