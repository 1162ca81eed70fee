/* fn_rtapi: the Lambda Runtime API (2018-06-01) a runtime process talks to
 * on its own loopback port: GET invocation/next (long poll), POST
 * invocation/{id}/response, POST invocation/{id}/error, POST init/error.
 * Answers and status codes as the reference's: 202 for a taken response or
 * error, 400 for an unknown request id or an invocation that is not this
 * process's, 403 for a port that names no live process, 404 for other
 * paths, 413 (h2o itself) for a body over the 6 MB limit. */
#include "fn_sup.h"

#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "httpval.h"

#define RT_PREFIX "/2018-06-01/runtime/"

/* A parked /next: forgets its process when the connection goes. */
typedef struct fn_next_guard {
    fn_proc_t *proc;
} fn_next_guard_t;

static void on_next_gone(void *arg)
{
    fn_next_guard_t *g = arg;
    if (g->proc != NULL && g->proc->next_guard == g) {
        g->proc->next_req = NULL;
        g->proc->next_guard = NULL;
    }
}

static void reply_json(h2o_req_t *req, int status, const char *reason, const char *body)
{
    req->res.status = status;
    req->res.reason = reason;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_send_inline(req, body, strlen(body));
}

static void reply_error(h2o_req_t *req, int status, const char *reason, const char *type,
                        const char *message)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"errorMessage\":\"%s\",\"errorType\":\"%s\"}", message, type);
    reply_json(req, status, reason, body);
}

static void add_header(h2o_req_t *req, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0' || httpval_header_value(value, strlen(value)) != 0)
        return;
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value,
                          strlen(value));
}

void fn_rtapi_drop_next(fn_proc_t *p)
{
    if (p->next_guard != NULL)
        p->next_guard->proc = NULL;
    p->next_guard = NULL;
    p->next_req = NULL; /* the connection dies with the process */
}

void fn_rtapi_abandon_next(fn_proc_t *p)
{
    h2o_req_t *req = p->next_req;
    fn_rtapi_drop_next(p);
    /* answered so that h2o (which does not read a connection while its
     * request is being handled) finishes it and sees the process gone */
    if (req != NULL)
        reply_error(req, 410, "Gone", "RuntimeStopped", "the runtime is being stopped");
}

void fn_rtapi_deliver(fn_proc_t *p)
{
    h2o_req_t *req = p->next_req;
    fn_inv_t *inv = p->inv;
    fn_rtapi_drop_next(p);
    if (req == NULL || inv == NULL || inv->delivered)
        return;
    inv->delivered = 1;
    char deadline[32];
    snprintf(deadline, sizeof(deadline), "%llu", (unsigned long long)inv->deadline_at_ms);
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    add_header(req, "Lambda-Runtime-Aws-Request-Id", inv->request_id);
    add_header(req, "Lambda-Runtime-Deadline-Ms", deadline);
    add_header(req, "Lambda-Runtime-Invoked-Function-Arn", p->pool->cfg->arn);
    add_header(req, "Lambda-Runtime-Trace-Id", inv->trace_id);
    add_header(req, "Lambda-Runtime-Client-Context", inv->client_context);
    add_header(req, "Lambda-Runtime-Cognito-Identity", inv->cognito_identity);
    h2o_send_inline(req, inv->payload != NULL ? inv->payload : "", inv->len);
}

static void on_next(fn_proc_t *p, h2o_req_t *req)
{
    if (p->next_req != NULL) {
        reply_error(req, 400, "Bad Request", "InvalidStateTransition",
                    "a request for the next invocation is already waiting");
        return;
    }
    fn_next_guard_t *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), on_next_gone);
    g->proc = p;
    p->next_req = req;
    p->next_guard = g;
    if (p->inv != NULL && !p->inv->delivered) {
        fn_rtapi_deliver(p);
        return;
    }
    if (p->state == FN_PROC_STARTING || p->state == FN_PROC_BETWEEN)
        p->pool->nsoon--;
    p->state = FN_PROC_IDLE;
    p->idle_since_ms = fn_now_ms();
    snprintf(p->last_tag, sizeof(p->last_tag), "-");
    fn_core_dispatch(p->pool);
}

