/* cluster_client: the data plane's side of the cluster protocol, on a thread
 * of its own. It subscribes to snapshots and announcements, fetches what it
 * lacks, verifies and compiles snapshots off the event loops, hands them to
 * the workers, keeps the last good one on disk, and reports every second. */
#ifndef PORTICO_CLUSTER_CLIENT_H
#define PORTICO_CLUSTER_CLIENT_H

#include <stddef.h>

#include "dp.h"

typedef struct cluster_client cluster_client_t;

/* Serves the state directory's snapshot, if there is a valid one. */
int cluster_client_load_state(dp_t *dp, cluster_client_t *c);

int cluster_client_create(dp_t *dp, cluster_client_t **out, char *err, size_t err_len);
int cluster_client_start(cluster_client_t *c, char *err, size_t err_len);
void cluster_client_stop(cluster_client_t *c);

#endif
