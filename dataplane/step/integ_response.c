/* integ_response: the integration-response writer shared by integrations
 * that select a response: status, method.response.header.* mappings and the
 * static template body. */
#include <string.h>

#include "gwresp.h"
#include "httpval.h"
#include "integ.h"
#include "log.h"
#include "mapping.h"

/* Every header value the answer would carry is checked before anything is
 * written: a mapped value with CR/LF (say from an authorizer's context)
 * makes the whole answer the gateway's 500 instead. */
static int response_headers_valid(dp_request_t *r, const rt_int_response_t *resp, const rt_kv_t *t)
{
    if (httpval_status(resp->status) != 0 ||
        (t != NULL && httpval_header_value(t->key, t->key_len) != 0))
        return 0;
    for (size_t i = 0; i < resp->nparams; i++) {
        const rt_mapping_t *m = &resp->params[i];
        size_t vlen;
        const char *v = mapping_eval(r, &m->source, &vlen);
        if (v != NULL && httpval_header(m->target.name, m->target.name_len, v, vlen) != 0) {
            log_warn("request %s: refused: response header %.*s is not valid HTTP", r->request_id,
                     (int)m->target.name_len, m->target.name);
            return 0;
        }
    }
    return 1;
}

void integ_response_send(dp_request_t *r, const rt_int_response_t *resp)
{
    h2o_req_t *req = r->req;
    const rt_kv_t *t = request_accept_template(r, resp->templates, resp->ntemplates);
    if (!response_headers_valid(r, resp, t)) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return;
    }
    req->res.status = resp->status;
    req->res.reason = "OK";
    for (size_t i = 0; i < resp->nparams; i++) {
        const rt_mapping_t *m = &resp->params[i];
        size_t vlen;
        const char *v = mapping_eval(r, &m->source, &vlen);
        if (v == NULL)
            continue;
        request_add_response_header(r, m->target.name, m->target.name_len, v, vlen);
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   t != NULL ? t->key : "application/json", t != NULL ? t->key_len : 16);
    req->res.content_length = t != NULL ? t->value_len : 0;
    h2o_send_inline(req, t != NULL ? t->value : "", req->res.content_length);
}
