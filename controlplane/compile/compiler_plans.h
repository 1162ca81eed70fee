/* compiler_plans: the snapshot's part for API keys and usage plans
 * — every usage plan as a UsagePlan message, the packed key table
 * (keyrec.h) of every enabled key in a plan, and the config epoch. */
#ifndef PORTICO_COMPILER_PLANS_H
#define PORTICO_COMPILER_PLANS_H

#include <jansson.h>

#include "arena.h"
#include "portico.pb-c.h"
#include "store.h"

/* Fills snap's plans, key table and epoch inside the caller's read
 * transaction. The key table is malloc'd into *table (the caller frees it
 * after packing); everything else comes from arena a. */
int compiler_plans_add(store_t *s, arena_t *a, Portico__Snapshot *snap, uint8_t **table);

/* UsagePlan message from a stored document (created_at in seconds). */
Portico__UsagePlan *compiler_plan_from_doc(arena_t *a, json_t *doc, int64_t created_at);

#endif
