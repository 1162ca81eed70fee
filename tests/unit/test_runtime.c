/* Unit tests for dataplane/runtime.h: compiling Snapshot protobufs, rejections, MOCK selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <h2o.h>

#include "arena.h"
#include "integ_conf.h"
#include "portico.pb-c.h"
#include "router.h"
#include "runtime.h"

/* ---- snapshot builder: every message lives in the fixture's arena -------- */

typedef struct {
    arena_t *a;
    Portico__Snapshot *snap;
    Portico__ApiDefinition *def;    /* api1/d1 */
    Portico__Resource *pets;        /* /pets in d1 */
    Portico__Integration *get_pets; /* GET /pets, a MOCK */
    Portico__StageBinding *prod;    /* api1/prod on d1 */
} fixture_t;

static void *alloc(fixture_t *f, size_t size)
{
    void *p = arena_alloc(f->a, size);
    assert_non_null(p);
    return p;
}

/* Appends item to a protobuf repeated field (array *arr of *n pointers). */
static void push(fixture_t *f, void *arr_ptr, size_t *n, void *item)
{
    void ***arr = arr_ptr;
    void **bigger = arena_alloc(f->a, sizeof(void *) * (*n + 1));
    assert_non_null(bigger);
    if (*n > 0)
        memcpy(bigger, *arr, sizeof(void *) * *n);
    bigger[(*n)++] = item;
    *arr = bigger;
}

static Portico__KeyValue *kv(fixture_t *f, const char *key, const char *value)
{
    Portico__KeyValue *p = alloc(f, sizeof(*p));
    portico__key_value__init(p);
    p->key = (char *)key;
    p->value = (char *)value;
    return p;
}

static Portico__ApiDefinition *add_deployment(fixture_t *f, const char *api, const char *id)
{
    Portico__ApiDefinition *d = alloc(f, sizeof(*d));
    portico__api_definition__init(d);
    d->api_id = (char *)api;
    d->deployment_id = (char *)id;
    push(f, &f->snap->deployments, &f->snap->n_deployments, d);
    return d;
}

static Portico__Resource *add_resource(fixture_t *f, Portico__ApiDefinition *d, const char *path)
{
    Portico__Resource *r = alloc(f, sizeof(*r));
    portico__resource__init(r);
    r->id = (char *)path;
    r->path = (char *)path;
    push(f, &d->resources, &d->n_resources, r);
    return r;
}

static Portico__Integration *add_method(fixture_t *f, Portico__Resource *r, const char *verb,
                                        const char *type, const char *uri)
{
    Portico__Method *m = alloc(f, sizeof(*m));
    portico__method__init(m);
    m->http_method = (char *)verb;
    m->integration = alloc(f, sizeof(*m->integration));
    portico__integration__init(m->integration);
    m->integration->type = (char *)type;
    m->integration->uri = (char *)uri;
    push(f, &r->methods, &r->n_methods, m);
    return m->integration;
}

static Portico__IntegrationResponse *add_response(fixture_t *f, Portico__Integration *in,
                                                  const char *status, const char *pattern)
{
    Portico__IntegrationResponse *r = alloc(f, sizeof(*r));
    portico__integration_response__init(r);
    r->status_code = (char *)status;
    r->selection_pattern = (char *)pattern;
    push(f, &in->responses, &in->n_responses, r);
    return r;
}

static void add_template(fixture_t *f, Portico__Integration *in, const char *type, const char *body)
{
    push(f, &in->request_templates, &in->n_request_templates, kv(f, type, body));
}

static Portico__StageBinding *add_stage(fixture_t *f, const char *api, const char *name,
                                        const char *deployment)
{
    Portico__StageBinding *s = alloc(f, sizeof(*s));
    portico__stage_binding__init(s);
    s->api_id = (char *)api;
    s->stage_name = (char *)name;
    s->deployment_id = (char *)deployment;
    push(f, &f->snap->stages, &f->snap->n_stages, s);
    return s;
}

