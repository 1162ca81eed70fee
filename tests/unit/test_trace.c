/* Unit tests for dataplane/observe/trace.h's formatting (hand-written hex,
 * no snprintf): the same text snprintf gives, and a traceparent we format
 * is one trace_begin continues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "trace.h"

static void formats_like_snprintf(void **state)
{
    static const trace_t cases[] = {
        {0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x00000000000000a1ULL, 0x01},
        {0, 1, UINT64_MAX, 0},
        {UINT64_MAX, UINT64_MAX, 1, 0xff},
        {0x1f2e3d4c5b6a7988ULL, 0x0011223344556677ULL, 0x8899aabbccddeeffULL, 0x7e},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const trace_t *tr = &cases[i];
        char got[TRACE_PARENT_LEN + 1], want[TRACE_PARENT_LEN + 1], id[33], want_id[33];
        memset(got, 'x', sizeof(got));
        trace_format_parent(tr, got);
        snprintf(want, sizeof(want), "00-%016llx%016llx-%016llx-%02x",
                 (unsigned long long)tr->trace_hi, (unsigned long long)tr->trace_lo,
                 (unsigned long long)tr->span, tr->flags);
        assert_string_equal(got, want);
        trace_format_id(tr, id);
        snprintf(want_id, sizeof(want_id), "%016llx%016llx", (unsigned long long)tr->trace_hi,
                 (unsigned long long)tr->trace_lo);
        assert_string_equal(id, want_id);
    }
}

static void a_formatted_parent_is_continued(void **state)
{
    trace_t tr = {0x0af7651916cd43ddULL, 0x8448eb211c80319cULL, 0xb7ad6b7169203331ULL, 1};
    char parent[TRACE_PARENT_LEN + 1];
    trace_format_parent(&tr, parent);
    h2o_mem_pool_t pool;
    h2o_mem_init_pool(&pool);
    h2o_headers_t headers = {NULL};
    h2o_add_header_by_str(&pool, &headers, H2O_STRLIT("traceparent"), 0, NULL, parent,
                          strlen(parent));
    rng_t rng = {{42, 4242}};
    trace_t next;
    memset(&next, 0, sizeof(next));
    trace_begin(&next, &rng, &headers);
    assert_true(next.continued);
    assert_true(next.trace_hi == tr.trace_hi && next.trace_lo == tr.trace_lo);
    assert_int_equal(next.flags, 1);
    h2o_mem_clear_pool(&pool);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats_like_snprintf),
        cmocka_unit_test(a_formatted_parent_is_continued),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
