/* admin_stage_cache: a stage's response cache on the control plane side —
 * the flush operation (DELETE /restapis/{id}/stages/{name}/cache/data) and
 * the flush generation, a field of the stored stage document that the
 * reference's Stage does not show. A flush gives the stage a new generation
 * and bumps the config version, so the next snapshot carries it to every data
 * plane, which empties its cache for that stage when it installs the
 * snapshot; a new stage gets a generation of its own, so a stage deleted and
 * created again never finds the old stage's entries on a node. */
#ifndef PORTICO_ADMIN_STAGE_CACHE_H
#define PORTICO_ADMIN_STAGE_CACHE_H

#include "admin.h"

#define STAGE_CACHE_GENERATION "cacheFlushGeneration"

/* DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/data → 202 */
void admin_stage_cache_flush(admin_call_t *c);

/* Gives doc a new flush generation. */
void admin_stage_cache_stamp(json_t *doc);

/* doc without the fields only Portico keeps (returns doc). */
json_t *admin_stage_cache_hide(json_t *doc);

/* Whole-document checks of the caching settings; replies 400 and returns -1. */
int admin_stage_cache_check(admin_call_t *c, json_t *doc);

#endif
