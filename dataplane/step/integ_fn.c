/* integ_fn: AWS_PROXY and AWS integrations — a function called through the
 * node's function host (fnhost.h). The function reference comes from the
 * Lambda invocation URI with ${stageVariables.x} substituted and checked
 * again (a bad one: the reference's 500). The request suspends while the
 * function runs; the function host calls back on this worker's loop, and a
 * client that goes away cancels the call (the request pool's dispose).
 *
 *   AWS_PROXY: the proxy event 1.0 (fn_event.h) goes to the function; its
 *     answer is parsed as the reference does (malformed or a function
 *     error: 502 {"message": "Internal server error"}).
 *   AWS: the request template (or the client's body) goes to the function;
 *     a success renders the default integration response, a function error
 *     selects the response whose selectionPattern matches its errorMessage
 *     (else the default) and renders it with the error JSON as the body.
 *   Either: a timeout is 504, a throttled function 500 (INTEGRATION_FAILURE,
 *     as the reference answers Lambda's 429), an unknown function 500, a
 *     function that could not start 502. With integration.request.header.
 *     X-Amz-Invocation-Type = 'Event' the call is queued (async) and the
 *     answer is 200 with an empty body. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "fn_event.h"
#include "fnhost.h"
#include "fnuri.h"
#include "gwresp.h"
#include "integ.h"
#include "integ_conf.h"
#include "integ_v2.h"
#include "keyrec.h"
#include "log.h"
#include "mapping.h"
#include "payload.h"
#include "vtlreq.h"

#define INTEG_FN_REF_MAX 512

typedef struct {
    dp_request_t *r;
    fnhost_call_t *call; /* NULL once the callback ran */
    vtlreq_t vtl;        /* AWS: the templates' state */
    int async;
    char ref[INTEG_FN_REF_MAX];
} fn_call_t;

/* ---- the event -------------------------------------------------------------- */

static const char *pool_str(dp_request_t *r, const char *s, size_t len)
{
    return s != NULL ? h2o_strdup(&r->req->pool, s, len).base : NULL;
}

static const char *ctx_str(dp_request_t *r, const char *name)
{
    size_t len;
    const char *v = mapping_context(r, name, strlen(name), &len);
    return pool_str(r, v, len);
}

/* A media type against a binaryMediaTypes entry: "image/png", "image/ *" (any
 * subtype), "* / *" (anything); written here with spaces. */
/* The body goes base64-encoded when its Content-Type is one of the API's
 * binaryMediaTypes, or when it is not text JSON can carry. */
static int body_is_binary(dp_request_t *r, h2o_iovec_t body)
{
    const rt_deployment_t *d = r->deployment;
    size_t ctlen;
    const char *ct = request_header(r, H2O_STRLIT("content-type"), &ctlen);
    if (ct != NULL && d != NULL &&
        payload_media_matches(d->binary_types, d->nbinary_types, ct, ctlen))
        return 1;
    return body.len > 0 &&
           (memchr(body.base, '\0', body.len) != NULL || !payload_is_utf8(body.base, body.len));
}

/* The API key that passed step_api_key (its value and id), else NULL. */
static void api_key(dp_request_t *r, const char **value, const char **id)
{
    *value = *id = NULL;
    if (!r->method->api_key_required || r->key.record == NULL)
        return;
    size_t len = 0;
    const char *v = r->deployment->api_key_from_header
                        ? request_header(r, H2O_STRLIT("x-api-key"), &len)
                        : r->usage_identifier_key;
    if (v != NULL && !r->deployment->api_key_from_header)
        len = strlen(v);
    *value = pool_str(r, v, len);
    *id = pool_str(r, (const char *)r->key.record + KEYREC_KEY_ID_AT, KEYREC_KEY_ID_LEN);
}

static enum fn_authorizer_kind authorizer_kind(const dp_request_t *r)
{
    switch (r->method->auth_kind) {
    case RT_AUTH_CUSTOM:
        return FN_AUTHORIZER_LAMBDA;
    case RT_AUTH_JWT:
        return FN_AUTHORIZER_JWT;
    case RT_AUTH_IAM:
        return FN_AUTHORIZER_IAM;
    case RT_AUTH_NONE:
        break;
    }
    return FN_AUTHORIZER_NONE;
}

