/* mapping: sources are looked up on demand; nothing is precomputed per request. */
#include "mapping.h"

#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "gwresp_case.h"
#include "observe_thread.h"
#include "pathtmpl.h"
#include "rt_v2.h"

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

/* The client's address as text. h2o caches the peer address per connection;
 * its text is cached per worker (one entry: keep-alive requests come from the
 * same client back to back), since formatting it costs more than the rest of
 * an access log line. The value is copied to the pool: callers may keep it. */
/* The client's address without its port: the bytes the per-thread cache of
 * its text is keyed by (a client's connections differ only in the port). */
static const void *peer_addr(const struct sockaddr_storage *ss, socklen_t sslen, size_t *n)
{
    if (ss->ss_family == AF_INET && sslen >= sizeof(struct sockaddr_in)) {
        *n = sizeof(struct in_addr);
        return &((const struct sockaddr_in *)ss)->sin_addr;
    }
    if (ss->ss_family == AF_INET6 && sslen >= sizeof(struct sockaddr_in6)) {
        *n = sizeof(struct in6_addr);
        return &((const struct sockaddr_in6 *)ss)->sin6_addr;
    }
    return NULL;
}

static const char *source_ip(dp_request_t *r, size_t *len)
{
    struct sockaddr_storage ss;
    observe_thread_t *o = r->thread->obs;
    socklen_t sslen = r->req->conn->callbacks->get_peername(r->req->conn, (void *)&ss);
    size_t n;
    const void *addr = sslen == 0 || sslen > sizeof(ss) ? NULL : peer_addr(&ss, sslen, &n);
    if (addr == NULL)
        return NULL;
    if (o->ip_family != ss.ss_family || memcmp(o->ip_addr, addr, n) != 0) {
        if (inet_ntop(ss.ss_family, addr, o->ip_text, sizeof(o->ip_text)) == NULL)
            return NULL;
        o->ip_text_len = strlen(o->ip_text);
        memcpy(o->ip_addr, addr, n);
        o->ip_family = ss.ss_family;
    }
    *len = o->ip_text_len;
    return h2o_strdup(&r->req->pool, o->ip_text, o->ip_text_len).base;
}

/* Decimal digits without snprintf: access logs format several numbers per request. */
static const char *pool_printf_u64(dp_request_t *r, uint64_t v, size_t *len)
{
    char tmp[20], *buf = h2o_mem_alloc_pool(&r->req->pool, 20);
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    *len = n;
    return buf;
}

/* ---- $context variables: one getter per row of common/ctxvar.h ---------------- */

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

typedef const char *(*ctx_getter_fn)(dp_request_t *r, size_t *len);

static const char *ctx_str(const char *v, size_t *len)
{
    if (v != NULL)
        *len = strlen(v);
    return v;
}

static const char *ctx_account_id(dp_request_t *r, size_t *len)
{
    return ctx_str("000000000000", len);
}

static const char *ctx_api_id(dp_request_t *r, size_t *len)
{
    return ctx_str(r->stage != NULL ? r->stage->api_id : NULL, len);
}

static const char *ctx_deployment_id(dp_request_t *r, size_t *len)
{
    return ctx_str(r->deployment != NULL ? r->deployment->id : NULL, len);
}

static h2o_iovec_t ctx_host(dp_request_t *r)
{
    h2o_iovec_t a = r->req->authority;
    const char *colon = a.len > 0 && a.base[0] != '[' ? memchr(a.base, ':', a.len) : NULL;
    return colon != NULL ? h2o_iovec_init(a.base, (size_t)(colon - a.base)) : a;
}

static const char *ctx_domain_name(dp_request_t *r, size_t *len)
{
    h2o_iovec_t h = ctx_host(r);
    *len = h.len;
    return h.len > 0 ? h.base : NULL;
}

static const char *ctx_domain_prefix(dp_request_t *r, size_t *len)
{
    h2o_iovec_t h = ctx_host(r);
    const char *dot = memchr(h.base, '.', h.len);
    *len = dot != NULL ? (size_t)(dot - h.base) : h.len;
    return h.len > 0 ? h.base : NULL;
}

static const char *ctx_error_message(dp_request_t *r, size_t *len)
{
    return r->gw_case != 0 ? gwresp_case_message((enum gwresp_case)(r->gw_case - 1), len) : NULL;
}

