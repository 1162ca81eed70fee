/* Unit tests for HTTP APIs on the data plane: rt_build_v2.c (v2
 * deployments and stages into the runtime), step_v2.c (route priority,
 * `$default`, 404, the CORS preflight) and integ_v2.c (parameter mapping
 * values, headers and query). Tables of named cases through the request
 * fixture, on snapshots built here as the control plane would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz_v2.h"
#include "integ_v2.h"
#include "reqfixture.h"
#include "rt_build_v2.h"
#include "rt_v2.h"

#define API "abcdefghij"
#define API2 "nodefault1"
#define HOST API ".execute-api.localhost"
#define HOST2 API2 ".execute-api.localhost"

/* ---- building v2 snapshots ---------------------------------------------- */

static void *v2_alloc(reqfix_snap_t *s, size_t n)
{
    void *p = arena_alloc(s->a, n);
    memset(p, 0, n);
    return p;
}

static void v2_push(reqfix_snap_t *s, void *arr_ptr, size_t *n, void *item)
{
    void ***arr = arr_ptr;
    void **bigger = v2_alloc(s, sizeof(void *) * (*n + 1));
    if (*n > 0)
        memcpy(bigger, *arr, sizeof(void *) * *n);
    bigger[(*n)++] = item;
    *arr = bigger;
}

static Portico__V2ApiDefinition *v2_api(reqfix_snap_t *s, const char *id)
{
    Portico__V2ApiDefinition *d = v2_alloc(s, sizeof(*d));
    portico__v2_api_definition__init(d);
    d->api_id = (char *)id;
    d->deployment_id = "dep001";
    d->protocol_type = "HTTP";
    d->name = "pets";
    v2_push(s, &s->snap->v2_deployments, &s->snap->n_v2_deployments, d);
    return d;
}

static Portico__V2Integration *v2_integ(reqfix_snap_t *s, Portico__V2ApiDefinition *d,
                                        const char *id, const char *uri)
{
    Portico__V2Integration *in = v2_alloc(s, sizeof(*in));
    portico__v2_integration__init(in);
    in->id = (char *)id;
    in->type = "HTTP_PROXY";
    in->method = "ANY";
    in->uri = (char *)uri;
    in->payload_format_version = "1.0";
    v2_push(s, &d->integrations, &d->n_integrations, in);
    return in;
}

static void v2_kv(reqfix_snap_t *s, Portico__KeyValue ***arr, size_t *n, const char *k,
                  const char *v)
{
    Portico__KeyValue *kv = v2_alloc(s, sizeof(*kv));
    portico__key_value__init(kv);
    kv->key = (char *)k;
    kv->value = (char *)v;
    v2_push(s, arr, n, kv);
}

static Portico__V2Route *v2_route(reqfix_snap_t *s, Portico__V2ApiDefinition *d, const char *key,
                                  const char *target)
{
    Portico__V2Route *r = v2_alloc(s, sizeof(*r));
    portico__v2_route__init(r);
    r->id = (char *)key;
    r->route_key = (char *)key;
    r->target_integration_id = (char *)target;
    r->authorization_type = "NONE";
    v2_push(s, &d->routes, &d->n_routes, r);
    return r;
}

static Portico__V2Stage *v2_stage(reqfix_snap_t *s, const char *api, const char *name)
{
    Portico__V2Stage *st = v2_alloc(s, sizeof(*st));
    portico__v2_stage__init(st);
    st->api_id = (char *)api;
    st->stage_name = (char *)name;
    st->deployment_id = "dep001";
    v2_push(s, &s->snap->v2_stages, &s->snap->n_v2_stages, st);
    return st;
}

static const char *const route_keys[] = {"GET /pets",
                                         "GET /pets/{id}",
                                         "ANY /pets/{id}",
                                         "GET /pets/mine",
                                         "ANY /files/{proxy+}",
                                         "GET /files/{proxy+}",
                                         "POST /a/{b}/c",
                                         "ANY /a/{b}/{y}",
                                         "GET /",
                                         "$default",
                                         NULL};

