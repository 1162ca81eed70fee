/* integ_response: the integration-response writer shared by integrations
 * that select a response: status, method.response.header.* mappings and the
 * static template body. */
#include <string.h>

#include "integ.h"
#include "mapping.h"

void integ_response_send(dp_request_t *r, const rt_int_response_t *resp)
{
    h2o_req_t *req = r->req;
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
    const rt_kv_t *t = request_accept_template(r, resp->templates, resp->ntemplates);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   t != NULL ? t->key : "application/json", t != NULL ? t->key_len : 16);
    req->res.content_length = t != NULL ? t->value_len : 0;
    h2o_send_inline(req, t != NULL ? t->value : "", req->res.content_length);
}