static Portico__Canary *add_canary(fixture_t *f, Portico__StageBinding *s, const char *deployment,
                                   double percent)
{
    s->canary = alloc(f, sizeof(*s->canary));
    portico__canary__init(s->canary);
    s->canary->deployment_id = (char *)deployment;
    s->canary->percent_traffic = percent;
    return s->canary;
}

static void add_variable(fixture_t *f, Portico__StageBinding *s, const char *k, const char *v)
{
    push(f, &s->variables, &s->n_variables, kv(f, k, v));
}

/* The base snapshot every case starts from: api1 with deployment d1 serving
 * GET /pets (MOCK, 200) and stage prod on d1. */
static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->a = arena_create(64 * 1024);
    f->snap = alloc(f, sizeof(*f->snap));
    portico__snapshot__init(f->snap);
    f->snap->version = 12;
    f->snap->store_id = "store-1";
    f->def = add_deployment(f, "api1", "d1");
    f->pets = add_resource(f, f->def, "/pets");
    f->get_pets = add_method(f, f->pets, "GET", "MOCK", "");
    add_template(f, f->get_pets, "application/json", "{\"statusCode\": 200}");
    add_response(f, f->get_pets, "200", "");
    f->prod = add_stage(f, "api1", "prod", "d1");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    arena_destroy(f->a);
    free(f);
    return 0;
}

/* Packs the fixture's snapshot and compiles it. */
static runtime_t *compile(fixture_t *f, char *err, size_t err_len)
{
    size_t len = portico__snapshot__get_packed_size(f->snap);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    portico__snapshot__pack(f->snap, buf);
    err[0] = '\0';
    runtime_t *rt = runtime_compile(buf, len, err, err_len);
    free(buf);
    return rt;
}

static runtime_t *compile_ok(fixture_t *f)
{
    char err[256];
    runtime_t *rt = compile(f, err, sizeof(err));
    if (rt == NULL)
        fail_msg("the snapshot was refused: %s", err);
    return rt;
}

/* The snapshot must be refused with a reason that mentions `reason`. */
static void expect_refused(fixture_t *f, const char *reason)
{
    char err[256];
    runtime_t *rt = compile(f, err, sizeof(err));
    if (rt != NULL) {
        runtime_release(rt);
        fail_msg("the snapshot compiled, want a refusal mentioning \"%s\"", reason);
    }
    if (strstr(err, reason) == NULL)
        fail_msg("refused with \"%s\", want a reason mentioning \"%s\"", err, reason);
}

static const rt_stage_t *stage_of(const runtime_t *rt, const char *api, const char *name)
{
    return runtime_stage(rt, api, strlen(api), name, strlen(name));
}

static const rt_method_t *route(const rt_deployment_t *d, const char *verb, const char *path)
{
    router_match_t m;
    if (router_match(d->router, verb, strlen(verb), path, strlen(path), &m) != 0)
        return NULL;
    return m.value;
}

/* The integration compiled for GET /pets on prod's deployment. */
static const rt_integration_t *integration_of(const runtime_t *rt)
{
    const rt_method_t *m = route(stage_of(rt, "api1", "prod")->deployment, "GET", "/pets");
    assert_non_null(m);
    assert_non_null(m->integration);
    return m->integration;
}

static void expect_var(const rt_vars_t *vars, const char *name, const char *want)
{
    size_t len = 0;
    const char *v = rt_vars_get(vars, name, strlen(name), &len);
    if (want == NULL) {
        if (v != NULL)
            fail_msg("variable %s = \"%.*s\", want none", name, (int)len, v);
        return;
    }
    if (v == NULL || len != strlen(want) || memcmp(v, want, len) != 0)
        fail_msg("variable %s = \"%.*s\", want \"%s\"", name, v != NULL ? (int)len : 6,
                 v != NULL ? v : "(none)", want);
}

/* ---- a valid snapshot --------------------------------------------------- */