static const char *ctx_validation_error(dp_request_t *r, size_t *len)
{
    *len = r->validation_error != NULL ? strlen(r->validation_error) : 0;
    return r->validation_error;
}

static const char *ctx_error_message_string(dp_request_t *r, size_t *len)
{
    size_t mlen;
    const char *m = ctx_error_message(r, &mlen);
    if (m == NULL)
        return NULL;
    char *buf = h2o_mem_alloc_pool(&r->req->pool, mlen + 2);
    buf[0] = '"';
    memcpy(buf + 1, m, mlen);
    buf[mlen + 1] = '"';
    *len = mlen + 2;
    return buf;
}

static const char *ctx_error_response_type(dp_request_t *r, size_t *len)
{
    return ctx_str(r->gw_case != 0 ? gwresp_case_response_type((enum gwresp_case)(r->gw_case - 1))
                                   : NULL,
                   len);
}

/* HTTP APIs: the route's key ("GET /pets/{id}", "$default"). */
static const char *ctx_route_key(dp_request_t *r, size_t *len)
{
    return ctx_str(r->method != NULL && r->method->v2 != NULL ? r->method->v2->route_key : NULL,
                   len);
}

/* HTTP APIs' integrationErrorMessage: a function's error message, else the
 * integration's failure as the gateway answered it (timeout, connection,
 * unreadable answer); NULL when the integration did not fail. */
static const char *ctx_integration_error_message(dp_request_t *r, size_t *len)
{
    if (r->integ_error != NULL)
        return ctx_str(r->integ_error, len);
    if (r->gw_case == 0)
        return NULL;
    enum gwresp_case c = (enum gwresp_case)(r->gw_case - 1);
    if (c != GW_INTEGRATION_TIMEOUT && c != GW_INTEGRATION_UNREACHABLE &&
        c != GW_INTEGRATION_BAD_ANSWER)
        return NULL;
    return gwresp_case_message(c, len);
}

static const char *ctx_request_id(dp_request_t *r, size_t *len)
{
    *len = 36;
    return r->request_id;
}

static const char *ctx_http_method(dp_request_t *r, size_t *len)
{
    *len = r->req->method.len;
    return r->req->method.base;
}

static const char *ctx_source_ip(dp_request_t *r, size_t *len)
{
    return source_ip(r, len);
}

static const char *ctx_user_agent(dp_request_t *r, size_t *len)
{
    return request_header(r, H2O_STRLIT("user-agent"), len);
}

/* Milliseconds from the integration call to its answer's head. */
static const char *ctx_integration_latency(dp_request_t *r, size_t *len)
{
    if (r->integ_started_us == 0 || r->integ_ended_us < r->integ_started_us)
        return NULL;
    return pool_printf_u64(r, (r->integ_ended_us - r->integ_started_us) / 1000, len);
}

static const char *ctx_integration_status(dp_request_t *r, size_t *len)
{
    return r->integ_status != 0 ? pool_printf_u64(r, (uint64_t)r->integ_status, len) : NULL;
}

/* A function integration's error message (integ_fn.c). */
static const char *ctx_integration_error(dp_request_t *r, size_t *len)
{
    return ctx_str(r->integ_error, len);
}

/* The status a proxy function's answer gave (statusCode). */
static const char *ctx_integration_fn_status(dp_request_t *r, size_t *len)
{
    return r->integ_fn_status != 0 ? pool_printf_u64(r, (uint64_t)r->integ_fn_status, len) : NULL;
}

/* The function host does not name its invocations: none (see
 * docs/ARCHITECTURE.md, "Function integrations"). */
static const char *ctx_integration_request_id(dp_request_t *r, size_t *len)
{
    return NULL;
}

static const char *ctx_is_canary(dp_request_t *r, size_t *len)
{
    return ctx_str(r->is_canary ? "true" : "false", len);
}

static const char *ctx_path(dp_request_t *r, size_t *len)
{
    if (r->canon_path.base != NULL) { /* the canonical path once step_canon decided it */
        *len = r->canon_path.len;
        return r->canon_path.base;
    }
    *len = r->req->query_at != SIZE_MAX ? r->req->query_at : r->req->path.len;
    return r->req->path.base;
}

static const char *ctx_protocol(dp_request_t *r, size_t *len)
{
    int v = r->req->version;
    return ctx_str(v >= 0x200 ? "HTTP/2.0" : v == 0x100 ? "HTTP/1.0" : "HTTP/1.1", len);
}

