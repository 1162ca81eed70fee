/* dpusage: accepted requests per (key, plan, UTC day) on this node.
 * Each worker counts in a table of its own (no lock, no atomics); every
 * second it hands the table to the cluster thread through a lock-free stack
 * and starts a new one. The cluster thread merges what it collects and sends
 * it with the next report, keeping it until a report carried it. */
#ifndef PORTICO_DPUSAGE_H
#define PORTICO_DPUSAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "keyrec.h"

typedef struct dpusage dpusage_t;

/* NULL when out of memory. */
dpusage_t *dpusage_create(void);
void dpusage_destroy(dpusage_t *u);

/* usage_id: the record's key id + plan id (KEYREC_USAGE_ID_LEN bytes). */
int dpusage_add(dpusage_t *u, const uint8_t *usage_id, uint32_t day, uint64_t n);
size_t dpusage_count(const dpusage_t *u);
int dpusage_merge(dpusage_t *dst, const dpusage_t *src);

typedef void (*dpusage_visit_fn)(void *ctx, const uint8_t *usage_id, uint32_t day, uint64_t count);
void dpusage_visit(const dpusage_t *u, dpusage_visit_fn fn, void *ctx);

/* The hand-over stack: workers push full tables, the cluster thread takes
 * them all at once. */
typedef struct {
    _Atomic(dpusage_t *) head;
} dpusage_inbox_t;

void dpusage_push(dpusage_inbox_t *in, dpusage_t *u);
/* Merges and frees everything pushed so far into dst. */
int dpusage_drain(dpusage_inbox_t *in, dpusage_t *dst);

#endif
