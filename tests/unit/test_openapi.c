/* Unit tests for controlplane/compile: yamljson (YAML → JSON values, scalar
 * resolution, errors, alias bombs, YAML output that reads back the same),
 * openapi_ref ("$ref" rewriting both ways) and openapi_in (plans: paths,
 * basepath modes, warnings, refused documents). Tables of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openapi_in.h"
#include "openapi_out.h"
#include "openapi_ref.h"
#include "yamljson.h"

/* ---- YAML → JSON -------------------------------------------------------------- */

static const struct {
    const char *name, *yaml, *json; /* json NULL: must fail */
} yaml_cases[] = {
    {"scalars resolve", "a: 1\nb: -2\nc: 1.5\nd: true\ne: False\nf: null\ng: ~\nh: text\n",
     "{\"a\":1,\"b\":-2,\"c\":1.5,\"d\":true,\"e\":false,\"f\":null,\"g\":null,\"h\":\"text\"}"},
    {"quoted scalars stay strings", "a: '1'\nb: \"true\"\nc: 'null'\n",
     "{\"a\":\"1\",\"b\":\"true\",\"c\":\"null\"}"},
    {"hex and octal", "a: 0x1F\nb: 0o17\n", "{\"a\":31,\"b\":15}"},
    {"numeric keys are strings", "responses:\n  200:\n    description: ok\n",
     "{\"responses\":{\"200\":{\"description\":\"ok\"}}}"},
    {"sequences and flow", "a: [1, two, {b: c}]\n", "{\"a\":[1,\"two\",{\"b\":\"c\"}]}"},
    {"block scalar", "t: |\n  {\"statusCode\": 200}\n", "{\"t\":\"{\\\"statusCode\\\": 200}\\n\"}"},
    {"aliases expand", "a: &x {k: v}\nb: *x\n", "{\"a\":{\"k\":\"v\"},\"b\":{\"k\":\"v\"}}"},
    {"inf stays a string", "a: .inf\n", "{\"a\":\".inf\"}"},
    {"JSON input", "  {\"a\": [1, 2]}", "{\"a\":[1,2]}"},
    {"duplicate key", "a: 1\na: 2\n", NULL},
    {"bad YAML", "a: [1, 2\nb: : :\n", NULL},
    {"bad JSON", "{\"a\": 1,}", NULL},
    {"non-scalar key", "? [a]\n: 1\n", NULL},
    {"alias bomb",
     "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, "
     "*c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, "
     "*e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
     NULL},
    {"empty document", "", NULL},
};

static void test_yaml_to_json(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(yaml_cases) / sizeof(yaml_cases[0]); i++) {
        json_t *got = NULL;
        char err[256] = "";
        int rc =
            yamljson_load(yaml_cases[i].yaml, strlen(yaml_cases[i].yaml), &got, err, sizeof(err));
        if (yaml_cases[i].json == NULL) {
            if (rc == 0)
                fail_msg("%s: parsed but should fail", yaml_cases[i].name);
            assert_true(err[0] != '\0');
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s", yaml_cases[i].name, err);
        json_t *want = json_loads(yaml_cases[i].json, 0, NULL);
        assert_non_null(want);
        if (!json_equal(got, want))
            fail_msg("%s: got %s", yaml_cases[i].name, json_dumps(got, JSON_COMPACT));
        json_decref(want);
        json_decref(got);
    }
}

/* ---- JSON → YAML → JSON ------------------------------------------------------------ */

static const char *const dump_cases[] = {
    "{\"s\":\"plain\",\"n\":\"123\",\"b\":\"true\",\"z\":\"null\",\"e\":\"\",\"f\":\"1.5\"}",
    "{\"200\":{\"description\":\"200 response\"},\"x\":[1,2.5,true,false,null]}",
    "{\"t\":\"{\\\"statusCode\\\": 200}\",\"q\":\"'*'\",\"c\":\"a: b\",\"h\":\"# not a comment\"}",
    "{\"multi\":\"line one\\nline two\\n\",\"u\":\"\\u00e9t\\u00e9\",\"dash\":\"- x\"}",
    "[{\"a\":{}},{\"b\":[]},\"~\",\"0x10\",\"-.inf\"]",
};