/* The reference's CLF form: 21/Nov/2026:08:42:34 +0000. It changes once a
 * second, so each worker keeps the last one it formatted. */
static const char *ctx_request_time(dp_request_t *r, size_t *len)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    observe_thread_t *o = r->thread->obs;
    time_t secs = (time_t)(r->started_wall_ms / 1000);
    if (o->clf_second != secs || o->clf_len == 0) {
        struct tm tm;
        gmtime_r(&secs, &tm);
        o->clf_len = (size_t)snprintf(o->clf, sizeof(o->clf), "%02d/%s/%04d:%02d:%02d:%02d +0000",
                                      tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                                      tm.tm_min, tm.tm_sec);
        o->clf_second = secs;
    }
    *len = o->clf_len;
    return o->clf;
}

static const char *ctx_request_time_epoch(dp_request_t *r, size_t *len)
{
    return pool_printf_u64(r, r->started_wall_ms, len);
}

static const char *ctx_resource_id(dp_request_t *r, size_t *len)
{
    return ctx_str(r->method != NULL ? r->method->resource_id : NULL, len);
}

static const char *ctx_resource_path(dp_request_t *r, size_t *len)
{
    return ctx_str(r->method != NULL ? r->method->resource_path : NULL, len);
}

static const char *ctx_response_latency(dp_request_t *r, size_t *len)
{
    return pool_printf_u64(r, (clock_mono_us() - r->started_us) / 1000, len);
}

static const char *ctx_response_length(dp_request_t *r, size_t *len)
{
    return r->final_status != 0 ? pool_printf_u64(r, r->req->bytes_sent, len) : NULL;
}

/* AWS_IAM: the access key stands for the caller and the user too */
static const char *ctx_iam_access_key(dp_request_t *r, size_t *len)
{
    return ctx_str(r->iam_access_key, len);
}

static const char *ctx_stage(dp_request_t *r, size_t *len)
{
    return ctx_str(r->stage != NULL ? r->stage->name : NULL, len);
}

static const char *ctx_status(dp_request_t *r, size_t *len)
{
    int status = r->final_status != 0 ? r->final_status : r->req->res.status;
    return status != 0 ? pool_printf_u64(r, (uint64_t)status, len) : NULL;
}

static const char *ctx_trace_id(dp_request_t *r, size_t *len)
{
    char *buf = h2o_mem_alloc_pool(&r->req->pool, 33);
    trace_format_id(&r->trace, buf);
    *len = 32;
    return buf;
}

static const char *ctx_xray_trace_id(dp_request_t *r, size_t *len)
{
    h2o_iovec_t v = request_trace_amzn(r);
    *len = v.len;
    return v.len > 0 ? v.base : NULL;
}

static const ctx_getter_fn mapping_ctx_getters[CTXVAR_COUNT] = {
    [CTXVAR_ACCOUNT_ID] = ctx_account_id,
    [CTXVAR_API_ID] = ctx_api_id,
    [CTXVAR_DEPLOYMENT_ID] = ctx_deployment_id,
    [CTXVAR_DOMAIN_NAME] = ctx_domain_name,
    [CTXVAR_DOMAIN_PREFIX] = ctx_domain_prefix,
    [CTXVAR_ERROR_MESSAGE] = ctx_error_message,
    [CTXVAR_ERROR_MESSAGE_STRING] = ctx_error_message_string,
    [CTXVAR_ERROR_RESPONSE_TYPE] = ctx_error_response_type,
    [CTXVAR_ERROR_VALIDATION_ERROR_STRING] = ctx_validation_error,
    [CTXVAR_EXTENDED_REQUEST_ID] = ctx_request_id,
    [CTXVAR_HTTP_METHOD] = ctx_http_method,
    [CTXVAR_IDENTITY_ACCESS_KEY] = ctx_iam_access_key,
    [CTXVAR_IDENTITY_CALLER] = ctx_iam_access_key,
    [CTXVAR_IDENTITY_SOURCE_IP] = ctx_source_ip,
    [CTXVAR_IDENTITY_USER] = ctx_iam_access_key,
    [CTXVAR_IDENTITY_USER_AGENT] = ctx_user_agent,
    [CTXVAR_INTEGRATION_ERROR_MESSAGE] = ctx_integration_error_message,
    [CTXVAR_INTEGRATION_LATENCY] = ctx_integration_latency,
    [CTXVAR_INTEGRATION_STATUS] = ctx_integration_status,
    [CTXVAR_INTEGRATION_ERROR] = ctx_integration_error,
    [CTXVAR_INTEGRATION_INTEGRATION_STATUS] = ctx_integration_fn_status,
    [CTXVAR_INTEGRATION_REQUEST_ID] = ctx_integration_request_id,
    [CTXVAR_INTEGRATION_LATENCY_LEGACY] = ctx_integration_latency,
    [CTXVAR_INTEGRATION_STATUS_LEGACY] = ctx_integration_status,
    [CTXVAR_IS_CANARY_REQUEST] = ctx_is_canary,
    [CTXVAR_PATH] = ctx_path,
    [CTXVAR_PROTOCOL] = ctx_protocol,
    [CTXVAR_REQUEST_ID] = ctx_request_id,
    [CTXVAR_REQUEST_TIME] = ctx_request_time,
    [CTXVAR_REQUEST_TIME_EPOCH] = ctx_request_time_epoch,
    [CTXVAR_RESOURCE_ID] = ctx_resource_id,
    [CTXVAR_RESOURCE_PATH] = ctx_resource_path,
    [CTXVAR_RESPONSE_LATENCY] = ctx_response_latency,
    [CTXVAR_RESPONSE_LENGTH] = ctx_response_length,
    [CTXVAR_ROUTE_KEY] = ctx_route_key,
    [CTXVAR_STAGE] = ctx_stage,
    [CTXVAR_STATUS] = ctx_status,
    [CTXVAR_TRACE_ID] = ctx_trace_id,
    [CTXVAR_XRAY_TRACE_ID] = ctx_xray_trace_id,
};

