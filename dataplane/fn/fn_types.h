/* fn_types: the function host's shared records — a function version's
 * configuration, one invocation, the supervisor's settings (fn_core.h). */
#ifndef PORTICO_FN_TYPES_H
#define PORTICO_FN_TYPES_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <stdint.h>
#include <sys/types.h>

#include "fnhost.h"

#define FN_MAX_PAYLOAD_BYTES ((size_t)6 * 1024 * 1024) /* the reference's synchronous limit */

/* A function version's configuration, owned by its pool (malloc'd copy). */
typedef struct {
    char *name, *version, *arn, *runtime, *handler, *revision_id;
    char **env; /* "KEY=VALUE" pairs of the function's Environment, NULL-terminated */
    uint32_t timeout_s, memory_mb;
    uint8_t code_sha256[32];
    int32_t reserved_concurrency; /* -1: none */
} fn_config_t;

/* One invocation, owned by the core from fn_core_submit until done runs. */
typedef struct fn_inv fn_inv_t;
typedef void (*fn_inv_done_fn)(fn_inv_t *inv, const fnhost_result_t *r);

struct fn_inv {
    h2o_linklist_t link; /* in its pool's wait queue */
    char request_id[37];
    char *payload;
    size_t len;
    char *trace_id, *log_tag, *client_context, *cognito_identity; /* malloc'd or NULL */
    uint32_t deadline_ms;
    uint64_t arrived_ms, started_ms, deadline_at_ms; /* deadline_at_ms: wall clock */
    struct fn_pool *pool;
    struct fn_proc *proc; /* while a process runs it */
    int delivered;        /* /next handed it to the process */
    fn_inv_done_fn done;
    void *arg;
};

typedef struct fn_core fn_core_t;

/* Code for a hash that is not on disk yet: fetch it and call
 * fn_core_code_ready (on the core's loop) when done. */
typedef void (*fn_core_fetch_fn)(void *ctx, fn_core_t *core, const uint8_t sha[32]);
/* A line of a function's output or of the host's own notes (execution log). */
typedef void (*fn_core_log_fn)(void *ctx, const char *line, size_t len);

typedef struct {
    const char *code_root; /* <state dir>/functions */
    unsigned slots;        /* node-wide limit on runtime processes */
    unsigned idle_s;       /* warm processes idle this long are reaped (0: never) */
    unsigned wait_max;     /* invocations waiting node-wide before THROTTLED */
    const char *region;
    const char *ric_dir; /* aws-lambda-ric's package directory (nodejs runtimes) */
    const char *node_bin;
    fn_core_fetch_fn fetch;
    fn_core_log_fn log;
    void *ctx;
} fn_core_conf_t;

#endif