static void test_yaml_dump_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(dump_cases) / sizeof(dump_cases[0]); i++) {
        json_t *v = json_loads(dump_cases[i], 0, NULL), *back = NULL;
        char *text;
        size_t len;
        char err[256];
        assert_non_null(v);
        assert_int_equal(yamljson_dump(v, &text, &len), 0);
        assert_true(text[0] != '{' && text[0] != '[');
        if (yamljson_load(text, len, &back, err, sizeof(err)) != 0)
            fail_msg("case %zu: %s\n%s", i, err, text);
        if (!json_equal(v, back))
            fail_msg("case %zu: %s read back as %s", i, text, json_dumps(back, JSON_COMPACT));
        free(text);
        json_decref(back);
        json_decref(v);
    }
}

/* ---- $ref rewriting ------------------------------------------------------------------ */

#define URL "https://apigateway.amazonaws.com/restapis/api1/models/"

static const struct {
    const char *name, *schema, *want; /* want NULL: refused */
} ref_cases[] = {
    {"swagger ref", "{\"$ref\":\"#/definitions/Pet\"}", "{\"$ref\":\"" URL "Pet\"}"},
    {"oas3 ref nested", "{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Pet\"}}",
     "{\"type\":\"array\",\"items\":{\"$ref\":\"" URL "Pet\"}}"},
    {"in allOf", "{\"allOf\":[{\"$ref\":\"#/definitions/Err\"},{\"type\":\"object\"}]}",
     "{\"allOf\":[{\"$ref\":\"" URL "Err\"},{\"type\":\"object\"}]}"},
    {"other API's URL", "{\"$ref\":\"https://apigateway.amazonaws.com/restapis/zz/models/Pet\"}",
     "{\"$ref\":\"" URL "Pet\"}"},
    {"unknown model", "{\"$ref\":\"#/definitions/Nope\"}", NULL},
    {"external ref", "{\"$ref\":\"http://example.com/schema.json\"}", NULL},
    {"a property named $ref is not a ref", "{\"properties\":{\"$ref\":{\"type\":\"string\"}}}",
     "{\"properties\":{\"$ref\":{\"type\":\"string\"}}}"},
};

