/* promtext: label values escape backslash, double quote and newline, the
 * three characters the exposition format reserves; numbers use the shortest
 * form that reads back exactly. */
#include "promtext.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void promtext_put(promtext_t *p, const char *s, size_t n)
{
    if (p->failed)
        return;
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap == 0 ? 4096 : p->cap;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *bigger = realloc(p->buf, cap);
        if (bigger == NULL) {
            p->failed = 1;
            return;
        }
        p->buf = bigger;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static void promtext_str(promtext_t *p, const char *s)
{
    promtext_put(p, s, strlen(s));
}

static void promtext_printf(promtext_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void promtext_printf(promtext_t *p, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        promtext_put(p, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void promtext_escaped(promtext_t *p, const char *v)
{
    for (const char *s = v; *s != '\0'; s++) {
        if (*s == '\\')
            promtext_put(p, "\\\\", 2);
        else if (*s == '"')
            promtext_put(p, "\\\"", 2);
        else if (*s == '\n')
            promtext_put(p, "\\n", 2);
        else
            promtext_put(p, s, 1);
    }
}

/* name{a="x",b="y"[,le="..."]} */
static void promtext_head(promtext_t *p, const char *name, const char *suffix,
                          const promtext_label_t *labels, size_t n, const char *le)
{
    promtext_str(p, name);
    promtext_str(p, suffix);
    if (n == 0 && le == NULL) {
        promtext_put(p, " ", 1);
        return;
    }
    promtext_put(p, "{", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            promtext_put(p, ",", 1);
        promtext_str(p, labels[i].name);
        promtext_put(p, "=\"", 2);
        promtext_escaped(p, labels[i].value);
        promtext_put(p, "\"", 1);
    }
    if (le != NULL) {
        promtext_str(p, n > 0 ? ",le=\"" : "le=\"");
        promtext_str(p, le);
        promtext_put(p, "\"", 1);
    }
    promtext_put(p, "} ", 2);
}

void promtext_family(promtext_t *p, const char *name, const char *type, const char *help)
{
    promtext_str(p, "# HELP ");
    promtext_str(p, name);
    promtext_put(p, " ", 1);
    promtext_str(p, help);
    promtext_str(p, "\n# TYPE ");
    promtext_str(p, name);
    promtext_put(p, " ", 1);
    promtext_str(p, type);
    promtext_put(p, "\n", 1);
}

void promtext_u64(promtext_t *p, const char *name, const promtext_label_t *labels, size_t n,
                  uint64_t value)
{
    promtext_head(p, name, "", labels, n, NULL);
    promtext_printf(p, "%llu\n", (unsigned long long)value);
}

void promtext_double(promtext_t *p, const char *name, const promtext_label_t *labels, size_t n,
                     double value)
{
    promtext_head(p, name, "", labels, n, NULL);
    promtext_printf(p, "%.17g\n", value);
}

void promtext_histogram(promtext_t *p, const char *name, const promtext_label_t *labels, size_t n,
                        const metricvec_t *m, int first, uint64_t sum_us)
{
    uint64_t cumulative = 0;
    for (int i = 0; i < METRICVEC_BUCKETS; i++) {
        char le[32];
        if (i == METRICVEC_BUCKETS - 1)
            snprintf(le, sizeof(le), "+Inf");
        else
            snprintf(le, sizeof(le), "%g", (double)metricvec_bound_us(i) / 1e6);
        cumulative += m->v[first + i];
        promtext_head(p, name, "_bucket", labels, n, le);
        promtext_printf(p, "%llu\n", (unsigned long long)cumulative);
    }
    promtext_head(p, name, "_sum", labels, n, NULL);
    promtext_printf(p, "%.6f\n", (double)sum_us / 1e6);
    promtext_head(p, name, "_count", labels, n, NULL);
    promtext_printf(p, "%llu\n", (unsigned long long)cumulative);
}

char *promtext_finish(promtext_t *p, size_t *len)
{
    if (p->failed) {
        promtext_dispose(p);
        return NULL;
    }
    promtext_put(p, "", 0);
    char *out = p->buf;
    *len = p->len;
    p->buf = NULL;
    p->len = p->cap = 0;
    return out;
}

void promtext_dispose(promtext_t *p)
{
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}

/* ---- the request families ------------------------------------------------------ */

#define PROMTEXT_SERIES_LABELS 5

static size_t promtext_series_labels(const promtext_series_t *s, promtext_label_t *out)
{
    out[0] = (promtext_label_t){"api", s->api_id};
    out[1] = (promtext_label_t){"stage", s->stage};
    out[2] = (promtext_label_t){"resource", s->resource};
    out[3] = (promtext_label_t){"method", s->method};
    out[4] = (promtext_label_t){"canary", s->canary ? "true" : "false"};
    return PROMTEXT_SERIES_LABELS;
}

static void promtext_status_classes(promtext_t *p, const promtext_series_t *s)
{
    const uint64_t *v = s->v->v;
    uint64_t other = v[MV_3XX] + v[MV_4XX] + v[MV_5XX];
    const struct {
        const char *name;
        uint64_t value;
        int always;
    } classes[] = {
        {"2xx", v[MV_COUNT] >= other ? v[MV_COUNT] - other : 0, 1},
        {"3xx", v[MV_3XX], 0},
        {"4xx", v[MV_4XX], 1},
        {"5xx", v[MV_5XX], 1},
    };
    promtext_label_t labels[PROMTEXT_SERIES_LABELS + 1];
    size_t n = promtext_series_labels(s, labels);
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (!classes[i].always && classes[i].value == 0)
            continue;
        labels[n] = (promtext_label_t){"status_class", classes[i].name};
        promtext_u64(p, "portico_requests_total", labels, n + 1, classes[i].value);
    }
}

static void promtext_counter_family(promtext_t *p, const char *name, const char *help, int slot,
                                    const promtext_series_t *s, size_t n)
{
    promtext_label_t labels[PROMTEXT_SERIES_LABELS];
    promtext_family(p, name, "counter", help);
    for (size_t i = 0; i < n; i++)
        promtext_u64(p, name, labels, promtext_series_labels(&s[i], labels), s[i].v->v[slot]);
}

static void promtext_histogram_family(promtext_t *p, const char *name, const char *help, int first,
                                      int sum_slot, const promtext_series_t *s, size_t n)
{
    promtext_label_t labels[PROMTEXT_SERIES_LABELS];
    promtext_family(p, name, "histogram", help);
    for (size_t i = 0; i < n; i++)
        promtext_histogram(p, name, labels, promtext_series_labels(&s[i], labels), s[i].v, first,
                           s[i].v->v[sum_slot]);
}

void promtext_requests(promtext_t *p, const promtext_series_t *s, size_t n)
{
    promtext_family(p, "portico_requests_total", "counter",
                    "Requests answered by the data planes, by status class.");
    for (size_t i = 0; i < n; i++)
        promtext_status_classes(p, &s[i]);
    promtext_counter_family(p, "portico_cache_hits_total",
                            "Requests answered from the stage cache (CacheHitCount).", MV_CACHE_HIT,
                            s, n);
    promtext_counter_family(p, "portico_cache_misses_total",
                            "Requests the stage cache could not answer (CacheMissCount).",
                            MV_CACHE_MISS, s, n);
    promtext_histogram_family(p, "portico_request_duration_seconds",
                              "Time from a request's arrival to the end of its answer (Latency).",
                              MV_LATENCY_BKT, MV_LATENCY_SUM, s, n);
    promtext_histogram_family(
        p, "portico_integration_duration_seconds",
        "Time from the call to an integration endpoint to its answer (IntegrationLatency).",
        MV_INTEG_BKT, MV_INTEG_SUM, s, n);
}