void integ_fn_event_in(dp_request_t *r, fn_event_in_t *in)
{
    h2o_mem_pool_t *pool = &r->req->pool;
    const h2o_headers_t *hs = &r->req->headers;
    fn_pair_t *headers = h2o_mem_alloc_pool(pool, sizeof(*headers) * (hs->size + 1));
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        headers[i] = (fn_pair_t){h->orig_name != NULL ? h->orig_name : h->name->base, h->name->len,
                                 h->value.base, h->value.len};
    }
    fn_pair_t *params = h2o_mem_alloc_pool(pool, sizeof(*params) * ((size_t)r->match.nparams + 1));
    for (int i = 0; i < r->match.nparams; i++)
        params[i] = (fn_pair_t){r->match.params[i].name, r->match.params[i].name_len,
                                r->match.params[i].value, r->match.params[i].value_len};
    fn_pair_t *vars = h2o_mem_alloc_pool(pool, sizeof(*vars) * (r->variables->n + 1));
    for (size_t i = 0; i < r->variables->n; i++) {
        const rt_kv_t *kv = &r->variables->items[i];
        vars[i] = (fn_pair_t){kv->key, kv->key_len, kv->value, kv->value_len};
    }
    fn_pair_t *auth = h2o_mem_alloc_pool(pool, sizeof(*auth) * (r->nauthorizer_ctx + 1));
    for (size_t i = 0; i < r->nauthorizer_ctx; i++) {
        const rt_kv_t *kv = &r->authorizer_ctx[i];
        auth[i] = (fn_pair_t){kv->key, kv->key_len, kv->value, kv->value_len};
    }
    h2o_iovec_t body = r->req->entity;
    const char *epoch = ctx_str(r, "requestTimeEpoch"), *key, *key_id;
    api_key(r, &key, &key_id);
    *in = (fn_event_in_t){
        .method = pool_str(r, r->req->method.base, r->req->method.len),
        .path = pool_str(r, r->path.base, r->path.len),
        .query = r->query.base,
        .query_len = r->query.len,
        .headers = headers,
        .nheaders = hs->size,
        .path_params = params,
        .npath_params = (size_t)r->match.nparams,
        .stage_vars = vars,
        .nstage_vars = r->variables->n,
        .body = body.base,
        .body_len = body.base != NULL ? body.len : 0,
        .body_binary = body.base != NULL && body_is_binary(r, body),
        .resource = r->method->resource_path,
        .resource_id = r->method->resource_id,
        .account_id = ctx_str(r, "accountId"),
        .api_id = ctx_str(r, "apiId"),
        .stage = ctx_str(r, "stage"),
        .request_id = ctx_str(r, "requestId"),
        .extended_request_id = ctx_str(r, "extendedRequestId"),
        .domain_name = ctx_str(r, "domainName"),
        .domain_prefix = ctx_str(r, "domainPrefix"),
        .protocol = ctx_str(r, "protocol"),
        .context_path = ctx_str(r, "path"),
        .time_epoch_ms = epoch != NULL ? strtoull(epoch, NULL, 10) : 0,
        .source_ip = ctx_str(r, "identity.sourceIp"),
        .user_agent = ctx_str(r, "identity.userAgent"),
        .api_key = key,
        .api_key_id = key_id,
        .access_key = ctx_str(r, "identity.accessKey"),
        .caller = ctx_str(r, "identity.caller"),
        .user = ctx_str(r, "identity.user"),
        .authorizer = authorizer_kind(r),
        .authorizer_ctx = auth,
        .nauthorizer_ctx = r->nauthorizer_ctx,
        .scopes = r->method->auth_kind == RT_AUTH_JWT ? r->method->scopes : NULL,
        .nscopes = r->method->auth_kind == RT_AUTH_JWT ? r->method->nscopes : 0,
    };
}

/* ---- the function reference --------------------------------------------------- */

static const char *var_lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    const rt_vars_t *vars = ctx;
    return rt_vars_get(vars, name, len, vlen);
}

/* The integration's function with stage variables substituted; -1 after
 * answering 500 when it is not a valid reference. */
static int fn_resolve(dp_request_t *r, char *out, size_t cap)
{
    const rt_integration_t *in = r->method->integration;
    size_t n;
    if (fnuri_expand(in->function, in->function_len, var_lookup, (void *)r->variables, out, cap,
                     &n) != 0 ||
        fnuri_check_ref(out, n) != 0) {
        log_warn("request %s: execution failed due to configuration error: invalid function "
                 "reference %.*s",
                 r->request_id, (int)in->function_len, in->function);
        r->exec_error = "Invalid function ARN or invalid uri";
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return -1;
    }
    return 0;
}

/* integration.request.header.X-Amz-Invocation-Type = 'Event' (or a source
 * whose value is Event): the function is queued, not awaited. */
static int fn_is_async(dp_request_t *r)
{
    const rt_integration_t *in = r->method->integration;
    for (size_t i = 0; i < in->nrequest_params; i++) {
        const rt_mapping_t *m = &in->request_params[i];
        size_t vlen;
        if (m->target.loc != PARAMS_LOC_HEADER ||
            !h2o_lcstris(m->target.name, m->target.name_len, H2O_STRLIT("x-amz-invocation-type")))
            continue;
        const char *v = mapping_eval(r, &m->source, &vlen);
        return v != NULL && vlen == 5 && memcmp(v, "Event", 5) == 0;
    }
    return 0;
}

