/* step_integration: the pipeline's last step — runs the method's
 * integration (integ.h). */
#include "gwresp.h"
#include "integ.h"
#include "steps.h"

enum step_result step_integration(dp_request_t *r)
{
    switch (r->method->integration->type) {
    case RT_INTEG_MOCK:
        return integ_mock_run(r);
    case RT_INTEG_HTTP_PROXY:
        return integ_proxy_run(r);
    case RT_INTEG_HTTP:
        return integ_http_run(r);
    case RT_INTEG_AWS_PROXY:
    case RT_INTEG_AWS:
        return integ_fn_run(r);
    }
    gwresp_send(r, GW_API_CONFIGURATION_ERROR);
    return STEP_DONE;
}
