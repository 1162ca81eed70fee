/* fn_core: the function host's supervisor, on its own event loop (one
 * thread). It keeps a pool per function version (config, code directory,
 * runtime processes), queues invocations for them, starts processes on
 * first use, hands invocations to processes waiting on the Runtime API's
 * /next (fn_rtapi.c), enforces timeouts (SIGKILL of the process group), the
 * function's reserved concurrency and the node-wide slot limit, reaps idle
 * and dead processes, and pipes their output into the execution log.
 * Everything here runs on the core's loop; nothing is locked. */
#ifndef PORTICO_FN_CORE_H
#define PORTICO_FN_CORE_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <stdint.h>
#include <sys/types.h>

#include "fnhost.h"

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

/* On the loop's thread. The Runtime API listens on 127.0.0.1 (one listener
 * per process). NULL with err. conf's strings must outlive the core. */
fn_core_t *fn_core_create(h2o_evloop_t *loop, const fn_core_conf_t *conf, char *err,
                          size_t err_len);
/* Kills every process and fails every invocation (FNHOST_FAILED). */
void fn_core_destroy(fn_core_t *core);

/* Copies cfg (when the version's pool does not exist yet) and queues inv. */
void fn_core_submit(fn_core_t *core, const fn_config_t *cfg, fn_inv_t *inv);

/* The code for sha is on disk (ok) or could not be had (reason). */
void fn_core_code_ready(fn_core_t *core, const uint8_t sha[32], int ok, const char *reason);

/* The pools whose key is not in keep (n "arn\nversion\nrevision" strings)
 * retire: idle processes are killed now, busy ones when their invocation
 * ends. */
void fn_core_retain(fn_core_t *core, char **keep, size_t n);

/* Deep copy and free of a config. */
fn_config_t *fn_config_dup(const fn_config_t *c);
void fn_config_free(fn_config_t *c);
/* "arn\nversion\nrevision\nsha-hex": the identity of a pool. */
int fn_config_key(const fn_config_t *c, char *out, size_t out_len);

/* Frees an invocation's copies (the caller's record). */
void fn_inv_free(fn_inv_t *inv);

/* For tests and metrics: processes alive and invocations waiting. */
unsigned fn_core_processes(const fn_core_t *core);
unsigned fn_core_waiting(const fn_core_t *core);

#endif
