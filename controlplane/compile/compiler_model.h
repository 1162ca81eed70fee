/* compiler_model: an API's models and request validators into its tree and
 * its frozen ApiDefinition (so a deployment keeps the models it was made
 * with until the next deployment). */
#ifndef PORTICO_COMPILER_MODEL_H
#define PORTICO_COMPILER_MODEL_H

#include <jansson.h>

#include "arena.h"
#include "portico.pb-c.h"
#include "store.h"

/* Adds "models" and "requestValidators" (arrays of the stored documents). */
int compiler_model_tree(store_t *s, const char *api_id, json_t *tree);

/* Fills def->models and def->request_validators from the tree. */
void compiler_model_definition(arena_t *a, json_t *tree, Portico__ApiDefinition *def);

#endif
