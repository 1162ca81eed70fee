/* integ_mock: MOCK integrations as the reference runs them — the request
 * template chosen by Content-Type is rendered, its statusCode selects the
 * integration response, whose template is rendered as the answer. */
#include <stdlib.h>
#include <string.h>

#include "gwresp.h"
#include "integ.h"
#include "integ_conf.h"
#include "vtlreq.h"
#include "log.h"

/* statusCode of the rendered request template (a JSON number or string);
 * 200 when the template has none. -1 when the output is not JSON. */
static int mock_status(h2o_iovec_t out)
{
    json_error_t err;
    json_t *doc = json_loadb(out.base, out.len, JSON_DECODE_ANY, &err);
    if (doc == NULL)
        return -1;
    json_t *code = json_object_get(doc, "statusCode");
    long status = json_is_integer(code)  ? (long)json_integer_value(code)
                  : json_is_string(code) ? strtol(json_string_value(code), NULL, 10)
                                         : 200;
    json_decref(doc);
    return status >= 100 && status <= 599 ? (int)status : -1;
}

enum step_result integ_mock_run(dp_request_t *r)
{
    const rt_integration_t *in = r->method->integration;
    vtlreq_t *vtl = h2o_mem_alloc_pool(&r->req->pool, sizeof(*vtl));
    vtlreq_init(vtl, r);
    int idx = -1, status = 200;
    payload_plan_t plan = integ_request_plan(r);
    if (integ_select_request_template(r, &idx) != 0)
        return STEP_DONE;
    if (idx >= 0 && payload_template_applies(plan)) {
        vtl->body = payload_before(&r->req->pool, plan, vtl->body, 1);
        h2o_iovec_t out;
        if (vtlreq_render(vtl, in->request_compiled[idx], &out) != 0) {
            gwresp_send(r, GW_API_CONFIGURATION_ERROR);
            return STEP_DONE;
        }
        if ((status = mock_status(out)) < 0) {
            r->exec_error = "the MOCK request template's output has no valid statusCode";
            gwresp_send(r, GW_API_CONFIGURATION_ERROR);
            return STEP_DONE;
        }
    }
    char code[8];
    int n = snprintf(code, sizeof(code), "%d", status);
    const rt_int_response_t *resp = integ_conf_select(in, code, (size_t)n);
    if (resp == NULL) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return STEP_DONE;
    }
    vtl->body = h2o_iovec_init("", 0);
    integ_response_send(r, resp, vtl);
    return STEP_DONE;
}
