/* admin_usageplan_usage: /usageplans/{id}/usage (GetUsage). */
#ifndef PORTICO_ADMIN_USAGEPLAN_USAGE_H
#define PORTICO_ADMIN_USAGEPLAN_USAGE_H

#include "admin.h"

void admin_usageplan_usage(admin_call_t *c);

#endif
