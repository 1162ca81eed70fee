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

#include "fn_types.h"

/* On the loop's thread. The Runtime API listens on 127.0.0.1 (one listener
 * per process). NULL with err. conf's strings must outlive the core. */
fn_core_t *fn_core_create(h2o_evloop_t *loop, const fn_core_conf_t *conf, char *err,
                          size_t err_len);
/* Fails every invocation (FNHOST_FAILED) and kills every process; they are
 * reaped, and their connections closed, as the loop runs on. */
void fn_core_shutdown(fn_core_t *core);
/* Kills what is left, waits for it, and frees the core. */
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
