/* cache_fill: the leader's side of a cache miss. The pipeline hands it the
 * response head when the integration starts the response, and an output
 * stream copies the body on its way to the client. When the last byte has
 * been handed on, a cacheable answer (2xx, body at most CACHE_MAX_BODY)
 * becomes the key's entry and wakes the requests waiting for it. Any other
 * end — another status, a bigger body, a send error, the request disposed
 * before its response finished — ends the fill without storing anything, so
 * the waiters fetch for themselves.
 *
 * Responses are tagged here: CACHE_STATUS_HEADER is HIT when served from the
 * cache and MISS when the integration answered; the reference's Warning
 * header is added when an unauthorized Cache-Control was ignored. */
#ifndef PORTICO_CACHE_FILL_H
#define PORTICO_CACHE_FILL_H

#include "cache.h"
#include "request.h"

#define CACHE_STATUS_HEADER "x-portico-cache"
#define CACHE_IGNORED_WARNING                                                                      \
    "199 Cache-control headers were ignored because the caller was unauthorized."

/* Watches r's response for fill f, which r leads (f NULL: only tags the
 * response MISS). Holds a reference on c until the request is disposed. */
void cache_fill_watch(dp_request_t *r, cache_t *c, cache_fill_t *f, uint64_t ttl_ms, int warn);

/* r's response starts (r->cache_fill set): tags it and, when its head is
 * cacheable, adds the output stream that copies the body at slot. Returns
 * the slot for the next filter. */
h2o_ostream_t **cache_fill_on_response(dp_request_t *r, h2o_ostream_t **slot);

/* Adds the cache status header (and the warning) to r's response. */
void cache_fill_tag(h2o_req_t *req, int hit, int warn);

#endif
