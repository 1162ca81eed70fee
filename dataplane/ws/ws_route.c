/* ws_route: $connect, messages and $disconnect through a WebSocket API's
 * routes and integrations. Every event takes a reference on the worker's
 * current runtime (the stage's current deployment) for as long as its
 * integration runs, and one on the connection. */
#include "ws_route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpval.h"
#include "clock.h"
#include "fn_event.h"
#include "fnhost.h"
#include "fnuri.h"
#include "keyhash.h"
#include "log.h"
#include "pattern.h"
#include "policy.h"
#include "runtime.h"
#include "vtl.h"
#include "ws_http.h"
#include "ws_frame.h"

#define WS_AUTHZ_SLOTS 256
#define WS_AUTHZ_KEY_MAX 512

enum ws_event { WS_EV_CONNECT, WS_EV_MESSAGE, WS_EV_DISCONNECT };
static const char *const ws_event_names[] = {"CONNECT", "MESSAGE", "DISCONNECT"};

typedef struct ws_call {
    ws_conn_t *c;
    fnhost_call_t *fn;                 /* a function running for this event, or NULL */
    struct ws_call *fn_prev, *fn_next; /* a message's: the connection's fn_calls */
    dp_lease_t *lease;
    const ws_stage_t *stage;
    const ws_route_t *route;
    enum ws_event ev;
    char request_id[WS_CONN_ID_LEN + 1];
    char *body; /* the client's message (NUL-terminated copy) */
    size_t len;
    json_t *json; /* body parsed, or NULL */
    /* $connect */
    char authz_key[WS_AUTHZ_KEY_MAX]; /* the decision cache's key, "" when not cached */
    h2o_req_t *req;
    char domain[256]; /* $connect: the Host the client asked for */
    ws_connect_cb cb;
    void *cb_arg;
} ws_call_t;

static const char ws_err_forbidden[] = "Forbidden";
static const char ws_err_internal[] = "Internal server error";

static void ws_lease_release(dp_lease_t *lease)
{
    if (lease != NULL && --lease->refs == 0) {
        runtime_release(lease->rt);
        free(lease);
    }
}

static ws_call_t *ws_call_new(ws_conn_t *c, enum ws_event ev, const char *data, size_t len)
{
    dp_thread_t *t = c->thread;
    if (t->lease == NULL)
        return NULL;
    const ws_stage_t *s =
        ws_conf_stage(t->lease->rt, c->api_id, strlen(c->api_id), c->stage, strlen(c->stage));
    if (s == NULL)
        return NULL;
    ws_call_t *call = calloc(1, sizeof(*call));
    if (call == NULL)
        h2o_fatal("out of memory");
    call->c = c;
    ws_conn_hold(c);
    t->inflight++; /* a draining worker waits for its calls ($disconnect) */
    call->lease = t->lease;
    call->lease->refs++;
    call->stage = s;
    call->ev = ev;
    ws_conn_new_id(t, call->request_id);
    call->body = malloc(len + 1);
    if (call->body == NULL)
        h2o_fatal("out of memory");
    memcpy(call->body, data, len);
    call->body[len] = '\0';
    call->len = len;
    if (len > 0 && (data[0] == '{' || data[0] == '[' || data[0] == ' ' || data[0] == '\n'))
        call->json = json_loadb(data, len, 0, NULL);
    return call;
}

static void ws_call_free(ws_call_t *call)
{
    dp_thread_t *t = call->c->thread;
    if (--t->inflight == 0 && t->draining)
        t->done = 1;
    json_decref(call->json);
    free(call->body);
    ws_lease_release(call->lease);
    ws_conn_release(call->c);
    free(call);
}

/* The reference's error frame. */
static void ws_send_error(ws_conn_t *c, const char *message, const char *request_id)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf),
                     "{\"message\": \"%s\", \"connectionId\":\"%s\", \"requestId\":\"%s\"}",
                     message, c->id, request_id);
    if (n > 0 && (size_t)n < sizeof(buf))
        ws_conn_send(c, buf, (size_t)n);
}

/* ---- templates ------------------------------------------------------------------ */

