/* store_model: models (the reference's Model documents keyed by api and
 * name) and request validators (keyed by api and id), plus the lookups that
 * keep them consistent with methods. Every function returns a store_err;
 * json_t results are new references the caller owns. */
#ifndef PORTICO_STORE_MODEL_H
#define PORTICO_STORE_MODEL_H

#include <jansson.h>

#include "store.h"

int store_model_put(store_t *s, const char *api_id, const char *name, json_t *doc);
int store_model_get(store_t *s, const char *api_id, const char *name, json_t **doc);
/* Every model of an API, ordered by name. */
int store_model_list(store_t *s, const char *api_id, json_t **items);
int store_model_delete(store_t *s, const char *api_id, const char *name);
/* Adds the two models the reference gives every new API, "Empty" and
 * "Error" (application/json). */
int store_model_defaults(store_t *s, const char *api_id);
/* "/path/VERB" of one method whose requestModels name the model, or
 * STORE_ENOTFOUND. */
int store_model_user(store_t *s, const char *api_id, const char *name, char **method);
/* "/path/VERB/status" of one method response whose responseModels name the
 * model, or STORE_ENOTFOUND. */
int store_model_response_user(store_t *s, const char *api_id, const char *name, char **method);

int store_validator_put(store_t *s, const char *api_id, const char *id, json_t *doc);
int store_validator_get(store_t *s, const char *api_id, const char *id, json_t **doc);
/* Every request validator of an API, ordered by id. */
int store_validator_list(store_t *s, const char *api_id, json_t **items);
int store_validator_delete(store_t *s, const char *api_id, const char *id);
/* "/path/VERB" of one method using the validator, or STORE_ENOTFOUND. */
int store_validator_user(store_t *s, const char *api_id, const char *id, char **method);

#endif
