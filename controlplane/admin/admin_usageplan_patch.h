/* admin_usageplan_patch: the usage plan PATCH paths (UpdateUsagePlan). */
#ifndef PORTICO_ADMIN_USAGEPLAN_PATCH_H
#define PORTICO_ADMIN_USAGEPLAN_PATCH_H

#include "admin.h"
#include "admin_patch.h"

/* Applies op to the plan document doc. Returns 0, or -1 after replying 400. */
int admin_usageplan_patch(admin_call_t *c, json_t *doc, const patch_op_t *op);

#endif