int mapping_context_has_getter(enum ctxvar id)
{
    return mapping_ctx_getters[id] != NULL;
}

const char *mapping_context_value(dp_request_t *r, enum ctxvar id, size_t *len)
{
    return mapping_ctx_getters[id](r, len);
}

const char *mapping_context(dp_request_t *r, const char *name, size_t name_len, size_t *len)
{
    static const char authorizer[] = "authorizer.";
    const size_t alen = sizeof(authorizer) - 1;
    if (name_len > alen && memcmp(name, authorizer, alen) == 0)
        return authorizer_value(r, name + alen, name_len - alen, len);
    int id = ctxvar_find(name, name_len);
    return id >= 0 ? mapping_context_value(r, (enum ctxvar)id, len) : NULL;
}

/* One step of a path: ".name" or "[n]"; the next node, or NULL. */
static json_t *json_step(json_t *node, const char **p, const char *end)
{
    if (**p == '[') {
        char *stop;
        long i = strtol(*p + 1, &stop, 10);
        if (stop >= end || *stop != ']' || !json_is_array(node) || i < 0)
            return NULL;
        *p = stop + 1;
        return json_array_get(node, (size_t)i);
    }
    if (**p == '.')
        (*p)++;
    const char *s = *p;
    while (*p < end && **p != '.' && **p != '[')
        (*p)++;
    char key[256];
    size_t n = (size_t)(*p - s);
    if (n == 0 || n >= sizeof(key))
        return NULL;
    memcpy(key, s, n);
    key[n] = '\0';
    return json_object_get(node, key);
}

const char *mapping_json_pick(h2o_mem_pool_t *pool, h2o_iovec_t body, const char *path,
                              size_t path_len, size_t *len)
{
    if (path_len == 0) {
        *len = body.len;
        return body.base != NULL ? body.base : "";
    }
    json_t *doc = json_loadb(body.base != NULL ? body.base : "", body.len, JSON_DECODE_ANY, NULL);
    json_t *node = doc;
    const char *p = path, *end = path + path_len;
    while (node != NULL && p < end)
        node = json_step(node, &p, end);
    const char *out = NULL;
    if (json_is_string(node)) {
        h2o_iovec_t v = h2o_strdup(pool, json_string_value(node), json_string_length(node));
        out = v.base, *len = v.len;
    } else if (node != NULL && !json_is_null(node)) {
        char *text = json_dumps(node, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text != NULL) {
            h2o_iovec_t v = h2o_strdup(pool, text, SIZE_MAX);
            out = v.base, *len = v.len;
            free(text);
        }
    }
    json_decref(doc);
    return out;
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
        case PARAMS_LOC_BODY:
            return mapping_json_pick(&r->req->pool, r->req->entity, src->name, src->name_len, len);
        default:
            return NULL;
        }
    default:
        return NULL;
    }
}
