/* keydelta: keys-only changes as KeyDelta messages. Creating,
 * enabling, disabling or deleting a key and changing a plan's members do not
 * rebuild the snapshot: the admin handler commits, notes the SHA-256 of each
 * key it changed, and on the next loop turn the changed keys' complete
 * memberships go out on PUB as one small delta on top of the version the
 * nodes have. The cluster also keeps the cumulative delta since the last
 * whole snapshot for nodes that fetch (they missed one, or just started).
 * After KEYDELTA_REBUILD_MS, or once KEYDELTA_REBUILD_KEYS keys changed, the
 * whole snapshot is rebuilt quietly (kept for fetches, not broadcast) and the
 * cumulative delta starts again. Admin loop thread only. */
#ifndef PORTICO_KEYDELTA_H
#define PORTICO_KEYDELTA_H

#include <stddef.h>
#include <stdint.h>

#include "cp.h"

#define KEYDELTA_REBUILD_MS 30000
#define KEYDELTA_REBUILD_KEYS 50000

typedef struct keydelta keydelta_t;

keydelta_t *keydelta_create(void);
void keydelta_destroy(keydelta_t *kd);

/* Remembers that the key whose value hashes to sha256 changed (committed). */
void keydelta_note(keydelta_t *kd, const uint8_t *sha256);

/* Schedules the delta publication on the next loop turn. */
void keydelta_schedule(cp_t *cp);

/* A whole snapshot of version went out (or was rebuilt): the noted keys and
 * the cumulative delta are in it. */
void keydelta_reset(keydelta_t *kd, uint64_t version);

/* Sets up the timers (after cp->loop exists). */
void keydelta_init_timers(cp_t *cp);

#endif
