/* admin_v2_domain: custom domain names as apigatewayv2 shows them
 * (/v2/domainnames: the same domain store as /domainnames, in the v2 shape;
 * certificates are managed through /domainnames) and their API mappings
 * (/v2/domainnames/{domainName}/apimappings), which the snapshot carries as
 * DomainName.mappings like REST base path mappings. */
#ifndef PORTICO_ADMIN_V2_DOMAIN_H
#define PORTICO_ADMIN_V2_DOMAIN_H

#include "admin.h"

void admin_v2_domain_create(admin_call_t *c);
void admin_v2_domain_list(admin_call_t *c);
void admin_v2_domain_get(admin_call_t *c);
void admin_v2_domain_delete(admin_call_t *c);

void admin_v2_mapping_create(admin_call_t *c);
void admin_v2_mapping_list(admin_call_t *c);
void admin_v2_mapping_get(admin_call_t *c);
void admin_v2_mapping_update(admin_call_t *c);
void admin_v2_mapping_delete(admin_call_t *c);

#endif
