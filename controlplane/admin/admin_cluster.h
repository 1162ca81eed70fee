/* admin_cluster: Portico's own endpoints outside the reference namespace —
 * GET /cluster/nodes and GET /healthz. */
#ifndef PORTICO_ADMIN_CLUSTER_H
#define PORTICO_ADMIN_CLUSTER_H

#include "admin.h"

void admin_cluster_nodes(admin_call_t *c);
void admin_healthz(admin_call_t *c);

#endif
