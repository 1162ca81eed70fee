/* gwresp: built-in gateway answers and the API's overrides. The body
 * spacing follows the reference: its default template renders compact
 * JSON, while integration failures come with a space after the colon.
 * An override is looked up as the reference does: the answer's own type,
 * then DEFAULT_4XX / DEFAULT_5XX by status class, then the built-in row. */
#include "gwresp.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gwresp_conf.h"
#include "gwtmpl.h"
#include "mapping.h"

static const struct gwresp_row {
    enum gwtype type; /* the reference's gateway response type; GWT_NONE: not overridable */
    int status;
    const char *key;     /* "message", or "Message" for access denials */
    const char *message; /* NULL renders as JSON null */
    int spaced;          /* {"message": "..."} rather than {"message":"..."} */
    const char *error_type;
} gwresp_rows[GW_CASE_COUNT] = {
    [GW_MISSING_AUTHENTICATION_TOKEN] = {GWT_MISSING_AUTHENTICATION_TOKEN, 403, "message",
                                         "Missing Authentication Token", 0,
                                         "MissingAuthenticationTokenException"},
    [GW_FORBIDDEN_STAGE] = {GWT_NONE, 403, "message", "Forbidden", 0, "ForbiddenException"},
    [GW_INVALID_API_KEY] = {GWT_INVALID_API_KEY, 403, "message", "Forbidden", 0,
                            "ForbiddenException"},
    [GW_ACCESS_DENIED] = {GWT_ACCESS_DENIED, 403, "Message",
                          "User is not authorized to access this resource with an explicit deny", 0,
                          "AccessDeniedException"},
    [GW_UNAUTHORIZED] = {GWT_UNAUTHORIZED, 401, "message", "Unauthorized", 0,
                         "UnauthorizedException"},
    [GW_THROTTLED] = {GWT_THROTTLED, 429, "message", "Too Many Requests", 0,
                      "TooManyRequestsException"},
    [GW_QUOTA_EXCEEDED] = {GWT_QUOTA_EXCEEDED, 429, "message", "Limit Exceeded", 0,
                           "LimitExceededException"},
    [GW_REQUEST_TOO_LARGE] = {GWT_REQUEST_TOO_LARGE, 413, "message", "Request Too Long", 0,
                              "RequestTooLongException"},
    [GW_API_CONFIGURATION_ERROR] = {GWT_API_CONFIGURATION_ERROR, 500, "message",
                                    "Internal server error", 1, "InternalServerErrorException"},
    [GW_INTEGRATION_TIMEOUT] = {GWT_INTEGRATION_TIMEOUT, 504, "message",
                                "Endpoint request timed out", 1, "InternalServerErrorException"},
    [GW_INTEGRATION_UNREACHABLE] = {GWT_INTEGRATION_FAILURE, 503, "message",
                                    "Network error communicating with endpoint", 1,
                                    "InternalServerErrorException"},
    [GW_INTEGRATION_BAD_ANSWER] = {GWT_INTEGRATION_FAILURE, 502, "message", "Internal server error",
                                   1, "InternalServerErrorException"},
    [GW_NOT_READY] = {GWT_NONE, 503, "message", "Service Unavailable", 0,
                      "ServiceUnavailableException"},
    [GW_ACCESS_NOT_ALLOWED] = {GWT_ACCESS_DENIED, 403, "Message",
                               "User is not authorized to access this resource", 0,
                               "AccessDeniedException"},
    [GW_POLICY_DENIED] = {GWT_ACCESS_DENIED, 403, "Message", NULL, 0, "AccessDeniedException"},
    [GW_INSUFFICIENT_SCOPE] = {GWT_ACCESS_DENIED, 403, "message", "Forbidden", 0,
                               "AccessDeniedException"},
    [GW_AUTHORIZER_FAILURE] = {GWT_AUTHORIZER_FAILURE, 500, "message", NULL, 0,
                               "AuthorizerConfigurationException"},
    [GW_AUTHORIZER_CONFIGURATION_ERROR] = {GWT_AUTHORIZER_CONFIGURATION_ERROR, 500, "message", NULL,
                                           0, "AuthorizerConfigurationException"},
    [GW_CACHE_CONTROL_FORBIDDEN] = {GWT_ACCESS_DENIED, 403, "message",
                                    "Not authorized to invalidate the cache", 0,
                                    "AccessDeniedException"},
    [GW_IAM_INVALID_SIGNATURE] = {GWT_INVALID_SIGNATURE, 403, "message",
                                  "The request signature we calculated does not match the "
                                  "signature you provided. Check your AWS Secret Access Key and "
                                  "signing method. Consult the service documentation for details.",
                                  0, "InvalidSignatureException"},
    [GW_IAM_UNRECOGNIZED_CLIENT] = {GWT_INVALID_SIGNATURE, 403, "message",
                                    "The security token included in the request is invalid.", 0,
                                    "UnrecognizedClientException"},
    [GW_IAM_INCOMPLETE_SIGNATURE] = {GWT_INVALID_SIGNATURE, 403, "message", NULL, 0,
                                     "IncompleteSignatureException"},
};

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
    const struct gwresp_row *row;
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
        else if (h2o_memis(name, len, H2O_STRLIT("error.responseType")))
            v = h2o_iovec_init(gwtypes[g->row->type].name, strlen(gwtypes[g->row->type].name));
        *vlen = v.len;
        return v.base;
    }
    return mapping_context(g->r, name, len, vlen);
}

