/* integ_mock: the response was selected when the snapshot was compiled;
 * here it is only written out. */
#include "gwresp.h"
#include "integ.h"

enum step_result integ_mock_run(dp_request_t *r)
{
    const rt_int_response_t *resp = r->method->integration->mock_response;
    if (resp == NULL) {
        gwresp_send(r, GW_API_CONFIGURATION_ERROR);
        return STEP_DONE;
    }
    integ_response_send(r, resp);
    return STEP_DONE;
}
