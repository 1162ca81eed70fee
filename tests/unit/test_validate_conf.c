/* Unit tests for dataplane/runtime/validate_conf.h: a deployment's models
 * and validators compiled for step_validate — required parameters in the
 * order of their full keys, models chosen by media type then "$default",
 * models referring to models of the same deployment, and the definitions a
 * data plane must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "validate_conf.h"

/* ---- a definition built by hand ------------------------------------------ */

typedef struct {
    Portico__ApiDefinition def;
    Portico__Model models[3], *model_ptrs[3];
    Portico__RequestValidator validators[3], *validator_ptrs[3];
} fixture_t;

static void add_model(fixture_t *f, const char *name, const char *schema)
{
    Portico__Model *m = &f->models[f->def.n_models];
    portico__model__init(m);
    m->name = (char *)name;
    m->schema = (char *)schema;
    m->content_type = "application/json";
    f->model_ptrs[f->def.n_models++] = m;
}

static void add_validator(fixture_t *f, const char *id, int body, int params)
{
    Portico__RequestValidator *v = &f->validators[f->def.n_request_validators];
    portico__request_validator__init(v);
    v->id = (char *)id;
    v->validate_request_body = body;
    v->validate_request_parameters = params;
    f->validator_ptrs[f->def.n_request_validators++] = v;
}

static void fixture_init(fixture_t *f)
{
    memset(f, 0, sizeof(*f));
    portico__api_definition__init(&f->def);
    f->def.api_id = "abc";
    f->def.deployment_id = "dep1";
    f->def.models = f->model_ptrs;
    f->def.request_validators = f->validator_ptrs;
    add_model(f, "Pet", "{\"type\":\"object\",\"required\":[\"name\"]}");
    add_model(f, "Pets", "{\"type\":\"array\",\"items\":{\"$ref\":\"Pet\"}}");
    add_model(f, "Broken", "{\"$ref\":\"Missing\"}");
    add_validator(f, "all", 1, 1);
    add_validator(f, "body", 1, 0);
    add_validator(f, "none", 0, 0);
}

/* A method with flags ("key" = required when the value is "1") and models. */
typedef struct {
    Portico__Method m;
    Portico__ParamFlag flags[8], *flag_ptrs[8];
    Portico__KeyValue models[4], *model_ptrs[4];
} method_t;

static void method_init(method_t *mt, const char *validator, const char *const *flags,
                        const char *const *models)
{
    memset(mt, 0, sizeof(*mt));
    portico__method__init(&mt->m);
    mt->m.http_method = "POST";
    mt->m.request_validator_id = (char *)validator;
    mt->m.request_parameters = mt->flag_ptrs;
    mt->m.request_models = mt->model_ptrs;
    for (size_t i = 0; flags != NULL && flags[i] != NULL; i += 2) {
        Portico__ParamFlag *p = &mt->flags[mt->m.n_request_parameters];
        portico__param_flag__init(p);
        p->name = (char *)flags[i];
        p->required = flags[i + 1][0] == '1';
        mt->flag_ptrs[mt->m.n_request_parameters++] = p;
    }
    for (size_t i = 0; models != NULL && models[i] != NULL; i += 2) {
        Portico__KeyValue *kv = &mt->models[mt->m.n_request_models];
        portico__key_value__init(kv);
        kv->key = (char *)models[i];
        kv->value = (char *)models[i + 1];
        mt->model_ptrs[mt->m.n_request_models++] = kv;
    }
}

typedef struct {
    arena_t *a;
    struct rt_models *models;
    fixture_t f;
    char err[256];
} env_t;

static int setup(void **state)
{
    static env_t env;
    memset(&env, 0, sizeof(env));
    fixture_init(&env.f);
    env.a = arena_create(16384);
    assert_int_equal(
        validate_conf_deployment(env.a, &env.f.def, &env.models, env.err, sizeof(env.err)), 0);
    *state = &env;
    return 0;
}

static int teardown(void **state)
{
    env_t *env = *state;
    arena_destroy(env->a);
    return 0;
}

static const rt_validate_t *compile(env_t *env, const char *validator, const char *const *flags,
                                    const char *const *models, int want_rc)
{
    method_t mt;
    const struct rt_validate *v = NULL;
    method_init(&mt, validator, flags, models);
    env->err[0] = '\0';
    int rc = validate_conf_method(env->a, env->models, &mt.m, &v, env->err, sizeof(env->err));
    if (rc != want_rc)
        fail_msg("validator %s: rc %d (%s), want %d", validator, rc, env->err, want_rc);
    return v;
}