/* The template for the client's Accept when one matches, else
 * application/json, else the first. */
static const rt_kv_t *choose_template(dp_request_t *r, const rt_gwresp_t *o)
{
    size_t alen;
    const char *accept = request_header(r, H2O_STRLIT("accept"), &alen);
    const rt_kv_t *json = NULL;
    for (size_t i = 0; i < o->ntemplates; i++) {
        const rt_kv_t *t = &o->templates[i];
        if (accept != NULL && memmem(accept, alen, t->key, t->key_len) != NULL)
            return t;
        if (t->key_len == 16 && memcmp(t->key, "application/json", 16) == 0)
            json = t;
    }
    return json != NULL ? json : o->ntemplates > 0 ? &o->templates[0] : NULL;
}

static const rt_gwresp_t *find_override(dp_request_t *r, const struct gwresp_row *row)
{
    if (r->deployment == NULL || row->type == GWT_NONE)
        return NULL;
    const rt_gwresp_t *o = r->deployment->gwresponses[row->type];
    if (o == NULL)
        o = r->deployment->gwresponses[row->status >= 500 ? GWT_DEFAULT_5XX : GWT_DEFAULT_4XX];
    return o;
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
    const rt_kv_t *t = choose_template(r, o);
    char *body = "";
    size_t len = 0;
    if (t != NULL) {
        size_t cap = t->value_len + 256;
        body = h2o_mem_alloc_pool(&r->req->pool, cap);
        len = gwtmpl_render(t->value, t->value_len, gwresp_lookup, g, body, cap);
        if (len > cap) {
            body = h2o_mem_alloc_pool(&r->req->pool, len);
            gwtmpl_render(t->value, t->value_len, gwresp_lookup, g, body, len);
        }
        h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, t->key,
                       t->key_len);
    }
    gwresp_emit(r->req, o->status != 0 ? o->status : g->row->status, body, len, g->row->error_type);
}

void gwresp_send_message(dp_request_t *r, enum gwresp_case c, const char *message)
{
    const struct gwresp_row *row = &gwresp_rows[c];
    gwresp_ctx_t g = {r, row, message != NULL ? message : row->message};
    r->gw_case = (int)c + 1;
    request_add_common_headers(r);
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

const char *gwresp_message(enum gwresp_case c, size_t *len)
{
    const char *m = gwresp_rows[c].message;
    if (m != NULL)
        *len = strlen(m);
    return m;
}

const char *gwresp_response_type(enum gwresp_case c)
{
    enum gwtype t = gwresp_rows[c].type;
    return t == GWT_NONE ? NULL : gwtypes[t].name;
}

int gwresp_status(enum gwresp_case c)
{
    return gwresp_rows[c].status;
}
