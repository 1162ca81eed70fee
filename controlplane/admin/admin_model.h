/* admin_model: /restapis/{id}/models[/{model_name}] and the method-side
 * check of requestModels and requestValidatorId. */
#ifndef PORTICO_ADMIN_MODEL_H
#define PORTICO_ADMIN_MODEL_H

#include "admin.h"

void admin_model_create(admin_call_t *c);
void admin_model_list(admin_call_t *c);
void admin_model_get(admin_call_t *c);
void admin_model_update(admin_call_t *c);
void admin_model_delete(admin_call_t *c);

/* Replies a page of items (sorted by key, taken over): limit (default 25)
 * and position (the last key of the previous page), as the reference pages. */
void admin_model_reply_page(admin_call_t *c, json_t *items, const char *key);

/* requestValidatorId must name a validator of the API and every
 * requestModels value a model of the API. Replies 400 and returns -1
 * otherwise. */
int admin_model_check_method(admin_call_t *c, json_t *method);

/* Every value of a requestModels / responseModels map must name a model of
 * the API and every key be a content type; replies 400 and returns -1
 * otherwise. */
int admin_model_check_map(admin_call_t *c, json_t *models);

/* For admin_import: the checks of create on a model document (its schema
 * compiled against the API's stored models); 0, or -1 after replying 400. */
int admin_model_check(admin_call_t *c, json_t *doc);

#endif