static void valid_snapshot_compiles(void **state)
{
    fixture_t *f = *state;
    add_variable(f, f->prod, "backend", "http://10.0.0.1");
    Portico__Integration *proxy =
        add_method(f, add_resource(f, f->def, "/items/{id}"), "ANY", "HTTP_PROXY",
                   "http://${stageVariables.backend}/items/{id}");
    proxy->timeout_ms = 5000;
    add_stage(f, "api1", "dev", "d1");
    runtime_t *rt = compile_ok(f);
    assert_int_equal(rt->version, 12);
    assert_string_equal(rt->store_id, "store-1");
    assert_int_equal(rt->nstages, 2);

    const rt_stage_t *s = stage_of(rt, "api1", "prod");
    assert_non_null(s);
    assert_string_equal(s->api_id, "api1");
    assert_string_equal(s->name, "prod");
    assert_string_equal(s->deployment->id, "d1");
    assert_null(s->canary);
    expect_var(&s->variables, "backend", "http://10.0.0.1");
    assert_non_null(stage_of(rt, "api1", "dev"));
    assert_null(stage_of(rt, "api1", "staging"));
    assert_null(stage_of(rt, "api2", "prod"));

    const rt_method_t *get = route(s->deployment, "GET", "/pets");
    assert_non_null(get);
    assert_string_equal(get->verb, "GET");
    assert_string_equal(get->resource_path, "/pets");
    assert_int_equal(get->integration->type, RT_INTEG_MOCK);
    const rt_method_t *any = route(s->deployment, "DELETE", "/items/9");
    assert_non_null(any);
    assert_int_equal(any->integration->type, RT_INTEG_HTTP_PROXY);
    assert_null(any->integration->http_method);
    assert_int_equal(any->integration->timeout_ms, 5000);
    assert_string_equal(any->integration->uri, "http://${stageVariables.backend}/items/{id}");
    assert_null(route(s->deployment, "POST", "/pets"));
    runtime_release(rt);
}

static void empty_snapshot_compiles(void **state)
{
    char err[64];
    runtime_t *rt = runtime_compile((const uint8_t *)"", 0, err, sizeof(err));
    assert_non_null(rt);
    assert_int_equal(rt->nstages, 0);
    assert_null(stage_of(rt, "api1", "prod"));
    runtime_release(rt);
}

static void method_without_integration(void **state)
{
    fixture_t *f = *state;
    add_method(f, f->pets, "POST", "MOCK", "");
    f->pets->methods[f->pets->n_methods - 1]->integration = NULL;
    runtime_t *rt = compile_ok(f);
    const rt_method_t *m = route(stage_of(rt, "api1", "prod")->deployment, "POST", "/pets");
    assert_non_null(m);
    assert_null(m->integration);
    runtime_release(rt);
}

static void default_and_bounded_timeouts(void **state)
{
    fixture_t *f = *state;
    static const uint32_t accepted[] = {0, 50, 29000};
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        f->get_pets->timeout_ms = accepted[i];
        runtime_t *rt = compile_ok(f);
        const rt_method_t *m = route(stage_of(rt, "api1", "prod")->deployment, "GET", "/pets");
        assert_int_equal(m->integration->timeout_ms, accepted[i] == 0 ? 29000 : accepted[i]);
        runtime_release(rt);
    }
}

/* ---- refusals ----------------------------------------------------------- */

static void garbage_refused(void **state)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
    char err[256] = "";
    assert_null(runtime_compile(garbage, sizeof(garbage), err, sizeof(err)));
    assert_non_null(strstr(err, "decode"));
}

static void stage_on_missing_deployment_refused(void **state)
{
    fixture_t *f = *state;
    add_stage(f, "api1", "beta", "d-missing");
    expect_refused(f, "d-missing");
}

static void stage_on_other_apis_deployment_refused(void **state)
{
    fixture_t *f = *state;
    add_stage(f, "api2", "prod", "d1");
    expect_refused(f, "missing");
}

