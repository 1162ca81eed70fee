/* admin_cluster: node listing and the liveness probe. */
#include "admin_cluster.h"

#include "clock.h"

void admin_cluster_nodes(admin_call_t *c)
{
    admin_reply(c, 200, nodes_to_json(c->cp->nodes, publish_version(c->publish), clock_wall_ms()));
}

void admin_healthz(admin_call_t *c)
{
    uint64_t version;
    if (store_version(c->store, &version) != STORE_OK) {
        admin_fail(c, 503, "ServiceUnavailableException", "The store is not readable");
        return;
    }
    admin_reply(c, 200, json_pack("{s:s}", "status", "ok"));
}
