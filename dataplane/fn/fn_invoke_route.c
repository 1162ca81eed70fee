/* fn_invoke_route: forwarded Invoke calls (see fn_invoke_route.h). */
#include "fn_invoke_route.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fnhost.h"
#include "fresh.h"
#include "invokemac.h"

#define SEEN_BUCKETS                                                                               \
    16384 /* nonces remembered: buckets of SEEN_WAYS, by the nonce's first bytes                   \
           */
#define SEEN_WAYS 4

typedef struct {
    h2o_handler_t super;
    dp_t *dp;
} route_t;

/* Nonces of MACs taken whose time is still inside the freshness window,
 * every worker together. A nonce is random, so buckets fill evenly; a bucket
 * whose ways all hold live nonces refuses (fail closed): about
 * SEEN_BUCKETS * SEEN_WAYS invocations per window. */
static struct {
    pthread_mutex_t mu;
    uint8_t nonce[SEEN_BUCKETS][SEEN_WAYS][16];
    uint64_t t[SEEN_BUCKETS][SEEN_WAYS]; /* the MAC's time; 0: empty */
} seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* 1 when nonce (of a MAC made at t_ms) is new, and remembers it. */
static int seen_first(const uint8_t nonce[16], uint64_t t_ms, uint64_t now)
{
    size_t b = ((size_t)nonce[0] << 8 | nonce[1]) % SEEN_BUCKETS;
    int free_way = -1, fresh = 1;
    pthread_mutex_lock(&seen.mu);
    for (int w = 0; w < SEEN_WAYS; w++) {
        int live = seen.t[b][w] != 0 && seen.t[b][w] + FRESH_WINDOW_MS >= now;
        if (live && memcmp(seen.nonce[b][w], nonce, 16) == 0)
            fresh = 0;
        else if (!live && free_way < 0)
            free_way = w;
    }
    if (fresh && free_way >= 0) {
        memcpy(seen.nonce[b][free_way], nonce, 16);
        seen.t[b][free_way] = t_ms;
    }
    pthread_mutex_unlock(&seen.mu);
    return fresh && free_way >= 0;
}

typedef struct {
    h2o_req_t *req;
    fnhost_call_t *call;
    int done;
} guard_t;

static void on_gone(void *arg)
{
    guard_t *g = arg;
    if (!g->done && g->call != NULL)
        fnhost_cancel(g->call);
}

static void header(h2o_req_t *req, const char *name, const char *value)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value,
                          strlen(value));
}

static void reply(h2o_req_t *req, int status, const char *error_type, const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = status == 200 ? "OK" : status == 202 ? "Accepted" : "Error";
    header(req, "content-type", "application/json");
    if (error_type != NULL)
        header(req, "x-amzn-errortype", error_type);
    h2o_send_inline(req, body, len);
}

static void reply_text(h2o_req_t *req, int status, const char *error_type, const char *body)
{
    reply(req, status, error_type, body, strlen(body));
}

static int is_json_object(const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++, len--;
    return len > 0 && *s == '{';
}

static void on_result(void *arg, const fnhost_result_t *r)
{
    guard_t *g = arg;
    h2o_req_t *req = g->req;
    g->done = 1;
    if (r->executed_version != NULL)
        header(req, "x-amz-executed-version", r->executed_version);
    switch (r->status) {
    case FNHOST_OK:
        reply(req, 200, NULL, r->payload, r->len);
        return;
    case FNHOST_NOT_FOUND:
        reply_text(req, 404, "ResourceNotFoundException",
                   "{\"Type\":\"User\",\"message\":\"Function not found\"}");
        return;
    case FNHOST_THROTTLED:
        reply_text(req, 429, "TooManyRequestsException",
                   "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\","
                   "\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}");
        return;
    default:
        break;
    }
    header(req, "x-amz-function-error", "Unhandled");
    if (is_json_object(r->payload, r->len)) {
        reply(req, 200, NULL, r->payload, r->len);
        return;
    }
    /* a reason from the host (init failure, code unavailable): as the reference's shape */
    char body[1024];
    int n = snprintf(body, sizeof(body), "{\"errorType\":\"Runtime.Unknown\",\"errorMessage\":\"");
    for (size_t i = 0; i < r->len && n < (int)sizeof(body) - 4; i++) {
        char c = r->payload[i];
        if (c == '"' || c == '\\')
            body[n++] = '\\';
        body[n++] = (unsigned char)c < 0x20 ? ' ' : c;
    }
    n += snprintf(body + n, sizeof(body) - (size_t)n, "\"}");
    reply(req, 200, NULL, body, (size_t)n);
}

