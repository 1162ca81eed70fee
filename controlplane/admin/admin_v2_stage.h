/* admin_v2_stage: stages (/v2/apis/{apiId}/stages, "$default" included,
 * autoDeploy, variables, default and per-route settings, access logs) and
 * deployments (/v2/apis/{apiId}/deployments: CreateDeployment freezes the
 * API into a V2ApiDefinition and may point a stage at it). */
#ifndef PORTICO_ADMIN_V2_STAGE_H
#define PORTICO_ADMIN_V2_STAGE_H

#include "admin.h"

void admin_v2_stage_create(admin_call_t *c);
void admin_v2_stage_list(admin_call_t *c);
void admin_v2_stage_get(admin_call_t *c);
void admin_v2_stage_update(admin_call_t *c);
void admin_v2_stage_delete(admin_call_t *c);
void admin_v2_stage_access_log_delete(admin_call_t *c);
void admin_v2_stage_route_settings_delete(admin_call_t *c);
void admin_v2_stage_authorizer_cache_reset(admin_call_t *c);

void admin_v2_deployment_create(admin_call_t *c);
void admin_v2_deployment_list(admin_call_t *c);
void admin_v2_deployment_get(admin_call_t *c);
void admin_v2_deployment_update(admin_call_t *c);
void admin_v2_deployment_delete(admin_call_t *c);

#endif
