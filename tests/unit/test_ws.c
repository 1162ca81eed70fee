/* Unit tests for WebSocket APIs on the data plane: selection expressions
 * (ws_select.h), connection ids (ws_conn.h) and the compile of WEBSOCKET
 * v2 deployments and stages from a hand-built snapshot (ws_conf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runtime.h"
#include "ws_conf.h"
#include "ws_conn.h"
#include "ws_select.h"

/* ---- selection expressions ------------------------------------------------------ */

static const struct {
    const char *expr;
    const char *body; /* JSON text, or NULL for a non-JSON frame */
    const char *want; /* NULL: unresolved (the caller takes $default) */
} select_cases[] = {
    {"$request.body.action", "{\"action\": \"join\"}", "join"},
    {"${request.body.action}", "{\"action\": \"join\"}", "join"},
    {"$request.body.a.b", "{\"a\": {\"b\": \"deep\"}}", "deep"},
    {"${request.body.service}/${request.body.action}", "{\"service\":\"chat\",\"action\":\"send\"}",
     "chat/send"},
    {"$request.body.n", "{\"n\": 42}", "42"},
    {"$request.body.ok", "{\"ok\": true}", "true"},
    {"$request.body.action", "{\"other\": 1}", NULL},
    {"$request.body.action", "{\"action\": {\"nested\": 1}}", NULL},
    {"$request.body.action", "[1, 2]", NULL},
    {"$request.body.action", NULL, NULL},
    {"\\$default", NULL, "$default"},
    {"static", "{}", "static"},
};

static void select_table(void **state)
{
    arena_t *a = arena_create(4096);
    for (size_t i = 0; i < sizeof(select_cases) / sizeof(select_cases[0]); i++) {
        char err[160], out[128];
        ws_select_t *sel = ws_select_parse(a, select_cases[i].expr, err, sizeof(err));
        if (sel == NULL)
            fail_msg("%s does not parse: %s", select_cases[i].expr, err);
        json_t *body = select_cases[i].body != NULL
                           ? json_loads(select_cases[i].body, JSON_DECODE_ANY, NULL)
                           : NULL;
        int n = ws_select_eval(sel, body, out, sizeof(out));
        json_decref(body);
        if (select_cases[i].want == NULL && n >= 0)
            fail_msg("%s on %s: got \"%s\", want unresolved", select_cases[i].expr,
                     select_cases[i].body, out);
        if (select_cases[i].want != NULL && (n < 0 || strcmp(out, select_cases[i].want) != 0))
            fail_msg("%s on %s: got %d \"%s\", want \"%s\"", select_cases[i].expr,
                     select_cases[i].body, n, n >= 0 ? out : "", select_cases[i].want);
    }
    arena_destroy(a);
}

static void select_refuses_unknown_sources(void **state)
{
    static const char *const bad[] = {"$request.header.x", "${request.body.}", "${request.body.a",
                                      "$context.routeKey", "$request.body."};
    arena_t *a = arena_create(4096);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[160];
        if (ws_select_parse(a, bad[i], err, sizeof(err)) != NULL)
            fail_msg("%s parsed", bad[i]);
    }
    arena_destroy(a);
}

static void select_output_bound(void **state)
{
    arena_t *a = arena_create(4096);
    char err[160], out[4];
    ws_select_t *sel = ws_select_parse(a, "$request.body.a", err, sizeof(err));
    json_t *body = json_loads("{\"a\": \"longer than four\"}", 0, NULL);
    assert_int_equal(ws_select_eval(sel, body, out, sizeof(out)), -1);
    json_decref(body);
    arena_destroy(a);
}

/* ---- connection ids ----------------------------------------------------------------- */

static void ids_name_their_node_and_thread(void **state)
{
    dp_t dp = {.nthreads = 4};
    dp_thread_t t = {.dp = &dp, .index = 3};
    memset(&t.rng, 7, sizeof(t.rng));
    ws_registry_init("node-a");
    uint16_t tag_a = ws_registry_node_tag();
    assert_int_equal(tag_a, ws_registry_tag_of("node-a"));
    assert_int_not_equal(tag_a, ws_registry_tag_of("node-b"));
    char id1[WS_CONN_ID_LEN + 1], id2[WS_CONN_ID_LEN + 1];
    ws_conn_new_id(&t, id1);
    ws_conn_new_id(&t, id2);
    assert_int_equal(strlen(id1), 16);
    assert_string_not_equal(id1, id2);
    for (size_t i = 0; i < 16; i++)
        assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                           id1[i]) != NULL);
    uint16_t tag;
    unsigned thread;
    assert_int_equal(ws_conn_parse_id(id1, 16, &tag, &thread), 0);
    assert_int_equal(tag, tag_a);
    assert_int_equal(thread, 3);
    assert_int_equal(ws_conn_parse_id(id1, 15, &tag, &thread), -1);
    assert_int_equal(ws_conn_parse_id("AAAAAAAAAAAAAAA=", 16, &tag, &thread), -1);
    assert_int_equal(ws_conn_parse_id("AAAAAAAAAAAAAA/A", 16, &tag, &thread), -1);
}