static void test_ref_rewrite(void **state)
{
    (void)state;
    json_t *models = json_pack("{s:{},s:{}}", "Pet", "Err");
    for (size_t i = 0; i < sizeof(ref_cases) / sizeof(ref_cases[0]); i++) {
        json_t *s = json_loads(ref_cases[i].schema, 0, NULL);
        char err[256] = "";
        int rc = openapi_ref_to_url(s, "api1", models, err, sizeof(err));
        if (ref_cases[i].want == NULL) {
            if (rc == 0)
                fail_msg("%s: accepted", ref_cases[i].name);
            assert_non_null(strstr(err, "Invalid model reference"));
            json_decref(s);
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s", ref_cases[i].name, err);
        json_t *want = json_loads(ref_cases[i].want, 0, NULL);
        if (!json_equal(s, want))
            fail_msg("%s: got %s", ref_cases[i].name, json_dumps(s, JSON_COMPACT));
        /* and back to the document's form */
        openapi_ref_from_url(s, "api1", "#/definitions/");
        json_t *orig = json_loads(ref_cases[i].schema, 0, NULL);
        if (strstr(ref_cases[i].schema, "#/definitions/") != NULL && !json_equal(s, orig))
            fail_msg("%s: back as %s", ref_cases[i].name, json_dumps(s, JSON_COMPACT));
        json_decref(orig);
        json_decref(want);
        json_decref(s);
    }
    json_decref(models);
}

/* ---- plans ------------------------------------------------------------------------------ */

#define SW "{\"swagger\":\"2.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
#define MOCK                                                                                       \
    "{\"get\":{\"responses\":{\"200\":{\"description\":\"ok\"}},"                                  \
    "\"x-amazon-apigateway-integration\":{\"type\":\"mock\"}}}"

static const struct {
    const char *name, *doc;
    enum openapi_basepath basepath;
    const char *path;    /* a resource path the plan must have (NULL: refused) */
    const char *message; /* in the error, or in a warning */
} plan_cases[] = {
    {"basepath ignore", SW "\"basePath\":\"/v1/x\",\"paths\":{\"/a\":" MOCK "}}",
     OPENAPI_BASEPATH_IGNORE, "/a", NULL},
    {"basepath prepend", SW "\"basePath\":\"/v1/x/\",\"paths\":{\"/a\":" MOCK "}}",
     OPENAPI_BASEPATH_PREPEND, "/v1/x/a", NULL},
    {"basepath split", SW "\"basePath\":\"/v1/x\",\"paths\":{\"/a\":" MOCK "}}",
     OPENAPI_BASEPATH_SPLIT, "/x/a", NULL},
    {"oas3 server basePath",
     "{\"openapi\":\"3.0.1\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"servers\":[{\"url\":"
     "\"https://h/{basePath}\",\"variables\":{\"basePath\":{\"default\":\"v2\"}}}],\"paths\":{"
     "\"/a\":" MOCK "}}",
     OPENAPI_BASEPATH_PREPEND, "/v2/a", NULL},
    {"unsupported type is warned",
     SW "\"paths\":{\"/a\":{\"get\":{\"responses\":{},"
        "\"x-amazon-apigateway-integration\":{\"type\":\"aws\"}}}}}",
     OPENAPI_BASEPATH_IGNORE, "/a", "integration type aws is not supported"},
    {"unknown root extension is warned",
     SW "\"x-amazon-apigateway-documentation\":{},\"paths\":{\"/a\":" MOCK "}}",
     OPENAPI_BASEPATH_IGNORE, "/a", "x-amazon-apigateway-documentation is not supported"},
    {"VPC_LINK refused",
     SW "\"paths\":{\"/a\":{\"get\":{\"x-amazon-apigateway-integration\":{"
        "\"type\":\"http_proxy\",\"connectionType\":\"VPC_LINK\"}}}}}",
     OPENAPI_BASEPATH_IGNORE, NULL, "VPC_LINK"},
    {"OpenAPI 3.1 refused", "{\"openapi\":\"3.1.0\",\"paths\":{}}", OPENAPI_BASEPATH_IGNORE, NULL,
     "only OpenAPI 3.0.x and Swagger 2.0"},
    {"parameter $ref resolves",
     SW "\"parameters\":{\"P\":{\"name\":\"q\",\"in\":\"query\"}},\"paths\":{\"/a\":{"
        "\"get\":{\"parameters\":[{\"$ref\":\"#/parameters/P\"}],\"responses\":{},"
        "\"x-amazon-apigateway-integration\":{\"type\":\"mock\"}}}}}",
     OPENAPI_BASEPATH_IGNORE, "/a", NULL},
    {"unknown parameter $ref",
     SW "\"paths\":{\"/a\":{\"get\":{\"parameters\":[{\"$ref\":\"#/parameters/Nope\"}],"
        "\"responses\":{}}}}}",
     OPENAPI_BASEPATH_IGNORE, NULL, "Invalid reference: #/parameters/Nope"},
    {"response $ref loop",
     SW "\"responses\":{\"A\":{\"$ref\":\"#/responses/B\"},\"B\":{\"$ref\":\"#/responses/A\"}},"
        "\"paths\":{\"/a\":{\"get\":{\"responses\":{\"200\":{\"$ref\":\"#/responses/A\"}}}}}}",
     OPENAPI_BASEPATH_IGNORE, NULL, "Invalid reference"},
    {"numeric version",
     "{\"swagger\":\"2.0\",\"info\":{\"title\":\"t\",\"version\":1.0},"
     "\"paths\":{\"/a\":" MOCK "}}",
     OPENAPI_BASEPATH_IGNORE, "/a", NULL},
    {"title too long type", "{\"swagger\":\"2.0\",\"info\":{\"title\":[1]},\"paths\":{}}",
     OPENAPI_BASEPATH_IGNORE, NULL, "Invalid info.title"},
    {"missing model is the reference's warning",
     "{\"openapi\":\"3.0.1\",\"info\":{\"title\":\"t\",\"version\":\"1\"},\"paths\":{\"/u\":{"
     "\"get\":{\"responses\":{\"200\":{\"description\":\"ok\",\"content\":{\"application/json\":"
     "{\"schema\":{\"$ref\":\"#/components/schemas/Nope\"}}}}},"
     "\"x-amazon-apigateway-integration\":{\"type\":\"mock\"}}}}}",
     OPENAPI_BASEPATH_IGNORE, "/u",
     "Parse issue: attribute paths.'/u'(get).responses.200.content.schema.#/components/schemas/"
     "Nope is missing"},
    {"trailing slash", SW "\"paths\":{\"/pets/\":" MOCK "}}", OPENAPI_BASEPATH_IGNORE, "/pets",
     NULL},
    {"bad model name", SW "\"paths\":{},\"definitions\":{\"a_b\":{\"type\":\"object\"}}}",
     OPENAPI_BASEPATH_IGNORE, NULL, "alphanumeric"},
    {"bad gateway response type",
     SW "\"paths\":{},\"x-amazon-apigateway-gateway-responses\":{\"NOPE\":{}}}",
     OPENAPI_BASEPATH_IGNORE, NULL, "Invalid gateway response type"},
};

static int has_message(json_t *warnings, const char *m)
{
    size_t i;
    json_t *w;
    json_array_foreach(warnings, i, w) if (strstr(json_string_value(w), m) != NULL) return 1;
    return 0;
}

static void test_plans(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
        json_t *doc = json_loads(plan_cases[i].doc, 0, NULL);
        char err[512] = "";
        if (doc == NULL)
            fail_msg("%s: test document is not JSON", plan_cases[i].name);
        json_t *plan = openapi_in_plan(doc, plan_cases[i].basepath, err, sizeof(err));
        if (plan_cases[i].path == NULL) {
            if (plan != NULL)
                fail_msg("%s: accepted", plan_cases[i].name);
            if (strstr(err, plan_cases[i].message) == NULL)
                fail_msg("%s: error %s", plan_cases[i].name, err);
        } else {
            if (plan == NULL)
                fail_msg("%s: %s", plan_cases[i].name, err);
            if (json_object_get(json_object_get(plan, "resources"), plan_cases[i].path) == NULL)
                fail_msg("%s: no %s in %s", plan_cases[i].name, plan_cases[i].path,
                         json_dumps(json_object_get(plan, "resources"), JSON_COMPACT));
            if (strcmp(plan_cases[i].name, "parameter $ref resolves") == 0)
                assert_non_null(json_object_get(
                    json_object_get(
                        json_object_get(json_object_get(json_object_get(plan, "resources"), "/a"),
                                        "GET"),
                        "requestParameters"),
                    "method.request.querystring.q"));
            if (strcmp(plan_cases[i].name, "numeric version") == 0)
                assert_string_equal(
                    json_string_value(json_object_get(json_object_get(plan, "api"), "version")),
                    "1.0");
            json_t *warnings = json_object_get(plan, "warnings");
            if (plan_cases[i].message != NULL && !has_message(warnings, plan_cases[i].message))
                fail_msg("%s: warnings %s", plan_cases[i].name, json_dumps(warnings, JSON_COMPACT));
        }
        json_decref(plan);
        json_decref(doc);
    }
}

