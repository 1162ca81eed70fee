/* Unit tests for common/pathtmpl.h: path part classification and URI template expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pathtmpl.h"

/* ---- helpers ------------------------------------------------------------ */

struct var {
    const char *name;
    const char *value;
};

/* The lookup context: path variables and stage variables, each ended by a NULL name. */
struct vars {
    const struct var *path;
    const struct var *stage;
};

static const struct var path_vars[] = {{"petId", "42"}, {"proxy", "a/b"}, {NULL, NULL}};
static const struct var stage_vars[] = {
    {"host", "backend.internal:8080"}, {"version", "v2"}, {NULL, NULL}};
static struct vars test_vars = {path_vars, stage_vars};

static const char *lookup_in(const struct var *v, const char *name, size_t len, size_t *value_len)
{
    for (; v->name != NULL; v++) {
        if (strlen(v->name) == len && memcmp(v->name, name, len) == 0) {
            *value_len = strlen(v->value);
            return v->value;
        }
    }
    return NULL;
}

static const char *lookup_path(void *ctx, const char *name, size_t len, size_t *value_len)
{
    return lookup_in(((const struct vars *)ctx)->path, name, len, value_len);
}

static const char *lookup_stage(void *ctx, const char *name, size_t len, size_t *value_len)
{
    return lookup_in(((const struct vars *)ctx)->stage, name, len, value_len);
}

static void expect_kind(const char *part, enum pathtmpl_kind want, const char *want_name)
{
    const char *name = NULL;
    size_t name_len = 0;
    enum pathtmpl_kind got = pathtmpl_classify(part, strlen(part), &name, &name_len);
    if (got != want)
        fail_msg("classify(\"%s\") = %d, want %d", part, got, want);
    if (want_name == NULL)
        return;
    if (name == NULL || name_len != strlen(want_name) || memcmp(name, want_name, name_len) != 0)
        fail_msg("classify(\"%s\") name = \"%.*s\", want \"%s\"", part, (int)name_len,
                 name != NULL ? name : "", want_name);
}

/* Expands tmpl into a buffer of cap bytes; returns pathtmpl_expand's result. */
static int expand_into(const char *tmpl, size_t tmpl_len, pathtmpl_lookup_fn path,
                       pathtmpl_lookup_fn var, char *buf, size_t cap, size_t *len)
{
    pathtmpl_buf_t out = {buf, 0, cap};
    int rc = pathtmpl_expand(tmpl, tmpl_len, path, var, &test_vars, &out);
    *len = out.len;
    return rc;
}

static void expect_expansion(const char *tmpl, pathtmpl_lookup_fn path, pathtmpl_lookup_fn var,
                             const char *want)
{
    char buf[256];
    size_t len;
    int rc = expand_into(tmpl, strlen(tmpl), path, var, buf, sizeof(buf), &len);
    if (rc != 0)
        fail_msg("expand(\"%s\") returned %d", tmpl, rc);
    if (strcmp(buf, want) != 0 || len != strlen(want))
        fail_msg("expand(\"%s\") = \"%s\" (len %zu), want \"%s\"", tmpl, buf, len, want);
}

/* ---- classification ----------------------------------------------------- */