static void registry_add_find_remove(void **state)
{
    dp_t dp = {.nthreads = 1};
    dp_thread_t t = {.dp = &dp}, other = {.dp = &dp, .index = 1};
    ws_conn_t c = {.thread = &t, .source_ip = "10.0.0.1", .user_agent = "ua", .connected_at_ms = 5};
    ws_conn_new_id(&t, c.id);
    size_t before = ws_registry_count();
    ws_registry_add(&c);
    assert_int_equal(ws_registry_count(), before + 1);
    assert_true(ws_registry_has(c.id, 16));
    assert_ptr_equal(ws_registry_find_own(&t, c.id, 16), &c);
    assert_null(ws_registry_find_own(&other, c.id, 16)); /* only the owner gets the pointer */
    ws_conn_info_t info;
    assert_int_equal(ws_registry_info(c.id, 16, &info), 0);
    assert_string_equal(info.source_ip, "10.0.0.1");
    assert_int_equal(info.connected_at_ms, 5);
    ws_registry_remove(&c);
    assert_false(ws_registry_has(c.id, 16));
    assert_int_equal(ws_registry_info(c.id, 16, &info), -1);
    assert_int_equal(ws_registry_count(), before);
}

/* ---- compile ------------------------------------------------------------------------- */

static Portico__KeyValue *kv(const char *k, const char *v)
{
    Portico__KeyValue *x = calloc(1, sizeof(*x));
    portico__key_value__init(x);
    x->key = (char *)k;
    x->value = (char *)v;
    return x;
}

typedef struct {
    Portico__Snapshot snap;
    Portico__V2ApiDefinition def, http_def;
    Portico__V2ApiDefinition *defs[2];
    Portico__V2Route routes[3], *route_ptrs[3];
    Portico__V2Integration integ, *integ_ptrs[1];
    Portico__KeyValue *templates[1];
    Portico__V2Stage stage, http_stage, *stage_ptrs[2];
} snap_fixture_t;

static void snap_init(snap_fixture_t *f, const char *rse, const char *template_src)
{
    memset(f, 0, sizeof(*f));
    portico__snapshot__init(&f->snap);
    portico__v2_api_definition__init(&f->def);
    f->def.api_id = "wsapi00001";
    f->def.deployment_id = "dep1";
    f->def.protocol_type = "WEBSOCKET";
    f->def.route_selection_expression = (char *)rse;
    portico__v2_integration__init(&f->integ);
    f->integ.id = "int1";
    f->integ.type = "MOCK";
    f->templates[0] = kv("$default", template_src);
    f->integ.request_templates = f->templates;
    f->integ.n_request_templates = 1;
    f->integ_ptrs[0] = &f->integ;
    f->def.integrations = f->integ_ptrs;
    f->def.n_integrations = 1;
    static const char *const keys[] = {"$connect", "$default", "send"};
    for (int i = 0; i < 3; i++) {
        portico__v2_route__init(&f->routes[i]);
        f->routes[i].id = (char *)keys[i];
        f->routes[i].route_key = (char *)keys[i];
        f->routes[i].target_integration_id = i == 2 ? "integrations/int1" : "";
        f->routes[i].route_response_selection_expression = i == 2 ? "$default" : "";
        f->route_ptrs[i] = &f->routes[i];
    }
    f->def.routes = f->route_ptrs;
    f->def.n_routes = 3;
    portico__v2_api_definition__init(&f->http_def);
    f->http_def.api_id = "httpapi001";
    f->http_def.deployment_id = "dep9";
    f->http_def.protocol_type = "HTTP";
    f->defs[0] = &f->def;
    f->defs[1] = &f->http_def;
    f->snap.v2_deployments = f->defs;
    f->snap.n_v2_deployments = 2;
    portico__v2_stage__init(&f->stage);
    f->stage.api_id = "wsapi00001";
    f->stage.stage_name = "prod";
    f->stage.deployment_id = "dep1";
    portico__v2_stage__init(&f->http_stage);
    f->http_stage.api_id = "httpapi001";
    f->http_stage.stage_name = "prod";
    f->http_stage.deployment_id = "dep9";
    f->stage_ptrs[0] = &f->stage;
    f->stage_ptrs[1] = &f->http_stage;
    f->snap.v2_stages = f->stage_ptrs;
    f->snap.n_v2_stages = 2;
}

