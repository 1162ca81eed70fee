/* ws_peer: @connections calls for a connection another node holds. The
 * connection id's node tag names the owner; the node directory gives its
 * client listener: the --ws-peers list ("nodeid=http://host:port,...")
 * first, then the control plane's WsDirectory (every live node's reported
 * ws_peer_url, broadcast each heartbeat, the last one kept while the
 * control plane is away); the signed request is forwarded there unchanged (the owner
 * checks the same SigV4 against the same snapshot keys) once, without
 * retry: delivery is at most once. The owner's answer (200, 204, 410, 403)
 * is relayed; an owner that cannot be reached answers 410, as the reference
 * does for a connection that is gone. A forwarded request carries
 * x-portico-ws-forwarded so it is never forwarded twice. */
#ifndef PORTICO_WS_PEER_H
#define PORTICO_WS_PEER_H

#include "request.h"
#include "ws_frame.h"

/* Parses the --ws-peers list (once, before workers start). 0 or -1. */
int ws_peer_configure(const char *list, char *err, size_t err_len);

/* This node's peer URL (--ws-advertise, else http://LISTEN unless LISTEN is
 * a wildcard address), reported to the control plane. 0 or -1. */
int ws_peer_set_self(const char *advertise, const char *listen, char *err, size_t err_len);
const char *ws_peer_self_url(void); /* "" when none */

/* The cluster thread: a WsDirectory from the control plane replaces the
 * previous one. */
void ws_peer_set_directory(const uint8_t *payload, size_t len);

/* Forwards r (an @connections call for id, op -1 for GET) to node tag's
 * listener and relays the answer. */
void ws_peer_forward(dp_request_t *r, uint16_t tag, h2o_iovec_t id, int op, h2o_iovec_t body);

#endif
