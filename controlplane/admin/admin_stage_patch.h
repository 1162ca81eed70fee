/* admin_stage_patch: the stage PATCH paths beyond plain fields — canary
 * settings (including promotion by copy operations) and method settings
 * keyed "resourcePath/httpMethod" or "*" + "/" + "*". */
#ifndef PORTICO_ADMIN_STAGE_PATCH_H
#define PORTICO_ADMIN_STAGE_PATCH_H

#include "admin.h"
#include "admin_patch.h"

/* Applies op when it is a canary or method-setting operation. Returns 1 when
 * applied, 0 when op is neither, -1 after replying 400. */
int admin_stage_patch_canary(admin_call_t *c, json_t *doc, const patch_op_t *op);
int admin_stage_patch_method_setting(admin_call_t *c, json_t *doc, const patch_op_t *op);

/* The reference's defaults for a new method settings entry. */
json_t *admin_stage_method_setting_defaults(const compiler_settings_t *settings);

/* accessLogSettings: replace /accessLogSettings/format and
 * /accessLogSettings/destinationArn, remove /accessLogSettings. Same
 * contract as admin_stage_patch_canary. */
int admin_stage_patch_access_log(admin_call_t *c, json_t *doc, const patch_op_t *op);

#endif
