/* park: a request waiting for another request's result — a coalesced cache
 * miss waiting for the leader's fill (step_cache.c), a custom authorizer
 * decision waiting for the call already under way (authz.c) — on this
 * worker or on another one.
 *
 * The waiting side embeds a park_t in a record of its own, malloc'd because
 * it can outlive the request, and parks the request; whoever has the result
 * wakes it, from any thread. The wake callback always runs on the parked
 * request's own worker, with the request, or with NULL when the client went
 * away meanwhile. A parked record counts in its worker's in-flight total
 * until its wake callback has run (or its gone callback took it back), so a
 * draining worker stays up for it. */
#ifndef PORTICO_PARK_H
#define PORTICO_PARK_H

#include "request.h"

typedef struct park park_t;

/* On the parked request's worker. r is NULL when the request went away
 * while parked. The callback owns the record from here on (it frees it). */
typedef void (*park_wake_fn)(park_t *p, dp_request_t *r);

/* On the parked request's worker, when the request goes away while parked.
 * Returns 1 when it took the record back (no wake will come; it freed the
 * record), 0 when a wake may still come (the record waits for it, and the
 * wake callback gets r NULL). NULL stands for a callback returning 0. */
typedef int (*park_gone_fn)(park_t *p);

struct park {
    h2o_multithread_message_t super; /* the wake's hop to the owner's worker */
    dp_thread_t *owner;
    dp_request_t *r; /* NULL once the request is gone */
    struct park_hook *hook;
    park_wake_fn on_wake;
    park_gone_fn on_gone;
};

/* Names r as the waiter; from here a wake may be sent (it is handled on r's
 * worker once the current callback returns). */
void park_init(park_t *p, dp_request_t *r, park_wake_fn on_wake, park_gone_fn on_gone);

/* The request now waits: watched for going away, counted in flight. On r's
 * worker, before it returns to its loop. */
void park_request(park_t *p);

/* Wakes p: at once when here is p's worker, else by a message to it. Any
 * thread; here NULL always sends the message. */
void park_wake(park_t *p, dp_thread_t *here);

/* The receiver of wakes each worker registers (dp_thread_t.park_receiver). */
void park_on_message(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

#endif
