/* step_canon: the pipeline's first step. It checks what the client sent
 * before any other step reads it — the method is a token, the Host and
 * every header are writable values, the query holds no byte that would end
 * a request line — and decides the request's one canonical path
 * (canonpath.h), which every later step uses: stage lookup, routing,
 * $context.path, ARNs, cache keys and the upstream URL. HTTP/1 requests
 * were already parsed strictly by h2o; HTTP/2 pseudo-headers (:method,
 * :path, :authority) were not (h2o 2.2.5 leaves them unchecked), so this is
 * where both protocols meet the same rules. Anything that fails is a 400. */
#include <string.h>

#include "canonpath.h"
#include "gwresp.h"
#include "httpval.h"
#include "log.h"
#include "steps.h"

static int canon_headers_valid(const h2o_req_t *req)
{
    if (httpval_method(req->method.base, req->method.len) != 0)
        return 0;
    if (req->authority.len > 0 && httpval_authority(req->authority.base, req->authority.len) != 0)
        return 0;
    for (size_t i = 0; i < req->headers.size; i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        if (httpval_header(h->name->base, h->name->len, h->value.base, h->value.len) != 0)
            return 0;
    }
    return 1;
}

enum step_result step_canon(dp_request_t *r)
{
    h2o_req_t *req = r->req;
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    h2o_iovec_t query =
        req->query_at != SIZE_MAX
            ? h2o_iovec_init(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1)
            : h2o_iovec_init(NULL, 0);
    if (!canon_headers_valid(req) || httpval_query(query.base, query.len) != 0) {
        log_debug("request %s: refused: an invalid method, header or query", r->request_id);
        gwresp_send(r, GW_BAD_REQUEST);
        return STEP_DONE;
    }
    size_t cap = canonpath_room(path_len), len = 0;
    char *out = h2o_mem_alloc_pool(&req->pool, cap);
    int rc = canonpath_normalize(req->path.base, path_len, out, cap, &len);
    if (rc != CANONPATH_OK) {
        log_debug("request %s: refused: path: %s", r->request_id, canonpath_strerror(rc));
        gwresp_send(r, GW_BAD_REQUEST);
        return STEP_DONE;
    }
    r->canon_path = h2o_iovec_init(out, len);
    r->query = query;
    return STEP_CONTINUE;
}
