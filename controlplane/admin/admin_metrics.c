/* admin_metrics: both endpoints read the admin loop's own store connection;
 * the rows they read are written by the PULL thread's (metrics_agg.c). */
#include "admin_metrics.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "promtext.h"
#include "store_metrics.h"

#define METRICS_QUERY_DEFAULT_S 3600
#define METRICS_QUERY_MAX_PERIODS 10080

/* ---- GET /metrics ---------------------------------------------------------------- */

typedef struct {
    admin_call_t *c;
    promtext_series_t *series;
    metricvec_t *vecs;
    size_t n, cap;
} totals_t;

static char *pool_dup(admin_call_t *c, const char *s)
{
    return h2o_strdup(&c->req->pool, s, strlen(s)).base;
}

static int totals_add(void *ctx, int64_t minute, const store_metric_key_t *k, const metricvec_t *v)
{
    totals_t *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap == 0 ? 64 : t->cap * 2;
        promtext_series_t *s = realloc(t->series, cap * sizeof(*s));
        if (s != NULL)
            t->series = s;
        metricvec_t *vv = realloc(t->vecs, cap * sizeof(*vv));
        if (vv != NULL)
            t->vecs = vv;
        if (s == NULL || vv == NULL)
            return STORE_EIO;
        t->cap = cap;
    }
    t->vecs[t->n] = *v;
    t->series[t->n] = (promtext_series_t){pool_dup(t->c, k->api_id),
                                          pool_dup(t->c, k->stage),
                                          pool_dup(t->c, k->resource),
                                          pool_dup(t->c, k->method),
                                          k->canary,
                                          NULL};
    t->n++;
    return STORE_OK;
}

static void metrics_cluster_gauges(admin_call_t *c, promtext_t *p)
{
    promtext_family(p, "portico_config_version", "gauge", "Configuration version published.");
    promtext_u64(p, "portico_config_version", NULL, 0, publish_version(c->publish));
    promtext_family(p, "portico_nodes_live", "gauge", "Data plane nodes that reported lately.");
    promtext_u64(p, "portico_nodes_live", NULL, 0, nodes_live_count(c->cp->nodes, clock_wall_ms()));
}

void admin_metrics_prometheus(admin_call_t *c)
{
    totals_t t = {.c = c};
    promtext_t p = {0};
    int rc = store_metrics_visit_totals(c->store, totals_add, &t);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        goto out;
    }
    for (size_t i = 0; i < t.n; i++)
        t.series[i].v = &t.vecs[i]; /* the array has stopped moving */
    promtext_requests(&p, t.series, t.n);
    metrics_cluster_gauges(c, &p);
    size_t len;
    char *text = promtext_finish(&p, &len);
    if (text == NULL)
        admin_fail(c, 500, "InternalFailure", "Out of memory");
    else
        admin_reply_text(c, 200, PROMTEXT_CONTENT_TYPE, text, len);
out:
    promtext_dispose(&p);
    free(t.series);
    free(t.vecs);
}

/* ---- GET /cluster/metrics ----------------------------------------------------------- */

typedef struct {
    int64_t from_minute;
    int64_t period_minutes;
    size_t nperiods;
    metricvec_t *sums;
} query_t;

static int query_add(void *ctx, int64_t minute, const store_metric_key_t *k, const metricvec_t *v)
{
    query_t *q = ctx;
    size_t i = (size_t)((minute - q->from_minute) / q->period_minutes);
    if (i < q->nperiods)
        metricvec_add(&q->sums[i], v);
    return STORE_OK;
}

/* Epoch seconds, or ISO 8601 in UTC (2026-11-21T08:00:00Z). -1 when neither. */
/* 9999-12-31T23:59:59Z: later times are refused rather than overflowed. */
#define ADMIN_METRICS_MAX_TIME 253402300799LL

static int64_t parse_time(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s != '\0' && *end == '\0')
        return v >= 0 ? v : -1;
    struct tm tm = {0};
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL || (*end != '\0' && strcmp(end, "Z") != 0))
        return -1;
    return (int64_t)timegm(&tm);
}

static int query_time(admin_call_t *c, const char *name, int64_t dflt, int64_t *out)
{
    const char *v = admin_query(c, name);
    *out = v != NULL ? parse_time(v) : dflt;
    if (*out >= 0 && *out <= ADMIN_METRICS_MAX_TIME) /* keeps (to + 59) and the rest in range */
        return 0;
    admin_bad_request(c, "Invalid %s: epoch seconds or YYYY-MM-DDThh:mm:ssZ expected", name);
    return -1;
}

static int query_period(admin_call_t *c, int64_t *minutes)
{
    const char *v = admin_query(c, "period");
    char *end;
    long long p = v != NULL ? strtoll(v, &end, 10) : 60;
    if (v != NULL && (*v == '\0' || *end != '\0' || p < 60 || p % 60 != 0 || p > 86400 * 31)) {
        admin_bad_request(c, "Invalid period: a multiple of 60 seconds, at most 31 days");
        return -1;
    }
    *minutes = p / 60;
    return 0;
}