static json_t *ws_context(ws_call_t *call)
{
    ws_conn_t *c = call->c;
    char msgid[32];
    snprintf(msgid, sizeof(msgid), "%s-%llu", call->request_id, (unsigned long long)c->message_seq);
    json_t *ctx = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:{s:s, s:s}}", "connectionId", c->id,
        "routeKey", call->route != NULL ? call->route->key : "", "eventType",
        ws_event_names[call->ev], "messageId", msgid, "requestId", call->request_id, "apiId",
        c->api_id, "stage", c->stage, "connectedAt", (json_int_t)c->connected_at_ms,
        "requestTimeEpoch", (json_int_t)atomic_load(&c->last_active_ms), "messageDirection", "IN",
        "identity", "sourceIp", c->source_ip, "userAgent", c->user_agent);
    if (ctx != NULL)
        json_object_set_new(ctx, "authorizer",
                            c->authorizer != NULL ? json_incref(c->authorizer) : json_object());
    return ctx;
}

static void *ws_pool_alloc(void *ud, size_t size)
{
    return h2o_mem_alloc_pool(ud, size);
}

/* Renders t with $input.body = body; *out is malloc'd. 0 or -1. */
static int ws_render(ws_call_t *call, const vtl_template_t *t, const char *body, size_t len,
                     char **out, size_t *out_len)
{
    json_t *vars = json_object();
    for (size_t i = 0; i < call->stage->variables.n; i++) {
        const rt_kv_t *kv = &call->stage->variables.items[i];
        json_object_set_new(vars, kv->key, json_stringn_nocheck(kv->value, kv->value_len));
    }
    json_t *doc = json_pack("{s:o, s:o, s:o}", "body", json_stringn_nocheck(body, len), "context",
                            ws_context(call), "stageVariables", vars);
    if (doc == NULL)
        return -1;
    vtl_jsonprov_t jp;
    vtl_provider_t prov;
    vtl_jsonprov_init(&jp, doc, &prov);
    h2o_mem_pool_t pool;
    h2o_mem_init_pool(&pool);
    vtl_alloc_t al = {ws_pool_alloc, &pool};
    char *o;
    size_t olen;
    vtl_error_t err;
    int rc = vtl_render(t, &prov, NULL, &al, &o, &olen, &err);
    if (rc == VTL_OK) {
        *out = malloc(olen + 1);
        if (*out == NULL)
            h2o_fatal("out of memory");
        memcpy(*out, o, olen);
        (*out)[olen] = '\0';
        *out_len = olen;
    } else {
        log_info("websocket %s: template failed: %s", call->c->id, err.message);
    }
    h2o_mem_clear_pool(&pool);
    json_decref(doc);
    return rc == VTL_OK ? 0 : -1;
}

/* The template for a selection value: exact key, else $default, else NULL. */
static const ws_template_t *ws_pick_template(const ws_templates_t *ts, const json_t *json)
{
    char key[256] = "$default";
    if (ts->n == 0)
        return NULL;
    if (ts->selection != NULL && ws_select_eval(ts->selection, json, key, sizeof(key)) < 0)
        snprintf(key, sizeof(key), "$default");
    const ws_template_t *dflt = NULL;
    for (size_t i = 0; i < ts->n; i++) {
        if (strcmp(ts->items[i].key, key) == 0)
            return &ts->items[i];
        if (strcmp(ts->items[i].key, "$default") == 0)
            dflt = &ts->items[i];
    }
    return dflt;
}

/* ---- after the integration -------------------------------------------------------- */

static void ws_connect_done(ws_call_t *call, int status)
{
    if (status >= 200 && status <= 299)
        call->cb(call->cb_arg, 0, NULL);
    else if (status == 0)
        call->cb(call->cb_arg, 500, "{\"message\":\"Internal server error\"}");
    else
        call->cb(call->cb_arg, status >= 400 && status <= 599 ? status : 500,
                 "{\"message\":\"Forbidden\"}");
}

