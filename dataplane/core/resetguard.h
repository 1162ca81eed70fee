/* resetguard: HTTP/2 "rapid reset" (CVE-2023-44487) protection for h2o 2.2.5,
 * which has none: h2o runs the handler as soon as a stream's HEADERS arrive
 * and frees the stream on RST_STREAM, so a client that opens and resets
 * streams in a loop makes the gateway start work (authorizer calls, upstream
 * connections) without limit while never holding more than the concurrency
 * limit open.
 *
 * Envoy's default heuristic, applied per HTTP/2 connection: a stream the
 * client abandoned (no complete answer) within RESETGUARD_PREMATURE_MS of
 * its start is a premature reset; once the connection has closed at least
 * RESETGUARD_MIN_STREAMS streams, or seen RESETGUARD_MIN_STREAMS / 2
 * premature resets, and at least half of its closed streams were premature,
 * the connection is shut down (the client's other streams end with it).
 * h2o 2.2.5 gives no per-connection hook, so counts live in a per-thread
 * table keyed by h2o's connection id (a collision restarts a count: best
 * effort, never a false positive). Worker threads only. */
#ifndef PORTICO_RESETGUARD_H
#define PORTICO_RESETGUARD_H

#include <h2o.h>
#include <stdint.h>

#define RESETGUARD_PREMATURE_MS 1000
#define RESETGUARD_MIN_STREAMS 500

/* Watches an HTTP/2 request (others are ignored) from its start: whether
 * its answer went out whole, counted when its pool is cleared (the stream
 * closed, answered or reset). Call once, when the handler gets the request. */
void resetguard_watch(h2o_req_t *req);

#endif
