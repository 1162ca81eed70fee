/* admin_sdk: GET /restapis/{id}/stages/{stage}/sdks/{sdkType} (GetSdk) — a
 * ZIP of a client generated from the stage's deployed definition. Only
 * "javascript" (compile/sdk_js.h); the reference's other types answer 400. */
#ifndef PORTICO_ADMIN_SDK_H
#define PORTICO_ADMIN_SDK_H

#include "admin.h"

void admin_sdk_get(admin_call_t *c);

#endif