static runtime_t *v2_runtime(void)
{
    reqfix_snap_t s;
    reqfix_snap_init(&s);
    Portico__V2ApiDefinition *d = v2_api(&s, API);
    Portico__V2Integration *in = v2_integ(&s, d, "int1", "http://127.0.0.1:9/{proxy}");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "overwrite:header.x-one",
          "$request.header.x-src");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "append:header.x-two", "added");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "remove:header.x-gone", "");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "overwrite:header.x-three",
          "$request.querystring.h");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "overwrite:header.authorization",
          "reserved: left out");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "overwrite:querystring.q",
          "$request.path.id");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "append:querystring.z",
          "${stageVariables.color}!");
    v2_kv(&s, &in->request_parameters, &in->n_request_parameters, "remove:querystring.drop", "");
    Portico__V2ResponseParameters *rp = v2_alloc(&s, sizeof(*rp));
    portico__v2_response_parameters__init(rp);
    rp->status_code = "200";
    v2_kv(&s, &rp->mappings, &rp->n_mappings, "overwrite:header.x-up",
          "$response.header.x-up,${context.stage}");
    v2_kv(&s, &rp->mappings, &rp->n_mappings, "append:header.x-list", "b");
    v2_kv(&s, &rp->mappings, &rp->n_mappings, "remove:header.x-del", "");
    v2_kv(&s, &rp->mappings, &rp->n_mappings, "overwrite:header.x-bad", "$request.querystring.h");
    v2_kv(&s, &rp->mappings, &rp->n_mappings, "overwrite:statuscode", "$request.header.x-code");
    v2_push(&s, &in->response_parameters, &in->n_response_parameters, rp);
    for (const char *const *k = route_keys; *k != NULL; k++)
        v2_route(&s, d, *k, "integrations/int1");
    Portico__V2Cors *cors = v2_alloc(&s, sizeof(*cors));
    portico__v2_cors__init(cors);
    static char *origins[] = {"https://app.example"}, *methods[] = {"GET", "POST"},
                *headers[] = {"content-type", "x-token"}, *expose[] = {"x-total"};
    cors->allow_origins = origins;
    cors->n_allow_origins = 1;
    cors->allow_methods = methods;
    cors->n_allow_methods = 2;
    cors->allow_headers = headers;
    cors->n_allow_headers = 2;
    cors->expose_headers = expose;
    cors->n_expose_headers = 1;
    cors->has_max_age = 1;
    cors->max_age = 600;
    d->cors = cors;
    Portico__V2Stage *st = v2_stage(&s, API, "$default");
    v2_kv(&s, &st->variables, &st->n_variables, "color", "blue");
    /* dev: every route 1 request (burst 1, a token per 1000 s) but GET /pets 2 */
    Portico__V2Stage *dev = v2_stage(&s, API, "dev");
    Portico__V2RouteSettings *dflt = v2_alloc(&s, sizeof(*dflt));
    portico__v2_route_settings__init(dflt);
    dflt->has_throttle = 1;
    dflt->throttling_rate_limit = 0.001;
    dflt->throttling_burst_limit = 1;
    dev->default_route_settings = dflt;
    Portico__V2RouteSettings *own = v2_alloc(&s, sizeof(*own));
    portico__v2_route_settings__init(own);
    own->route_key = "GET /pets";
    own->has_throttle = 1;
    own->throttling_rate_limit = 0.001;
    own->throttling_burst_limit = 2;
    v2_push(&s, &dev->route_settings, &dev->n_route_settings, own);
    /* a second API without a $default route */
    Portico__V2ApiDefinition *d2 = v2_api(&s, API2);
    v2_integ(&s, d2, "int2", "http://127.0.0.1:9");
    v2_route(&s, d2, "GET /only", "int2");
    v2_route(&s, d2, "GET /nointeg", "");
    Portico__V2Integration *files = v2_integ(&s, d2, "int4", "http://127.0.0.1:9/up?x=1");
    v2_kv(&s, &files->request_parameters, &files->n_request_parameters, "overwrite:path",
          "/files/${request.querystring.f}");
    v2_route(&s, d2, "GET /files", "int4");
    v2_stage(&s, API2, "$default");
    /* an HTTP API with a named stage only */
    Portico__V2ApiDefinition *d3 = v2_api(&s, "namedonly1");
    v2_route(&s, d3, "GET /x", v2_integ(&s, d3, "int3", "http://127.0.0.1:9")->id);
    v2_stage(&s, "namedonly1", "prod");
    /* a WebSocket API is left to its own compile */
    Portico__V2ApiDefinition *ws = v2_api(&s, "websocket1");
    ws->protocol_type = "WEBSOCKET";
    v2_route(&s, ws, "$connect", "");
    v2_stage(&s, "websocket1", "prod");
    runtime_t *rt = reqfix_snap_compile(&s);
    reqfix_snap_dispose(&s);
    return rt;
}

