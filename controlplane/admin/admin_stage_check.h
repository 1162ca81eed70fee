/* admin_stage_check: validation of a stage's name, variables, canary and
 * access log settings, shared by the stage, deployment and domain handlers.
 * Each check replies 400 and returns -1 on the first violation. */
#ifndef PORTICO_ADMIN_STAGE_CHECK_H
#define PORTICO_ADMIN_STAGE_CHECK_H

#include "admin.h"

#define STAGE_MAX_VARIABLES 100
#define STAGE_MAX_VARIABLE_KEY 64
#define STAGE_MAX_VARIABLE_VALUE 512

/* Stage names: 1..128 of [A-Za-z0-9_-]. 1 when valid (replies nothing). */
int admin_stage_name_ok(const char *name);
/* Variables map rules (count, key and value shapes). */
int admin_stage_check_variables(admin_call_t *c, json_t *vars);

/* Checks a canarySettings object as given to CreateStage/CreateDeployment or
 * left by patches (its deployment must exist). */
int admin_stage_check_canary(admin_call_t *c, json_t *canary);

/* Both fields present, the format valid (logfmt_validate), the destination
 * stdout, stderr or an absolute path. */
int admin_stage_check_access_log(admin_call_t *c, json_t *settings);

#endif