/* The integration answered (status 0: it failed). */
static void ws_integ_done(ws_call_t *call, int status, const char *answer, size_t alen)
{
    const ws_integration_t *in = call->route->integ;
    if (call->ev == WS_EV_CONNECT) {
        ws_connect_done(call, status);
        goto done;
    }
    if (call->ev != WS_EV_MESSAGE || call->c->sock == NULL)
        goto done;
    if (status == 0) {
        ws_send_error(call->c, ws_err_internal, call->request_id);
        goto done;
    }
    if (!call->route->two_way)
        goto done;
    if (in->nresponses == 0) {
        if (in->type != WS_INTEG_MOCK && alen > 0)
            ws_conn_send(call->c, answer, alen);
        goto done;
    }
    char code[16];
    int n = snprintf(code, sizeof(code), "%d", status);
    const ws_integ_response_t *pick = NULL;
    for (size_t i = 0; i < in->nresponses && pick == NULL; i++)
        if (in->responses[i].re != NULL && pattern_matches(in->responses[i].re, code, (size_t)n))
            pick = &in->responses[i];
    for (size_t i = 0; i < in->nresponses && pick == NULL; i++)
        if (in->responses[i].re == NULL)
            pick = &in->responses[i];
    if (pick == NULL)
        goto done;
    json_t *aj = alen > 0 ? json_loadb(answer, alen, 0, NULL) : NULL;
    const ws_template_t *t = ws_pick_template(&pick->templates, aj);
    json_decref(aj);
    if (t == NULL) {
        if (alen > 0)
            ws_conn_send(call->c, answer, alen);
        goto done;
    }
    char *out;
    size_t olen;
    if (ws_render(call, t->t, answer, alen, &out, &olen) != 0) {
        ws_send_error(call->c, ws_err_internal, call->request_id);
        goto done;
    }
    if (olen > 0)
        ws_conn_send(call->c, out, olen);
    free(out);
done:
    ws_call_free(call);
}

static void ws_on_http(void *arg, int status, const char *body, size_t len, const char *err)
{
    ws_call_t *call = arg;
    if (status == 0)
        log_info("websocket %s: integration failed: %s", call->c->id, err != NULL ? err : "");
    ws_integ_done(call, status, body, len);
}

/* A requestParameters value into out; its length, or -1 when it does not
 * resolve (the row is left out). */
static int ws_param_value(ws_call_t *call, json_t *ctx, const ws_param_t *p, char *out, size_t cap)
{
    const json_t *v = NULL;
    json_t *own = NULL;
    if (p->source == WS_SRC_LITERAL) {
        own = json_string(p->value);
        v = own;
    } else if (p->source == WS_SRC_BODY) {
        return ws_select_eval(p->body, call->json, out, cap);
    } else if (p->source == WS_SRC_STAGE_VAR) {
        size_t len;
        const char *s = rt_vars_get(&call->stage->variables, p->value, strlen(p->value), &len);
        if (s == NULL || len >= cap)
            return -1;
        memcpy(out, s, len);
        out[len] = '\0';
        return (int)len;
    } else {
        v = ctx;
        const char *path = p->value;
        while (v != NULL && *path != '\0') {
            const char *dot = strchr(path, '.');
            size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
            v = json_is_object(v) ? json_object_getn(v, path, n) : NULL;
            path += n + (dot != NULL);
        }
    }
    int n = -1;
    if (json_is_string(v) && json_string_length(v) < cap) {
        n = (int)json_string_length(v);
        memcpy(out, json_string_value(v), (size_t)n + 1);
    } else if (json_is_integer(v)) {
        n = snprintf(out, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_boolean(v)) {
        n = snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
    }
    json_decref(own);
    return n >= 0 && (size_t)n < cap ? n : -1;
}

/* The integration's header lines and URL with its requestParameters. */
static void ws_params_apply(ws_call_t *call, const ws_integration_t *in, char *headers, size_t hcap,
                            char **url)
{
    size_t hl = strlen(headers);
    json_t *ctx = in->nparams > 0 ? ws_context(call) : NULL;
    char *u = strdup(in->uri);
    for (size_t i = 0; u != NULL && i < in->nparams; i++) {
        const ws_param_t *p = &in->params[i];
        char v[1024];
        int n = ws_param_value(call, ctx, p, v, sizeof(v));
        if (n < 0 || httpval_header_value(v, (size_t)n) != 0)
            continue;
        if (p->target == WS_PARAM_HEADER) {
            int w = snprintf(headers + hl, hcap - hl, "%s: %s\r\n", p->name, v);
            if (w > 0 && (size_t)w < hcap - hl)
                hl += (size_t)w;
            else
                headers[hl] = '\0';
            continue;
        }
        char enc[3 * sizeof(v)], *e = enc;
        for (int k = 0; k < n; k++) {
            unsigned char ch = (unsigned char)v[k];
            if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '_' || ch == '.' || ch == '~')
                *e++ = (char)ch;
            else
                e += sprintf(e, "%%%02X", ch);
        }
        *e = '\0';
        char *next = NULL;
        if (asprintf(&next, "%s%c%s=%s", u, strchr(u, '?') != NULL ? '&' : '?', p->name, enc) < 0)
            next = NULL;
        free(u);
        u = next;
    }
    json_decref(ctx);
    *url = u;
}

