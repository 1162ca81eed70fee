/* fresh: replay protection for cluster messages, on top of the envelope's
 * MAC. A message is fresh when it was sent inside the receiver's time window
 * (FRESH_WINDOW_MS either side of the receiver's clock: the cluster's clocks
 * must agree that well, NTP does) and its sequence number grows for that
 * sender's incarnation. A sender's new incarnation (a restart) is taken only
 * when it is newer than the one known, or sent after the last message the
 * receiver took from it, so an earlier incarnation's messages cannot come
 * back. A fresh_table_t keeps one entry per sender (e.g. per node id).
 * Neither is thread-safe: one per receiving thread. */
#ifndef PORTICO_FRESH_H
#define PORTICO_FRESH_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define FRESH_WINDOW_MS 60000

enum fresh_err {
    FRESH_OK = 0,
    FRESH_ESTALE = -1,  /* sent outside the time window */
    FRESH_EREPLAY = -2, /* seen before, or an earlier incarnation */
    FRESH_EFULL = -3,   /* too many senders known at once */
};

typedef struct {
    uint64_t incarnation, seq, sent_at_ms; /* all 0: nothing heard yet */
} fresh_peer_t;

/* Whether sent_at_ms is within FRESH_WINDOW_MS of now_ms. */
int fresh_in_window(uint64_t sent_at_ms, uint64_t now_ms);

/* FRESH_OK (and p remembers env) or a fresh_err. */
int fresh_accept(fresh_peer_t *p, const envelope_t *env, uint64_t now_ms);

typedef struct fresh_table fresh_table_t;

/* At most max_senders entries; entries silent for longer than the window
 * are dropped (their messages are stale anyway). NULL on allocation failure. */
fresh_table_t *fresh_table_create(size_t max_senders);
void fresh_table_destroy(fresh_table_t *t);
/* fresh_accept for env->sender's entry. */
int fresh_table_accept(fresh_table_t *t, const envelope_t *env, uint64_t now_ms);

const char *fresh_strerror(int err);

#endif