/* ---- the answer -------------------------------------------------------------- */

static void fn_dispose(void *arg)
{
    fn_call_t *fc = arg;
    if (fc->call != NULL)
        fnhost_cancel(fc->call);
    fc->call = NULL;
}

/* The reference decides by the client's first Accept media type: a body the
 * function base64-encoded is decoded only when that type is one of the
 * API's binaryMediaTypes; otherwise the client gets the base64 text. */
static int accept_is_binary(dp_request_t *r)
{
    const rt_deployment_t *d = r->deployment;
    size_t len;
    const char *accept = request_header(r, H2O_STRLIT("accept"), &len);
    if (accept == NULL || d == NULL)
        return 0;
    h2o_iovec_t first = payload_first_accept(accept, len);
    return payload_media_matches(d->binary_types, d->nbinary_types, first.base, first.len);
}

static void proxy_answer(fn_call_t *fc, const fnhost_result_t *res)
{
    dp_request_t *r = fc->r;
    h2o_req_t *req = r->req;
    fn_answer_t a;
    char err[256];
    if (fc->async) {
        req->res.status = 200;
        req->res.reason = "OK";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json"));
        req->res.content_length = 0;
        h2o_send_inline(req, "", 0);
        return;
    }
    if (fn_answer_parse(integ_v2_fn_format(r), res->payload, res->len, &a, err, sizeof(err)) != 0) {
        log_warn("request %s: execution failed due to configuration error: malformed Lambda "
                 "proxy response (%s)",
                 r->request_id, err);
        r->integ_error = "Malformed Lambda proxy response";
        gwresp_send(r, GW_INTEGRATION_BAD_ANSWER);
        return;
    }
    r->integ_fn_status = a.status;
    req->res.status = a.status;
    req->res.reason = "OK";
    for (size_t i = 0; i < a.nheaders; i++)
        if (!h2o_lcstris(a.headers[i].name, a.headers[i].name_len, H2O_STRLIT("content-length")) &&
            !h2o_lcstris(a.headers[i].name, a.headers[i].name_len,
                         H2O_STRLIT("transfer-encoding")) &&
            !h2o_lcstris(a.headers[i].name, a.headers[i].name_len, H2O_STRLIT("connection")))
            request_add_response_header(
                r, h2o_strdup(&req->pool, a.headers[i].name, a.headers[i].name_len).base,
                a.headers[i].name_len,
                h2o_strdup(&req->pool, a.headers[i].value, a.headers[i].value_len).base,
                a.headers[i].value_len);
    for (size_t i = 0; i < a.ncookies; i++) /* payload 2.0 (HTTP APIs) */
        request_add_response_header(r, H2O_STRLIT("set-cookie"),
                                    h2o_strdup(&req->pool, a.cookies[i], SIZE_MAX).base,
                                    strlen(a.cookies[i]));
    h2o_iovec_t body = a.encoded != NULL && !accept_is_binary(r)
                           ? h2o_strdup(&req->pool, a.encoded, a.encoded_len)
                           : h2o_strdup(&req->pool, a.body, a.body_len);
    fn_answer_free(&a);
    req->res.content_length = body.len;
    h2o_send_inline(req, body.base, body.len);
}

static const rt_int_response_t *default_response(const rt_integration_t *in)
{
    for (size_t i = 0; i < in->nresponses; i++)
        if (in->responses[i].re == NULL)
            return &in->responses[i];
    return NULL;
}

static void aws_answer(fn_call_t *fc, const fnhost_result_t *res)
{
    dp_request_t *r = fc->r;
    const rt_integration_t *in = r->method->integration;
    const rt_int_response_t *resp;
    if (res->status == FNHOST_FUNCTION_ERROR) {
        size_t mlen = 0;
        char *msg = fn_error_message(res->payload, res->len, &mlen);
        if (msg == NULL)
            h2o_fatal("out of memory");
        r->integ_error = h2o_strdup(&r->req->pool, msg, mlen).base;
        resp = integ_conf_select(in, msg, mlen);
        free(msg);
    } else {
        resp = default_response(in);
    }
    if (resp == NULL) {
        r->exec_error = "No match for output mapping and no default output mapping configured";
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return;
    }
    fc->vtl.body =
        fc->async ? h2o_iovec_init("", 0) : h2o_strdup(&r->req->pool, res->payload, res->len);
    fc->vtl.answer_headers = NULL;
    fc->vtl.nanswer_headers = 0;
    integ_response_send(r, resp, &fc->vtl);
}