/* ---- security requirements --------------------------------------------------------------- */

#define SCHEMES                                                                                    \
    "\"securityDefinitions\":{"                                                                    \
    "\"api_key\":{\"type\":\"apiKey\",\"name\":\"x-api-key\",\"in\":\"header\"},"                  \
    "\"sigv4\":{\"type\":\"apiKey\",\"name\":\"Authorization\",\"in\":\"header\","                 \
    "\"x-amazon-apigateway-authtype\":\"awsSigv4\"},"                                              \
    "\"tok\":{\"type\":\"apiKey\",\"name\":\"Authorization\",\"in\":\"header\","                   \
    "\"x-amazon-apigateway-authtype\":\"custom\",\"x-amazon-apigateway-authorizer\":{"             \
    "\"type\":\"token\",\"authorizerUri\":\"http://127.0.0.1:9/auth\"}},"                          \
    "\"tok2\":{\"type\":\"apiKey\",\"name\":\"Authorization\",\"in\":\"header\","                  \
    "\"x-amazon-apigateway-authtype\":\"custom\",\"x-amazon-apigateway-authorizer\":{"             \
    "\"type\":\"token\",\"authorizerUri\":\"http://127.0.0.1:9/auth2\"}},"                         \
    "\"fn\":{\"type\":\"apiKey\",\"name\":\"Authorization\",\"in\":\"header\","                    \
    "\"x-amazon-apigateway-authtype\":\"custom\",\"x-amazon-apigateway-authorizer\":{"             \
    "\"type\":\"token\",\"authorizerUri\":\"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/"  \
    "functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations\"}},"               \
    "\"ftp\":{\"type\":\"apiKey\",\"name\":\"Authorization\",\"in\":\"header\","                   \
    "\"x-amazon-apigateway-authtype\":\"custom\",\"x-amazon-apigateway-authorizer\":{"             \
    "\"type\":\"token\",\"authorizerUri\":\"ftp://h/a\"}},"                                        \
    "\"pool\":{\"type\":\"apiKey\",\"name\":\"Authorization\",\"in\":\"header\","                  \
    "\"x-amazon-apigateway-authtype\":\"cognito_user_pools\",\"x-amazon-apigateway-authorizer\":{" \
    "\"type\":\"cognito_user_pools\",\"providerARNs\":[\"arn:x\"]}}},"

