/* admin_stage: /restapis/{id}/stages — stages point at deployments and carry
 * their variables and settings; every change bumps the config version. */
#ifndef PORTICO_ADMIN_STAGE_H
#define PORTICO_ADMIN_STAGE_H

#include "admin.h"

void admin_stage_create(admin_call_t *c);
void admin_stage_list(admin_call_t *c);
void admin_stage_get(admin_call_t *c);
void admin_stage_update(admin_call_t *c);
void admin_stage_delete(admin_call_t *c);

/* A new stage document in the reference's shape. */
json_t *admin_stage_new_doc(const char *name, const char *deployment_id);

#endif