static void fn_on_result(void *arg, const fnhost_result_t *res)
{
    fn_call_t *fc = arg;
    dp_request_t *r = fc->r;
    fc->call = NULL;
    r->integ_ended_us = clock_mono_us();
    int proxy = r->method->integration->type == RT_INTEG_AWS_PROXY;
    switch (res->status) {
    case FNHOST_OK:
        r->integ_status = fc->async ? 202 : 200;
        if (proxy)
            proxy_answer(fc, res);
        else
            aws_answer(fc, res);
        return;
    case FNHOST_FUNCTION_ERROR:
        r->integ_status = 200;
        log_info("request %s: function %s failed: %.*s", r->request_id, fc->ref,
                 (int)(res->len > 512 ? 512 : res->len), res->payload);
        if (!proxy) {
            aws_answer(fc, res);
            return;
        }
        {
            size_t mlen = 0;
            char *msg = fn_error_message(res->payload, res->len, &mlen);
            if (msg != NULL)
                r->integ_error = h2o_strdup(&r->req->pool, msg, mlen).base;
            free(msg);
        }
        gwresp_send(r, GW_INTEGRATION_BAD_ANSWER);
        return;
    case FNHOST_TIMEOUT:
        r->integ_error = "Endpoint request timed out";
        gwresp_send(r, GW_INTEGRATION_TIMEOUT);
        return;
    case FNHOST_THROTTLED:
        r->integ_status = 429;
        r->integ_error = "Rate Exceeded.";
        log_warn("request %s: function %s throttled", r->request_id, fc->ref);
        gwresp_send(r, GW_INTEGRATION_THROTTLED);
        return;
    case FNHOST_NOT_FOUND:
        r->integ_status = 404;
        r->integ_error = "Function not found";
        log_warn("request %s: execution failed due to configuration error: function %s not "
                 "found",
                 r->request_id, fc->ref);
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return;
    case FNHOST_FAILED:
        break;
    }
    r->integ_error = "Function failed";
    log_warn("request %s: function %s could not run: %.*s", r->request_id, fc->ref,
             (int)(res->len > 512 ? 512 : res->len), res->payload != NULL ? res->payload : "");
    gwresp_send(r, GW_INTEGRATION_BAD_ANSWER);
}

/* ---- the step ---------------------------------------------------------------- */

/* The payload: the proxy event, or the AWS integration's rendered body
 * ({} for none: a function is always given a JSON event). -1 when answered. */
static int fn_payload(fn_call_t *fc, h2o_iovec_t *payload)
{
    dp_request_t *r = fc->r;
    if (r->method->integration->type == RT_INTEG_AWS_PROXY) {
        fn_event_in_t ev;
        size_t len;
        integ_fn_event_in(r, &ev);
        int v2 = r->method->v2 != NULL && integ_v2_fn_event(r, &ev); /* HTTP APIs */
        char *text = v2 ? fn_event_v2(&ev, &len) : fn_event_v1(&ev, &len);
        if (text == NULL)
            h2o_fatal("out of memory");
        *payload = h2o_strdup(&r->req->pool, text, len);
        free(text);
        return 0;
    }
    integ_http_req_t spec = {.vtl = &fc->vtl};
    if (integ_request_body(r, &fc->vtl, &spec) != 0)
        return -1;
    *payload = spec.body.base != NULL && spec.body.len > 0 ? spec.body : h2o_iovec_init("{}", 2);
    return 0;
}

enum step_result integ_fn_run(dp_request_t *r)
{
    const rt_integration_t *in = r->method->integration;
    if (in->type == RT_INTEG_AWS_PROXY && in->http_method != NULL &&
        strcmp(in->http_method, "POST") != 0) {
        r->exec_error = "AWS_PROXY integrations invoke functions with POST";
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return STEP_DONE;
    }
    fn_call_t *fc = h2o_mem_alloc_shared(&r->req->pool, sizeof(*fc), fn_dispose);
    memset(fc, 0, sizeof(*fc));
    fc->r = r;
    vtlreq_init(&fc->vtl, r);
    if (fn_resolve(r, fc->ref, sizeof(fc->ref)) != 0)
        return STEP_DONE;
    h2o_iovec_t payload;
    if (fn_payload(fc, &payload) != 0)
        return STEP_DONE;
    fc->async = fn_is_async(r);
    h2o_iovec_t trace = request_trace_amzn(r);
    fnhost_opts_t opts = {
        .trace_id = trace.len > 0 ? pool_str(r, trace.base, trace.len) : NULL,
        .log_tag = r->request_id,
        .async = fc->async,
        .deadline_ms = in->timeout_ms,
    };
    r->integ_started_us = clock_mono_us();
    fc->call =
        fnhost_invoke(r->thread->loop, fc->ref, payload.base, payload.len, &opts, fn_on_result, fc);
    return STEP_PENDING;
}