static const struct {
    const char *name, *security; /* the operation's "security" value */
    int api_key;                 /* apiKeyRequired */
    const char *auth;            /* authorizationType; NULL: the method is not imported */
    const char *authorizer;      /* authorizerName, or NULL */
    const char *warning;         /* in the warnings, or NULL */
} security_cases[] = {
    {"one requirement, AND of two", "[{\"tok\":[],\"api_key\":[]}]", 1, "CUSTOM", "tok", NULL},
    {"the reference's export: one object per scheme", "[{\"tok\":[]},{\"api_key\":[]}]", 1,
     "CUSTOM", "tok", NULL},
    {"api key in a later requirement", "[{\"sigv4\":[]},{\"api_key\":[]}]", 1, "AWS_IAM", NULL,
     NULL},
    {"sigv4 is AWS_IAM", "[{\"sigv4\":[]}]", 0, "AWS_IAM", NULL, NULL},
    {"a second authorizer is warned", "[{\"tok\":[]},{\"tok2\":[]}]", 0, "CUSTOM", "tok",
     "security scheme tok2 is not applied: a method has one authorizer and tok is applied"},
    {"unsupported scheme in any requirement", "[{\"api_key\":[]},{\"pool\":[]}]", 0, NULL, NULL,
     "not imported, its security scheme pool is not supported"},
    {"undefined scheme ignored", "[{\"nope\":[]},{\"api_key\":[]}]", 1, "NONE", NULL,
     "security scheme nope is not defined; ignored"},
    {"anonymous alternative", "[{},{\"api_key\":[]}]", 1, "NONE", NULL, NULL},
    {"a Lambda authorizer calls the function", "[{\"fn\":[]}]", 0, "CUSTOM", "fn", NULL},
    {"an authorizer that is neither", "[{\"ftp\":[]}]", 0, NULL, NULL,
     "authorizerUri is neither an HTTP endpoint nor a function invocation URI"},
};

