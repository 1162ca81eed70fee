/* integ_http: HTTP (non-proxy) integrations. The request template chosen
 * by Content-Type (application/json when there is none) is rendered into
 * the body sent to the endpoint, under passthroughBehavior: without a
 * matching template the client's body goes as it came (WHEN_NO_MATCH; and
 * WHEN_NO_TEMPLATES when the integration has no template at all), else 415.
 * The endpoint's whole answer is read (bounded), its status code selects
 * the integration response (selectionPattern, else the default; none: 500),
 * whose template renders the answer (integ_response.c). binaryMediaTypes
 * and contentHandling convert the payloads both ways (core/payload.h). */
#include <string.h>

#include "clock.h"
#include "gwresp.h"
#include "integ.h"
#include "integ_conf.h"
#include "vtlreq.h"
#include "log.h"
#include "payload.h"
#include "upstream_call.h"

/* The reference's payload limit: an answer over it is a bad answer. */
#define INTEG_HTTP_MAX_ANSWER (10 * 1024 * 1024)

typedef struct {
    dp_request_t *r;
    upstream_call_t call;
    vtlreq_t vtl;
    int status;
    h2o_header_t *headers;
    size_t nheaders;
    char *answer; /* malloc'd while it grows; freed with the request */
    size_t answer_len;
} http_call_t;

int integ_select_request_template(dp_request_t *r, int *idx)
{
    const rt_integration_t *in = r->method->integration;
    size_t ctlen;
    const char *ct = request_header(r, H2O_STRLIT("content-type"), &ctlen);
    if (ct == NULL || ctlen == 0)
        ct = "application/json", ctlen = 16;
    *idx = integ_conf_template_for(in->request_templates, in->nrequest_templates, ct, ctlen);
    if (*idx >= 0 || in->passthrough == RT_PASS_WHEN_NO_MATCH ||
        (in->passthrough == RT_PASS_WHEN_NO_TEMPLATES && in->nrequest_templates == 0))
        return 0;
    gwresp_send(r, GW_UNSUPPORTED_MEDIA_TYPE);
    return -1;
}

payload_plan_t integ_request_plan(dp_request_t *r)
{
    const rt_deployment_t *d = r->deployment;
    size_t ctlen;
    const char *ct = request_header(r, H2O_STRLIT("content-type"), &ctlen);
    return payload_request_plan(d->nbinary_types > 0,
                                payload_media_matches(d->binary_types, d->nbinary_types, ct, ctlen),
                                r->method->integration->convert);
}

int integ_convert_failed(dp_request_t *r)
{
    r->exec_error = "Unable to convert the payload to binary: it is not base64";
    gwresp_send(r, GW_API_CONFIGURATION_ERROR);
    return -1;
}

static void http_dispose(void *arg)
{
    http_call_t *hc = arg;
    upstream_call_cancel(&hc->call);
    free(hc->answer);
}

static void http_complete(http_call_t *hc)
{
    dp_request_t *r = hc->r;
    char code[8];
    int n;
    if (hc->status >= 100 && hc->status <= 999) { /* what "%d" writes, without snprintf */
        code[0] = (char)('0' + hc->status / 100);
        code[1] = (char)('0' + hc->status / 10 % 10);
        code[2] = (char)('0' + hc->status % 10);
        code[3] = '\0';
        n = 3;
    } else {
        n = snprintf(code, sizeof(code), "%d", hc->status);
    }
    const rt_int_response_t *resp = integ_conf_select(r->method->integration, code, (size_t)n);
    if (resp == NULL) {
        r->exec_error = "No match for output mapping and no default output mapping configured";
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return;
    }
    hc->vtl.body = h2o_strdup(&r->req->pool, hc->answer != NULL ? hc->answer : "", hc->answer_len);
    hc->vtl.answer_headers = hc->headers;
    hc->vtl.nanswer_headers = hc->nheaders;
    integ_response_send(r, resp, &hc->vtl);
}

static int http_on_body(h2o_http1client_t *client, const char *errstr)
{
    http_call_t *hc = ((upstream_call_t *)client->data)->data;
    h2o_buffer_t *in = client->sock->input;
    if (hc->answer_len + in->size > INTEG_HTTP_MAX_ANSWER) {
        hc->call.client = NULL;
        log_warn("integration %s: the answer is too large", hc->r->request_id);
        gwresp_send(hc->r, GW_INTEGRATION_BAD_ANSWER);
        return -1;
    }
    if (in->size > 0) {
        char *bigger = realloc(hc->answer, hc->answer_len + in->size + 1);
        if (bigger == NULL)
            h2o_fatal("out of memory");
        memcpy(bigger + hc->answer_len, in->bytes, in->size);
        hc->answer = bigger;
        hc->answer_len += in->size;
        h2o_buffer_consume(&client->sock->input, in->size);
    }
    if (errstr == NULL)
        return 0;
    hc->call.client = NULL;
    if (upstream_call_is_eos(errstr)) {
        http_complete(hc);
    } else {
        log_debug("integration %s: body: %s", hc->r->request_id, errstr);
        gwresp_send(hc->r, GW_INTEGRATION_BAD_ANSWER);
    }
    return 0;
}

