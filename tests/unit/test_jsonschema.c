/* Unit tests for common/jsonschema.h: the reference's error strings
 * (validationErrorString), compile errors, references by URI and through the
 * resolver, the meta-schema check, and RFC 3986 resolution. The official
 * draft-4 suite runs separately (test_jsonschema_suite.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonschema.h"
#include "jsonschema_uri.h"
#include "modelurl.h"

/* ---- helpers ------------------------------------------------------------ */

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v == NULL)
        fail_msg("test JSON does not parse: %s: %s", text, jerr.text);
    return v;
}

/* Validates doc against schema; errors "" means valid. */
static void expect_errors(const char *schema, const char *doc, const char *errors)
{
    arena_t *a = arena_create(4096);
    json_t *s = parse(schema), *d = parse(doc);
    const jsonschema_t *js;
    char err[256], out[1024];
    if (jsonschema_compile(a, s, "", NULL, NULL, &js, err, sizeof(err)) != 0)
        fail_msg("%s does not compile: %s", schema, err);
    int rc = jsonschema_validate(js, d, out, sizeof(out));
    int quiet = jsonschema_validate(js, d, NULL, 0);
    json_decref(s);
    json_decref(d);
    arena_destroy(a);
    if (strcmp(out, errors) != 0)
        fail_msg("%s against %s:\n got  %s\n want %s", doc, schema, out, errors);
    if (rc != (errors[0] != '\0') || quiet != rc)
        fail_msg("%s against %s: rc %d (quiet %d)", doc, schema, rc, quiet);
}

static void expect_compile_error(const char *schema, const char *reason)
{
    arena_t *a = arena_create(4096);
    json_t *s = parse(schema);
    const jsonschema_t *js;
    char err[256] = "";
    int rc = jsonschema_compile(a, s, "", NULL, NULL, &js, err, sizeof(err));
    json_decref(s);
    arena_destroy(a);
    if (rc == 0)
        fail_msg("%s compiled, want an error", schema);
    if (strstr(err, reason) == NULL)
        fail_msg("%s: error \"%s\" lacks \"%s\"", schema, err, reason);
}

/* ---- the reference's messages ------------------------------------------- */