static void test_security_requirements(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(security_cases) / sizeof(security_cases[0]); i++) {
        char text[4096];
        snprintf(text, sizeof(text),
                 SW SCHEMES "\"paths\":{\"/a\":{\"get\":{\"responses\":{},\"security\":%s,"
                            "\"x-amazon-apigateway-integration\":{\"type\":\"mock\"}}}}}",
                 security_cases[i].security);
        json_t *doc = json_loads(text, 0, NULL);
        if (doc == NULL)
            fail_msg("%s: test document is not JSON", security_cases[i].name);
        char err[512] = "";
        json_t *plan = openapi_in_plan(doc, OPENAPI_BASEPATH_IGNORE, err, sizeof(err));
        if (plan == NULL)
            fail_msg("%s: %s", security_cases[i].name, err);
        json_t *m =
            json_object_get(json_object_get(json_object_get(plan, "resources"), "/a"), "GET");
        json_t *warnings = json_object_get(plan, "warnings");
        if (security_cases[i].warning != NULL && !has_message(warnings, security_cases[i].warning))
            fail_msg("%s: warnings %s", security_cases[i].name, json_dumps(warnings, JSON_COMPACT));
        if (security_cases[i].auth == NULL) {
            if (m != NULL)
                fail_msg("%s: imported", security_cases[i].name);
        } else {
            if (m == NULL)
                fail_msg("%s: not imported", security_cases[i].name);
            const char *auth = json_string_value(json_object_get(m, "authorizationType"));
            if (strcmp(auth != NULL ? auth : "NONE", security_cases[i].auth) != 0)
                fail_msg("%s: authorizationType %s", security_cases[i].name, auth);
            const char *an = json_string_value(json_object_get(m, "authorizerName"));
            if ((an == NULL) != (security_cases[i].authorizer == NULL) ||
                (an != NULL && strcmp(an, security_cases[i].authorizer) != 0))
                fail_msg("%s: authorizerName %s", security_cases[i].name, an);
            if (json_is_true(json_object_get(m, "apiKeyRequired")) != security_cases[i].api_key)
                fail_msg("%s: apiKeyRequired", security_cases[i].name);
        }
        json_decref(plan);
        json_decref(doc);
    }
}

/* ---- export of a small definition ----------------------------------------------------- */

static void test_export_definition(void **state)
{
    (void)state;
    Portico__ParamFlag pf = PORTICO__PARAM_FLAG__INIT, *pfs[] = {&pf};
    pf.name = "method.request.path.proxy";
    pf.required = 1;
    Portico__KeyValue rm = PORTICO__KEY_VALUE__INIT, *rms[] = {&rm};
    rm.key = "application/json";
    rm.value = "Pet";
    Portico__Method m = PORTICO__METHOD__INIT, *ms[] = {&m};
    m.http_method = "ANY";
    m.n_request_parameters = 1;
    m.request_parameters = pfs;
    m.n_request_models = 1;
    m.request_models = rms;
    Portico__Resource r = PORTICO__RESOURCE__INIT, *rs[] = {&r};
    r.id = "r1";
    r.path = "/files/{proxy+}";
    r.n_methods = 1;
    r.methods = ms;
    Portico__Model model = PORTICO__MODEL__INIT, *models[] = {&model};
    model.name = "Pet";
    model.schema = "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\","
                   "\"properties\":{\"o\":{\"$ref\":\"" URL "Pet\"}}}";
    Portico__ApiDefinition def = PORTICO__API_DEFINITION__INIT;
    def.api_id = "api1";
    def.n_resources = 1;
    def.resources = rs;
    def.n_models = 1;
    def.models = models;
    json_t *api = json_pack("{s:s}", "name", "t");
    for (int oas30 = 0; oas30 <= 1; oas30++) {
        openapi_out_opts_t o = {
            .oas30 = oas30, .extensions = OPENAPI_EXT_APIGATEWAY, .stage = "prod"};
        json_t *doc = openapi_out_document(&def, api, &o);
        json_t *op =
            json_object_get(json_object_get(json_object_get(doc, "paths"), "/files/{proxy+}"),
                            "x-amazon-apigateway-any-method");
        json_t *p0 = json_array_get(json_object_get(op, "parameters"), 0);
        assert_string_equal(json_string_value(json_object_get(p0, "name")), "proxy+");
        assert_non_null(json_object_get(json_object_get(op, "responses"), "default"));
        json_t *schemas = oas30 ? json_object_get(json_object_get(doc, "components"), "schemas")
                                : json_object_get(doc, "definitions");
        json_t *pet = json_object_get(schemas, "Pet");
        assert_null(json_object_get(pet, "$schema"));
        const char *ref = json_string_value(
            json_object_get(json_object_get(json_object_get(pet, "properties"), "o"), "$ref"));
        assert_string_equal(ref, oas30 ? "#/components/schemas/Pet" : "#/definitions/Pet");
        json_decref(doc);
    }
    json_decref(api);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_to_json),          cmocka_unit_test(test_yaml_dump_round_trip),
        cmocka_unit_test(test_ref_rewrite),           cmocka_unit_test(test_plans),
        cmocka_unit_test(test_security_requirements), cmocka_unit_test(test_export_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