static void canary_deployment_missing_refused(void **state)
{
    fixture_t *f = *state;
    add_canary(f, f->prod, "d-canary", 10);
    expect_refused(f, "canary deployment d-canary missing");
}

static void canary_percent_out_of_range_refused(void **state)
{
    fixture_t *f = *state;
    static const double bad[] = {-0.5, 100.01, 1e9};
    add_deployment(f, "api1", "d2");
    Portico__Canary *c = add_canary(f, f->prod, "d2", 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c->percent_traffic = bad[i];
        expect_refused(f, "canary percentage out of range");
    }
}

static void canary_percent_nan_refused(void **state)
{
    fixture_t *f = *state;
    add_deployment(f, "api1", "d2");
    add_canary(f, f->prod, "d2", NAN);
    expect_refused(f, "canary percentage out of range");
}

static void canary_percent_bounds_accepted(void **state)
{
    fixture_t *f = *state;
    add_deployment(f, "api1", "d2");
    Portico__Canary *c = add_canary(f, f->prod, "d2", 0);
    static const double ok[] = {0, 12.5, 100};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        c->percent_traffic = ok[i];
        runtime_t *rt = compile_ok(f);
        const rt_stage_t *s = stage_of(rt, "api1", "prod");
        assert_string_equal(s->canary->id, "d2");
        assert_true(s->canary_percent == ok[i]);
        runtime_release(rt);
    }
}

static void duplicate_stage_refused(void **state)
{
    fixture_t *f = *state;
    add_stage(f, "api1", "prod", "d1");
    expect_refused(f, "duplicate stage api1/prod");
}

static void duplicate_deployment_refused(void **state)
{
    fixture_t *f = *state;
    add_deployment(f, "api1", "d1");
    expect_refused(f, "duplicate deployment");
}

static void unsupported_integration_type_refused(void **state)
{
    fixture_t *f = *state;
    f->get_pets->type = "VPC";
    expect_refused(f, "unsupported integration type VPC");
}

/* AWS and AWS_PROXY: only the Lambda invocation URI, its function checked
 * with ${stageVariables.x} allowed in the name or qualifier. */
static void function_integrations_compiled(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *type, *uri, *function; /* function NULL: refused */
    } cases[] = {
        {"AWS_PROXY",
         "arn:aws:apigateway:local:lambda:path/2015-03-31/functions/"
         "arn:aws:lambda:local:000000000000:function:echo:${stageVariables.alias}/invocations",
         "arn:aws:lambda:local:000000000000:function:echo:${stageVariables.alias}"},
        {"AWS", "arn:aws:apigateway:local:lambda:path/2015-03-31/functions/echo/invocations",
         "echo"},
        {"AWS", "arn:aws:apigateway:local:s3:path/bucket/key", NULL},
        {"AWS_PROXY", "https://example.com/x", NULL},
        {"AWS_PROXY",
         "arn:aws:apigateway:local:lambda:path/2015-03-31/functions/bad name/invocations", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f->get_pets->type = (char *)cases[i].type;
        f->get_pets->uri = (char *)cases[i].uri;
        if (cases[i].function == NULL) {
            expect_refused(f, "not a function invocation URI");
            continue;
        }
        runtime_t *rt = compile_ok(f);
        const rt_integration_t *in = integration_of(rt);
        assert_int_equal(in->type,
                         strcmp(cases[i].type, "AWS") == 0 ? RT_INTEG_AWS : RT_INTEG_AWS_PROXY);
        assert_int_equal(in->function_len, strlen(cases[i].function));
        assert_memory_equal(in->function, cases[i].function, in->function_len);
        runtime_release(rt);
    }
}

static void http_uri_must_be_http(void **state)
{
    fixture_t *f = *state;
    static const char *const bad[] = {"ftp://example.com/x", "example.com/x", "", "HTTP:/x"};
    Portico__Integration *in = add_method(f, f->pets, "POST", "HTTP_PROXY", "");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        in->uri = (char *)bad[i];
        expect_refused(f, "must be http(s)");
    }
    in->uri = "https://example.com/x";
    runtime_release(compile_ok(f));
}

