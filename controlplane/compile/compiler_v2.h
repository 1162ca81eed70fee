/* compiler_v2: apigatewayv2 APIs into what data planes run — an API's
 * current documents frozen into V2ApiDefinition bytes (CreateDeployment and
 * automatic deployments), and every v2 stage with the definitions it serves
 * into the Snapshot (v2_stages, v2_deployments). */
#ifndef PORTICO_COMPILER_V2_H
#define PORTICO_COMPILER_V2_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "portico.pb-c.h"
#include "store.h"

/* The API's documents as one V2ApiDefinition for deployment_id, packed into
 * malloc'd bytes. Runs inside the caller's transaction. Returns a store_err. */
int compiler_v2_pack(store_t *s, const char *api_id, const char *deployment_id, uint8_t **out,
                     size_t *out_len);

/* Adds every v2 stage and each deployment a stage points at to snap (arena
 * allocations), inside the caller's read transaction. */
int compiler_v2_snapshot(store_t *s, arena_t *a, Portico__Snapshot *snap);

#endif
