/* keytab: the data plane's API key table — every (key, usage plan)
 * membership of the snapshot, found by the SHA-256 of the presented key in
 * time that does not depend on the number of keys.
 *
 * A keytab is a *base* built from the snapshot's packed key records (the
 * records stay where the snapshot decoder put them; the base adds an
 * open-addressing index of 32-bit record numbers, sized to a load of at most
 * 1/2, probed with the digest's first 8 bytes) plus an *overlay*: the keys a
 * KeyDelta changed since, each with its complete list of memberships (an
 * empty list hides the key). A delta builds a new keytab that shares the
 * base and copies the small overlay, so the old one stays valid for the
 * requests that still use it.
 *
 * Each membership has mutable limiter state, updated by every worker with
 * atomic operations: word 0 the usage plan's token bucket, word 1 the quota
 * counter (see quota.h), then one bucket per method throttle of the plan.
 *
 * Memory: everything of a keytab lives in the arena given at build time;
 * build and derive run on the cluster thread, lookups on any worker. */
#ifndef PORTICO_KEYTAB_H
#define PORTICO_KEYTAB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "keyrec.h"

#define KEYTAB_STATE_PLAN 0
#define KEYTAB_STATE_QUOTA 1
#define KEYTAB_STATE_METHODS 2

typedef struct keytab keytab_t;

/* Resolves a record's plan id to (plan number, number of state words);
 * returns -1 when the plan is not in the snapshot. */
typedef int (*keytab_plan_fn)(void *ctx, const char *plan_id, uint32_t *plan, uint32_t *nstate);

/* One membership found by a lookup. */
typedef struct {
    const uint8_t *record; /* KEYREC_LEN bytes */
    uint32_t plan;
    _Atomic uint64_t *state;
    uint32_t nstate;
} keytab_hit_t;

/* Builds a base over n records (kept by reference; they must live as long
 * as the arena). prev (may be NULL) donates the limiter state of
 * memberships present in both. NULL with err filled on failure. */
keytab_t *keytab_build(arena_t *a, const uint8_t *records, size_t n, keytab_plan_fn plan_fn,
                       void *ctx, const keytab_t *prev, char *err, size_t err_len);

/* A new keytab: old's base, old's overlay, and for every digest in changed
 * (nchanged × 32 bytes) the memberships among records (nrecords × 48 bytes)
 * carrying that digest. */
keytab_t *keytab_derive(arena_t *a, const keytab_t *old, const uint8_t *changed, size_t nchanged,
                        const uint8_t *records, size_t nrecords, keytab_plan_fn plan_fn, void *ctx,
                        char *err, size_t err_len);

/* Calls fn for each membership of the key hashing to sha256 until fn returns
 * non-zero (that value is returned; 0 when none did). Any thread. */
typedef int (*keytab_visit_fn)(void *ctx, const keytab_hit_t *hit);
int keytab_find(const keytab_t *t, const uint8_t sha256[KEYREC_SHA_LEN], keytab_visit_fn fn,
                void *ctx);

/* Memberships in the table (base minus hidden plus overlay), and overlay size. */
size_t keytab_count(const keytab_t *t);
size_t keytab_overlay_count(const keytab_t *t);

#endif
