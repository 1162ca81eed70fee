/* admin_testinvoke: TestInvokeMethod (POST /restapis/{id}/resources/{rid}/
 * methods/{M}) — runs a method's MOCK or HTTP integration from the stored (not
 * deployed) definition with the request the caller describes
 * (pathWithQueryString, body, headers, stageVariables) and answers what the
 * data plane would: status, body, headers and the reference-shaped
 * execution log. Templates render with the same engine (common/vtl.h). */
#ifndef PORTICO_ADMIN_TESTINVOKE_H
#define PORTICO_ADMIN_TESTINVOKE_H

#include "admin.h"

void admin_test_invoke(admin_call_t *c);

#endif