/* ---- functions -------------------------------------------------------------------- */

static const char *ws_var_lookup(void *ctx, const char *name, size_t len, size_t *vlen)
{
    return rt_vars_get(ctx, name, len, vlen);
}

/* The reference's requestContext of a function's event. */
static json_t *ws_fn_context(ws_call_t *call)
{
    json_t *ctx = ws_context(call);
    if (ctx == NULL)
        return NULL;
    char when[40];
    uint64_t now = clock_wall_ms();
    fn_event_time(now, when, sizeof(when));
    json_object_set_new(ctx, "requestTimeEpoch", json_integer((json_int_t)now));
    json_object_set_new(ctx, "requestTime", json_string(when));
    json_object_set_new(ctx, "extendedRequestId", json_string(call->request_id));
    if (call->ev != WS_EV_MESSAGE)
        json_object_del(ctx, "messageId");
    if (call->c->authorizer == NULL)
        json_object_del(ctx, "authorizer");
    if (call->ev != WS_EV_CONNECT)
        json_object_del(json_object_get(ctx, "identity"), "userAgent");
    if (call->domain[0] != '\0')
        json_object_set_new(ctx, "domainName", json_string(call->domain));
    return ctx;
}

/* The AWS_PROXY event for call (fn_event_ws: compact JSON, malloc'd). */
static char *ws_fn_event(ws_call_t *call, size_t *len)
{
    ws_conn_t *c = call->c;
    h2o_req_t *req = call->ev == WS_EV_CONNECT ? call->req : NULL;
    fn_pair_t *headers = NULL;
    size_t nheaders = 0;
    if (req != NULL && (headers = calloc(req->headers.size + 1, sizeof(*headers))) == NULL)
        return NULL;
    for (size_t i = 0; req != NULL && i < req->headers.size; i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        headers[nheaders++] = (fn_pair_t){h->orig_name != NULL ? h->orig_name : h->name->base,
                                          h->name->len, h->value.base, h->value.len};
    }
    char msgid[48];
    snprintf(msgid, sizeof(msgid), "%s-%llu", call->request_id, (unsigned long long)c->message_seq);
    char *authz = c->authorizer != NULL ? json_dumps(c->authorizer, JSON_COMPACT) : NULL;
    fn_event_in_t in = {
        .headers = headers,
        .nheaders = nheaders,
        .query =
            req != NULL && req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : NULL,
        .query_len =
            req != NULL && req->query_at != SIZE_MAX ? req->path.len - req->query_at - 1 : 0,
        .body = call->ev == WS_EV_MESSAGE ? call->body : NULL,
        .body_len = call->ev == WS_EV_MESSAGE ? call->len : 0,
        .route_key = call->route->key,
        .api_id = c->api_id,
        .stage = c->stage,
        .request_id = call->request_id,
        .domain_name = call->domain[0] != '\0' ? call->domain : NULL,
        .time_epoch_ms = clock_wall_ms(),
        .source_ip = c->source_ip,
        .user_agent = c->user_agent,
        .ws_event_type = ws_event_names[call->ev],
        .connection_id = c->id,
        .message_id = call->ev == WS_EV_MESSAGE ? msgid : NULL,
        .connected_at_ms = c->connected_at_ms,
        .ws_authorizer = authz,
    };
    char *text = fn_event_ws(&in, len);
    free(authz);
    free(headers);
    return text;
}

/* The function answered (or was cancelled): off the connection's list. */
static void ws_fn_unlink(ws_call_t *call)
{
    call->fn = NULL;
    if (call->fn_prev != NULL)
        call->fn_prev->fn_next = call->fn_next;
    else if (call->c->fn_calls == call)
        call->c->fn_calls = call->fn_next;
    if (call->fn_next != NULL)
        call->fn_next->fn_prev = call->fn_prev;
    call->fn_prev = call->fn_next = NULL;
}