static const struct {
    const char *name, *schema, *doc, *errors;
} message_cases[] = {
    {"valid", "{\"type\":\"object\"}", "{}", ""},
    {"type", "{\"type\":\"integer\"}", "\"x\"",
     "[instance type (string) does not match any allowed primitive type (allowed: "
     "[\"integer\"])]"},
    {"number allows integer", "{\"type\":\"number\"}", "true",
     "[instance type (boolean) does not match any allowed primitive type (allowed: "
     "[\"integer\",\"number\"])]"},
    {"type list sorted", "{\"type\":[\"string\",\"null\",\"array\"]}", "1.5",
     "[instance type (number) does not match any allowed primitive type (allowed: "
     "[\"array\",\"null\",\"string\"])]"},
    {"required in declared order", "{\"required\":[\"b\",\"a\",\"c\"]}", "{\"a\":1}",
     "[object has missing required properties ([\"b\",\"c\"])]"},
    {"minimum", "{\"minimum\":0}", "-1",
     "[numeric instance is lower than the required minimum (minimum: 0, found: -1)]"},
    {"exclusive minimum", "{\"minimum\":1.5,\"exclusiveMinimum\":true}", "1.5",
     "[numeric instance is not strictly greater than the required minimum (minimum: 1.5, "
     "found: 1.5)]"},
    {"maximum", "{\"maximum\":10}", "11",
     "[numeric instance is greater than the required maximum (maximum: 10, found: 11)]"},
    {"real prints as Java", "{\"maximum\":1}", "2.0",
     "[numeric instance is greater than the required maximum (maximum: 1, found: 2.0)]"},
    {"multipleOf", "{\"multipleOf\":3}", "7", "[remainder of division is not zero (7 / 3)]"},
    {"multipleOf real", "{\"multipleOf\":0.01}", "19.99", ""},
    {"minLength counts characters", "{\"minLength\":3}", "\"\xc3\xa9\xc3\xa9\"",
     "[string \"\xc3\xa9\xc3\xa9\" is too short (length: 2, required minimum: 3)]"},
    {"maxLength", "{\"maxLength\":2}", "\"abc\"",
     "[string \"abc\" is too long (length: 3, maximum allowed: 2)]"},
    {"pattern is a search", "{\"pattern\":\"b+\"}", "\"abbc\"", ""},
    {"pattern", "{\"pattern\":\"^[a-z]+$\"}", "\"ab1\"",
     "[ECMA 262 regex \"^[a-z]+$\" does not match input string \"ab1\"]"},
    {"enum", "{\"enum\":[\"a\",1]}", "\"b\"",
     "[instance value (\"b\") not found in enum (possible values: [\"a\",1])]"},
    {"enum numbers compare by value", "{\"enum\":[1]}", "1.0", ""},
    {"additionalProperties",
     "{\"properties\":{\"a\":{}},\"patternProperties\":{\"^x\":{}},\"additionalProperties\":false}",
     "{\"a\":1,\"xy\":2,\"b\":3,\"c\":4}",
     "[object instance has properties which are not allowed by the schema: [\"b\",\"c\"]]"},
    {"minItems", "{\"minItems\":2}", "[1]",
     "[array is too short: must have at least 2 elements but instance has 1 elements]"},
    {"maxItems", "{\"maxItems\":1}", "[1,2]",
     "[array is too long: must have at most 1 elements but instance has 2 elements]"},
    {"uniqueItems", "{\"uniqueItems\":true}", "[{\"a\":[1]},{\"a\":[1.0]}]",
     "[array must not contain duplicate elements]"},
    {"uniqueItems distinct", "{\"uniqueItems\":true}", "[1,\"1\",true,[1],{\"1\":1},null]", ""},
    {"dependencies", "{\"dependencies\":{\"a\":[\"b\",\"c\"]}}", "{\"a\":1,\"c\":1}",
     "[property \"a\" of object has missing property dependencies (requires [\"b\",\"c\"]; "
     "missing: [\"b\"])]"},
    {"anyOf", "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":5}]}", "1",
     "[instance failed to match at least one required schema among 2]"},
    {"oneOf", "{\"oneOf\":[{\"minimum\":0},{\"maximum\":10}]}", "5",
     "[instance failed to match exactly one schema (matched 2 out of 2)]"},
    {"allOf", "{\"allOf\":[{\"minimum\":0},{\"maximum\":10},{\"type\":\"integer\"}]}", "11",
     "[instance failed to match all required schemas (matched only 2 out of 3)]"},
    {"not", "{\"not\":{\"type\":\"null\"}}", "null",
     "[instance matched a schema which it should not have]"},
    {"nested messages in walk order",
     "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{\"name\":{\"type\":\"string\"},"
     "\"tags\":{\"items\":{\"maxLength\":1}}}}",
     "{\"name\":5,\"tags\":[\"ab\"]}",
     "[object has missing required properties ([\"id\"]), instance type (integer) does not "
     "match any allowed primitive type (allowed: [\"string\"]), string \"ab\" is too long "
     "(length: 2, maximum allowed: 1)]"},
};

static void reference_messages(void **state)
{
    for (size_t i = 0; i < sizeof(message_cases) / sizeof(message_cases[0]); i++) {
        print_message("# %s\n", message_cases[i].name);
        expect_errors(message_cases[i].schema, message_cases[i].doc, message_cases[i].errors);
    }
}

static void errors_are_cut_to_the_buffer(void **state)
{
    arena_t *a = arena_create(4096);
    json_t *s = parse("{\"required\":[\"aaaaaaaaaa\",\"bbbbbbbbbb\",\"cccccccccc\"]}");
    json_t *d = parse("{}");
    const jsonschema_t *js;
    char err[128], out[40];
    assert_int_equal(jsonschema_compile(a, s, "", NULL, NULL, &js, err, sizeof(err)), 0);
    assert_int_equal(jsonschema_validate(js, d, out, sizeof(out)), 1);
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_int_equal(out[0], '[');
    assert_int_equal(out[sizeof(out) - 2], ']');
    json_decref(s);
    json_decref(d);
    arena_destroy(a);
}