/* ---- cases -------------------------------------------------------------- */

static void required_parameters_sorted_by_full_key(void **state)
{
    static const char *const flags[] = {"method.request.querystring.qs1",
                                        "1",
                                        "method.request.header.x-header",
                                        "1",
                                        "method.request.querystring.issuer",
                                        "1",
                                        "method.request.querystring.opt",
                                        "0",
                                        "method.request.path.id",
                                        "1",
                                        NULL};
    const rt_validate_t *v = compile(*state, "all", flags, NULL, 0);
    assert_non_null(v);
    assert_true(v->params && v->body);
    assert_int_equal(v->nrequired, 4);
    static const char *const want[] = {"x-header", "id", "issuer", "qs1"};
    static const enum params_loc locs[] = {PARAMS_LOC_HEADER, PARAMS_LOC_PATH,
                                           PARAMS_LOC_QUERYSTRING, PARAMS_LOC_QUERYSTRING};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(v->required[i].len, strlen(want[i]));
        assert_memory_equal(v->required[i].name, want[i], v->required[i].len);
        assert_int_equal(v->required[i].loc, locs[i]);
    }
}

static void models_by_media_type_then_default(void **state)
{
    static const char *const models[] = {"application/json", "Pet", "$default", "Pets", NULL};
    const rt_validate_t *v = compile(*state, "body", NULL, models, 0);
    assert_non_null(v);
    assert_false(v->params);
    const jsonschema_t *pet = validate_conf_model(v, "APPLICATION/JSON", 16);
    const jsonschema_t *pets = validate_conf_model(v, "text/plain", 10);
    assert_non_null(pet);
    assert_non_null(pets);
    assert_ptr_not_equal(pet, pets);
    json_t *obj = json_loads("{\"name\":\"a\"}", 0, NULL);
    json_t *arr = json_loads("[{\"name\":\"a\"},{}]", 0, NULL);
    char out[256];
    assert_int_equal(jsonschema_validate(pet, obj, out, sizeof(out)), 0);
    assert_int_equal(jsonschema_validate(pets, arr, out, sizeof(out)), 1);
    assert_string_equal(out, "[object has missing required properties ([\"name\"])]");
    json_decref(obj);
    json_decref(arr);

    static const char *const only_json[] = {"application/json", "Pet", NULL};
    v = compile(*state, "body", NULL, only_json, 0);
    assert_null(validate_conf_model(v, "text/plain", 10));
}

static void a_model_is_compiled_once_per_deployment(void **state)
{
    static const char *const models[] = {"application/json", "Pet", NULL};
    const rt_validate_t *a = compile(*state, "body", NULL, models, 0);
    const rt_validate_t *b = compile(*state, "all", NULL, models, 0);
    assert_ptr_equal(validate_conf_model(a, "application/json", 16),
                     validate_conf_model(b, "application/json", 16));
}

static void nothing_to_check_is_null(void **state)
{
    assert_null(compile(*state, "", NULL, NULL, 0));
    assert_null(compile(*state, "none", NULL, NULL, 0));
}

static void refused_definitions(void **state)
{
    env_t *env = *state;
    static const char *const unknown[] = {"application/json", "Nope", NULL};
    static const char *const broken[] = {"application/json", "Broken", NULL};
    static const char *const bad_param[] = {"method.request.body.x", "1", NULL};
    compile(env, "zzz", NULL, NULL, -1);
    assert_non_null(strstr(env->err, "unknown request validator zzz"));
    compile(env, "body", NULL, unknown, -1);
    assert_non_null(strstr(env->err, "unknown model Nope"));
    compile(env, "body", NULL, broken, -1);
    assert_non_null(strstr(env->err, "unresolvable reference"));
    compile(env, "all", bad_param, NULL, -1);
    assert_non_null(strstr(env->err, "invalid request parameter"));
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(required_parameters_sorted_by_full_key, setup, teardown),
        cmocka_unit_test_setup_teardown(models_by_media_type_then_default, setup, teardown),
        cmocka_unit_test_setup_teardown(a_model_is_compiled_once_per_deployment, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_to_check_is_null, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_definitions, setup, teardown),
    };
    return cmocka_run_group_tests_name("validate_conf", tests, NULL, NULL);
}