/* ---- route priority ------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *method;
    const char *host;
    const char *path;
    const char *route_key; /* NULL: an answer with status/body */
    const char *stage;
    int status;
    const char *body;
} route_case_t;

static const route_case_t route_cases[] = {
    {"literal", "GET", HOST, "/pets", "GET /pets", "$default", 0, NULL},
    {"exact method beats ANY", "GET", HOST, "/pets/7", "GET /pets/{id}", "$default", 0, NULL},
    {"ANY takes the other methods", "DELETE", HOST, "/pets/7", "ANY /pets/{id}", "$default", 0,
     NULL},
    {"literal beats parameter", "GET", HOST, "/pets/mine", "GET /pets/mine", "$default", 0, NULL},
    {"greedy, exact method", "GET", HOST, "/files/a/b/c", "GET /files/{proxy+}", "$default", 0,
     NULL},
    {"greedy, ANY", "PUT", HOST, "/files/a", "ANY /files/{proxy+}", "$default", 0, NULL},
    {"literal deeper beats parameters", "POST", HOST, "/a/1/c", "POST /a/{b}/c", "$default", 0,
     NULL},
    {"backtracks to the parameter route", "GET", HOST, "/a/1/c", "ANY /a/{b}/{y}", "$default", 0,
     NULL},
    {"root", "GET", HOST, "/", "GET /", "$default", 0, NULL},
    {"no route: $default", "POST", HOST, "/pets", "$default", "$default", 0, NULL},
    {"unknown path: $default", "GET", HOST, "/zzz/y", "$default", "$default", 0, NULL},
    {"greedy does not take its parent", "GET", HOST, "/files", "$default", "$default", 0, NULL},
    {"named stage prefix", "GET", HOST, "/dev/pets/7", "GET /pets/{id}", "dev", 0, NULL},
    {"no $default route: 404", "GET", HOST2, "/other", NULL, NULL, 404,
     "{\"message\":\"Not Found\"}"},
    {"route without integration: 500", "GET", HOST2, "/nointeg", NULL, NULL, 500,
     "{\"message\":\"Internal Server Error\"}"},
    {"other API route", "GET", HOST2, "/only", "GET /only", "$default", 0, NULL},
    {"HTTP API, unknown stage: 404", "GET", "namedonly1.execute-api.localhost", "/beta/x", NULL,
     NULL, 404, "{\"message\":\"Not Found\"}"},
    {"HTTP API, named stage only", "GET", "namedonly1.execute-api.localhost", "/prod/x", "GET /x",
     "prod", 0, NULL},
    {"unknown API: REST's 403", "GET", "unknown123.execute-api.localhost", "/prod/x", NULL, NULL,
     403, "{\"message\":\"Forbidden\"}"},
    {"WebSocket API not served here", "GET", "websocket1.execute-api.localhost", "/prod/x", NULL,
     NULL, 403, "{\"message\":\"Forbidden\"}"},
};

static void route_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host, step_route};
    const route_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, v2_runtime());
    reqfix_request(&f, c->method, c->host, c->path);
    enum step_result res = reqfix_run(&f, steps, sizeof(steps) / sizeof(steps[0]));
    if (c->route_key == NULL) {
        assert_int_equal(res, STEP_DONE);
        assert_int_equal(reqfix_status(&f), c->status);
        assert_true(h2o_memis(f.body.base, f.body.len, c->body, strlen(c->body)));
    } else {
        assert_int_equal(res, STEP_CONTINUE);
        assert_non_null(f.r.method->v2);
        assert_string_equal(f.r.method->v2->route_key, c->route_key);
        assert_string_equal(f.r.stage->name, c->stage);
    }
    reqfix_dispose(&f);
}

/* ---- CORS preflight ------------------------------------------------------ */