static json_t *series_counts(const query_t *q, int slot)
{
    json_t *a = json_array();
    for (size_t i = 0; i < q->nperiods; i++)
        json_array_append_new(a, json_integer((json_int_t)q->sums[i].v[slot]));
    return json_pack("{s:o}", "sum", a);
}

static json_t *series_latency(const query_t *q, int count_slot, int sum_slot, int first)
{
    static const struct {
        const char *name;
        double q;
    } quantiles[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}};
    json_t *o = json_object(), *sum = json_array(), *count = json_array(), *avg = json_array();
    for (size_t i = 0; i < q->nperiods; i++) {
        const metricvec_t *m = &q->sums[i];
        uint64_t n = count_slot >= 0 ? m->v[count_slot] : 0;
        json_array_append_new(sum, json_real((double)m->v[sum_slot] / 1000.0));
        json_array_append_new(count, json_integer((json_int_t)n));
        json_array_append_new(avg,
                              json_real(n > 0 ? (double)m->v[sum_slot] / 1000.0 / (double)n : 0.0));
    }
    json_object_set_new(o, "sum", sum);
    json_object_set_new(o, "sampleCount", count);
    json_object_set_new(o, "average", avg);
    for (size_t k = 0; k < sizeof(quantiles) / sizeof(quantiles[0]); k++) {
        json_t *a = json_array();
        for (size_t i = 0; i < q->nperiods; i++)
            json_array_append_new(
                a, json_real(metricvec_quantile(&q->sums[i], first, quantiles[k].q) / 1000.0));
        json_object_set_new(o, quantiles[k].name, a);
    }
    return o;
}

static json_t *query_json(admin_call_t *c, const query_t *q, int64_t from, int64_t to)
{
    json_t *ts = json_array();
    for (size_t i = 0; i < q->nperiods; i++)
        json_array_append_new(
            ts, json_integer((json_int_t)((q->from_minute + (int64_t)i * q->period_minutes) * 60)));
    json_t *metrics = json_object();
    json_object_set_new(metrics, "Count", series_counts(q, MV_COUNT));
    json_object_set_new(metrics, "4XXError", series_counts(q, MV_4XX));
    json_object_set_new(metrics, "5XXError", series_counts(q, MV_5XX));
    json_object_set_new(metrics, "CacheHitCount", series_counts(q, MV_CACHE_HIT));
    json_object_set_new(metrics, "CacheMissCount", series_counts(q, MV_CACHE_MISS));
    /* every request has a latency: its sample count is Count */
    json_object_set_new(metrics, "Latency",
                        series_latency(q, MV_COUNT, MV_LATENCY_SUM, MV_LATENCY_BKT));
    json_object_set_new(metrics, "IntegrationLatency",
                        series_latency(q, MV_INTEG_COUNT, MV_INTEG_SUM, MV_INTEG_BKT));
    json_t *body =
        json_pack("{s:I,s:I,s:I,s:o,s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "period",
                  (json_int_t)(q->period_minutes * 60), "timestamps", ts, "metrics", metrics);
    static const char *const filters[] = {"api", "stage", "resource", "method"};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        const char *v = admin_query(c, filters[i]);
        json_object_set_new(body, filters[i], v != NULL ? json_string(v) : json_null());
    }
    return body;
}

void admin_metrics_query(admin_call_t *c)
{
    int64_t now = (int64_t)(clock_wall_ms() / 1000), from, to, period;
    if (query_time(c, "to", now, &to) != 0 ||
        query_time(c, "from", to - METRICS_QUERY_DEFAULT_S, &from) != 0 ||
        query_period(c, &period) != 0)
        return;
    if (from >= to) {
        admin_bad_request(c, "from must be before to");
        return;
    }
    query_t q = {.from_minute = from / 60, .period_minutes = period};
    /* the minute holding `to` counts: `to` defaults to now in whole seconds,
     * and requests of this very second are in that minute (rounding `to` up
     * dropped the current minute whenever now fell on its first second) */
    int64_t to_minute = to / 60 + 1;
    q.nperiods = (size_t)((to_minute - q.from_minute + period - 1) / period);
    if (q.nperiods > METRICS_QUERY_MAX_PERIODS) {
        admin_bad_request(c, "The range covers more than %d periods; use a longer period",
                          METRICS_QUERY_MAX_PERIODS);
        return;
    }
    q.sums = calloc(q.nperiods, sizeof(*q.sums));
    if (q.sums == NULL) {
        admin_fail(c, 500, "InternalFailure", "Out of memory");
        return;
    }
    store_metrics_query_t sq = {admin_query(c, "api"),
                                admin_query(c, "stage"),
                                admin_query(c, "resource"),
                                admin_query(c, "method"),
                                q.from_minute,
                                q.from_minute + (int64_t)q.nperiods * period};
    int rc = store_metrics_visit_minutes(c->store, &sq, query_add, &q);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, "");
    else
        admin_reply(c, 200, query_json(c, &q, from, to));
    free(q.sums);
}