static void ws_on_fn(void *arg, const fnhost_result_t *res)
{
    ws_call_t *call = arg;
    ws_fn_unlink(call);
    const ws_integration_t *in = call->route->integ;
    if (res->status != FNHOST_OK) {
        log_info("websocket %s: function failed (%d): %.*s", call->c->id, (int)res->status,
                 (int)(res->len > 512 ? 512 : res->len), res->payload != NULL ? res->payload : "");
        ws_integ_done(call, 0, "", 0);
        return;
    }
    if (!in->proxy) { /* AWS: the function's answer is the integration's answer */
        ws_integ_done(call, 200, res->payload, res->len);
        return;
    }
    fn_answer_t a;
    char err[256];
    if (fn_answer_parse(FN_ANSWER_V1, res->payload, res->len, &a, err, sizeof(err)) != 0) {
        log_info("websocket %s: malformed function answer: %s", call->c->id, err);
        ws_integ_done(call, 0, "", 0);
        return;
    }
    ws_integ_done(call, a.status, a.body != NULL ? a.body : "", a.body != NULL ? a.body_len : 0);
    fn_answer_free(&a);
}

/* Calls the function tmpl (stage variables substituted) with payload; cb
 * runs later on this worker's loop. -1 when the reference is not valid. */
static int ws_fn_call(ws_call_t *call, const char *tmpl, size_t tlen, const char *payload,
                      size_t len, uint32_t deadline_ms, fnhost_cb cb)
{
    char ref[512];
    size_t n;
    if (fnuri_expand(tmpl, tlen, ws_var_lookup, (void *)&call->stage->variables, ref, sizeof(ref),
                     &n) != 0 ||
        fnuri_check_ref(ref, n) != 0) {
        log_warn("websocket %s: invalid function reference %.*s", call->c->id, (int)tlen, tmpl);
        return -1;
    }
    fnhost_opts_t opts = {.log_tag = call->request_id, .deadline_ms = deadline_ms};
    call->fn = fnhost_invoke(call->c->thread->loop, ref, payload, len, &opts, cb, call);
    if (call->fn == NULL)
        return -1;
    if (call->ev == WS_EV_MESSAGE) { /* cancelled when the connection closes */
        call->fn_next = call->c->fn_calls;
        if (call->fn_next != NULL)
            call->fn_next->fn_prev = call;
        call->c->fn_calls = call;
    }
    return 0;
}

/* Runs the route's integration for call. */
static void ws_integrate(ws_call_t *call)
{
    const ws_integration_t *in = call->route->integ;
    if (in == NULL) {
        ws_integ_done(call, 200, "", 0);
        return;
    }
    if (in->type == WS_INTEG_UNSERVED) {
        ws_integ_done(call, 0, "", 0);
        return;
    }
    char *payload = NULL;
    size_t plen = 0;
    const ws_template_t *t =
        in->type == WS_INTEG_HTTP_PROXY || (in->type == WS_INTEG_FN && in->proxy)
            ? NULL
            : ws_pick_template(&in->templates, call->json);
    if (t != NULL) {
        if (ws_render(call, t->t, call->body, call->len, &payload, &plen) != 0) {
            ws_integ_done(call, 0, "", 0);
            return;
        }
    } else if (in->templates.n > 0 && in->passthrough_never) {
        ws_integ_done(call, 0, "", 0);
        return;
    }
    if (in->type == WS_INTEG_MOCK) {
        int status = 200;
        json_t *j = payload != NULL ? json_loadb(payload, plen, 0, NULL) : NULL;
        json_t *sc = json_object_get(j, "statusCode");
        if (json_is_integer(sc))
            status = (int)json_integer_value(sc);
        json_decref(j);
        free(payload);
        ws_integ_done(call, status, call->body, call->len);
        return;
    }
    const char *body = payload != NULL ? payload : call->body;
    size_t blen = payload != NULL ? plen : call->len;
    if (in->type == WS_INTEG_FN) {
        size_t elen = 0;
        char *ev = in->proxy ? ws_fn_event(call, &elen) : NULL;
        if (in->proxy && ev == NULL)
            h2o_fatal("out of memory");
        if (ws_fn_call(call, in->function, in->function_len, ev != NULL ? ev : body,
                       ev != NULL ? elen : blen, in->timeout_ms, ws_on_fn) != 0)
            ws_integ_done(call, 0, "", 0);
        free(ev);
        free(payload);
        return;
    }
    char headers[4096], *url = NULL;
    snprintf(headers, sizeof(headers), "connectionid: %s\r\n", call->c->id);
    ws_params_apply(call, in, headers, sizeof(headers), &url);
    if (url == NULL || ws_http_call(call->c->thread, in->method, url, headers, body, blen,
                                    in->timeout_ms, ws_on_http, call) != 0)
        ws_integ_done(call, 0, "", 0);
    free(url);
    free(payload);
}

/* ---- messages ------------------------------------------------------------------------ */

