/* status: the data plane's own status port (--status-listen): GET /metrics
 * in the Prometheus text format with the process's figures (requests in
 * flight, connections, snapshot version, memory, access log counters) and
 * this node's request counters; GET /healthz. It runs an h2o loop on a
 * thread of its own and only reads what the workers publish atomically. It
 * has no token: bind it to loopback or a management network. */
#ifndef PORTICO_STATUS_H
#define PORTICO_STATUS_H

#include <stddef.h>

#include "dp.h"

typedef struct status_server status_server_t;

/* Binds dp->status_listen and starts serving. */
int status_start(dp_t *dp, status_server_t **out, char *err, size_t err_len);
void status_stop(status_server_t *s);

#endif
