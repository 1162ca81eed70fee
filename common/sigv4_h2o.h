/* sigv4_h2o: the request a SigV4 client signed, seen through h2o (both
 * planes serve with it): the method, path and query as received, Host from
 * the authority (h2o keeps it there for HTTP/1 and 2 alike), and
 * Content-Length, which h2o consumes but SDKs sign, when a body came.
 * Header-only so that common/ itself does not link h2o. */
#ifndef PORTICO_SIGV4_H2O_H
#define PORTICO_SIGV4_H2O_H

#include <stdio.h>

#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "sigv4.h"

/* Fills headers (room for max, which must be at least 2) and *out; the
 * strings stay in req. -1 when the request has more than max - 2 headers. */
static inline int sigv4_from_h2o(h2o_req_t *req, sigv4_header_t *headers, size_t max,
                                 sigv4_request_t *out)
{
    size_t n = 0;
    int has_length = 0;
    for (size_t i = 0; i < req->headers.size; i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        if (h2o_memis(h->name->base, h->name->len, H2O_STRLIT("host")))
            continue;
        has_length |= h2o_memis(h->name->base, h->name->len, H2O_STRLIT("content-length"));
        if (n == max - 2)
            return -1;
        headers[n++] = (sigv4_header_t){h->name->base, h->name->len, h->value.base, h->value.len};
    }
    headers[n++] = (sigv4_header_t){"host", 4, req->input.authority.base, req->input.authority.len};
    if (!has_length && req->entity.base != NULL) {
        char *len = h2o_mem_alloc_pool(&req->pool, 24);
        int l = snprintf(len, 24, "%zu", req->entity.len);
        headers[n++] = (sigv4_header_t){"content-length", 14, len, (size_t)l};
    }
    h2o_iovec_t path = req->input.path;
    size_t at = req->input.query_at;
    *out = (sigv4_request_t){req->input.method.base,
                             req->input.method.len,
                             path.base,
                             at != SIZE_MAX ? at : path.len,
                             NULL,
                             0,
                             headers,
                             n};
    if (at != SIZE_MAX) {
        out->query = path.base + at + 1;
        out->query_len = path.len - at - 1;
    }
    return 0;
}

#endif
