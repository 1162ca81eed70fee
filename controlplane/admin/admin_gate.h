/* admin_gate: authentication before memory. h2o 2.2 reads a request's whole
 * body before its handler runs, so a caller without the token could make the
 * admin API buffer up to its body limit per connection. The gate reads only
 * the head of a connection's first request (at most ADMIN_GATE_MAX_HEAD
 * bytes, within ADMIN_GATE_TIMEOUT_MS) and checks the bearer token there:
 * a connection that presents it (or a SigV4 signature by a known access key:
 * admin_auth.c verifies it once the body is read), or whose first request
 * fetches one of the
 * console's static files without a body (admin_console.c then closes it),
 * is handed to h2o; any other gets its answer
 * from the gate (401, or /healthz's {"status":"ok"}) and is closed without a
 * byte of its body read. Later requests on a handed-over connection come
 * from the token's holder (admin.c checks every request's token again). At
 * most ADMIN_GATE_MAX_PENDING connections wait at the gate at once (about
 * 16 KiB each); more are closed at once. */
#ifndef PORTICO_ADMIN_GATE_H
#define PORTICO_ADMIN_GATE_H

#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "cp.h"

#define ADMIN_GATE_MAX_HEAD (16 * 1024)
#define ADMIN_GATE_TIMEOUT_MS 10000
#define ADMIN_GATE_MAX_PENDING 512 /* connections at once that have not shown a token yet */

/* Takes a freshly accepted socket; ctx must outlive it. Loop thread. */
void admin_gate_accept(cp_t *cp, h2o_accept_ctx_t *ctx, h2o_socket_t *sock);

/* What the head of a request asks for: ADMIN_GATE_PASS (the token is right),
 * ADMIN_GATE_HEALTH (/healthz without it), ADMIN_GATE_DENY, or
 * ADMIN_GATE_MORE (the head is not complete yet). Pure; for tests too. */
enum {
    ADMIN_GATE_MORE = 0,
    ADMIN_GATE_PASS,
    ADMIN_GATE_HEALTH,
    ADMIN_GATE_DENY,       /* no credentials: 403 Missing Authentication Token */
    ADMIN_GATE_DENY_TOKEN, /* a wrong bearer token: 401 */
    ADMIN_GATE_DENY_KEY,   /* SigV4 from an access key not known here: 403 */
    ADMIN_GATE_DENY_SIG,   /* a SigV4 header without its parts: 403 IncompleteSignature */
};
/* known(ctx, id, len): 1 when a SigV4 access key id is one of ours. */
typedef struct {
    int (*known)(void *ctx, const char *id, size_t len);
    void *ctx;
} admin_gate_keys_t;
int admin_gate_check(const char *head, size_t len, const char *token, size_t token_len,
                     const admin_gate_keys_t *keys);

#endif
