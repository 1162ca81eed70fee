/* fn_fetch: function code from the control plane, by hash, on a thread of
 * its own with its own REQ socket (so a 50 MB transfer never holds up the
 * cluster client's snapshot fetches nor any event loop): KIND_CODE_FETCH
 * with CodeFetch{node_id, code_sha256} → KIND_CODE with the zip's bytes,
 * checked against the hash and unpacked (fn_code.h). Its envelopes name the
 * sender "<node id>/code": a sequence of their own for the control plane's
 * replay check, apart from the cluster client's. */
#ifndef PORTICO_FN_FETCH_H
#define PORTICO_FN_FETCH_H

#include <stdint.h>

#include "dp.h"

typedef struct fn_fetch fn_fetch_t;

/* Called on the fetch thread when a fetch ended (ok: the code is on disk). */
typedef void (*fn_fetch_done_fn)(void *ctx, const uint8_t sha[32], int ok, const char *reason);

fn_fetch_t *fn_fetch_start(dp_t *dp, const char *code_root, fn_fetch_done_fn done, void *ctx,
                           char *err, size_t err_len);
/* Any thread: fetch sha (a request already queued is not repeated). */
void fn_fetch_want(fn_fetch_t *f, const uint8_t sha[32]);
void fn_fetch_stop(fn_fetch_t *f);

#endif