static void cors_preflight(void **state)
{
    (void)state;
    static const step_fn steps[] = {step_canon, step_host, step_route};
    reqfix_t f;
    reqfix_init(&f, v2_runtime());
    reqfix_request(&f, "OPTIONS", HOST, "/pets");
    reqfix_header(&f, "origin", "https://app.example");
    reqfix_header(&f, "access-control-request-method", "POST");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_DONE);
    assert_int_equal(reqfix_status(&f), 204);
    size_t len;
    const char *v = reqfix_res_header(&f, "access-control-allow-origin", &len);
    assert_non_null(v);
    assert_true(h2o_memis(v, len, H2O_STRLIT("https://app.example")));
    v = reqfix_res_header(&f, "access-control-allow-methods", &len);
    assert_true(v != NULL && h2o_memis(v, len, H2O_STRLIT("GET,POST")));
    v = reqfix_res_header(&f, "access-control-allow-headers", &len);
    assert_true(v != NULL && h2o_memis(v, len, H2O_STRLIT("content-type,x-token")));
    v = reqfix_res_header(&f, "access-control-max-age", &len);
    assert_true(v != NULL && h2o_memis(v, len, H2O_STRLIT("600")));
    /* an origin not allowed: answered, without CORS headers */
    reqfix_request(&f, "OPTIONS", HOST, "/pets");
    reqfix_header(&f, "origin", "https://evil.example");
    reqfix_header(&f, "access-control-request-method", "POST");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_DONE);
    assert_int_equal(reqfix_status(&f), 204);
    assert_null(reqfix_res_header(&f, "access-control-allow-origin", &len));
    /* a plain OPTIONS (no preflight headers) is routed */
    reqfix_request(&f, "OPTIONS", HOST, "/pets/1");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
    assert_string_equal(f.r.method->v2->route_key, "ANY /pets/{id}");
    reqfix_dispose(&f);
}

/* ---- throttling per route ------------------------------------------------- */

static int throttled(reqfix_t *f, const char *method, const char *path)
{
    static const step_fn steps[] = {step_canon, step_host, step_route, step_throttle};
    reqfix_request(f, method, HOST, path);
    enum step_result res = reqfix_run(f, steps, 4);
    if (res == STEP_CONTINUE)
        return 0;
    assert_int_equal(reqfix_status(f), 429);
    assert_true(
        h2o_memis(f->body.base, f->body.len, H2O_STRLIT("{\"message\":\"Too Many Requests\"}")));
    return 1;
}

static void route_throttling(void **state)
{
    (void)state;
    reqfix_t f;
    reqfix_init(&f, v2_runtime());
    assert_false(throttled(&f, "GET", "/dev/pets/1")); /* GET /pets/{id}: default, 1 */
    assert_true(throttled(&f, "GET", "/dev/pets/2"));
    assert_false(throttled(&f, "DELETE", "/dev/pets/2")); /* ANY /pets/{id}: its own bucket */
    assert_false(throttled(&f, "GET", "/dev/pets"));      /* GET /pets: its own setting, 2 */
    assert_false(throttled(&f, "GET", "/dev/pets"));
    assert_true(throttled(&f, "GET", "/dev/pets"));
    assert_false(throttled(&f, "GET", "/dev/zzz")); /* $default */
    assert_true(throttled(&f, "POST", "/dev/zzz"));
    assert_false(throttled(&f, "GET", "/pets/1")); /* the $default stage has no limits */
    assert_false(throttled(&f, "GET", "/pets/1"));
    reqfix_dispose(&f);
}

/* ---- parameter mapping values ---------------------------------------------- */

typedef struct {
    const char *name;
    const char *expr;
    const char *want; /* NULL: no value */
} eval_case_t;

static const eval_case_t eval_cases[] = {
    {"header, several values joined", "$request.header.x-multi", "1,2"},
    {"header name any case", "$request.header.X-Multi", "1,2"},
    {"query string decoded, joined", "$request.querystring.q", "a b,c"},
    {"path parameter", "$request.path.id", "7"},
    {"request path without stage", "$request.path", "/pets/7"},
    {"static", "plain text", "plain text"},
    {"braces inside text", "id=${request.path.id};", "id=7;"},
    {"two references", "${request.path.id}-${stageVariables.color}", "7-blue"},
    {"stage variable", "$stageVariables.color", "blue"},
    {"context", "$context.stage", "$default"},
    {"context routeKey", "$context.routeKey", "GET /pets/{id}"},
    {"context apiId", "${context.apiId}", API},
    {"missing header", "$request.header.nope", NULL},
    {"missing inside text", "x${request.header.nope}y", "xy"},
    {"dollar not a reference", "$5 each", "$5 each"},
};