static runtime_t *compile(snap_fixture_t *f, char *err, size_t err_len)
{
    size_t len = portico__snapshot__get_packed_size(&f->snap);
    uint8_t *buf = malloc(len);
    portico__snapshot__pack(&f->snap, buf);
    runtime_t *rt = runtime_compile(buf, len, err, err_len);
    free(buf);
    free(f->templates[0]);
    return rt;
}

static void compile_routes_and_stages(void **state)
{
    snap_fixture_t f;
    char err[256] = "";
    snap_init(&f, "$request.body.action", "{\"statusCode\": 200}");
    runtime_t *rt = compile(&f, err, sizeof(err));
    if (rt == NULL)
        fail_msg("compile: %s", err);
    const ws_stage_t *s = ws_conf_stage(rt, "wsapi00001", 10, "prod", 4);
    assert_non_null(s);
    assert_null(ws_conf_stage(rt, "httpapi001", 10, "prod", 4)); /* an HTTP API's stage */
    assert_null(ws_conf_stage(rt, "wsapi00001", 10, "beta", 4));
    const ws_api_t *api = s->api;
    assert_non_null(api->on_connect);
    assert_non_null(api->on_default);
    assert_null(api->on_disconnect);
    const ws_route_t *send = ws_conf_route(api, "send", 4);
    assert_non_null(send);
    assert_true(send->two_way);
    assert_non_null(send->integ);
    assert_int_equal(send->integ->type, WS_INTEG_MOCK);
    assert_int_equal(send->integ->templates.n, 1);
    assert_null(api->on_default->integ);
    runtime_release(rt);
}

static void compile_stage_throttling(void **state)
{
    snap_fixture_t f;
    char err[256] = "";
    snap_init(&f, "$request.body.action", "{}");
    Portico__V2RouteSettings dflt = PORTICO__V2_ROUTE_SETTINGS__INIT,
                             send = PORTICO__V2_ROUTE_SETTINGS__INIT;
    dflt.has_throttle = 1;
    dflt.throttling_rate_limit = 100;
    dflt.throttling_burst_limit = 10;
    send.route_key = "send";
    send.has_throttle = 1;
    send.throttling_rate_limit = 1;
    send.throttling_burst_limit = 1;
    Portico__V2RouteSettings *per[] = {&send};
    f.stage.default_route_settings = &dflt;
    f.stage.route_settings = per;
    f.stage.n_route_settings = 1;
    runtime_t *rt = compile(&f, err, sizeof(err));
    if (rt == NULL)
        fail_msg("compile: %s", err);
    const ws_stage_t *s = ws_conf_stage(rt, "wsapi00001", 10, "prod", 4);
    const ws_limit_t *l = ws_conf_limit(s, "send");
    assert_non_null(l);
    assert_int_equal(l->limit.burst, 1);
    assert_int_equal(throttle_take(l->tat, l->limit, 1, 1000000000ull), 1);
    assert_int_equal(throttle_take(l->tat, l->limit, 1, 1000000001ull), 0); /* the burst is spent */
    l = ws_conf_limit(s, "$default");
    assert_non_null(l);
    assert_int_equal(l->limit.burst, 10);
    runtime_release(rt);
}

static void compile_refuses_bad_templates_only(void **state)
{
    snap_fixture_t f;
    char err[256] = "";
    snap_init(&f, "$request.body.action", "#if(");
    assert_null(compile(&f, err, sizeof(err)));
    assert_non_null(strstr(err, "template"));
    /* what the control plane should have refused degrades instead of
     * refusing every API of the snapshot */
    snap_init(&f, "$request.header.x", "{}");
    f.integ.type = "AWS_PROXY";
    f.integ.uri = "arn:aws:lambda:local:000000000000:function:f";
    runtime_t *rt = compile(&f, err, sizeof(err));
    if (rt == NULL)
        fail_msg("compile: %s", err);
    const ws_stage_t *s = ws_conf_stage(rt, "wsapi00001", 10, "prod", 4);
    assert_non_null(s);
    assert_null(s->api->rse); /* every message to $default */
    assert_int_equal(ws_conf_route(s->api, "send", 4)->integ->type, WS_INTEG_UNSERVED);
    runtime_release(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(select_table),
        cmocka_unit_test(select_refuses_unknown_sources),
        cmocka_unit_test(select_output_bound),
        cmocka_unit_test(ids_name_their_node_and_thread),
        cmocka_unit_test(registry_add_find_remove),
        cmocka_unit_test(compile_routes_and_stages),
        cmocka_unit_test(compile_stage_throttling),
        cmocka_unit_test(compile_refuses_bad_templates_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