static void classify_literals(void **state)
{
    static const char *const parts[] = {"pets", "a.b-c_d", "v1:batch", "~user", "x=1;y=2", "0"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        expect_kind(parts[i], PATHTMPL_LITERAL, NULL);
}

static void classify_param(void **state)
{
    expect_kind("{petId}", PATHTMPL_PARAM, "petId");
    expect_kind("{a}", PATHTMPL_PARAM, "a");
    expect_kind("{x.y-z_1}", PATHTMPL_PARAM, "x.y-z_1");
}

static void classify_greedy(void **state)
{
    expect_kind("{proxy+}", PATHTMPL_GREEDY, "proxy");
    expect_kind("{p+}", PATHTMPL_GREEDY, "p");
}

static void classify_invalid(void **state)
{
    static const char *const parts[] = {
        "",    "pe ts",  "pets/", "a%20b", "{}",    "{+}",      "{a",   "a}",
        "{ab", "{a b}",  "{a+b}", "{{a}}", "{a}}",  "x{a}",     "{a}x", "{a/b}",
        "+",   "{ab++}", "?",     "#",     "pets?", "{proxy*}",
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        expect_kind(parts[i], PATHTMPL_INVALID, NULL);
}

static void classify_respects_length(void **state)
{
    /* only the first len bytes are the part: "{id}" out of "{id}/rest" */
    const char *name = NULL;
    size_t name_len = 0;
    assert_int_equal(pathtmpl_classify("{id}/rest", 4, &name, &name_len), PATHTMPL_PARAM);
    assert_int_equal(name_len, 2);
    assert_memory_equal(name, "id", 2);
    assert_int_equal(pathtmpl_classify("pets/x", 4, &name, &name_len), PATHTMPL_LITERAL);
}

/* ---- expansion ---------------------------------------------------------- */

static void expand_plain_text(void **state)
{
    expect_expansion("http://example.com/pets", lookup_path, lookup_stage,
                     "http://example.com/pets");
    expect_expansion("", lookup_path, lookup_stage, "");
}

static void expand_path_variable(void **state)
{
    expect_expansion("http://h/pets/{petId}", lookup_path, lookup_stage, "http://h/pets/42");
    expect_expansion("http://h/{proxy}", lookup_path, lookup_stage, "http://h/a/b");
    expect_expansion("{petId}{petId}", lookup_path, lookup_stage, "4242");
}

static void expand_stage_variable(void **state)
{
    expect_expansion("http://${stageVariables.host}/pets", lookup_path, lookup_stage,
                     "http://backend.internal:8080/pets");
    expect_expansion("${stageVariables.version}", lookup_path, lookup_stage, "v2");
}

static void expand_both_kinds(void **state)
{
    expect_expansion("https://${stageVariables.host}/${stageVariables.version}/pets/{petId}",
                     lookup_path, lookup_stage, "https://backend.internal:8080/v2/pets/42");
}

static void expand_unknown_variable_is_empty(void **state)
{
    expect_expansion("http://h/{nope}/x", lookup_path, lookup_stage, "http://h//x");
    expect_expansion("http://${stageVariables.nope}/x", lookup_path, lookup_stage, "http:///x");
}

static void expand_null_lookup_leaves_placeholders(void **state)
{
    expect_expansion("http://${stageVariables.host}/{petId}", NULL, lookup_stage,
                     "http://backend.internal:8080/{petId}");
    /* with no stage lookup, the path lookup must not eat the stage placeholder */
    expect_expansion("http://${stageVariables.host}/{petId}", lookup_path, NULL,
                     "http://${stageVariables.host}/42");
    expect_expansion("{petId}${stageVariables.host}", NULL, NULL, "{petId}${stageVariables.host}");
}

static void expand_unterminated_placeholders(void **state)
{
    expect_expansion("http://h/{petId", lookup_path, lookup_stage, "http://h/{petId");
    expect_expansion("http://${stageVariables.host", lookup_path, lookup_stage,
                     "http://${stageVariables.host");
    expect_expansion("cost: $5", lookup_path, lookup_stage, "cost: $5");
}

/* literal runs around and between placeholders, '$' and '{' that open none */
static void expand_literal_runs(void **state)
{
    static const struct {
        const char *tmpl, *want;
    } cases[] = {
        {"a{petId}b", "a42b"},
        {"$", "$"},
        {"{", "{"},
        {"}", "}"},
        {"$$${stageVariables.version}$$", "$$v2$$"},
        {"x{{petId}y", "xy"}, /* the name is "{petId": unknown */
        {"x${petId}y", "x$42y"},
        {"http://h/a$b{c/d", "http://h/a$b{c/d"},
        {"/{petId}/$/{petId}", "/42/$/42"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_expansion(cases[i].tmpl, lookup_path, lookup_stage, cases[i].want);
}

static void expand_respects_template_length(void **state)
{
    char buf[64];
    size_t len;
    const char *tmpl = "/pets/{petId}/toys";
    assert_int_equal(expand_into(tmpl, 13, lookup_path, lookup_stage, buf, sizeof(buf), &len), 0);
    assert_string_equal(buf, "/pets/42");
    assert_int_equal(len, 8);
}

static void expand_exact_fit(void **state)
{
    /* "http://h/pets/42" is 16 bytes: 17 with the NUL fits exactly */
    char buf[17];
    size_t len;
    const char *tmpl = "http://h/pets/{petId}";
    assert_int_equal(
        expand_into(tmpl, strlen(tmpl), lookup_path, lookup_stage, buf, sizeof(buf), &len), 0);
    assert_string_equal(buf, "http://h/pets/42");
}

static void expand_truncation_fails(void **state)
{
    char buf[64];
    size_t len;
    const char *literal = "http://h/pets";
    const char *with_var = "http://h/pets/{petId}";
    const char *with_stage = "${stageVariables.host}";
    /* one byte short: literal text, a path value, a stage value */
    assert_int_equal(expand_into(literal, strlen(literal), lookup_path, lookup_stage, buf,
                                 strlen(literal), &len),
                     -1);
    assert_int_equal(
        expand_into(with_var, strlen(with_var), lookup_path, lookup_stage, buf, 16, &len), -1);
    assert_int_equal(expand_into(with_stage, strlen(with_stage), lookup_path, lookup_stage, buf,
                                 strlen("backend.internal:8080"), &len),
                     -1);
    /* an untouched placeholder counts too */
    assert_int_equal(expand_into(with_stage, strlen(with_stage), NULL, NULL, buf, 10, &len), -1);
    /* no room even for the NUL */
    assert_int_equal(expand_into("", 0, lookup_path, lookup_stage, buf, 0, &len), -1);
}

static void uri_host_params(void **state)
{
    static const struct {
        const char *uri;
        int want;
    } cases[] = {
        {"http://{host}/x", 1},
        {"http://a{b}c:8080/x", 1},
        {"https://h:{port}/x", 1},
        {"http://{host}", 1},
        {"http://h/{proxy}", 0},
        {"http://h?q={x}", 0},
        {"http://${stageVariables.host}/{proxy}", 0},
        {"http://${stageVariables.a}{b}/", 1},
        {"http://h#{x}", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (pathtmpl_uri_host_has_param(cases[i].uri, strlen(cases[i].uri)) != cases[i].want)
            fail_msg("%s: want %d", cases[i].uri, cases[i].want);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify_literals),
        cmocka_unit_test(classify_param),
        cmocka_unit_test(classify_greedy),
        cmocka_unit_test(classify_invalid),
        cmocka_unit_test(classify_respects_length),
        cmocka_unit_test(expand_plain_text),
        cmocka_unit_test(expand_path_variable),
        cmocka_unit_test(expand_stage_variable),
        cmocka_unit_test(expand_both_kinds),
        cmocka_unit_test(expand_unknown_variable_is_empty),
        cmocka_unit_test(expand_null_lookup_leaves_placeholders),
        cmocka_unit_test(expand_unterminated_placeholders),
        cmocka_unit_test(expand_literal_runs),
        cmocka_unit_test(expand_respects_template_length),
        cmocka_unit_test(expand_exact_fit),
        cmocka_unit_test(expand_truncation_fails),
        cmocka_unit_test(uri_host_params),
    };
    return cmocka_run_group_tests_name("pathtmpl", tests, NULL, NULL);
}
