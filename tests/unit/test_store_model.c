/* Unit tests for controlplane/store/store_model.h: models and request
 * validators of an API, the default models, the "who uses it" lookups, and
 * the cascade when the API goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "store_api.h"
#include "store_model.h"
#include "testdb.h"

static void make_api(store_t *s, const char *api_id)
{
    json_t *doc = json_pack("{s:s, s:s}", "id", api_id, "name", api_id);
    assert_int_equal(store_restapi_insert(s, api_id, 1, doc), STORE_OK);
    json_decref(doc);
    assert_int_equal(store_resource_insert(s, api_id, "root", NULL, "", "/"), STORE_OK);
    assert_int_equal(store_resource_insert(s, api_id, "pets", "root", "pets", "/pets"), STORE_OK);
}

static void put_method(store_t *s, const char *api_id, const char *verb, const char *doc_text)
{
    const char *keys[] = {api_id, "pets", verb};
    json_t *doc = json_loads(doc_text, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(store_doc_put(s, STORE_DOC_METHOD, keys, doc), STORE_OK);
    json_decref(doc);
}

static void models_crud(void **state)
{
    store_t *s = ((testdb_t *)*state)->s;
    make_api(s, "a1");
    json_t *pet = json_pack("{s:s, s:s, s:s}", "name", "Pet", "schema", "{}", "contentType",
                            "application/json");
    json_t *got = NULL, *items = NULL;
    assert_int_equal(store_model_put(s, "a1", "Pet", pet), STORE_OK);
    assert_int_equal(store_model_get(s, "a1", "Pet", &got), STORE_OK);
    assert_true(json_equal(got, pet));
    json_decref(got);
    assert_int_equal(store_model_get(s, "a1", "Nope", &got), STORE_ENOTFOUND);
    assert_int_equal(store_model_defaults(s, "a1"), STORE_OK);
    assert_int_equal(store_model_list(s, "a1", &items), STORE_OK);
    assert_int_equal(json_array_size(items), 3); /* Empty, Error, Pet: by name */
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")),
                        "Empty");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 2), "name")),
                        "Pet");
    json_decref(items);
    assert_int_equal(store_model_delete(s, "a1", "Pet"), STORE_OK);
    assert_int_equal(store_model_delete(s, "a1", "Pet"), STORE_ENOTFOUND);
    json_decref(pet);
}

static void users_of_models_and_validators(void **state)
{
    store_t *s = ((testdb_t *)*state)->s;
    make_api(s, "a2");
    char *method = NULL;
    assert_int_equal(store_model_user(s, "a2", "Pet", &method), STORE_ENOTFOUND);
    put_method(s, "a2", "POST",
               "{\"httpMethod\":\"POST\",\"requestValidatorId\":\"v1\","
               "\"requestModels\":{\"text/plain\":\"Other\",\"application/json\":\"Pet\"}}");
    assert_int_equal(store_model_user(s, "a2", "Pet", &method), STORE_OK);
    assert_string_equal(method, "/pets/POST");
    free(method);
    assert_int_equal(store_model_user(s, "a2", "Pe", &method), STORE_ENOTFOUND);
    assert_int_equal(store_validator_user(s, "a2", "v1", &method), STORE_OK);
    assert_string_equal(method, "/pets/POST");
    free(method);
    assert_int_equal(store_validator_user(s, "a2", "v2", &method), STORE_ENOTFOUND);
}

static void validators_crud_and_cascade(void **state)
{
    store_t *s = ((testdb_t *)*state)->s;
    make_api(s, "a3");
    json_t *v = json_pack("{s:s, s:b, s:b}", "id", "v1", "validateRequestBody", 1,
                          "validateRequestParameters", 0);
    json_t *items = NULL, *got = NULL;
    assert_int_equal(store_validator_put(s, "a3", "v1", v), STORE_OK);
    assert_int_equal(store_validator_get(s, "a3", "v1", &got), STORE_OK);
    assert_true(json_equal(got, v));
    json_decref(got);
    assert_int_equal(store_model_defaults(s, "a3"), STORE_OK);
    assert_int_equal(store_restapi_delete(s, "a3"), STORE_OK);
    assert_int_equal(store_validator_list(s, "a3", &items), STORE_OK);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    assert_int_equal(store_model_list(s, "a3", &items), STORE_OK);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    json_decref(v);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(models_crud, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(users_of_models_and_validators, testdb_setup,
                                        testdb_teardown),
        cmocka_unit_test_setup_teardown(validators_crud_and_cascade, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests_name("store_model", tests, NULL, NULL);
}
