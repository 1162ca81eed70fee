/* promtext: writing the Prometheus text exposition format (version 0.0.4):
 * families with HELP and TYPE, samples with escaped label values, and
 * histograms (cumulative buckets ending at le="+Inf", _sum and _count) from a
 * metricvec histogram. The text grows in one malloc'd buffer. */
#ifndef PORTICO_PROMTEXT_H
#define PORTICO_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "metricvec.h"

#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct {
    char *buf;
    size_t len, cap;
    int failed; /* an allocation failed; the text is incomplete */
} promtext_t;

typedef struct {
    const char *name;
    const char *value;
} promtext_label_t;

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void promtext_family(promtext_t *p, const char *name, const char *type, const char *help);

/* name{labels} value; n may be 0. */
void promtext_u64(promtext_t *p, const char *name, const promtext_label_t *labels, size_t n,
                  uint64_t value);
void promtext_double(promtext_t *p, const char *name, const promtext_label_t *labels, size_t n,
                     double value);

/* name_bucket{labels,le=...} for every bucket, name_sum (seconds) and
 * name_count, from the histogram starting at slot first with sum_us. */
void promtext_histogram(promtext_t *p, const char *name, const promtext_label_t *labels, size_t n,
                        const metricvec_t *m, int first, uint64_t sum_us);

/* One metric series (metricvec.h) and its labels. */
typedef struct {
    const char *api_id;
    const char *stage;
    const char *resource;
    const char *method;
    int canary;
    const metricvec_t *v;
} promtext_series_t;

/* The request families both planes expose, for the series given:
 * portico_requests_total{...,status_class} (counter), portico_cache_hits_total,
 * portico_cache_misses_total (counters), portico_request_duration_seconds and
 * portico_integration_duration_seconds (histograms). Labels: api, stage,
 * resource, method, canary. */
void promtext_requests(promtext_t *p, const promtext_series_t *s, size_t n);

/* Hands the text over (the caller frees it); NULL when an allocation failed. */
char *promtext_finish(promtext_t *p, size_t *len);
void promtext_dispose(promtext_t *p);

#endif