static void eval_case(void **state)
{
    static const step_fn steps[] = {step_canon, step_host, step_route};
    const eval_case_t *c = *state;
    reqfix_t f;
    reqfix_init(&f, v2_runtime());
    reqfix_request(&f, "GET", HOST, "/pets/7?q=a+b&q=c&other=1");
    reqfix_header(&f, "x-multi", "1");
    reqfix_header(&f, "x-multi", "2");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
    size_t len;
    const char *v = integ_v2_eval(&f.r, c->expr, strlen(c->expr), NULL, &len);
    if (c->want == NULL) {
        assert_null(v);
    } else {
        assert_non_null(v);
        assert_int_equal(len, strlen(c->want));
        assert_memory_equal(v, c->want, len);
    }
    reqfix_dispose(&f);
}

/* ---- the endpoint request's headers and query ------------------------------ */

static void request_mapping(void **state)
{
    (void)state;
    static const step_fn steps[] = {step_canon, step_host, step_route};
    reqfix_t f;
    reqfix_init(&f, v2_runtime());
    reqfix_request(&f, "GET", HOST, "/pets/7?q=old&keep=1&drop=x&z=0");
    reqfix_header(&f, "x-src", "from-client");
    reqfix_header(&f, "x-two", "first");
    reqfix_header(&f, "x-gone", "bye");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
    h2o_iovec_t hs = integ_v2_headers(&f.r);
    assert_non_null(hs.base);
    const char want[] = "x-one: from-client\r\nx-two: first,added\r\n";
    assert_int_equal(hs.len, sizeof(want) - 1);
    assert_memory_equal(hs.base, want, hs.len);
    h2o_iovec_t name = h2o_iovec_init(H2O_STRLIT("x-gone"));
    assert_true(integ_v2_header_mapped(&f.r, &name));
    name = h2o_iovec_init(H2O_STRLIT("authorization")); /* reserved: its mapping left out */
    assert_false(integ_v2_header_mapped(&f.r, &name));
    h2o_iovec_t q = integ_v2_query(&f.r, 0);
    const char wantq[] = "?keep=1&z=0&q=7&z=blue!";
    assert_int_equal(q.len, sizeof(wantq) - 1);
    assert_memory_equal(q.base, wantq, q.len);
    /* no mappings: nothing added, and not a failure */
    reqfix_request(&f, "GET", HOST2, "/only?a=1");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
    hs = integ_v2_headers(&f.r);
    assert_true(hs.base != NULL && hs.len == 0);
    q = integ_v2_query(&f.r, 0);
    assert_true(q.base != NULL && h2o_memis(q.base, q.len, H2O_STRLIT("?a=1")));
    /* a mapped value that is not valid HTTP (a decoded CR LF) refuses the call */
    reqfix_request(&f, "GET", HOST, "/pets/7?h=a%0D%0Ax-evil:%201");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
    hs = integ_v2_headers(&f.r);
    assert_null(hs.base);
    reqfix_dispose(&f);
}

/* ---- overwrite:path ------------------------------------------------------ */

typedef struct {
    const char *query;
    const char *want; /* NULL: refused */
} path_case_t;

static const path_case_t path_cases[] = {
    {"f=a/b", "/files/a/b?x=1"},
    {"f=a%2Fb", "/files/a/b?x=1"},
    {"f=../../admin", NULL},
    {"f=..%2F..%2Fadmin", NULL},
    {"f=a/../../x", NULL},
    {"f=a/../b", "/files/a/../b?x=1"}, /* made canonical by integ_proxy afterwards */
    {"f=a%0Db", NULL},
};

