/* gwresp: built-in gateway answers (gwresp_case.c) and the API's overrides.
 * An override is looked up as the reference does: the answer's own type,
 * then DEFAULT_4XX / DEFAULT_5XX by status class, then the built-in row. */
#include "gwresp.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gwresp_conf.h"
#include "gwtmpl.h"
#include "httpval.h"
#include "mapping.h"
#include "vtlreq.h"

/* $context.error.messageString: the message as a JSON string, or null. */
static h2o_iovec_t message_string(h2o_mem_pool_t *pool, const char *message)
{
    if (message == NULL)
        return h2o_iovec_init(H2O_STRLIT("null"));
    json_t *s = json_string(message);
    char *text = s != NULL ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    json_decref(s);
    h2o_iovec_t out =
        text != NULL ? h2o_strdup(pool, text, strlen(text)) : h2o_iovec_init(H2O_STRLIT("null"));
    free(text);
    return out;
}

static void gwresp_emit(h2o_req_t *req, int status, const char *body, size_t len,
                        const char *error_type)
{
    req->res.status = status;
    req->res.reason = status >= 500 ? "Server Error" : "Client Error";
    if (h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1) < 0)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json"));
    if (error_type != NULL)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-errortype"), 0,
                              NULL, error_type, strlen(error_type));
    req->res.content_length = len;
    h2o_send_inline(req, body, len);
}

typedef struct {
    dp_request_t *r;
    const gwresp_row_t *row;
    const char *message;
} gwresp_ctx_t;

static const char *gwresp_lookup(void *arg, const char *name, size_t len, size_t *vlen)
{
    gwresp_ctx_t *g = arg;
    static const char sv[] = "stageVariables.", ctx[] = "context.", err[] = "error.";
    if (len > sizeof(sv) - 1 && memcmp(name, sv, sizeof(sv) - 1) == 0)
        return rt_vars_get(g->r->variables, name + sizeof(sv) - 1, len - (sizeof(sv) - 1), vlen);
    if (len <= sizeof(ctx) - 1 || memcmp(name, ctx, sizeof(ctx) - 1) != 0)
        return NULL;
    name += sizeof(ctx) - 1;
    len -= sizeof(ctx) - 1;
    if (len > sizeof(err) - 1 && memcmp(name, err, sizeof(err) - 1) == 0) {
        h2o_iovec_t v = {NULL, 0};
        if (h2o_memis(name, len, H2O_STRLIT("error.messageString")))
            v = message_string(&g->r->req->pool, g->message);
        else if (h2o_memis(name, len, H2O_STRLIT("error.message")) && g->message != NULL)
            v = h2o_iovec_init(g->message, strlen(g->message));
        else if (h2o_memis(name, len, H2O_STRLIT("error.validationErrorString")) &&
                 g->r->validation_error != NULL)
            v = h2o_iovec_init(g->r->validation_error, strlen(g->r->validation_error));
        else if (h2o_memis(name, len, H2O_STRLIT("error.responseType")))
            v = h2o_iovec_init(gwtypes[g->row->type].name, strlen(gwtypes[g->row->type].name));
        *vlen = v.len;
        return v.base;
    }
    return mapping_context(g->r, name, len, vlen);
}

static const rt_gwresp_t *find_override(dp_request_t *r, const gwresp_row_t *row)
{
    if (r->deployment == NULL || row->type == GWT_NONE)
        return NULL;
    const rt_gwresp_t *o = r->deployment->gwresponses[row->type];
    if (o == NULL)
        o = r->deployment->gwresponses[row->status >= 500 ? GWT_DEFAULT_5XX : GWT_DEFAULT_4XX];
    return o;
}

/* A template that needs the full engine: $context carries this answer's
 * error (its message may be the caller's own). -1 when the render failed. */
