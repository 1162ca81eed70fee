/* integ_response: the integration-response writer shared by integrations
 * that select a response (MOCK, HTTP): status, method.response.header.*
 * mappings, the response template chosen by Accept rendered with the full
 * engine, and what the template set in $context.responseOverride; the
 * answer's content type conversion (payload.h) around the template. */
#include <string.h>

#include "gwresp.h"
#include "httpval.h"
#include "integ.h"
#include "vtlreq.h"
#include "log.h"
#include "mapping.h"
#include "payload.h"

/* The conversion plan of the answer: binaryMediaTypes against the
 * endpoint's Content-Type and the client's first Accept type, and the
 * integration response's contentHandling. */
static payload_plan_t response_plan(dp_request_t *r, const rt_int_response_t *resp,
                                    const vtlreq_t *vtl)
{
    const rt_deployment_t *d = r->deployment;
    if (d->nbinary_types == 0)
        return payload_response_plan(0, 0, 0, resp->convert);
    int answer_binary = 0;
    for (size_t i = 0; i < vtl->nanswer_headers; i++) {
        const h2o_header_t *h = &vtl->answer_headers[i];
        if (h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("content-type"))) {
            answer_binary = payload_media_matches(d->binary_types, d->nbinary_types, h->value.base,
                                                  h->value.len);
            break;
        }
    }
    size_t alen;
    const char *accept = request_header(r, H2O_STRLIT("accept"), &alen);
    h2o_iovec_t first = payload_first_accept(accept, alen);
    int accept_binary =
        payload_media_matches(d->binary_types, d->nbinary_types, first.base, first.len);
    return payload_response_plan(1, answer_binary, accept_binary, resp->convert);
}

static const char *response_value(dp_request_t *r, vtlreq_t *vtl, const rt_mapping_t *m,
                                  size_t *vlen)
{
    if (m->source.kind == PARAMS_SRC_INTEGRATION_RESPONSE)
        return vtlreq_answer_value(vtl, &m->source, vlen);
    return mapping_eval(r, &m->source, vlen);
}

/* Every header value the answer would carry is checked before anything is
 * written: a mapped value with CR/LF (say from an authorizer's context)
 * makes the whole answer the gateway's 500 instead. */
static int response_headers_valid(dp_request_t *r, const rt_int_response_t *resp, vtlreq_t *vtl,
                                  int status, const rt_kv_t *t)
{
    if (httpval_status(status) != 0 || (t != NULL && httpval_header_value(t->key, t->key_len) != 0))
        return 0;
    for (size_t i = 0; i < resp->nparams; i++) {
        const rt_mapping_t *m = &resp->params[i];
        size_t vlen;
        const char *v = response_value(r, vtl, m, &vlen);
        if (v != NULL && httpval_header(m->target.name, m->target.name_len, v, vlen) != 0) {
            log_warn("request %s: refused: response header %.*s is not valid HTTP", r->request_id,
                     (int)m->target.name_len, m->target.name);
            return 0;
        }
    }
    for (size_t i = 0; i < vtl->novr[VTLREQ_OVR_RESP_HEADER]; i++) {
        const rt_kv_t *o = &vtl->ovr[VTLREQ_OVR_RESP_HEADER][i];
        if (httpval_header(o->key, o->key_len, o->value, o->value_len) != 0) {
            log_warn("request %s: refused: responseOverride header %.*s is not valid HTTP",
                     r->request_id, (int)o->key_len, o->key);
            return 0;
        }
    }
    return 1;
}

/* The body: the chosen template rendered; without a template, the
 * endpoint's answer passes through (MOCK has none: empty). */
static int response_body(dp_request_t *r, const rt_int_response_t *resp, vtlreq_t *vtl,
                         const rt_kv_t *t, payload_plan_t plan, h2o_iovec_t *body)
{
    if (t == NULL || !payload_template_applies(plan)) {
        *body = vtl->body;
        return 0;
    }
    return vtlreq_render(vtl, resp->compiled[t - resp->templates], body);
}

static void response_add_headers(dp_request_t *r, const rt_int_response_t *resp, vtlreq_t *vtl)
{
    for (size_t i = 0; i < resp->nparams; i++) {
        const rt_mapping_t *m = &resp->params[i];
        size_t vlen;
        const char *v = response_value(r, vtl, m, &vlen);
        if (v != NULL && vtlreq_override(vtl, VTLREQ_OVR_RESP_HEADER, m->target.name,
                                         m->target.name_len) == NULL)
            request_add_response_header(r, m->target.name, m->target.name_len, v, vlen);
    }
    for (size_t i = 0; i < vtl->novr[VTLREQ_OVR_RESP_HEADER]; i++) {
        const rt_kv_t *o = &vtl->ovr[VTLREQ_OVR_RESP_HEADER][i];
        if (vtlreq_override(vtl, VTLREQ_OVR_RESP_HEADER, o->key, o->key_len) == o)
            request_add_response_header(r, o->key, o->key_len, o->value, o->value_len);
    }
}

void integ_response_send(dp_request_t *r, const rt_int_response_t *resp, vtlreq_t *vtl)
{
    h2o_req_t *req = r->req;
    vtlreq_t fresh;
    if (vtl == NULL) {
        vtlreq_init(&fresh, r);
        fresh.body = h2o_iovec_init("", 0);
        vtl = &fresh;
    }
    const rt_kv_t *t = request_accept_template(r, resp->templates, resp->ntemplates);
    payload_plan_t plan = response_plan(r, resp, vtl);
    vtl->body = payload_before(&req->pool, plan, vtl->body, t != NULL);
    h2o_iovec_t body;
    if (response_body(r, resp, vtl, t, plan, &body) != 0) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return;
    }
    if (payload_after(&req->pool, plan, &body) != 0) {
        integ_convert_failed(r);
        return;
    }
    int status = vtl->status_override != 0 ? vtl->status_override : resp->status;
    if (!response_headers_valid(r, resp, vtl, status, t)) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return;
    }
    req->res.status = status;
    req->res.reason = "OK";
    response_add_headers(r, resp, vtl);
    if (h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1) == -1)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       t != NULL ? t->key : "application/json", t != NULL ? t->key_len : 16);
    req->res.content_length = body.len;
    h2o_send_inline(req, body.base, body.len);
}