static void backtracking_is_bounded(void **state)
{
    /* exponential for a backtracking engine: the match limit stops it */
    char doc[64];
    memset(doc, 'a', sizeof(doc));
    doc[0] = '"';
    doc[sizeof(doc) - 3] = '!';
    doc[sizeof(doc) - 2] = '"';
    doc[sizeof(doc) - 1] = '\0';
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    arena_t *a = arena_create(4096);
    json_t *s = parse("{\"pattern\":\"^(a|aa)+$\"}"), *d = parse(doc);
    const jsonschema_t *js;
    char err[256];
    assert_int_equal(jsonschema_compile(a, s, "", NULL, NULL, &js, err, sizeof(err)), 0);
    assert_int_equal(jsonschema_validate(js, d, NULL, 0), 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    json_decref(s);
    json_decref(d);
    arena_destroy(a);
    if (ms > 2000)
        fail_msg("a backtracking pattern took %.0f ms", ms);
}

/* ---- compiling ------------------------------------------------------------ */

static void compile_errors(void **state)
{
    expect_compile_error("[]", "must be a JSON object");
    expect_compile_error("{\"type\":\"integr\"}", "unknown type");
    expect_compile_error("{\"pattern\":\"(\"}", "invalid regular expression");
    expect_compile_error("{\"patternProperties\":{\"[\":{}}}", "invalid regular expression");
    expect_compile_error("{\"minLength\":-1}", "non-negative integer");
    expect_compile_error("{\"multipleOf\":0}", "above 0");
    expect_compile_error("{\"$ref\":\"#/definitions/none\"}", "unresolvable reference");
    expect_compile_error("{\"$ref\":\"http://example.com/x.json\"}", "unresolvable reference");
    expect_compile_error("{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/b\"},"
                         "\"b\":{\"$ref\":\"#/definitions/a\"}},\"$ref\":\"#/definitions/a\"}",
                         "$ref loop");
    expect_compile_error("{\"allOf\":[]}", "non-empty array");
    expect_compile_error("{\"enum\":[]}", "non-empty array");
}

static void deep_schema_is_refused(void **state)
{
    size_t depth = 600;
    char *text = malloc(depth * 10 + 16), *p = text;
    for (size_t i = 0; i < depth; i++)
        p += sprintf(p, "{\"not\":");
    p += sprintf(p, "{}");
    for (size_t i = 0; i < depth; i++)
        *p++ = '}';
    *p = '\0';
    expect_compile_error(text, "nested deeper");
    free(text);
}

static void recursion_in_place_is_refused(void **state)
{
    /* these never consume the instance: validation would not end */
    expect_compile_error("{\"allOf\":[{\"$ref\":\"#\"}]}", "refers to itself");
    expect_compile_error("{\"anyOf\":[{\"type\":\"string\"},{\"not\":{\"$ref\":\"#\"}}]}",
                         "refers to itself");
    expect_compile_error("{\"dependencies\":{\"a\":{\"$ref\":\"#\"}}}", "refers to itself");
    /* a chain of anyOf over the same definition doubles at each step */
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof(text), "{\"definitions\":{");
    for (int i = 0; i < 14; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "\"d%d\":{\"anyOf\":[{\"$ref\":\"#/definitions/d%d\"},"
                              "{\"$ref\":\"#/definitions/d%d\"}]},",
                              i, i + 1, i + 1);
    snprintf(text + n, sizeof(text) - n,
             "\"d14\":{\"type\":\"string\"}},\"$ref\":\"#/definitions/d0\"}");
    expect_compile_error(text, "too complex");
}

static void the_walk_has_a_budget(void **state)
{
    /* each level of the document doubles the work: anyOf of two branches
     * that both recurse; the budget ends it */
    const char *schema =
        "{\"anyOf\":[{\"properties\":{\"a\":{\"$ref\":\"#\"}},\"required\":"
        "[\"b\"]},{\"properties\":{\"a\":{\"$ref\":\"#\"}},\"required\":[\"c\"]}]}";
    char doc[4096];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(doc + n, sizeof(doc) - n, "{\"b\":1,\"c\":1,\"a\":");
    n += (size_t)snprintf(doc + n, sizeof(doc) - n, "{}");
    for (int i = 0; i < 40; i++)
        doc[n++] = '}';
    doc[n] = '\0';
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_errors(schema, doc,
                  "[instance failed to match at least one required schema among 2, validation "
                  "took too many steps]");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (ms > 5000)
        fail_msg("the budgeted walk took %.0f ms", ms);
}

static void recursive_schema_validates_deep_documents(void **state)
{
    const char *tree = "{\"type\":\"object\",\"properties\":{\"child\":{\"$ref\":\"#\"},"
                       "\"v\":{\"type\":\"integer\"}}}";
    expect_errors(tree, "{\"child\":{\"child\":{\"child\":{\"v\":1}}}}", "");
    expect_errors(tree, "{\"child\":{\"child\":{\"v\":\"x\"}}}",
                  "[instance type (string) does not match any allowed primitive type (allowed: "
                  "[\"integer\"])]");
}

/* Models of api "abc": Pet, and Pets (an array of Pet, relative $ref). */
static json_t *resolve(void *arg, const char *uri)
{
    int *calls = arg;
    (*calls)++;
    const char *name = modelurl_name(uri, "abc");
    if (name != NULL && strcmp(name, "Pet") == 0)
        return json_loads("{\"type\":\"object\",\"required\":[\"name\"]}", 0, NULL);
    if (name != NULL && strcmp(name, "Pets") == 0)
        return json_loads("{\"type\":\"array\",\"items\":{\"$ref\":\"Pet\"}}", 0, NULL);
    return NULL;
}