static void on_async_queued(void *arg, const fnhost_result_t *r)
{
    guard_t *g = arg;
    g->done = 1;
    if (r->status == FNHOST_OK) {
        header(g->req, "x-amz-executed-version",
               r->executed_version != NULL ? r->executed_version : "$LATEST");
        reply(g->req, 202, NULL, "", 0);
        return;
    }
    on_result(arg, r);
}

static int ref_ok(const char *s, size_t len)
{
    if (len == 0 || len > 300)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == ':' || c == '$'))
            return 0;
    }
    return 1;
}

static h2o_iovec_t header_value(h2o_req_t *req, const char *name, size_t name_len)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, name_len, -1);
    return i >= 0 ? req->headers.entries[i].value : h2o_iovec_init(NULL, 0);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    route_t *rt = (route_t *)self;
    size_t plen = sizeof(INVOKEMAC_PATH) - 1;
    h2o_iovec_t path = req->path_normalized;
    if (path.len <= plen || memcmp(path.base, INVOKEMAC_PATH, plen) != 0)
        return -1;
    char ref[301], type[32] = "RequestResponse";
    size_t rlen = path.len - plen;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")) ||
        !ref_ok(path.base + plen, rlen)) {
        reply_text(req, 400, "InvalidRequestContentException", "{\"message\":\"bad invoke\"}");
        return 0;
    }
    memcpy(ref, path.base + plen, rlen);
    ref[rlen] = '\0';
    h2o_iovec_t t = header_value(req, H2O_STRLIT("x-amz-invocation-type"));
    if (t.base != NULL) {
        if (!h2o_memis(t.base, t.len, H2O_STRLIT("RequestResponse")) &&
            !h2o_memis(t.base, t.len, H2O_STRLIT("Event")) &&
            !h2o_memis(t.base, t.len, H2O_STRLIT("DryRun"))) {
            reply_text(req, 400, "InvalidParameterValueException",
                       "{\"message\":\"invalid InvocationType\"}");
            return 0;
        }
        snprintf(type, sizeof(type), "%.*s", (int)t.len, t.base);
    }
    h2o_iovec_t mac = header_value(req, H2O_STRLIT(INVOKEMAC_HEADER));
    uint64_t t_ms, now = clock_wall_ms();
    uint8_t nonce[16];
    const char *body = req->entity.base != NULL ? req->entity.base : "";
    size_t len = req->entity.base != NULL ? req->entity.len : 0;
    if (mac.base == NULL ||
        invokemac_check(&rt->dp->secret, mac.base, mac.len, ref, type, body, len, &t_ms, nonce) !=
            0 ||
        !fresh_in_window(t_ms, now) || !seen_first(nonce, t_ms, now)) {
        reply_text(req, 403, "AccessDeniedException", "{\"message\":\"Forbidden\"}");
        return 0;
    }
    if (strcmp(type, "DryRun") == 0) {
        req->res.status = 204;
        req->res.reason = "No Content";
        h2o_send_inline(req, "", 0);
        return 0;
    }
    char trace[256] = "", cc[4096] = "";
    h2o_iovec_t v = header_value(req, H2O_STRLIT("x-amzn-trace-id"));
    if (v.base != NULL && v.len < sizeof(trace))
        snprintf(trace, sizeof(trace), "%.*s", (int)v.len, v.base);
    /* X-Amz-Client-Context is base64; the runtime gets the JSON itself */
    v = header_value(req, H2O_STRLIT("x-amz-client-context"));
    if (v.base != NULL && v.len > 0 && v.len < 3500 && v.len % 4 == 0) {
        int n = EVP_DecodeBlock((unsigned char *)cc, (const unsigned char *)v.base, (int)v.len);
        while (n > 0 && v.base[v.len - 1] == '=' && cc[n - 1] == '\0')
            n--, v.len--;
        cc[n > 0 ? n : 0] = '\0';
    }
    guard_t *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), on_gone);
    *g = (guard_t){.req = req};
    fnhost_opts_t opts = {.trace_id = trace,
                          .log_tag = "invoke",
                          .client_context = cc,
                          .async = strcmp(type, "Event") == 0};
    g->call = fnhost_invoke(req->conn->ctx->loop, ref, body, len, &opts,
                            opts.async ? on_async_queued : on_result, g);
    return 0;
}

void fn_invoke_route_register(h2o_hostconf_t *host, dp_t *dp)
{
    h2o_pathconf_t *path = h2o_config_register_path(host, INVOKEMAC_PATH, 0);
    route_t *h = (route_t *)h2o_create_handler(path, sizeof(*h));
    h->dp = dp;
    h->super.on_req = on_req;
}
