/* authz_event: the event is built with jansson from the request as h2o
 * parsed it; query values are percent-decoded as the reference does. */
#include "authz_event.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "authz_v2.h"
#include "mapping.h"
#include "policy.h"
#include "query.h"
#include "pctdecode.h"

int authz_identity(dp_request_t *r, const rt_authorizer_t *a, h2o_iovec_t *identity)
{
    size_t total = 0, vlen[32];
    const char *v[32];
    if (a->nsources > 32)
        return -1;
    for (size_t i = 0; i < a->nsources; i++) {
        v[i] = mapping_eval(r, &a->sources[i], &vlen[i]);
        if (v[i] == NULL || vlen[i] == 0)
            return -1;
        total += vlen[i] + 1;
    }
    if (a->validation != NULL && !pattern_matches(a->validation, v[0], vlen[0]))
        return -1;
    char *buf = h2o_mem_alloc_pool(&r->req->pool, total + 1);
    size_t n = 0;
    for (size_t i = 0; i < a->nsources; i++) {
        memcpy(buf + n, v[i], vlen[i]);
        n += vlen[i];
        buf[n++] = '\0';
    }
    *identity = h2o_iovec_init(buf, n);
    return 0;
}

static json_t *jstrn(const char *s, size_t len)
{
    json_t *v = json_stringn(s, len);
    return v != NULL ? v : json_string(""); /* invalid UTF-8 becomes "" */
}

static json_t *decoded(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return json_string("");
    json_t *v = jstrn(out, pct_decode(s, len, 1, out));
    free(out);
    return v;
}

/* headers (last value wins) and multiValueHeaders (every value). */
static void add_headers(dp_request_t *r, json_t *ev)
{
    json_t *single = json_object(), *multi = json_object();
    const h2o_headers_t *hs = &r->req->headers;
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        char *name = strndup(h->orig_name != NULL ? h->orig_name : h->name->base, h->name->len);
        if (name == NULL)
            continue;
        json_object_set_new(single, name, jstrn(h->value.base, h->value.len));
        json_t *list = json_object_get(multi, name);
        if (list == NULL)
            json_object_set_new(multi, name, list = json_array());
        json_array_append_new(list, jstrn(h->value.base, h->value.len));
        free(name);
    }
    json_object_set_new(ev, "headers", single);
    json_object_set_new(ev, "multiValueHeaders", multi);
}

static void add_query(dp_request_t *r, json_t *ev)
{
    json_t *single = json_object(), *multi = json_object();
    query_iter_t it;
    query_pair_t q;
    query_iter_init(&it, r->query.base, r->query.len);
    while (query_next(&it, &q)) {
        json_t *k = decoded(q.name, q.name_len);
        const char *key = json_string_value(k);
        if (key[0] != '\0') {
            json_t *v = q.has_value ? decoded(q.value, q.value_len) : json_string("");
            json_object_set(single, key, v);
            json_t *list = json_object_get(multi, key);
            if (list == NULL)
                json_object_set_new(multi, key, list = json_array());
            json_array_append_new(list, v);
        }
        json_decref(k);
    }
    json_object_set_new(ev, "queryStringParameters", single);
    json_object_set_new(ev, "multiValueQueryStringParameters", multi);
}

static json_t *path_parameters(dp_request_t *r)
{
    json_t *o = json_object();
    for (int i = 0; i < r->match.nparams; i++) {
        const router_param_t *p = &r->match.params[i];
        char *name = strndup(p->name, p->name_len);
        if (name != NULL)
            json_object_set_new(o, name, decoded(p->value, p->value_len));
        free(name);
    }
    return o;
}

static json_t *stage_variables(dp_request_t *r)
{
    json_t *o = json_object();
    for (size_t i = 0; i < r->variables->n; i++)
        json_object_set_new(o, r->variables->items[i].key,
                            jstrn(r->variables->items[i].value, r->variables->items[i].value_len));
    return o;
}

static json_t *ctx_string(dp_request_t *r, const char *name)
{
    size_t len;
    const char *v = mapping_context(r, name, strlen(name), &len);
    return v != NULL ? jstrn(v, len) : json_null();
}

static json_t *request_context(dp_request_t *r)
{
    return json_pack("{s:o,s:s,s:o,s:o,s:o,s:{s:o,s:o},s:o,s:o,s:o}", "path", ctx_string(r, "path"),
                     "accountId", POLICY_ACCOUNT, "resourceId", ctx_string(r, "resourceId"),
                     "stage", ctx_string(r, "stage"), "requestId", ctx_string(r, "requestId"),
                     "identity", "sourceIp", ctx_string(r, "identity.sourceIp"), "userAgent",
                     ctx_string(r, "identity.userAgent"), "resourcePath",
                     ctx_string(r, "resourcePath"), "httpMethod", ctx_string(r, "httpMethod"),
                     "apiId", ctx_string(r, "apiId"));
}

char *authz_event_build(dp_request_t *r, const rt_authorizer_t *a, h2o_iovec_t identity,
                        size_t *len)
{
    if (a->v2_payload == 2) /* an HTTP API's REQUEST authorizer, payload 2.0 */
        return authz_v2_event(r, a, identity, len);
    h2o_iovec_t arn = request_method_arn(r);
    json_t *ev;
    if (a->type == RT_AUTHORIZER_TOKEN) {
        /* the identity is the token followed by its NUL separator */
        ev = json_pack("{s:s,s:o,s:o}", "type", "TOKEN", "authorizationToken",
                       jstrn(identity.base, identity.len > 0 ? identity.len - 1 : 0), "methodArn",
                       jstrn(arn.base, arn.len));
    } else {
        ev = json_pack("{s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o}", "type", "REQUEST", "methodArn",
                       jstrn(arn.base, arn.len), "resource", r->method->resource_path, "path",
                       jstrn(r->path.base, r->path.len), "httpMethod",
                       jstrn(r->req->method.base, r->req->method.len), "pathParameters",
                       path_parameters(r), "stageVariables", stage_variables(r), "requestContext",
                       request_context(r));
        if (ev != NULL) {
            add_headers(r, ev);
            add_query(r, ev);
        }
        if (ev != NULL && a->v2_payload == 1) { /* an HTTP API's payload 1.0 */
            char *ids = h2o_mem_alloc_pool(&r->req->pool, identity.len + 1);
            size_t n = identity.len > 0 ? identity.len - 1 : 0; /* values: NUL → ',' */
            for (size_t i = 0; i < n; i++)
                ids[i] = identity.base[i] != '\0' ? identity.base[i] : ',';
            json_object_set_new(ev, "version", json_string("1.0"));
            json_object_set_new(ev, "identitySource", jstrn(ids, n));
        }
    }
    char *text = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
    json_decref(ev);
    if (text != NULL)
        *len = strlen(text);
    return text;
}