/* A URI without placeholders is parsed and made canonical once; one with
 * any '{' (a path parameter, a stage variable), or whose path cannot be
 * made canonical, is left to every request (target NULL). */
static void static_uri_target_built_once(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *uri, *host, *path; /* path NULL: no target */
        uint16_t port;
    } cases[] = {
        {"http://example.com/pets", "example.com", "/pets", 80},
        {"https://example.com:8443/a/./b/../c?x=1&y=%2F", "example.com", "/a/c?x=1&y=%2F", 8443},
        {"http://127.0.0.1:9/", "127.0.0.1", "/", 9},
        {"http://example.com", "example.com", "/", 80},
        {"http://example.com/a%20b//c/", "example.com", "/a%20b/c/", 80},
        {"http://example.com/pets/{id}", NULL, NULL, 0},
        {"http://${stageVariables.host}/pets", NULL, NULL, 0},
        {"http://example.com/../x", NULL, NULL, 0},
    };
    Portico__Integration *in = add_method(f, f->pets, "POST", "HTTP_PROXY", "");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        in->uri = (char *)cases[i].uri;
        runtime_t *rt = compile_ok(f);
        const rt_method_t *m = route(stage_of(rt, "api1", "prod")->deployment, "POST", "/pets");
        const h2o_url_t *t = m->integration->target;
        if (cases[i].path == NULL) {
            if (t != NULL)
                fail_msg("%s: a target was built", cases[i].uri);
        } else if (t == NULL ||
                   !h2o_memis(t->host.base, t->host.len, cases[i].host, strlen(cases[i].host)) ||
                   !h2o_memis(t->path.base, t->path.len, cases[i].path, strlen(cases[i].path)) ||
                   h2o_url_get_port(t) != cases[i].port) {
            fail_msg("%s: target %.*s %.*s", cases[i].uri, t != NULL ? (int)t->host.len : 0,
                     t != NULL ? t->host.base : "", t != NULL ? (int)t->path.len : 0,
                     t != NULL ? t->path.base : "");
        }
        runtime_release(rt);
    }
}

static void timeout_out_of_range_refused(void **state)
{
    fixture_t *f = *state;
    static const uint32_t bad[] = {1, 49, 29001, 600000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f->get_pets->timeout_ms = bad[i];
        expect_refused(f, "timeout");
    }
}

static void invalid_route_refused(void **state)
{
    fixture_t *f = *state;
    add_method(f, add_resource(f, f->def, "/pets/{id"), "GET", "MOCK", "");
    expect_refused(f, "route");
}

static void resource_path_without_slash_refused(void **state)
{
    fixture_t *f = *state;
    add_method(f, add_resource(f, f->def, "pets"), "GET", "MOCK", "");
    expect_refused(f, "invalid resource path");
}

static void duplicate_verb_refused(void **state)
{
    fixture_t *f = *state;
    add_method(f, f->pets, "GET", "MOCK", "");
    expect_refused(f, "duplicate route");
}

static void invalid_verb_refused(void **state)
{
    fixture_t *f = *state;
    add_method(f, f->pets, "FETCH", "MOCK", "");
    expect_refused(f, "invalid method FETCH");
}

static void invalid_integration_method_refused(void **state)
{
    fixture_t *f = *state;
    Portico__Integration *in = add_method(f, f->pets, "POST", "HTTP_PROXY", "http://h/");
    in->http_method = "BREW";
    expect_refused(f, "invalid integration method BREW");
}

static void invalid_mapping_expression_refused(void **state)
{
    fixture_t *f = *state;
    Portico__Integration *in = add_method(f, f->pets, "POST", "HTTP_PROXY", "http://h/");
    push(f, &in->request_parameters, &in->n_request_parameters,
         kv(f, "integration.request.header.X", "bogus.expression"));
    expect_refused(f, "invalid mapping expression bogus.expression");
}

