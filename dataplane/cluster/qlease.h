/* qlease: this node's quota leases (exact quotas). A node spends only the
 * budget the control plane leased it for (key, plan, period); the budget
 * sits in the membership's quota word (quota.h), which workers spend from.
 *
 * The cluster thread keeps a book of the leases in use. Each turn of its
 * loop it looks at every word it watches: what was spent since, whether the
 * lease runs low (at half of the last grant it asks for more, so a busy key
 * never runs dry while a grant is on its way), whether it went idle
 * (QLEASE_IDLE_MS without a request: the rest goes back), whether the
 * control plane has been silent too long (QLEASE_NODE_TTL_MS: the rest is
 * set aside, not spent, and given back when it returns). Asks and returns
 * travel in the node report (sent at once when an ask is due); grants come
 * back on PUB.
 *
 * A request that finds no budget (first use of a key on this node, or after
 * an idle return) parks on the queue; the cluster thread asks, and wakes it
 * when the grant arrives — or after QLEASE_WAIT_MS — to try once more. A
 * word marked dry (the control plane said nothing is left) answers at once
 * for QLEASE_DRY_MS, then one request asks again (other nodes may have
 * returned budget); with the control plane silent for QLEASE_AWAY_MS no
 * request waits either. */
#ifndef PORTICO_QLEASE_H
#define PORTICO_QLEASE_H

#include <stddef.h>
#include <stdint.h>

#include "keyrec.h"
#include "park.h"
#include "portico.pb-c.h"
#include "qlease_queue.h"

#define QLEASE_IDLE_MS 3000
#define QLEASE_NODE_TTL_MS 20000
#define QLEASE_WAIT_MS 2000
#define QLEASE_ASK_RETRY_MS 1500
#define QLEASE_REFRESH_MS 5000
#define QLEASE_QUIET_LOOK_MS 5000 /* a lease with nothing held or pending: looked at */
#define QLEASE_DRY_MS 1000        /* how long "nothing left" is believed before asking again */
#define QLEASE_AWAY_MS 1500       /* silent this long (heartbeats come every second): away */

typedef struct qlease_waiter {
    park_t park;
    struct qlease_waiter *next;
    uint8_t sha[KEYREC_SHA_LEN];
    uint8_t usage_id[KEYREC_USAGE_ID_LEN]; /* key id + plan id */
    uint32_t period;
    uint64_t since_ms;
} qlease_waiter_t;

/* Worker: queues w (parked by the caller). */
void qlease_enqueue(qlease_queue_t *q, qlease_waiter_t *w);

typedef struct qlease_book qlease_book_t;

/* The quota word of (key digest, plan id) in the runtime being served, or
 * NULL; fills usage_id (key id + plan id, KEYREC_USAGE_ID_LEN bytes). */
typedef _Atomic uint64_t *(*qlease_word_fn)(void *ctx, const uint8_t *sha, const char *plan_id,
                                            uint8_t *usage_id);

qlease_book_t *qlease_book_create(qlease_word_fn fn, void *ctx);
/* Wakes every waiter still held. */
void qlease_book_destroy(qlease_book_t *b);

/* Cluster thread, every loop turn: takes the queue, watches the words.
 * cp_silent_ms: how long the control plane has been silent. */
void qlease_tick(qlease_book_t *b, qlease_queue_t *q, uint64_t now_ms, uint64_t cp_silent_ms);

/* 1 when an ask is due (the caller sends a report early). */
int qlease_ask_due(const qlease_book_t *b);

/* The asks and returns for a report (pointers into storage the book keeps
 * until qlease_sent). */
void qlease_fill(qlease_book_t *b, Portico__NodeReport *r, uint64_t now_ms);
/* After the report went (sent 1) or did not (0). */
void qlease_sent(qlease_book_t *b, int sent, uint64_t now_ms);

/* A LeaseGrants addressed to this node. */
void qlease_on_grants(qlease_book_t *b, const Portico__LeaseGrants *g, uint64_t now_ms);

/* A new key table is about to be installed (b's word_fn already finds the
 * new words; old_fn the old table's): the budget of every lease moves from
 * the old word to the new one, so requests still on the old table cannot
 * spend it twice. Call before the workers get the new table. */
void qlease_move(qlease_book_t *b, qlease_word_fn old_fn, void *old_ctx);

/* Takes back everything held (a node stopping): the next report returns it. */
void qlease_release_all(qlease_book_t *b);

/* Budget given back or set aside so far (for tests and logs). */
uint64_t qlease_returned_total(const qlease_book_t *b);

#endif
