/* Unit tests for common/promtext.h: the Prometheus text exposition writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

static char *finish(promtext_t *p)
{
    size_t len;
    char *text = promtext_finish(p, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static void family_and_plain_samples(void **state)
{
    promtext_t p = {0};
    promtext_family(&p, "x_total", "counter", "Things.");
    promtext_u64(&p, "x_total", NULL, 0, 18446744073709551615ULL);
    promtext_double(&p, "y", (promtext_label_t[]){{"a", "1"}}, 1, 0.5);
    char *text = finish(&p);
    assert_string_equal(text, "# HELP x_total Things.\n# TYPE x_total counter\n"
                              "x_total 18446744073709551615\ny{a=\"1\"} 0.5\n");
    free(text);
}

static void label_values_are_escaped(void **state)
{
    promtext_t p = {0};
    promtext_u64(&p, "z", (promtext_label_t[]){{"path", "/a\"b\\c\nd"}, {"m", "GET"}}, 2, 1);
    char *text = finish(&p);
    assert_string_equal(text, "z{path=\"/a\\\"b\\\\c\\nd\",m=\"GET\"} 1\n");
    free(text);
}

static void histogram_buckets_are_cumulative(void **state)
{
    metricvec_t m = {0};
    metricvec_add_request(&m, 200, 90, -1, 0);       /* ≤ 100 µs */
    metricvec_add_request(&m, 200, 1200, -1, 0);     /* ≤ 1.5 ms */
    metricvec_add_request(&m, 200, 99000000, -1, 0); /* +Inf */
    promtext_t p = {0};
    promtext_histogram(&p, "h_seconds", (promtext_label_t[]){{"api", "a"}}, 1, &m, MV_LATENCY_BKT,
                       m.v[MV_LATENCY_SUM]);
    char *text = finish(&p);
    assert_non_null(strstr(text, "h_seconds_bucket{api=\"a\",le=\"0.0001\"} 1\n"));
    assert_non_null(strstr(text, "h_seconds_bucket{api=\"a\",le=\"0.001\"} 1\n"));
    assert_non_null(strstr(text, "h_seconds_bucket{api=\"a\",le=\"0.0015\"} 2\n"));
    assert_non_null(strstr(text, "h_seconds_bucket{api=\"a\",le=\"30\"} 2\n"));
    assert_non_null(strstr(text, "h_seconds_bucket{api=\"a\",le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(text, "h_seconds_sum{api=\"a\"} 99.001290\n"));
    assert_non_null(strstr(text, "h_seconds_count{api=\"a\"} 3\n"));
    /* one line per bucket plus _sum and _count */
    size_t lines = 0;
    for (const char *c = text; *c != '\0'; c++)
        lines += *c == '\n';
    assert_int_equal(lines, METRICVEC_BUCKETS + 2);
    free(text);
}

static void request_families_carry_status_classes(void **state)
{
    metricvec_t m = {0};
    metricvec_add_request(&m, 200, 10, 5, 1);
    metricvec_add_request(&m, 404, 10, -1, 2);
    metricvec_add_request(&m, 503, 10, 7, 0);
    promtext_series_t s = {"api1", "prod", "/pets", "GET", 1, &m};
    promtext_t p = {0};
    promtext_requests(&p, &s, 1);
    char *text = finish(&p);
    const char *labels =
        "api=\"api1\",stage=\"prod\",resource=\"/pets\",method=\"GET\",canary=\"true\"";
    char want[512];
    static const struct {
        const char *name, *rest;
    } lines[] = {
        {"portico_requests_total", ",status_class=\"2xx\"} 1\n"},
        {"portico_requests_total", ",status_class=\"4xx\"} 1\n"},
        {"portico_requests_total", ",status_class=\"5xx\"} 1\n"},
        {"portico_cache_hits_total", "} 1\n"},
        {"portico_cache_misses_total", "} 1\n"},
        {"portico_request_duration_seconds_count", "} 3\n"},
        {"portico_integration_duration_seconds_count", "} 2\n"},
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        snprintf(want, sizeof(want), "%s{%s%s", lines[i].name, labels, lines[i].rest);
        if (strstr(text, want) == NULL)
            fail_msg("missing: %s", want);
    }
    assert_null(strstr(text, "3xx")); /* only when there are some */
    assert_non_null(strstr(text, "# TYPE portico_request_duration_seconds histogram\n"));
    free(text);
}

static void empty_text_is_an_empty_string(void **state)
{
    promtext_t p = {0};
    char *text = finish(&p);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(family_and_plain_samples),
        cmocka_unit_test(label_values_are_escaped),
        cmocka_unit_test(histogram_buckets_are_cumulative),
        cmocka_unit_test(request_families_carry_status_classes),
        cmocka_unit_test(empty_text_is_an_empty_string),
    };
    return cmocka_run_group_tests_name("promtext", tests, NULL, NULL);
}
