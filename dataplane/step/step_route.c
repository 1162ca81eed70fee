/* step_route: the deployment's router picks the method; no match is the
 * reference's 403 Missing Authentication Token. */
#include "gwresp.h"
#include "step_v2.h"
#include "steps.h"

enum step_result step_route(dp_request_t *r)
{
    h2o_req_t *req = r->req;
    if (r->deployment->v2 != NULL) /* HTTP APIs: CORS preflight, $default, 404 */
        return step_route_v2(r);
    if (router_match(r->deployment->router, req->method.base, req->method.len, r->path.base,
                     r->path.len, &r->match) != 0) {
        gwresp_send(r, GW_MISSING_AUTHENTICATION_TOKEN);
        return STEP_DONE;
    }
    r->method = r->match.value;
    if (r->method->integration == NULL) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return STEP_DONE;
    }
    return STEP_CONTINUE;
}
