/* admin_defer: a deferred admin call on a worker thread. A handler that
 * must wait for something slow (TestInvokeMethod's HTTP endpoint, Invoke's
 * data-plane node) hands the blocking part to admin_defer_start: it runs on
 * a thread of its own, and the answer is made later on the admin loop, so
 * the admin API goes on serving meanwhile. When the client goes away first,
 * the answer is dropped (done gets NULL) but the work still finishes. */
#ifndef PORTICO_ADMIN_DEFER_H
#define PORTICO_ADMIN_DEFER_H

#include "admin.h"

/* On the worker thread: the blocking part; touches only what arg owns. */
typedef void (*admin_defer_work_fn)(void *arg);
/* On the admin loop once work returned, exactly once: c is the call to
 * answer (as the handler would have), or NULL when the client went away.
 * Either way arg is done's to free. */
typedef void (*admin_defer_done_fn)(admin_call_t *c, void *arg);

/* A kind of deferred call and its cap (the admin loop's counters). */
typedef struct {
    int max;       /* at most this many under way at once */
    int under_way; /* 0 at start */
} admin_defer_cap_t;

/* Runs work(arg) on a new thread and done(.., arg) later on the admin loop,
 * never inside this call; marks c deferred. -1 when cap->max calls of the
 * kind are under way or no thread could start: nothing runs, c is not
 * deferred, and the caller answers (429 TooManyRequestsException when the
 * cap is reached is the convention) and keeps arg. */
int admin_defer_start(admin_call_t *c, admin_defer_cap_t *cap, admin_defer_work_fn work,
                      admin_defer_done_fn done, void *arg);

#endif