/* The stage's throttling for the route: 1 when the event may pass. */
static int ws_throttle_pass(ws_call_t *call)
{
    const ws_limit_t *l = ws_conf_limit(call->stage, call->route->key);
    if (l == NULL)
        return 1;
    dp_t *dp = call->c->thread->dp;
    uint32_t share = atomic_load_explicit(&dp->rate_share_ppm, memory_order_relaxed);
    return throttle_take(l->tat, l->limit, share, throttle_now_ns());
}

void ws_route_message(ws_conn_t *c, const char *data, size_t len)
{
    c->message_seq++;
    ws_call_t *call = ws_call_new(c, WS_EV_MESSAGE, data, len);
    if (call == NULL) {
        char rid[WS_CONN_ID_LEN + 1];
        ws_conn_new_id(c->thread, rid);
        ws_send_error(c, ws_err_forbidden, rid);
        return;
    }
    const ws_api_t *api = call->stage->api;
    char key[256];
    int n = api->rse != NULL ? ws_select_eval(api->rse, call->json, key, sizeof(key)) : -1;
    if (n >= 0)
        call->route = ws_conf_route(api, key, (size_t)n);
    if (call->route == NULL || call->route == api->on_connect || call->route == api->on_disconnect)
        call->route = api->on_default;
    if (call->route == NULL) {
        ws_send_error(c, ws_err_forbidden, call->request_id);
        ws_call_free(call);
        return;
    }
    if (!ws_throttle_pass(call)) {
        ws_send_error(c, "Too Many Requests", call->request_id);
        ws_call_free(call);
        return;
    }
    ws_integrate(call);
}

void ws_route_disconnect(ws_conn_t *c)
{
    /* $disconnect's call first: a draining worker is not done meanwhile */
    ws_call_t *call = ws_call_new(c, WS_EV_DISCONNECT, "", 0);
    while (c->fn_calls != NULL) { /* nobody will read their answers */
        ws_call_t *m = c->fn_calls;
        fnhost_cancel(m->fn);
        ws_fn_unlink(m);
        ws_call_free(m);
    }
    if (call == NULL)
        return;
    call->route = call->stage->api->on_disconnect;
    if (call->route == NULL || call->route->integ == NULL) {
        ws_call_free(call);
        return;
    }
    ws_integrate(call);
}

/* ---- $connect ------------------------------------------------------------------------ */

static int ws_query_get(h2o_req_t *req, const char *name, h2o_iovec_t *out)
{
    if (req->query_at == SIZE_MAX)
        return -1;
    const char *q = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    size_t nl = strlen(name);
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        if (eq != NULL && (size_t)(eq - q) == nl && memcmp(q, name, nl) == 0) {
            *out = h2o_iovec_init(eq + 1, (size_t)(stop - eq - 1));
            return 0;
        }
        q = stop + 1;
    }
    return -1;
}

static json_t *ws_authorizer_event(ws_call_t *call, const char *arn)
{
    h2o_req_t *req = call->req;
    json_t *headers = json_object(), *query = json_object();
    for (size_t i = 0; i < req->headers.size; i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        char name[128];
        if (h->name->len >= sizeof(name))
            continue;
        memcpy(name, h->name->base, h->name->len);
        name[h->name->len] = '\0';
        json_object_set_new(headers, name, json_stringn_nocheck(h->value.base, h->value.len));
    }
    if (req->query_at != SIZE_MAX) {
        const char *q = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
        while (q < end) {
            const char *amp = memchr(q, '&', (size_t)(end - q));
            const char *stop = amp != NULL ? amp : end;
            const char *eq = memchr(q, '=', (size_t)(stop - q));
            if (eq != NULL && eq > q && (size_t)(eq - q) < 128) {
                char name[128];
                memcpy(name, q, (size_t)(eq - q));
                name[eq - q] = '\0';
                json_object_set_new(query, name,
                                    json_stringn_nocheck(eq + 1, (size_t)(stop - eq - 1)));
            }
            q = stop + 1;
        }
    }
    json_t *vars = json_object();
    for (size_t i = 0; i < call->stage->variables.n; i++) {
        const rt_kv_t *kv = &call->stage->variables.items[i];
        json_object_set_new(vars, kv->key, json_stringn_nocheck(kv->value, kv->value_len));
    }
    json_t *ev = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "type", "REQUEST", "methodArn", arn,
                           "headers", headers, "queryStringParameters", query, "stageVariables",
                           vars, "requestContext", ws_fn_context(call));
    return ev;
}

