/* ws_sock: a WebSocket stage's requests — the handshake (checks, the
 * new-connection rate, $connect, then 101 and the socket to ws_frame) and
 * @connections (ws_manage.h) — and the node's WebSocket setup. */
#ifndef PORTICO_WS_SOCK_H
#define PORTICO_WS_SOCK_H

#include "request.h"
#include "ws_conf.h"

/* Sets the WebSocket limits from dp's options, the node tag and the peer
 * directory (before workers start). 0, or -1 with a reason. */
int ws_configure(dp_t *dp, char *err, size_t err_len);

/* A request for stage s of a WebSocket API; rest is the path after the
 * stage ("" or "/" for the handshake, "/@connections/{id}"). Answers it. */
void ws_handle(dp_request_t *r, const ws_stage_t *s, h2o_iovec_t rest);

#endif