/* The error JSON a runtime posted, or one made from its error type. */
static char *error_body(h2o_req_t *req, size_t *len)
{
    ssize_t i =
        h2o_find_header_by_str(&req->headers, H2O_STRLIT("lambda-runtime-function-error-type"), -1);
    char type[128] = "Unhandled";
    if (i >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;
        snprintf(type, sizeof(type), "%.*s", (int)(v.len < 100 ? v.len : 100), v.base);
    }
    json_t *j =
        req->entity.base != NULL ? json_loadb(req->entity.base, req->entity.len, 0, NULL) : NULL;
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        j = json_pack("{s:s%,s:s}", "errorMessage",
                      req->entity.base != NULL ? req->entity.base : "",
                      req->entity.base != NULL ? req->entity.len : 0, "errorType", type);
    }
    char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    *len = s != NULL ? strlen(s) : 0;
    return s;
}

static void on_result(fn_proc_t *p, h2o_req_t *req, const char *id, size_t id_len, int is_error)
{
    fn_inv_t *inv = p->inv;
    if (inv == NULL || !inv->delivered || strlen(inv->request_id) != id_len ||
        memcmp(inv->request_id, id, id_len) != 0) {
        reply_error(req, 400, "Bad Request", "InvalidRequestID", "Invalid request ID");
        return;
    }
    if (!is_error) {
        fn_core_complete(inv, FNHOST_OK, req->entity.base, req->entity.len);
    } else {
        size_t len;
        char *body = error_body(req, &len);
        fn_core_complete(inv, FNHOST_FUNCTION_ERROR, body, len);
        free(body);
    }
    reply_json(req, 202, "Accepted", "{\"status\":\"OK\"}");
}

static void on_init_error(fn_proc_t *p, h2o_req_t *req)
{
    fn_pool_t *pool = p->pool;
    size_t len;
    char *body = error_body(req, &len);
    fn_core_note(pool->core, "-", "function %s:%s init error: %s", pool->cfg->name,
                 pool->cfg->version, body != NULL ? body : "");
    if (p->inv != NULL)
        fn_core_complete(p->inv, FNHOST_FAILED, body, len);
    fn_core_fail_waiting(pool, FNHOST_FAILED, body != NULL ? body : "init error");
    free(body);
    reply_json(req, 202, "Accepted", "{\"status\":\"OK\"}");
    fn_proc_kill(p);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    fn_core_t *core = *(fn_core_t **)(self + 1);
    struct sockaddr_storage ss;
    uint16_t port = 0;
    if (req->conn->callbacks->get_sockname(req->conn, (struct sockaddr *)&ss) > 0 &&
        ss.ss_family == AF_INET)
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    fn_proc_t *p = fn_proc_by_port(core, port);
    if (p == NULL) {
        reply_error(req, 403, "Forbidden", "Forbidden", "no runtime is served here");
        return 0;
    }
    h2o_iovec_t path = req->path_normalized;
    int get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    int post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    size_t plen = sizeof(RT_PREFIX) - 1;
    if (path.len < plen || memcmp(path.base, RT_PREFIX, plen) != 0)
        goto not_found;
    const char *rest = path.base + plen;
    size_t rlen = path.len - plen;
    if (get && h2o_memis(rest, rlen, H2O_STRLIT("invocation/next"))) {
        on_next(p, req);
        return 0;
    }
    if (post && h2o_memis(rest, rlen, H2O_STRLIT("init/error"))) {
        on_init_error(p, req);
        return 0;
    }
    static const char inv[] = "invocation/";
    if (post && rlen > sizeof(inv) - 1 && memcmp(rest, inv, sizeof(inv) - 1) == 0) {
        const char *id = rest + sizeof(inv) - 1;
        const char *slash = memchr(id, '/', (size_t)(rest + rlen - id));
        if (slash != NULL) {
            h2o_iovec_t verb = h2o_iovec_init(slash + 1, (size_t)(rest + rlen - slash - 1));
            int is_error = h2o_memis(verb.base, verb.len, H2O_STRLIT("error"));
            if (is_error || h2o_memis(verb.base, verb.len, H2O_STRLIT("response"))) {
                on_result(p, req, id, (size_t)(slash - id), is_error);
                return 0;
            }
        }
    }
not_found:
    reply_error(req, 404, "Not Found", "NotFound", "Not Found");
    return 0;
}

void fn_rtapi_register(fn_core_t *core)
{
    h2o_pathconf_t *path = h2o_config_register_path(core->hostconf, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path, sizeof(*h) + sizeof(fn_core_t *));
    *(fn_core_t **)(h + 1) = core;
    h->on_req = on_req;
}
