/* Unit tests for dataplane/step/vtlreq.c: the provider that gives mapping
 * templates the request ($input.params, $context, $stageVariables, the body)
 * and keeps what they set in requestOverride / responseOverride; and MOCK
 * integrations rendering their templates (integ_mock.c). One table of named
 * cases, through the request fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vtlreq.h"
#include "reqfixture.h"

#define API "abcdefghij"
#define HOST API ".execute-api.localhost"

typedef struct {
    const char *name;
    const char *path;     /* requested (stage included) */
    const char *header;   /* "name: value" or NULL */
    const char *body;     /* NULL: none */
    const char *tmpl;     /* rendered with the provider */
    const char *want;     /* output; NULL: the render fails */
    const char *override; /* "kind name=value" expected after the render, or NULL */
} vtl_case_t;

static const vtl_case_t vtl_cases[] = {
    {"path parameter decoded", "/prod/pets/a%20b", NULL, NULL, "$input.params('id')", "a b", NULL},
    {"query then header", "/prod/pets/7?x=q%2B1", "x: h", NULL, "$input.params('x')", "q+1", NULL},
    {"header by name", "/prod/pets/7", "X-Tenant: t1", NULL,
     "$input.params().header.get('X-Tenant')", "t1", NULL},
    {"all querystring", "/prod/pets/7?a=1&b=2&a=3", NULL, NULL, "$input.params().querystring",
     "{a=1, b=2}", NULL},
    {"missing parameter", "/prod/pets/7", NULL, NULL, "[$input.params('nope')]", "[]", NULL},
    {"body", "/prod/pets/7", NULL, "{\"a\":[1,2]}", "$input.json('$.a') $input.path('$.a[1]')",
     "[1,2] 2", NULL},
    {"context", "/prod/pets/7", NULL, NULL,
     "$context.stage $context.httpMethod $context.resourcePath $context.apiId $context.path",
     "prod GET /pets/{id} " API " /prod/pets/7", NULL},
    {"context request id", "/prod/pets/7", NULL, NULL, "$context.requestId.length()", "36", NULL},
    {"stage variables", "/prod/pets/7", NULL, NULL, "$stageVariables.color$!stageVariables.none",
     "blue", NULL},
    {"request header override", "/prod/pets/7", NULL, NULL,
     "#set($context.requestOverride.header.X-A = \"v\")ok", "ok", "header X-A=v"},
    {"querystring override", "/prod/pets/7", NULL, NULL,
     "#set($context.requestOverride.querystring[\"q\"] = 5)", "", "query q=5"},
    {"path override", "/prod/pets/7", NULL, NULL, "#set($context.requestOverride.path.id = \"9\")",
     "", "path id=9"},
    {"response header override", "/prod/pets/7", NULL, NULL,
     "#set($context.responseOverride.header.X-R = \"1\")", "", "resp X-R=1"},
    {"status override", "/prod/pets/7", NULL, NULL, "#set($context.responseOverride.status = 444)",
     "", "status 444"},
    {"runtime error", "/prod/pets/7", NULL, NULL, "#set($s = \"abc\")$s.substring(10)", NULL, NULL},
};

static runtime_t *vtl_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, API, "dep001");
    reqfix_snap_method(&s, d, "/pets/{id}", "GET", "{}");
    Portico__StageBinding *b = reqfix_snap_stage(&s, API, "prod", "dep001");
    Portico__KeyValue *kv = arena_alloc(s.a, sizeof(*kv));
    portico__key_value__init(kv);
    kv->key = "color";
    kv->value = "blue";
    b->variables = arena_alloc(s.a, sizeof(*b->variables));
    b->variables[0] = kv;
    b->n_variables = 1;
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

static void vtl_routed(reqfix_t *f, const vtl_case_t *c)
{
    static const step_fn steps[] = {step_canon, step_host, step_route};
    reqfix_request(f, "GET", HOST, c->path);
    if (c->header != NULL) {
        char name[64];
        const char *colon = strchr(c->header, ':');
        memcpy(name, c->header, (size_t)(colon - c->header));
        name[colon - c->header] = '\0';
        reqfix_header(f, name, colon + 2);
    }
    if (c->body != NULL)
        f->req.entity = h2o_iovec_init(c->body, strlen(c->body));
    assert_int_equal(reqfix_run(f, steps, 3), STEP_CONTINUE);
}

static void vtl_check_override(const vtlreq_t *v, const char *want)
{
    char kind[16], name[32];
    const char *eq = strchr(want, '='), *sp = strchr(want, ' ');
    memcpy(kind, want, (size_t)(sp - want));
    kind[sp - want] = '\0';
    if (strcmp(kind, "status") == 0) {
        assert_int_equal(v->status_override, atoi(sp + 1));
        return;
    }
    memcpy(name, sp + 1, (size_t)(eq - sp - 1));
    name[eq - sp - 1] = '\0';
    enum vtlreq_override k = strcmp(kind, "header") == 0  ? VTLREQ_OVR_REQ_HEADER
                             : strcmp(kind, "query") == 0 ? VTLREQ_OVR_REQ_QUERY
                             : strcmp(kind, "path") == 0  ? VTLREQ_OVR_REQ_PATH
                                                          : VTLREQ_OVR_RESP_HEADER;
    const rt_kv_t *o = vtlreq_override(v, k, name, strlen(name));
    assert_non_null(o);
    assert_int_equal(o->value_len, strlen(eq + 1));
    assert_memory_equal(o->value, eq + 1, o->value_len);
}