static void response_source_in_request_mapping_refused(void **state)
{
    fixture_t *f = *state;
    push(f, &f->get_pets->request_parameters, &f->get_pets->n_request_parameters,
         kv(f, "integration.request.header.X", "integration.response.header.Y"));
    expect_refused(f, "invalid mapping expression");
}

static void invalid_mapping_target_refused(void **state)
{
    fixture_t *f = *state;
    push(f, &f->get_pets->request_parameters, &f->get_pets->n_request_parameters,
         kv(f, "method.request.header.X", "'static'"));
    expect_refused(f, "invalid integration request parameter");
}

static void invalid_response_mapping_refused(void **state)
{
    fixture_t *f = *state;
    Portico__IntegrationResponse *r = f->get_pets->responses[0];
    push(f, &r->response_parameters, &r->n_response_parameters,
         kv(f, "method.response.header.X", "nope"));
    expect_refused(f, "invalid response parameter mapping");
}

static void invalid_response_status_refused(void **state)
{
    fixture_t *f = *state;
    add_response(f, f->get_pets, "abc", "x");
    expect_refused(f, "invalid integration response status abc");
}

static void invalid_selection_pattern_refused(void **state)
{
    fixture_t *f = *state;
    add_response(f, f->get_pets, "400", "4(\\d{2}");
    expect_refused(f, "invalid selection pattern");
}

/* ---- integration response selection ------------------------------------ */

/* Replaces GET /pets' responses with rows of {status, pattern}, then returns
 * the status of the response selected for the answer status `code` (0: none). */
static int select_response(fixture_t *f, const char *code, const char *const (*rows)[2], size_t n)
{
    f->get_pets->n_responses = 0;
    for (size_t i = 0; i < n; i++)
        add_response(f, f->get_pets, rows[i][0], rows[i][1]);
    runtime_t *rt = compile_ok(f);
    const rt_int_response_t *r = integ_conf_select(integration_of(rt), code, strlen(code));
    int status = r != NULL ? r->status : 0;
    runtime_release(rt);
    return status;
}

static const char *const responses_with_default[][2] = {
    {"200", ""}, {"404", "4\\d{2}"}, {"500", "5\\d{2}"}};
static const char *const responses_without_default[][2] = {{"404", "4\\d{2}"}, {"500", "5\\d{2}"}};

#define NROWS(rows) (sizeof(rows) / sizeof(rows[0]))

static void selects_matching_pattern(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(
        select_response(f, "404", responses_with_default, NROWS(responses_with_default)), 404);
    assert_int_equal(
        select_response(f, "503", responses_with_default, NROWS(responses_with_default)), 500);
}

static void falls_back_to_default(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(
        select_response(f, "201", responses_with_default, NROWS(responses_with_default)), 200);
}

static void pattern_is_whole_match(void **state)
{
    fixture_t *f = *state;
    static const char *const rows[][2] = {{"200", ""}, {"400", "4"}};
    /* "4" does not match the whole of "404" */
    assert_int_equal(select_response(f, "404", rows, NROWS(rows)), 200);
}

static void without_match_or_default_is_null(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(
        select_response(f, "200", responses_without_default, NROWS(responses_without_default)), 0);
    assert_int_equal(select_response(f, "200", NULL, 0), 0);
}

static void request_template_syntax_error_refused(void **state)
{
    fixture_t *f = *state;
    add_template(f, f->get_pets, "text/plain", "#if($x");
    expect_refused(f, "template for text/plain: line 1");
}

