/* admin_function_invoke: Invoke (POST /2015-03-31/functions/{name}/invocations)
 * on the control plane. The control plane runs no function: it checks the
 * function and qualifier in the store (404 ResourceNotFoundException as the
 * reference), picks a live data-plane node (the address its reports give)
 * and forwards the call to the node's POST /.portico/invoke/{name:qualifier}
 * with an invokemac header (cluster secret, time, nonce), then answers with
 * the node's status, payload and X-Amz-Function-Error /
 * X-Amz-Executed-Version / x-amzn-ErrorType headers. Like TestInvokeMethod,
 * the exchange (bounded by the function's Timeout plus a margin) runs on a
 * worker thread (admin_defer.h) while the admin loop goes on serving; at most
 * FN_INVOKE_MAX_CALLS at once, beyond that 429 TooManyRequestsException. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin_defer.h"
#include "admin_function.h"
#include "admin_function_int.h"
#include "admin_testinvoke_http.h"
#include "clock.h"
#include "httpval.h"
#include "cluster.h"
#include "invokemac.h"
#include "nodes.h"

#define FN_INVOKE_MARGIN_MS 10000 /* cold start and transfer on top of the Timeout */
#define FN_INVOKE_MAX_CALLS 32    /* forwards under way at once */

/* One forward to a node; its strings owned here. */
typedef struct {
    ti_http_req_t req;
    json_t *headers;
    char url[800];
    char *body;
    /* its outcome, filled on the worker thread */
    int rc;
    ti_http_res_t res;
    char err[256];
} fn_invoke_t;

static admin_defer_cap_t fn_invoke_cap = {.max = FN_INVOKE_MAX_CALLS};

static const char *header_of(json_t *headers, const char *name)
{
    const char *k;
    json_t *v;
    json_object_foreach(headers, k, v) if (strcasecmp(k, name) == 0) return json_string_value(v);
    return NULL;
}

static void pass_header(admin_call_t *c, json_t *headers, const char *name)
{
    const char *v = header_of(headers, name);
    if (v != NULL && httpval_header_value(v, strlen(v)) == 0)
        h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, name, strlen(name), 0, NULL,
                              h2o_strdup(&c->req->pool, v, SIZE_MAX).base, strlen(v));
}

static const char *request_header(admin_call_t *c, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&c->req->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = c->req->headers.entries[i].value;
    return h2o_strdup(&c->req->pool, v.base, v.len).base;
}

static void fn_invoke_free(fn_invoke_t *f)
{
    json_decref(f->headers);
    free(f->body);
    free(f);
}

/* On the worker thread: the forward. */
static void fn_invoke_work(void *arg)
{
    fn_invoke_t *f = arg;
    f->rc = ti_http_call(&f->req, &f->res, f->err, sizeof(f->err));
}

/* The node answered (on the admin loop); c is NULL when the client went
 * away. */
static void fn_invoke_done(admin_call_t *c, void *arg)
{
    fn_invoke_t *f = arg;
    if (f->rc != 0) {
        if (c != NULL)
            fn_fail(c, 502, "ServiceException", "The data-plane node did not answer: %s", f->err);
        fn_invoke_free(f);
        return;
    }
    if (c != NULL) {
        pass_header(c, f->res.headers, "x-amz-function-error");
        pass_header(c, f->res.headers, "x-amz-executed-version");
        pass_header(c, f->res.headers, "x-amzn-errortype");
        const char *ct = header_of(f->res.headers, "content-type");
        char *out = f->res.body;
        f->res.body = NULL;
        admin_reply_text(c, f->res.status, ct != NULL ? ct : "application/json", out,
                         f->res.body_len);
    }
    ti_http_res_dispose(&f->res);
    fn_invoke_free(f);
}

void admin_function_invoke(admin_call_t *c)
{
    fn_ref_t ref;
    char version[FN_QUALIFIER_MAX + 1];
    json_t *doc = NULL;
    if (fn_ref(c, admin_arg(c, "FunctionName"), 1, &ref) != 0 || fn_resolve(c, &ref, version) != 0)
        return;
    int rc = store_fn_version_get(c->store, ref.name, version, &doc);
    if (rc != 0) {
        fn_store_fail(c, rc, ref.name, ref.qualifier[0] != '\0' ? ref.qualifier : NULL);
        return;
    }
    json_int_t timeout_s = json_integer_value(json_object_get(doc, "Timeout"));
    json_decref(doc);
    const char *type = request_header(c, "x-amz-invocation-type");
    if (type == NULL)
        type = "RequestResponse";
    if (strcmp(type, "RequestResponse") != 0 && strcmp(type, "Event") != 0 &&
        strcmp(type, "DryRun") != 0) {
        fn_invalid(c, "Invalid InvocationType: %.40s", type);
        return;
    }
    char addr[300];
    if (nodes_pick_addr(c->cp->nodes, clock_wall_ms(), addr, sizeof(addr)) != 0) {
        fn_fail(c, 503, "ServiceException", "No data-plane node is available to run the function");
        return;
    }
    char target[400], url[800], mac[INVOKEMAC_VALUE_LEN + 1];
    snprintf(target, sizeof(target), "%s:%s", ref.name,
             ref.qualifier[0] != '\0' ? ref.qualifier : "$LATEST");
    snprintf(url, sizeof(url), "http://%s%s%s", addr, INVOKEMAC_PATH, target);
    const char *body = c->req->entity.base != NULL ? c->req->entity.base : "";
    size_t len = c->req->entity.base != NULL ? c->req->entity.len : 0;
    invokemac_make(cluster_secret(c->cp->cluster), clock_wall_ms(), target, type, body, len, mac,
                   sizeof(mac));
    json_t *headers = json_pack("{s:s,s:s,s:s,s:s}", INVOKEMAC_HEADER, mac, "x-amz-invocation-type",
                                type, "content-type", "application/octet-stream", "expect", "");
    const char *trace = request_header(c, "x-amzn-trace-id");
    const char *ctx = request_header(c, "x-amz-client-context");
    if (trace != NULL)
        json_object_set_new(headers, "x-amzn-trace-id", json_string(trace));
    if (ctx != NULL)
        json_object_set_new(headers, "x-amz-client-context", json_string(ctx));
    fn_invoke_t *f = calloc(1, sizeof(*f));
    char *copy = f != NULL ? malloc(len + 1) : NULL;
    if (copy == NULL) {
        free(f);
        json_decref(headers);
        fn_fail(c, 500, "ServiceException", "Out of memory");
        return;
    }
    memcpy(copy, body, len);
    copy[len] = '\0';
    f->headers = headers;
    f->body = copy;
    snprintf(f->url, sizeof(f->url), "%s", url);
    f->req = (ti_http_req_t){.method = "POST",
                             .url = f->url,
                             .headers = f->headers,
                             .body = f->body,
                             .body_len = len,
                             .timeout_ms = (long)(timeout_s > 0 ? timeout_s : 3) * 1000 +
                                           FN_INVOKE_MARGIN_MS};
    ti_http_global_init();
    if (admin_defer_start(c, &fn_invoke_cap, fn_invoke_work, fn_invoke_done, f) != 0) {
        fn_invoke_free(f);
        fn_fail(c, 429, "TooManyRequestsException",
                "Too many invocations under way on the control plane; try again later");
    }
}
