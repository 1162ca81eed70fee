/* mapping: sources are looked up on demand; nothing is precomputed per request. */
#include "mapping.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "pathtmpl.h"

static const char *vars_lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    dp_request_t *r = ctx;
    return rt_vars_get(r->variables, name, len, vlen);
}

h2o_iovec_t mapping_expand_vars(dp_request_t *r, const char *s, size_t len)
{
    if (memmem(s, len, "${stageVariables.", 17) == NULL)
        return h2o_iovec_init(s, len);
    size_t cap = len + 1;
    for (size_t i = 0; i < r->variables->n; i++)
        cap += r->variables->items[i].value_len;
    pathtmpl_buf_t out = {h2o_mem_alloc_pool(&r->req->pool, cap), 0, cap};
    if (pathtmpl_expand(s, len, NULL, vars_lookup, r, &out) != 0)
        return h2o_iovec_init(s, len);
    return h2o_iovec_init(out.buf, out.len);
}

static const char *source_ip(dp_request_t *r, size_t *len)
{
    struct sockaddr_storage ss;
    socklen_t sslen = r->req->conn->callbacks->get_peername(r->req->conn, (void *)&ss);
    if (sslen == 0)
        return NULL;
    char *buf = h2o_mem_alloc_pool(&r->req->pool, NI_MAXHOST);
    size_t n = h2o_socket_getnumerichost((void *)&ss, sslen, buf);
    if (n == SIZE_MAX)
        return NULL;
    *len = n;
    return buf;
}

static const char *pool_printf_u64(dp_request_t *r, uint64_t v, size_t *len)
{
    char *buf = h2o_mem_alloc_pool(&r->req->pool, 24);
    *len = (size_t)snprintf(buf, 24, "%llu", (unsigned long long)v);
    return buf;
}

/* $context.authorizer.X: the custom authorizer's principalId and context,
 * or a JWT's principalId (sub) and claims.X. */
static const char *authorizer_value(dp_request_t *r, const char *name, size_t len, size_t *vlen)
{
    for (size_t i = 0; i < r->nauthorizer_ctx; i++) {
        const rt_kv_t *kv = &r->authorizer_ctx[i];
        if (kv->key_len == len && memcmp(kv->key, name, len) == 0) {
            *vlen = kv->value_len;
            return kv->value;
        }
    }
    return NULL;
}

#define CTX_IS(lit) (name_len == sizeof(lit) - 1 && memcmp(name, lit, name_len) == 0)

const char *mapping_context(dp_request_t *r, const char *name, size_t name_len, size_t *len)
{
    const char *v = NULL;
    if (CTX_IS("requestId"))
        v = r->request_id;
    else if (CTX_IS("stage"))
        v = r->stage != NULL ? r->stage->name : NULL;
    else if (CTX_IS("apiId"))
        v = r->stage != NULL ? r->stage->api_id : NULL;
    else if (CTX_IS("deploymentId"))
        v = r->deployment != NULL ? r->deployment->id : NULL;
    else if (CTX_IS("resourcePath"))
        v = r->method != NULL ? r->method->resource_path : NULL;
    else if (CTX_IS("resourceId"))
        v = r->method != NULL ? r->method->resource_id : NULL;
    else if (CTX_IS("isCanaryRequest"))
        v = r->is_canary ? "true" : "false";
    else if (CTX_IS("httpMethod")) {
        *len = r->req->method.len;
        return r->req->method.base;
    } else if (CTX_IS("path")) {
        *len = r->req->query_at != SIZE_MAX ? r->req->query_at : r->req->path.len;
        return r->req->path.base;
    } else if (CTX_IS("identity.sourceIp"))
        return source_ip(r, len);
    else if (CTX_IS("identity.userAgent"))
        return request_header(r, H2O_STRLIT("user-agent"), len);
    else if (name_len > 11 && memcmp(name, "authorizer.", 11) == 0)
        return authorizer_value(r, name + 11, name_len - 11, len);
    else if (CTX_IS("requestTimeEpoch"))
        return pool_printf_u64(r, clock_wall_ms(), len);
    if (v != NULL)
        *len = strlen(v);
    return v;
}

const char *mapping_eval(dp_request_t *r, const params_expr_t *src, size_t *len)
{
    switch (src->kind) {
    case PARAMS_SRC_STATIC: {
        h2o_iovec_t v = mapping_expand_vars(r, src->name, src->name_len);
        *len = v.len;
        return v.base;
    }
    case PARAMS_SRC_STAGE_VARIABLE:
        return rt_vars_get(r->variables, src->name, src->name_len, len);
    case PARAMS_SRC_CONTEXT:
        return mapping_context(r, src->name, src->name_len, len);
    case PARAMS_SRC_METHOD_REQUEST:
        switch (src->loc) {
        case PARAMS_LOC_PATH:
            return request_path_param(r, src->name, src->name_len, len);
        case PARAMS_LOC_QUERYSTRING:
        case PARAMS_LOC_MULTIVALUEQUERYSTRING:
            return request_query_param(r, src->name, src->name_len, len);
        case PARAMS_LOC_HEADER:
        case PARAMS_LOC_MULTIVALUEHEADER:
            return request_header(r, src->name, src->name_len, len);
        default:
            return NULL;
        }
    default:
        return NULL;
    }
}
