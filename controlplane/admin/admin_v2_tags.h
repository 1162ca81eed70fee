/* admin_v2_tags: GetTags, TagResource and UntagResource
 * (/v2/tags/{resource-arn}) for apigatewayv2 APIs and their stages, named by
 * the reference's ARNs (arn:aws:apigateway:REGION::/apis/ID[/stages/NAME]).
 * Tags live in the documents' "tags" maps; they change nothing data planes
 * run, so a tag change is stored only. */
#ifndef PORTICO_ADMIN_V2_TAGS_H
#define PORTICO_ADMIN_V2_TAGS_H

#include "admin.h"

void admin_v2_tags_get(admin_call_t *c);
void admin_v2_tags_add(admin_call_t *c);
void admin_v2_tags_remove(admin_call_t *c);

#endif