/* $connect decisions by (api, stage, authorizer, identity values) for the
 * authorizer's resultTtlInSeconds, per worker thread (a small direct-mapped
 * table: a collision replaces the older entry). */
typedef struct {
    char key[WS_AUTHZ_KEY_MAX];
    uint64_t expires_ms;
    int status; /* 0: allowed, else the refusal's status */
    json_t *ctx;
} ws_authz_entry_t;
static __thread ws_authz_entry_t *ws_authz_cache;

static ws_authz_entry_t *ws_authz_slot(const char *key)
{
    if (ws_authz_cache == NULL &&
        (ws_authz_cache = calloc(WS_AUTHZ_SLOTS, sizeof(*ws_authz_cache))) == NULL)
        return NULL;
    return &ws_authz_cache[keyhash(key, strlen(key)) % WS_AUTHZ_SLOTS];
}

/* The decision: allowed (status 0, ctx taken) or refused with status. */
static void ws_authz_verdict(ws_call_t *call, int status, json_t *ctx)
{
    if (status == 0) {
        call->c->authorizer = ctx;
        ws_integrate(call);
        return;
    }
    json_decref(ctx);
    if (status == 401)
        call->cb(call->cb_arg, 401, "{\"message\":\"Unauthorized\"}");
    else if (status == 500)
        call->cb(call->cb_arg, 500, "{\"message\":\"Internal server error\"}");
    else
        call->cb(call->cb_arg, 403, "{\"message\":\"Forbidden\"}");
    ws_call_free(call);
}

static void ws_on_authorizer(void *arg, int status, const char *body, size_t len, const char *err)
{
    ws_call_t *call = arg;
    const ws_authorizer_t *a = call->route->authorizer;
    int allow = 0;
    json_t *doc = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
    if (doc != NULL && a->simple) {
        allow = json_is_true(json_object_get(doc, "isAuthorized"));
    } else if (doc != NULL) {
        arena_t *ar = arena_create(4096);
        policy_t *p = NULL;
        char perr[160], arn[512];
        json_t *pd = json_object_get(doc, "policyDocument");
        int n = snprintf(arn, sizeof(arn), "arn:aws:execute-api:%s:%s:%s/%s/$connect",
                         POLICY_REGION, POLICY_ACCOUNT, call->c->api_id, call->c->stage);
        if (ar != NULL && pd != NULL && n > 0 && (size_t)n < sizeof(arn) &&
            policy_parse_json(pd, POLICY_AUTHORIZER, call->c->api_id, ar, &p, perr, sizeof(perr)) ==
                0) {
            policy_request_t pr = {arn, (size_t)n, NULL};
            allow = policy_evaluate(p, &pr) == POLICY_ALLOW;
        }
        arena_destroy(ar);
    }
    json_t *authz = NULL;
    if (allow) {
        json_t *ctx = json_object_get(doc, "context");
        authz = json_is_object(ctx) ? json_deep_copy(ctx) : json_object();
        json_t *pid = json_object_get(doc, "principalId");
        if (json_is_string(pid))
            json_object_set(authz, "principalId", pid);
    }
    json_decref(doc);
    int verdict = allow ? 0 : status == 401 ? 401 : status == 0 || status >= 500 ? 500 : 403;
    ws_authz_entry_t *e =
        call->authz_key[0] != '\0' && verdict != 500 ? ws_authz_slot(call->authz_key) : NULL;
    if (e != NULL) { /* remembered for resultTtlInSeconds */
        json_decref(e->ctx);
        snprintf(e->key, sizeof(e->key), "%s", call->authz_key);
        e->expires_ms = clock_mono_ms() + (uint64_t)a->ttl_s * 1000;
        e->status = verdict;
        e->ctx = authz != NULL ? json_deep_copy(authz) : NULL;
    }
    ws_authz_verdict(call, verdict, authz);
}

/* A function authorizer answered: its policy as an endpoint's 200; a
 * function error "Unauthorized" is 401 (as the reference), anything else 500. */
