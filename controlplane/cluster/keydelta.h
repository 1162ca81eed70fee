/* keydelta: keys-only changes as KeyDelta messages. Creating, enabling,
 * disabling or deleting a key and changing a plan's members do not rebuild
 * the snapshot: the publisher (publish.c) notes the SHA-256 of each key a
 * committed change touched, and on the next loop turn the changed keys'
 * complete memberships go out as one small delta on top of the version the
 * nodes have. This module also keeps the cumulative delta since the last
 * whole snapshot for nodes that fetch (they missed one, or just started).
 * It holds the data and builds the messages; when to send them and when to
 * rebuild the whole snapshot (KEYDELTA_REBUILD_MS, KEYDELTA_REBUILD_KEYS) is
 * the publisher's. Admin loop thread only. */
#ifndef PORTICO_KEYDELTA_H
#define PORTICO_KEYDELTA_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define KEYDELTA_REBUILD_MS 30000
#define KEYDELTA_REBUILD_KEYS 50000

/* keydelta_build: the store's epoch is not the snapshot's (a whole snapshot
 * must go out instead). */
#define KEYDELTA_STALE 1

typedef struct keydelta keydelta_t;

/* One delta ready to send: inc and cum are malloc'd and owned by the caller. */
typedef struct {
    uint64_t version, epoch;
    uint8_t *inc; /* the keys noted since the last delta, from the nodes' version */
    size_t inc_len;
    uint8_t *cum; /* every key changed since the whole snapshot */
    size_t cum_len;
    size_t nkeys; /* distinct keys in inc */
} keydelta_msg_t;

keydelta_t *keydelta_create(void);
void keydelta_destroy(keydelta_t *kd);

/* Remembers that the key whose value hashes to sha256 changed (committed). */
void keydelta_note(keydelta_t *kd, const uint8_t *sha256);

/* Keys noted and not yet built into a delta. */
size_t keydelta_pending(const keydelta_t *kd);
/* Keys in the cumulative delta (changed since the whole snapshot). */
size_t keydelta_changed(const keydelta_t *kd);
/* Forgets the noted keys (a whole snapshot carries them). */
void keydelta_drop_pending(keydelta_t *kd);

/* A whole snapshot of version went out (or was rebuilt): the noted keys and
 * the cumulative delta are in it. */
void keydelta_reset(keydelta_t *kd, uint64_t version);

/* Reads the noted keys' memberships from s (one read transaction) and packs
 * the incremental delta on top of from_version and the cumulative one.
 * Returns 0 (msg filled), KEYDELTA_STALE when the store's epoch is not
 * expect_epoch, or -1 (store or memory failure). The noted keys are dropped
 * in every case. */
int keydelta_build(keydelta_t *kd, store_t *s, uint64_t from_version, uint64_t expect_epoch,
                   keydelta_msg_t *msg);

#endif