static void models_refer_to_models_through_the_resolver(void **state)
{
    arena_t *a = arena_create(4096);
    json_t *s = parse("{\"properties\":{\"pets\":{\"$ref\":\"https://apigateway.amazonaws.com/"
                      "restapis/abc/models/Pets\"},\"best\":{\"$ref\":\"Pet\"}}}");
    const jsonschema_t *js;
    char err[256], out[256];
    char url[256];
    int calls = 0;
    assert_int_equal(modelurl_format(url, sizeof(url), "abc", "Owner"), 0);
    assert_int_equal(jsonschema_compile(a, s, url, resolve, &calls, &js, err, sizeof(err)), 0);
    assert_int_equal(calls, 2); /* each document once */
    json_t *ok = parse("{\"pets\":[{\"name\":\"a\"}],\"best\":{\"name\":\"b\"}}");
    json_t *bad = parse("{\"pets\":[{\"name\":\"a\"},{}]}");
    assert_int_equal(jsonschema_validate(js, ok, out, sizeof(out)), 0);
    assert_int_equal(jsonschema_validate(js, bad, out, sizeof(out)), 1);
    assert_string_equal(out, "[object has missing required properties ([\"name\"])]");
    assert_null(modelurl_name("https://apigateway.amazonaws.com/restapis/abd/models/Pet", "abc"));
    assert_null(modelurl_name("https://apigateway.amazonaws.com/restapis/abc/models/", "abc"));
    json_decref(ok);
    json_decref(bad);
    json_decref(s);
    arena_destroy(a);
}

static void meta_schema_check(void **state)
{
    static const struct {
        const char *schema;
        int ok;
    } cases[] = {
        {"{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\"}", 1},
        {"{\"properties\":{\"a\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"a\"]}", 1},
        {"{\"type\":\"whatever\"}", 0},
        {"{\"required\":[]}", 0},
        {"{\"required\":[\"a\",\"a\"]}", 0},
        {"{\"exclusiveMinimum\":true}", 0},
        {"{\"properties\":{\"a\":5}}", 0},
        {"{\"pattern\":\"[\"}", 0},
        {"{\"unknownKeyword\":{\"x\":1}}", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *s = parse(cases[i].schema);
        char err[512] = "";
        int rc = jsonschema_check(s, "", NULL, NULL, err, sizeof(err));
        json_decref(s);
        if ((rc == 0) != cases[i].ok)
            fail_msg("%s: check %d (%s), want ok=%d", cases[i].schema, rc, err, cases[i].ok);
        if (rc != 0 && err[0] == '\0')
            fail_msg("%s: no reason", cases[i].schema);
    }
}

/* ---- URIs --------------------------------------------------------------- */

static void uri_resolution(void **state)
{
    static const char *const cases[][3] = {
        {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
        {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
        {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
        {"http://a/b/c/d;p?q", "/g", "http://a/g"},
        {"http://a/b/c/d;p?q", "//g", "http://g"},
        {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
        {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"},
        {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
        {"http://a/b/c/d;p?q", "../../g", "http://a/g"},
        {"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
        {"http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y"},
        {"http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q"},
        {"http://x/a.json", "#", "http://x/a.json"},
        {"", "#/definitions/a", "#/definitions/a"},
        {"http://localhost:1234/sibling_id/base/", "foo.json",
         "http://localhost:1234/sibling_id/base/foo.json"},
        {"https://apigateway.amazonaws.com/restapis/abc/models/A", "B",
         "https://apigateway.amazonaws.com/restapis/abc/models/B"},
        {"urn:x", "http://y/z#f", "http://y/z#f"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = jsonschema_uri_resolve(cases[i][0], cases[i][1]);
        assert_non_null(got);
        if (strcmp(got, cases[i][2]) != 0)
            fail_msg("resolve(%s, %s) = %s, want %s", cases[i][0], cases[i][1], got, cases[i][2]);
        free(got);
    }
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_messages),
        cmocka_unit_test(errors_are_cut_to_the_buffer),
        cmocka_unit_test(backtracking_is_bounded),
        cmocka_unit_test(compile_errors),
        cmocka_unit_test(deep_schema_is_refused),
        cmocka_unit_test(recursion_in_place_is_refused),
        cmocka_unit_test(the_walk_has_a_budget),
        cmocka_unit_test(recursive_schema_validates_deep_documents),
        cmocka_unit_test(models_refer_to_models_through_the_resolver),
        cmocka_unit_test(meta_schema_check),
        cmocka_unit_test(uri_resolution),
    };
    return cmocka_run_group_tests_name("jsonschema", tests, NULL, NULL);
}
