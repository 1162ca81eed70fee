/* admin_domain: /domainnames and their /basepathmappings. */
#ifndef PORTICO_ADMIN_DOMAIN_H
#define PORTICO_ADMIN_DOMAIN_H

#include "admin.h"

void admin_domain_create(admin_call_t *c);
void admin_domain_list(admin_call_t *c);
void admin_domain_get(admin_call_t *c);
void admin_domain_delete(admin_call_t *c);
void admin_mapping_create(admin_call_t *c);
void admin_mapping_list(admin_call_t *c);
void admin_mapping_get(admin_call_t *c);
void admin_mapping_update(admin_call_t *c);
void admin_mapping_delete(admin_call_t *c);

#endif
