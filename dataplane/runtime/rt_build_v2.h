/* rt_build_v2: apigatewayv2 APIs (Snapshot.v2_deployments, v2_stages) into
 * the runtime. An HTTP API deployment becomes an rt_deployment_t with its
 * routes in the same router as REST resources ("GET /pets/{id}" is verb GET
 * on /pets/{id}; `$default` is kept aside as the catch-all), its stages
 * become StageBindings compiled by runtime.c like REST stages (variables,
 * route settings as method settings: throttling, metrics; access logs).
 * WebSocket APIs are skipped here: their compile hooks in at the marked
 * places (rt_build_v2_ws_*). */
#ifndef PORTICO_RT_BUILD_V2_H
#define PORTICO_RT_BUILD_V2_H

#include "rt_build.h"
#include "rt_v2.h"

/* Appends a StageBinding for every served HTTP API stage to snap->stages
 * (arena memory). Call before the runtime's stage tables are sized. */
int rt_build_v2_stages(rt_build_t *b, Portico__Snapshot *snap);

/* Compiles every HTTP API deployment into deployments ("api/deployment" →
 * rt_deployment_t), where the stages find them. */
int rt_build_v2_deployments(rt_build_t *b, const Portico__Snapshot *snap, strmap_t *deployments);

/* Parses a request/response parameter key ("overwrite:header.x",
 * "append:querystring.q", "remove:header.x", "overwrite:path",
 * "overwrite:statuscode"); response 1 for a response mapping. 0 or -1. */
int rt_build_v2_param_key(const char *key, int response, rt_v2_param_t *out);

/* 1 when name (any case) is a header HTTP APIs do not let mappings touch. */
int rt_build_v2_reserved_header(const char *name, size_t len);

#endif
