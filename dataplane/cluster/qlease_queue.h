/* qlease_queue: requests waiting for a quota lease, handed from the workers
 * to the cluster thread (qlease.h has the waiters and the lease book). Kept
 * apart so that dp.h can hold one without seeing requests. */
#ifndef PORTICO_QLEASE_QUEUE_H
#define PORTICO_QLEASE_QUEUE_H

#include <pthread.h>

struct qlease_waiter;

typedef struct {
    pthread_mutex_t mu;
    struct qlease_waiter *head; /* newest first */
} qlease_queue_t;

#endif