static void ws_on_authorizer_fn(void *arg, const fnhost_result_t *res)
{
    ws_call_t *call = arg;
    call->fn = NULL;
    if (res->status == FNHOST_OK) {
        ws_on_authorizer(call, 200, res->payload, res->len, NULL);
        return;
    }
    int status = 0;
    if (res->status == FNHOST_FUNCTION_ERROR) {
        size_t mlen = 0;
        char *msg = fn_error_message(res->payload, res->len, &mlen);
        if (msg != NULL && mlen == 12 && memcmp(msg, "Unauthorized", 12) == 0)
            status = 401;
        free(msg);
    }
    log_info("websocket %s: authorizer function failed (%d)", call->c->id, (int)res->status);
    ws_on_authorizer(call, status, "", 0, "function failed");
}

void ws_route_connect(ws_conn_t *c, const ws_stage_t *s, h2o_req_t *req, ws_connect_cb cb,
                      void *arg)
{
    ws_call_t *call = ws_call_new(c, WS_EV_CONNECT, "", 0);
    if (call == NULL) {
        cb(arg, 403, "{\"message\":\"Forbidden\"}");
        return;
    }
    call->req = req;
    if (req->authority.len < sizeof(call->domain) &&
        httpval_header_value(req->authority.base, req->authority.len) == 0) {
        memcpy(call->domain, req->authority.base, req->authority.len);
        call->domain[req->authority.len] = '\0';
    }
    call->cb = cb;
    call->cb_arg = arg;
    call->route = call->stage->api->on_connect;
    if (call->route == NULL) {
        cb(arg, 0, NULL);
        ws_call_free(call);
        return;
    }
    if (!ws_throttle_pass(call)) {
        cb(arg, 429, "{\"message\":\"Too Many Requests\"}");
        ws_call_free(call);
        return;
    }
    const ws_authorizer_t *a = call->route->authorizer;
    if (call->route->authorizer_unserved) {
        cb(arg, 500, "{\"message\":\"Internal server error\"}");
        ws_call_free(call);
        return;
    }
    if (a == NULL) {
        ws_integrate(call);
        return;
    }
    h2o_iovec_t ids[16];
    for (size_t i = 0; i < a->nsources; i++) {
        const char *src = a->sources[i];
        h2o_iovec_t v = {NULL, 0};
        if (src[0] == 'h') {
            ssize_t hi = h2o_find_header_by_str(&req->headers, src + 2, strlen(src + 2), -1);
            if (hi >= 0)
                v = req->headers.entries[hi].value;
        } else {
            ws_query_get(req, src + 2, &v);
        }
        if (v.len == 0) {
            cb(arg, 401, "{\"message\":\"Unauthorized\"}");
            ws_call_free(call);
            return;
        }
        if (i < sizeof(ids) / sizeof(ids[0]))
            ids[i] = v;
    }
    if (a->ttl_s > 0 && a->nsources > 0 && a->nsources <= sizeof(ids) / sizeof(ids[0])) {
        /* the cache key: where, which authorizer, and the identity */
        size_t kl = (size_t)snprintf(call->authz_key, sizeof(call->authz_key), "%s/%s/%s",
                                     c->api_id, c->stage, a->id);
        for (size_t i = 0; i < a->nsources && kl < sizeof(call->authz_key); i++)
            kl += (size_t)snprintf(call->authz_key + kl, sizeof(call->authz_key) - kl, "\n%.*s",
                                   (int)ids[i].len, ids[i].base);
        if (kl >= sizeof(call->authz_key))
            call->authz_key[0] = '\0'; /* too long to remember */
        ws_authz_entry_t *e = call->authz_key[0] != '\0' ? ws_authz_slot(call->authz_key) : NULL;
        if (e != NULL && e->expires_ms > clock_mono_ms() && strcmp(e->key, call->authz_key) == 0) {
            ws_authz_verdict(call, e->status, e->ctx != NULL ? json_deep_copy(e->ctx) : NULL);
            return;
        }
    }
    char arn[512];
    snprintf(arn, sizeof(arn), "arn:aws:execute-api:%s:%s:%s/%s/$connect", POLICY_REGION,
             POLICY_ACCOUNT, c->api_id, c->stage);
    json_t *ev = ws_authorizer_event(call, arn);
    char *text = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
    json_decref(ev);
    int rc = text == NULL          ? -1
             : a->function != NULL ? ws_fn_call(call, a->function, a->function_len, text,
                                                strlen(text), 10000, ws_on_authorizer_fn)
                                   : ws_http_call(c->thread, "POST", a->uri, NULL, text,
                                                  strlen(text), 10000, ws_on_authorizer, call);
    if (rc != 0) {
        cb(arg, 500, "{\"message\":\"Internal server error\"}");
        ws_call_free(call);
    }
    free(text);
}
