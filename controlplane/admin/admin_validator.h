/* admin_validator: /restapis/{id}/requestvalidators[/{requestvalidator_id}]. */
#ifndef PORTICO_ADMIN_VALIDATOR_H
#define PORTICO_ADMIN_VALIDATOR_H

#include "admin.h"

void admin_validator_create(admin_call_t *c);
void admin_validator_list(admin_call_t *c);
void admin_validator_get(admin_call_t *c);
void admin_validator_update(admin_call_t *c);
void admin_validator_delete(admin_call_t *c);

#endif
