/* fn_remote: a function that lives elsewhere (FunctionVersion.remote_endpoint):
 * POST {endpoint}/2015-03-31/functions/{name}/invocations, the Lambda Invoke
 * API (real Lambda, LocalStack, another Portico), signed with SigV4 for
 * service "lambda" in the function ARN's region with the node's own
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (unsigned
 * when they are not set), through the worker's upstream pool
 * (upstream_call.h). The answer maps back to fnhost's statuses: 200 (with
 * X-Amz-Function-Error: FUNCTION_ERROR), 202, 404 → NOT_FOUND, 429 →
 * THROTTLED, a timeout → TIMEOUT, anything else → FAILED. Worker only. */
#ifndef PORTICO_FN_REMOTE_H
#define PORTICO_FN_REMOTE_H

#include "dp.h"
#include "fn_conf.h"

/* The answer (payload malloc'd, taken over; version may be "") on t's loop. */
typedef void (*fn_remote_done_fn)(void *arg, fnhost_status_t status, char *payload, size_t len,
                                  const char *version);

/* Reads the node's credentials (once, at start, from the main thread). */
void fn_remote_init(void);

void fn_remote_start(dp_thread_t *t, const fn_entry_t *e, const char *payload, size_t len,
                     const fnhost_opts_t *opts, fn_remote_done_fn done, void *arg);

#endif