/* The endpoint's headers copied into the request's pool (the client's
 * buffer they point into is reused): one allocation for the array, the
 * names and the bytes, each string NUL-terminated as h2o_strdup's are. */
static h2o_header_t *copy_headers(h2o_mem_pool_t *pool, const h2o_header_t *headers, size_t n)
{
    size_t bytes = sizeof(h2o_header_t) * (n + 1) + sizeof(h2o_iovec_t) * n;
    for (size_t i = 0; i < n; i++)
        bytes += headers[i].name->len + headers[i].value.len + 2;
    h2o_header_t *out = h2o_mem_alloc_pool(pool, bytes);
    h2o_iovec_t *names = (h2o_iovec_t *)(out + n + 1);
    char *at = (char *)(names + n);
    for (size_t i = 0; i < n; i++) {
        const h2o_iovec_t *nm = headers[i].name, *val = &headers[i].value;
        names[i] = h2o_iovec_init(at, nm->len);
        if (nm->len)
            memcpy(at, nm->base, nm->len);
        at[nm->len] = '\0';
        at += nm->len + 1;
        out[i] = (h2o_header_t){.name = &names[i], .value = h2o_iovec_init(at, val->len)};
        if (val->len)
            memcpy(at, val->base, val->len);
        at[val->len] = '\0';
        at += val->len + 1;
    }
    return out;
}

static h2o_http1client_body_cb http_on_head(upstream_call_t *c, int status, h2o_iovec_t msg,
                                            h2o_header_t *headers, size_t nheaders, int eos)
{
    http_call_t *hc = c->data;
    dp_request_t *r = hc->r;
    r->integ_ended_us = clock_mono_us();
    r->integ_status = status;
    hc->status = status;
    hc->headers = copy_headers(&r->req->pool, headers, nheaders);
    hc->nheaders = nheaders;
    if (eos) {
        hc->call.client = NULL;
        http_complete(hc);
        return NULL;
    }
    return http_on_body;
}

static void http_on_fail(upstream_call_t *c, enum upstream_call_error e, const char *errstr)
{
    http_call_t *hc = c->data;
    hc->r->integ_ended_us = clock_mono_us();
    log_debug("integration %s: %s", hc->r->request_id, errstr);
    gwresp_send(hc->r, upstream_call_gw_case(e));
}

int integ_request_body(dp_request_t *r, vtlreq_t *vtl, integ_http_req_t *spec)
{
    const rt_integration_t *in = r->method->integration;
    payload_plan_t plan = integ_request_plan(r);
    int idx;
    if (integ_select_request_template(r, &idx) != 0)
        return -1;
    if (idx < 0 || !payload_template_applies(plan)) {
        size_t ctlen;
        const char *ct = request_header(r, H2O_STRLIT("content-type"), &ctlen);
        spec->body = r->req->entity;
        if (spec->body.base != NULL) {
            spec->body = payload_before(&r->req->pool, plan, spec->body, 0);
            if (payload_after(&r->req->pool, plan, &spec->body) != 0)
                return integ_convert_failed(r);
        }
        if (ct != NULL)
            spec->content_type = h2o_iovec_init(ct, ctlen);
        return 0;
    }
    vtl->body = payload_before(&r->req->pool, plan, vtl->body, 1);
    if (vtlreq_render(vtl, in->request_compiled[idx], &spec->body) != 0) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return -1;
    }
    if (payload_after(&r->req->pool, plan, &spec->body) != 0)
        return integ_convert_failed(r);
    spec->content_type =
        h2o_iovec_init(in->request_templates[idx].key, in->request_templates[idx].key_len);
    return 0;
}

enum step_result integ_http_run(dp_request_t *r)
{
    const rt_integration_t *in = r->method->integration;
    http_call_t *hc = h2o_mem_alloc_shared(&r->req->pool, sizeof(*hc), http_dispose);
    memset(hc, 0, sizeof(*hc));
    hc->r = r;
    vtlreq_init(&hc->vtl, r);
    integ_http_req_t spec = {.vtl = &hc->vtl};
    if (integ_request_body(r, &hc->vtl, &spec) != 0)
        return STEP_DONE;
    h2o_url_t url;
    h2o_iovec_t method, head;
    int fail = integ_http_build(r, &spec, &url, &method, &head);
    if (fail >= 0) {
        gwresp_send(r, (enum gwresp_case)fail);
        return STEP_DONE;
    }
    hc->call.bufs[0] = head;
    hc->call.bufs[1] = spec.body;
    hc->call.is_head = h2o_memis(method.base, method.len, H2O_STRLIT("HEAD"));
    hc->call.may_retry = integ_method_is_idempotent(method);
    hc->call.on_head = http_on_head;
    hc->call.on_fail = http_on_fail;
    hc->call.data = hc;
    r->integ_started_us = clock_mono_us();
    upstream_call_start(&hc->call, &r->thread->upstream, &url, in->timeout_ms);
    return STEP_PENDING;
}