static void request_template_chosen_by_media_type(void **state)
{
    fixture_t *f = *state;
    f->get_pets->n_request_templates = 0;
    add_template(f, f->get_pets, "text/plain", "a");
    add_template(f, f->get_pets, "application/json", "b");
    runtime_t *rt = compile_ok(f);
    const rt_integration_t *in = integration_of(rt);
    static const struct {
        const char *ct;
        int want;
    } cases[] = {{"application/json", 1},
                 {"Application/JSON; charset=utf-8", 1},
                 {"text/plain;charset=x", 0},
                 {"text/html", -1},
                 {"application/jsonx", -1}};
    for (size_t i = 0; i < NROWS(cases); i++)
        assert_int_equal(integ_conf_template_for(in->request_templates, in->nrequest_templates,
                                                 cases[i].ct, strlen(cases[i].ct)),
                         cases[i].want);
    assert_non_null(in->request_compiled[0]);
    runtime_release(rt);
}

/* ---- stage variables ---------------------------------------------------- */

static void canary_variables_merged_with_overrides(void **state)
{
    fixture_t *f = *state;
    add_deployment(f, "api1", "d2");
    add_variable(f, f->prod, "a", "1");
    add_variable(f, f->prod, "b", "2");
    Portico__Canary *c = add_canary(f, f->prod, "d2", 25);
    push(f, &c->stage_variable_overrides, &c->n_stage_variable_overrides, kv(f, "b", "20"));
    push(f, &c->stage_variable_overrides, &c->n_stage_variable_overrides, kv(f, "c", "30"));
    runtime_t *rt = compile_ok(f);
    const rt_stage_t *s = stage_of(rt, "api1", "prod");
    assert_string_equal(s->canary->id, "d2");
    assert_true(s->canary_percent == 25);
    assert_int_equal(s->variables.n, 2);
    expect_var(&s->variables, "a", "1");
    expect_var(&s->variables, "b", "2");
    expect_var(&s->variables, "c", NULL);
    assert_int_equal(s->canary_variables.n, 3);
    expect_var(&s->canary_variables, "a", "1");
    expect_var(&s->canary_variables, "b", "20");
    expect_var(&s->canary_variables, "c", "30");
    runtime_release(rt);
}

static void stage_without_canary_shares_variables(void **state)
{
    fixture_t *f = *state;
    add_variable(f, f->prod, "a", "1");
    runtime_t *rt = compile_ok(f);
    const rt_stage_t *s = stage_of(rt, "api1", "prod");
    expect_var(&s->canary_variables, "a", "1");
    expect_var(&s->variables, "missing", NULL);
    runtime_release(rt);
}

/* ---- lifetime ----------------------------------------------------------- */

static void hold_and_release(void **state)
{
    fixture_t *f = *state;
    runtime_t *rt = compile_ok(f);
    runtime_hold(rt);
    runtime_hold(rt);
    runtime_release(rt);
    runtime_release(rt);
    /* one reference left: still usable */
    assert_non_null(stage_of(rt, "api1", "prod"));
    assert_true(rt->memory > 0);
    runtime_release(rt); /* frees it; ASan/LSan check that this is exact */
    runtime_release(NULL);
}

static void compiled_runtime_outlives_its_input(void **state)
{
    fixture_t *f = *state;
    runtime_t *rt = compile_ok(f);
    /* the packed input was freed inside compile(); change the source too */
    f->prod->stage_name = "changed";
    const rt_stage_t *s = stage_of(rt, "api1", "prod");
    assert_non_null(s);
    assert_string_equal(s->name, "prod");
    runtime_release(rt);
}

/* ---- custom domains ------------------------------------------------------ */

static Portico__DomainName *add_domain(fixture_t *f, const char *name)
{
    Portico__DomainName *d = alloc(f, sizeof(*d));
    portico__domain_name__init(d);
    d->name = (char *)name;
    push(f, &f->snap->domains, &f->snap->n_domains, d);
    return d;
}

static void add_mapping(fixture_t *f, Portico__DomainName *d, const char *base, const char *stage)
{
    Portico__BasePathMapping *m = alloc(f, sizeof(*m));
    portico__base_path_mapping__init(m);
    m->base_path = (char *)base;
    m->api_id = "api1";
    m->stage = (char *)stage;
    push(f, &d->mappings, &d->n_mappings, m);
}