static void path_mapping(void **state)
{
    (void)state;
    static const step_fn steps[] = {step_canon, step_host, step_route};
    reqfix_t f;
    reqfix_init(&f, v2_runtime());
    for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
        const path_case_t *c = &path_cases[i];
        char target[128];
        snprintf(target, sizeof(target), "/files?%s", c->query);
        reqfix_request(&f, "GET", HOST2, target);
        assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
        h2o_url_t url;
        assert_int_equal(h2o_url_parse(H2O_STRLIT("http://127.0.0.1:9/up?x=1"), &url), 0);
        int rc = integ_v2_path(&f.r, &url);
        if (c->want == NULL) {
            assert_int_equal(rc, -1);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_true(h2o_memis(url.path.base, url.path.len, c->want, strlen(c->want)));
    }
    reqfix_dispose(&f);
}

/* ---- response parameters ------------------------------------------------- */

static void response_mapping(void **state)
{
    (void)state;
    static const step_fn steps[] = {step_canon, step_host, step_route};
    reqfix_t f;
    reqfix_init(&f, v2_runtime());
    reqfix_request(&f, "GET", HOST, "/pets/7?h=a%0Db");
    reqfix_header(&f, "x-code", "201");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
    h2o_req_t *req = &f.req;
    req->res.status = 200;
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-up"), 0, NULL,
                          H2O_STRLIT("up"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-list"), 0, NULL,
                          H2O_STRLIT("a"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-del"), 0, NULL,
                          H2O_STRLIT("gone"));
    integ_v2_response(&f.r);
    assert_int_equal(req->res.status, 201);
    size_t len;
    const char *v = reqfix_res_header(&f, "x-up", &len);
    assert_true(v != NULL && h2o_memis(v, len, H2O_STRLIT("up,$default")));
    assert_null(reqfix_res_header(&f, "x-del", &len));
    assert_null(reqfix_res_header(&f, "x-bad", &len)); /* a CR: left out */
    int lists = 0;
    for (size_t i = 0; i < req->res.headers.size; i++)
        lists += h2o_memis(req->res.headers.entries[i].name->base,
                           req->res.headers.entries[i].name->len, H2O_STRLIT("x-list"));
    assert_int_equal(lists, 2); /* append adds a header beside the endpoint's */
    /* another status: no mapping */
    reqfix_request(&f, "GET", HOST, "/pets/7");
    assert_int_equal(reqfix_run(&f, steps, 3), STEP_CONTINUE);
    f.req.res.status = 404;
    integ_v2_response(&f.r);
    assert_int_equal(f.req.res.status, 404);
    assert_null(reqfix_res_header(&f, "x-up", &len));
    reqfix_dispose(&f);
}

/* ---- REQUEST authorizers' simple responses ---------------------------------- */

typedef struct {
    const char *answer;
    enum authz_outcome outcome;
    int allowed;     /* for AUTHZ_POLICY */
    const char *ctx; /* "key=value" expected in the context, or NULL */
} simple_case_t;

static const simple_case_t simple_cases[] = {
    {"{\"isAuthorized\": true}", AUTHZ_POLICY, 1, NULL},
    {"{\"isAuthorized\": true, \"context\": {\"user\": \"u1\", \"n\": 7}}", AUTHZ_POLICY, 1, "n=7"},
    {"{\"isAuthorized\": false, \"context\": {\"why\": \"no\"}}", AUTHZ_POLICY, 0, NULL},
    {"{\"isAuthorized\": \"true\"}", AUTHZ_CONFIG_ERROR, 0, NULL},
    {"{\"context\": {}}", AUTHZ_CONFIG_ERROR, 0, NULL},
    {"{\"isAuthorized\": true, \"context\": []}", AUTHZ_CONFIG_ERROR, 0, NULL},
    {"[true]", AUTHZ_CONFIG_ERROR, 0, NULL},
    {"not json", AUTHZ_CONFIG_ERROR, 0, NULL},
};

static void simple_responses(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(simple_cases) / sizeof(simple_cases[0]); i++) {
        const simple_case_t *c = &simple_cases[i];
        char err[256];
        authz_decision_t *d =
            authz_v2_simple_parse(c->answer, strlen(c->answer), API, err, sizeof(err));
        assert_non_null(d);
        assert_int_equal(d->outcome, c->outcome);
        if (c->outcome == AUTHZ_POLICY) {
            static const char arn[] =
                "arn:aws:execute-api:local:000000000000:" API "/$default/GET/pets";
            policy_request_t pr = {arn, sizeof(arn) - 1, NULL};
            assert_int_equal(policy_evaluate(d->policy, &pr) == POLICY_ALLOW, c->allowed);
        }
        if (c->ctx != NULL) {
            const char *eq = strchr(c->ctx, '=');
            int found = 0;
            for (size_t k = 0; k < d->nctx; k++)
                found |= d->ctx[k].key_len == (size_t)(eq - c->ctx) &&
                         memcmp(d->ctx[k].key, c->ctx, d->ctx[k].key_len) == 0 &&
                         strcmp(d->ctx[k].value, eq + 1) == 0;
            assert_true(found);
        }
        authz_decision_release(d);
    }
}

