/* store_usage: accepted requests per (usage plan, key, UTC day),
 * written by the usage aggregator's own connection (the PULL thread) and
 * read by the admin API's /usage. Days count from 1970-01-01. */
#ifndef PORTICO_STORE_USAGE_H
#define PORTICO_STORE_USAGE_H

#include <stdint.h>

#include "store.h"

int store_usage_add(store_t *s, const char *plan_id, const char *key_id, uint32_t day, uint64_t n);
/* Sum of the days from..to (inclusive). */
int store_usage_sum(store_t *s, const char *plan_id, const char *key_id, uint32_t from, uint32_t to,
                    uint64_t *used);

/* Every (key, day, used) of a plan with from <= day <= to, ordered by key
 * then day; key_id NULL for every key, after for paging (key ids > after). */
typedef int (*store_usage_visit_fn)(void *ctx, const char *key_id, uint32_t day, uint64_t used);
int store_usage_visit(store_t *s, const char *plan_id, const char *key_id, const char *after,
                      uint32_t from, uint32_t to, store_usage_visit_fn fn, void *ctx);

#endif