static void domains_found_in_any_case_longest_first(void **state)
{
    fixture_t *f = *state;
    Portico__DomainName *d = add_domain(f, "api.example.test");
    add_mapping(f, d, "", "prod");
    add_mapping(f, d, "v1/orders", "prod");
    add_mapping(f, d, "v1", "");
    runtime_t *rt = compile_ok(f);
    const rt_domain_t *dom = runtime_domain(rt, "API.Example.TEST", 16);
    assert_non_null(dom);
    assert_int_equal(dom->nmappings, 3);
    assert_string_equal(dom->mappings[0].base_path, "v1/orders");
    assert_string_equal(dom->mappings[1].base_path, "v1");
    assert_string_equal(dom->mappings[2].base_path, "");
    assert_null(runtime_domain(rt, "other.example.test", 18));
    assert_null(runtime_domain(rt, "", 0));
    runtime_release(rt);
}

static void duplicate_domain_refused(void **state)
{
    fixture_t *f = *state;
    add_mapping(f, add_domain(f, "a.test"), "", "prod");
    add_mapping(f, add_domain(f, "A.TEST"), "x", "prod");
    expect_refused(f, "duplicate domain");
}

static void mapping_with_slash_base_path_refused(void **state)
{
    fixture_t *f = *state;
    add_mapping(f, add_domain(f, "a.test"), "/x", "prod");
    expect_refused(f, "invalid base path mapping");
}

#define RT_CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        RT_CASE(valid_snapshot_compiles),
        cmocka_unit_test(empty_snapshot_compiles),
        RT_CASE(method_without_integration),
        RT_CASE(default_and_bounded_timeouts),
        cmocka_unit_test(garbage_refused),
        RT_CASE(stage_on_missing_deployment_refused),
        RT_CASE(stage_on_other_apis_deployment_refused),
        RT_CASE(canary_deployment_missing_refused),
        RT_CASE(canary_percent_out_of_range_refused),
        RT_CASE(canary_percent_nan_refused),
        RT_CASE(canary_percent_bounds_accepted),
        RT_CASE(duplicate_stage_refused),
        RT_CASE(duplicate_deployment_refused),
        RT_CASE(unsupported_integration_type_refused),
        RT_CASE(function_integrations_compiled),
        RT_CASE(http_uri_must_be_http),
        RT_CASE(static_uri_target_built_once),
        RT_CASE(timeout_out_of_range_refused),
        RT_CASE(invalid_route_refused),
        RT_CASE(resource_path_without_slash_refused),
        RT_CASE(duplicate_verb_refused),
        RT_CASE(invalid_verb_refused),
        RT_CASE(invalid_integration_method_refused),
        RT_CASE(invalid_mapping_expression_refused),
        RT_CASE(response_source_in_request_mapping_refused),
        RT_CASE(invalid_mapping_target_refused),
        RT_CASE(invalid_response_mapping_refused),
        RT_CASE(invalid_response_status_refused),
        RT_CASE(invalid_selection_pattern_refused),
        RT_CASE(selects_matching_pattern),
        RT_CASE(falls_back_to_default),
        RT_CASE(pattern_is_whole_match),
        RT_CASE(without_match_or_default_is_null),
        RT_CASE(request_template_syntax_error_refused),
        RT_CASE(request_template_chosen_by_media_type),
        RT_CASE(canary_variables_merged_with_overrides),
        RT_CASE(stage_without_canary_shares_variables),
        RT_CASE(hold_and_release),
        RT_CASE(compiled_runtime_outlives_its_input),
        RT_CASE(domains_found_in_any_case_longest_first),
        RT_CASE(duplicate_domain_refused),
        RT_CASE(mapping_with_slash_base_path_refused),
    };
    return cmocka_run_group_tests_name("runtime", tests, NULL, NULL);
}