/* ---- parameter keys ------------------------------------------------------ */

typedef struct {
    const char *key;
    int response;
    int ok;
    enum rt_v2_op op;
    enum rt_v2_loc loc;
    const char *name;
} key_case_t;

static const key_case_t key_cases[] = {
    {"overwrite:header.x-a", 0, 1, RT_V2_OVERWRITE, RT_V2_HEADER, "x-a"},
    {"append:header.x-a", 0, 1, RT_V2_APPEND, RT_V2_HEADER, "x-a"},
    {"remove:header.x-a", 1, 1, RT_V2_REMOVE, RT_V2_HEADER, "x-a"},
    {"overwrite:querystring.q", 0, 1, RT_V2_OVERWRITE, RT_V2_QUERY, "q"},
    {"remove:querystring.q", 0, 1, RT_V2_REMOVE, RT_V2_QUERY, "q"},
    {"overwrite:path", 0, 1, RT_V2_OVERWRITE, RT_V2_PATH, ""},
    {"overwrite:statuscode", 1, 1, RT_V2_OVERWRITE, RT_V2_STATUS, ""},
    {"append:path", 0, 0, 0, 0, NULL},
    {"overwrite:statuscode", 0, 0, 0, 0, NULL},
    {"overwrite:querystring.q", 1, 0, 0, 0, NULL},
    {"overwrite:header.", 0, 0, 0, 0, NULL},
    {"overwrite:header.bad name", 0, 0, 0, 0, NULL},
    {"replace:header.x", 0, 0, 0, 0, NULL},
    {"integration.request.header.x", 0, 0, 0, 0, NULL},
};

static void key_cases_run(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
        const key_case_t *c = &key_cases[i];
        rt_v2_param_t p;
        int rc = rt_build_v2_param_key(c->key, c->response, &p);
        if (!c->ok) {
            assert_int_equal(rc, -1);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(p.op, c->op);
        assert_int_equal(p.loc, c->loc);
        assert_int_equal(p.name_len, strlen(c->name));
        assert_memory_equal(p.name, c->name, p.name_len);
    }
    assert_true(rt_build_v2_reserved_header(H2O_STRLIT("X-Amzn-Trace-Id")));
    assert_true(rt_build_v2_reserved_header(H2O_STRLIT("access-control-allow-origin")));
    assert_true(rt_build_v2_reserved_header(H2O_STRLIT("Content-Length")));
    assert_false(rt_build_v2_reserved_header(H2O_STRLIT("x-custom")));
}

int main(void)
{
    enum { NR = sizeof(route_cases) / sizeof(route_cases[0]) };
    enum { NE = sizeof(eval_cases) / sizeof(eval_cases[0]) };
    struct CMUnitTest tests[NR + NE + 7];
    size_t n = 0;
    for (size_t i = 0; i < NR; i++)
        tests[n++] = (struct CMUnitTest){route_cases[i].name, route_case, NULL, NULL,
                                         (void *)&route_cases[i]};
    for (size_t i = 0; i < NE; i++)
        tests[n++] =
            (struct CMUnitTest){eval_cases[i].name, eval_case, NULL, NULL, (void *)&eval_cases[i]};
    tests[n++] = (struct CMUnitTest){"CORS preflight", cors_preflight, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"request mapping", request_mapping, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"parameter keys", key_cases_run, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"throttling per route", route_throttling, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"response mapping", response_mapping, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"simple responses", simple_responses, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"overwrite:path", path_mapping, NULL, NULL, NULL};
    return _cmocka_run_group_tests("rt_v2", tests, n, NULL, NULL);
}