static void vtl_case(void **state)
{
    const vtl_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, vtl_runtime());
    vtl_routed(&f, c);
    arena_t *a = arena_create(4096);
    vtl_template_t *t;
    assert_int_equal(vtl_compile(c->tmpl, strlen(c->tmpl), a, &t, NULL), VTL_OK);
    vtlreq_t v;
    vtlreq_init(&v, &f.r);
    h2o_iovec_t out;
    int rc = vtlreq_render(&v, t, &out);
    if (c->want == NULL) {
        assert_int_equal(rc, -1);
        assert_non_null(f.r.exec_error);
    } else {
        assert_int_equal(rc, 0);
        assert_int_equal(out.len, strlen(c->want));
        assert_memory_equal(out.base, c->want, out.len);
    }
    if (c->override != NULL)
        vtl_check_override(&v, c->override);
    arena_destroy(a);
    reqfix_dispose(&f);
}

/* ---- MOCK: status from the rendered template, response template rendered ---- */

typedef struct {
    const char *name;
    const char *path;
    int status;
    const char *body;
} mock_case_t;

static const mock_case_t mock_cases[] = {
    {"template picks 404", "/prod/pets/x", 404, "{\"missing\": \"x\"}"},
    {"template picks 200", "/prod/pets/7", 200, "{\"id\": \"7\"}"},
    {"no response for 500", "/prod/pets/boom", 500, "{\"message\": \"Internal server error\"}"},
};

static Portico__KeyValue *mock_kv(reqfix_snap_t *s, const char *k, const char *v)
{
    Portico__KeyValue *kv = arena_alloc(s->a, sizeof(*kv));
    portico__key_value__init(kv);
    kv->key = (char *)k;
    kv->value = (char *)v;
    return kv;
}

static runtime_t *mock_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, API, "dep001");
    Portico__Method *m =
        reqfix_snap_method(&s, d, "/pets/{id}", "GET", "{\"id\": \"$input.params('id')\"}");
    Portico__Integration *in = m->integration;
    in->request_templates[0] =
        mock_kv(&s, "application/json",
                "#set($id = $input.params('id'))#if($id == 'x'){\"statusCode\": 404}#elseif($id == "
                "'boom'){\"statusCode\": 500}#else{\"statusCode\": 200}#end");
    Portico__IntegrationResponse *ir = arena_alloc(s.a, sizeof(*ir));
    portico__integration_response__init(ir);
    ir->status_code = "404";
    ir->selection_pattern = "4\\d\\d";
    ir->response_templates = arena_alloc(s.a, sizeof(*ir->response_templates));
    ir->response_templates[0] =
        mock_kv(&s, "application/json", "{\"missing\": \"$input.params('id')\"}");
    ir->n_response_templates = 1;
    /* no default: a statusCode of 500 matches no response */
    in->responses[0]->selection_pattern = "2\\d\\d";
    Portico__IntegrationResponse **rs = arena_alloc(s.a, sizeof(*rs) * 2);
    rs[0] = in->responses[0];
    rs[1] = ir;
    in->responses = rs;
    in->n_responses = 2;
    reqfix_snap_stage(&s, API, "prod", "dep001");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

static void mock_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host, step_route, step_integration};
    const mock_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, mock_runtime());
    reqfix_request(&f, "GET", HOST, c->path);
    assert_int_equal(reqfix_run(&f, steps, 4), STEP_DONE);
    assert_int_equal(reqfix_status(&f), c->status);
    assert_int_equal(f.body.len, strlen(c->body));
    assert_memory_equal(f.body.base, c->body, f.body.len);
    reqfix_dispose(&f);
}

int main(void)
{
    struct CMUnitTest tests[sizeof(vtl_cases) / sizeof(vtl_cases[0]) +
                            sizeof(mock_cases) / sizeof(mock_cases[0])];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(vtl_cases) / sizeof(vtl_cases[0]); i++)
        tests[n++] =
            (struct CMUnitTest){vtl_cases[i].name, vtl_case, NULL, NULL, (void *)&vtl_cases[i]};
    for (size_t i = 0; i < sizeof(mock_cases) / sizeof(mock_cases[0]); i++)
        tests[n++] =
            (struct CMUnitTest){mock_cases[i].name, mock_case, NULL, NULL, (void *)&mock_cases[i]};
    return _cmocka_run_group_tests("vtlreq", tests, n, NULL, NULL);
}