static int render_vtl(gwresp_ctx_t *g, const struct vtl_template *t, char **body, size_t *len)
{
    dp_request_t *r = g->r;
    vtlreq_t v;
    vtlreq_init(&v, r);
    v.context = vtlreq_context(r);
    json_t *err = json_object_get(v.context, "error");
    if (!json_is_object(err)) {
        err = json_object();
        json_object_set_new(v.context, "error", err);
    }
    h2o_iovec_t ms = message_string(&r->req->pool, g->message);
    json_object_set_new(err, "messageString", json_stringn(ms.base, ms.len));
    json_object_set_new(err, "message", g->message != NULL ? json_string(g->message) : json_null());
    h2o_iovec_t out;
    if (vtlreq_render(&v, t, &out) != 0)
        return -1;
    *body = out.base;
    *len = out.len;
    return 0;
}

static void send_override(gwresp_ctx_t *g, const rt_gwresp_t *o)
{
    dp_request_t *r = g->r;
    for (size_t i = 0; i < o->nparams; i++) {
        size_t vlen;
        const char *v = mapping_eval(r, &o->params[i].source, &vlen);
        if (v != NULL)
            request_add_response_header(r, o->params[i].target.name, o->params[i].target.name_len,
                                        v, vlen);
    }
    const rt_kv_t *t = request_accept_template(r, o->templates, o->ntemplates);
    char *body = "";
    size_t len = 0;
    const struct vtl_template *compiled =
        t != NULL && o->compiled != NULL ? o->compiled[t - o->templates] : NULL;
    if (compiled != NULL && render_vtl(g, compiled, &body, &len) != 0) {
        gwresp_emit(r->req, 500, "{\"message\": \"Internal server error\"}", 36,
                    "InternalServerErrorException");
        return;
    }
    if (t != NULL && compiled == NULL) {
        size_t cap = t->value_len + 256;
        body = h2o_mem_alloc_pool(&r->req->pool, cap);
        len = gwtmpl_render(t->value, t->value_len, gwresp_lookup, g, body, cap);
        if (len > cap) {
            body = h2o_mem_alloc_pool(&r->req->pool, len);
            gwtmpl_render(t->value, t->value_len, gwresp_lookup, g, body, len);
        }
    }
    if (t != NULL && httpval_header_value(t->key, t->key_len) == 0) /* else application/json */
        h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, t->key,
                       t->key_len);
    gwresp_emit(r->req, o->status != 0 ? o->status : g->row->status, body, len, g->row->error_type);
}

void gwresp_send_message(dp_request_t *r, enum gwresp_case c, const char *message)
{
    const gwresp_row_t *row = gwresp_case_row(c);
    gwresp_ctx_t g = {r, row, message != NULL ? message : row->message};
    r->gw_case = (int)c + 1;
    if (r->deployment != NULL && r->deployment->v2 != NULL) { /* HTTP APIs: fixed texts */
        const char *text;
        int status = gwresp_case_v2(c, &text);
        size_t cap = strlen(text) + 16;
        char *body = h2o_mem_alloc_pool(&r->req->pool, cap);
        int n = snprintf(body, cap, "{\"message\":\"%s\"}", text);
        gwresp_emit(r->req, status, body, (size_t)n, NULL);
        return;
    }
    const rt_gwresp_t *o = find_override(r, row);
    if (o != NULL) {
        send_override(&g, o);
        return;
    }
    h2o_iovec_t ms = message_string(&r->req->pool, g.message);
    size_t cap = ms.len + 32;
    char *body = h2o_mem_alloc_pool(&r->req->pool, cap);
    int n = snprintf(body, cap, "{\"%s\":%s%.*s}", row->key, row->spaced ? " " : "", (int)ms.len,
                     ms.base);
    gwresp_emit(r->req, row->status, body, (size_t)n, row->error_type);
}

void gwresp_send(dp_request_t *r, enum gwresp_case c)
{
    gwresp_send_message(r, c, NULL);
}

void gwresp_send_plain(h2o_req_t *req, int status, const char *json_body, const char *error_type)
{
    gwresp_emit(req, status, json_body, strlen(json_body), error_type);
}
