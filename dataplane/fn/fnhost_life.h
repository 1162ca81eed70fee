/* fnhost_life: starting and stopping the function host, and what the rest of
 * the data plane tells it: each worker's receiver for answers, each newly
 * installed runtime (function versions that left it retire). */
#ifndef PORTICO_FNHOST_LIFE_H
#define PORTICO_FNHOST_LIFE_H

#include "dp.h"
#include "fnhost.h"

struct runtime;

typedef struct {
    unsigned slots;      /* --function-slots: runtime processes on this node */
    unsigned idle_s;     /* --function-idle-seconds: warm processes reaped after */
    const char *ric_dir; /* --function-node-ric: aws-lambda-ric's package directory */
    const char *region;  /* AWS_REGION for functions */
} fnhost_conf_t;

/* Starts the host's thread (Runtime API, supervisor) and its code fetcher.
 * Call after the workers started. 0, or -1 with err. */
int fnhost_start(dp_t *dp, const fnhost_conf_t *conf, char *err, size_t err_len);
/* Kills every runtime process and joins the threads. */
void fnhost_stop(void);

/* On the worker's thread, in its initialisation. */
void fnhost_worker_init(dp_thread_t *t);

/* Any thread: rt becomes the node's runtime (function versions no longer in
 * it retire). */
void fnhost_on_runtime(struct runtime *rt);

#endif
