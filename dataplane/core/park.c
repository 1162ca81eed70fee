/* park: the request's side is a pool object (its dispose tells the record
 * the request went away); the record's side is plain memory the waiting
 * module owns. The two point at each other until one of them ends. */
#include "park.h"

typedef struct park_hook {
    park_t *p; /* NULL once woken or taken back */
} park_hook_t;

static void park_inflight_end(dp_thread_t *t)
{
    if (--t->inflight == 0 && t->draining)
        t->done = 1;
}

static void park_hook_dispose(void *arg)
{
    park_t *p = ((park_hook_t *)arg)->p;
    if (p == NULL)
        return;
    p->r = NULL;
    p->hook = NULL;
    dp_thread_t *owner = p->owner;
    if (p->on_gone != NULL && p->on_gone(p))
        park_inflight_end(owner);
}

void park_init(park_t *p, dp_request_t *r, park_wake_fn on_wake, park_gone_fn on_gone)
{
    p->owner = r->thread;
    p->r = r;
    p->hook = NULL;
    p->on_wake = on_wake;
    p->on_gone = on_gone;
}

void park_request(park_t *p)
{
    park_hook_t *hook = h2o_mem_alloc_shared(&p->r->req->pool, sizeof(*hook), park_hook_dispose);
    hook->p = p;
    p->hook = hook;
    p->owner->inflight++;
}

/* On the owner's worker. */
static void park_deliver(park_t *p)
{
    dp_request_t *r = p->r;
    if (p->hook != NULL)
        p->hook->p = NULL;
    park_inflight_end(p->owner);
    p->on_wake(p, r);
}

void park_wake(park_t *p, dp_thread_t *here)
{
    if (here == p->owner)
        park_deliver(p);
    else
        h2o_multithread_send_message(&p->owner->park_receiver, &p->super);
}

void park_on_message(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    while (!h2o_linklist_is_empty(messages)) {
        park_t *p = H2O_STRUCT_FROM_MEMBER(park_t, super.link, messages->next);
        h2o_linklist_unlink(&p->super.link);
        park_deliver(p);
    }
}
