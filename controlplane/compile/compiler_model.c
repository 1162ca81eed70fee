/* compiler_model: JSON documents → protobuf, as compiler.c does for the rest. */
#include "compiler_model.h"

#include "pbjson.h"
#include "store_model.h"

int compiler_model_tree(store_t *s, const char *api_id, json_t *tree)
{
    json_t *models, *validators;
    int rc = store_model_list(s, api_id, &models);
    if (rc != STORE_OK)
        return rc;
    rc = store_validator_list(s, api_id, &validators);
    if (rc != STORE_OK) {
        json_decref(models);
        return rc;
    }
    json_object_set_new(tree, "models", models);
    json_object_set_new(tree, "requestValidators", validators);
    return STORE_OK;
}

void compiler_model_definition(arena_t *a, json_t *tree, Portico__ApiDefinition *def)
{
    json_t *models = json_object_get(tree, "models");
    json_t *validators = json_object_get(tree, "requestValidators");
    def->n_models = json_array_size(models);
    def->models = arena_alloc(a, sizeof(*def->models) * (def->n_models + 1));
    for (size_t i = 0; i < def->n_models; i++) {
        json_t *doc = json_array_get(models, i);
        Portico__Model *m = arena_alloc(a, sizeof(*m));
        portico__model__init(m);
        m->name = pbjson_str(a, doc, "name");
        m->schema = pbjson_str(a, doc, "schema");
        m->content_type = pbjson_str(a, doc, "contentType");
        def->models[i] = m;
    }
    def->n_request_validators = json_array_size(validators);
    def->request_validators =
        arena_alloc(a, sizeof(*def->request_validators) * (def->n_request_validators + 1));
    for (size_t i = 0; i < def->n_request_validators; i++) {
        json_t *doc = json_array_get(validators, i);
        Portico__RequestValidator *v = arena_alloc(a, sizeof(*v));
        portico__request_validator__init(v);
        v->id = pbjson_str(a, doc, "id");
        v->name = pbjson_str(a, doc, "name");
        v->validate_request_body = json_is_true(json_object_get(doc, "validateRequestBody"));
        v->validate_request_parameters =
            json_is_true(json_object_get(doc, "validateRequestParameters"));
        def->request_validators[i] = v;
    }
}
