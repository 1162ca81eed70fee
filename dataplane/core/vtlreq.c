/* vtlreq: the provider's JSON is built lazily (a template that never
 * names $context costs nothing for it) and freed after each render; the
 * render's own memory is the request pool. */
#include "vtlreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mapping.h"
#include "pctdecode.h"

static void *vtl_pool_alloc(void *ud, size_t size)
{
    return h2o_mem_alloc_pool((h2o_mem_pool_t *)ud, size);
}

/* ---- building the objects ------------------------------------------------ */

/* Percent-decoded s as a JSON string (malformed escapes are kept as written). */
static json_t *decoded_string(const char *s, size_t len)
{
    char small[256] = {0}, *buf = len < sizeof(small) ? small : malloc(len + 1);
    if (buf == NULL)
        return NULL;
    size_t n = pct_decode(s, len, 0, buf);
    json_t *j = json_stringn_nocheck(buf, n);
    if (buf != small)
        free(buf);
    return j;
}

static void params_query(dp_request_t *r, json_t *q)
{
    const char *p = r->query.base, *end = r->query.base + r->query.len;
    while (p != NULL && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        const char *name_end = eq != NULL ? eq : stop;
        if (name_end > p) {
            json_t *name = decoded_string(p, (size_t)(name_end - p));
            const char *key = json_string_value(name);
            /* the first value wins, as method.request.querystring.X */
            if (key != NULL && json_object_get(q, key) == NULL)
                json_object_set_new(q, key,
                                    eq != NULL ? decoded_string(eq + 1, (size_t)(stop - eq - 1))
                                               : json_string(""));
            json_decref(name);
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
}

static void params_headers(dp_request_t *r, json_t *h)
{
    const h2o_headers_t *hs = &r->req->headers;
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *e = &hs->entries[i];
        const char *name = e->orig_name != NULL ? e->orig_name : e->name->base;
        char key[256];
        if (e->name->len >= sizeof(key))
            continue;
        memcpy(key, name, e->name->len);
        key[e->name->len] = '\0';
        json_t *prev = json_object_get(h, key);
        if (prev == NULL) {
            json_object_set_new(h, key, json_stringn_nocheck(e->value.base, e->value.len));
            continue;
        }
        /* repeated headers read as one comma-joined value */
        size_t plen = json_string_length(prev);
        char *joined = malloc(plen + 1 + e->value.len);
        if (joined == NULL)
            continue;
        memcpy(joined, json_string_value(prev), plen);
        joined[plen] = ',';
        memcpy(joined + plen + 1, e->value.base, e->value.len);
        json_object_set_new(h, key, json_stringn_nocheck(joined, plen + 1 + e->value.len));
        free(joined);
    }
}

json_t *vtlreq_params(dp_request_t *r)
{
    json_t *path = json_object(), *q = json_object(), *h = json_object();
    for (int i = 0; i < r->match.nparams; i++) {
        const router_param_t *p = &r->match.params[i];
        char key[256];
        if (p->name_len >= sizeof(key))
            continue;
        memcpy(key, p->name, p->name_len);
        key[p->name_len] = '\0';
        json_object_set_new(path, key, decoded_string(p->value, p->value_len));
    }
    params_query(r, q);
    params_headers(r, h);
    return json_pack("{s:o,s:o,s:o}", "path", path, "querystring", q, "header", h);
}

/* Sets obj.a.b.c = value for the dotted name "a.b.c". */
static void context_put(json_t *obj, const char *name, size_t len, json_t *value)
{
    const char *dot;
    while ((dot = memchr(name, '.', len)) != NULL) {
        char key[128];
        size_t klen = (size_t)(dot - name);
        if (klen >= sizeof(key))
            goto drop;
        memcpy(key, name, klen);
        key[klen] = '\0';
        json_t *child = json_object_get(obj, key);
        if (!json_is_object(child)) {
            child = json_object();
            json_object_set_new(obj, key, child);
        }
        obj = child;
        len -= klen + 1;
        name = dot + 1;
    }
    char key[128];
    if (len >= sizeof(key))
        goto drop;
    memcpy(key, name, len);
    key[len] = '\0';
    json_object_set_new(obj, key, value);
    return;
drop:
    json_decref(value);
}

/* 1 when the first segment of name ("identity" of "identity.sourceIp") is
 * one of names (which hold no dot): one pass over each, no strlen. */
static int context_wanted(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *w = names[i];
        size_t k = 0;
        while (w[k] != '\0' && w[k] == name[k])
            k++;
        if (w[k] == '\0' && (name[k] == '\0' || name[k] == '.'))
            return 1;
    }
    return 0;
}

json_t *vtlreq_context_of(dp_request_t *r, const char *const *names, size_t n)
{
    json_t *ctx = json_object();
    for (int id = 0; id < CTXVAR_COUNT; id++) {
        const char *name = ctxvar_name((enum ctxvar)id);
        if (names != NULL && !context_wanted(name, names, n))
            continue;
        size_t len;
        const char *v = mapping_context_value(r, (enum ctxvar)id, &len);
        if (v != NULL)
            context_put(ctx, name, strlen(name), json_stringn_nocheck(v, len));
    }
    if (names == NULL || context_wanted("authorizer", names, n)) {
        json_t *auth = json_object();
        json_object_set_new(ctx, "authorizer", auth);
        for (size_t i = 0; i < r->nauthorizer_ctx; i++) {
            const rt_kv_t *kv = &r->authorizer_ctx[i];
            context_put(auth, kv->key, kv->key_len, json_stringn_nocheck(kv->value, kv->value_len));
        }
    }
    if (names == NULL || context_wanted("requestOverride", names, n))
        json_object_set_new(ctx, "requestOverride",
                            json_pack("{s:{},s:{},s:{}}", "header", "querystring", "path"));
    if (names == NULL || context_wanted("responseOverride", names, n))
        json_object_set_new(ctx, "responseOverride", json_pack("{s:{}}", "header"));
    return ctx;
}

json_t *vtlreq_context(dp_request_t *r)
{
    return vtlreq_context_of(r, NULL, 0);
}

/* ---- the provider -------------------------------------------------------- */

static void prov_body(void *ud, const char **data, size_t *len)
{
    vtlreq_t *v = ud;
    *data = v->body.base;
    *len = v->body.len;
}

static const json_t *prov_params(void *ud)
{
    vtlreq_t *v = ud;
    if (v->params == NULL)
        v->params = vtlreq_params(v->r);
    return v->params;
}

static const json_t *prov_context(void *ud)
{
    vtlreq_t *v = ud;
    if (v->context == NULL) {
        const char *const *names;
        size_t n;
        int all = v->tmpl == NULL || vtl_context_names(v->tmpl, &names, &n);
        v->context = all ? vtlreq_context(v->r) : vtlreq_context_of(v->r, names, n);
    }
    return v->context;
}

static const json_t *prov_stage_variables(void *ud)
{
    vtlreq_t *v = ud;
    if (v->stage_variables == NULL) {
        v->stage_variables = json_object();
        for (size_t i = 0; i < v->r->variables->n; i++) {
            const rt_kv_t *kv = &v->r->variables->items[i];
            json_object_set_new(v->stage_variables, kv->key,
                                json_stringn_nocheck(kv->value, kv->value_len));
        }
    }
    return v->stage_variables;
}

/* A value a template set, as text in the pool: strings as they are, other
 * scalars as JSON writes them; objects, arrays and null are not values. */
static const char *override_text(vtlreq_t *v, const json_t *j, size_t *len)
{
    if (json_is_string(j)) {
        *len = json_string_length(j);
        return h2o_strdup(&v->r->req->pool, json_string_value(j), *len).base;
    }
    if (!json_is_number(j) && !json_is_boolean(j))
        return NULL;
    char *s = json_dumps(j, JSON_ENCODE_ANY);
    if (s == NULL)
        return NULL;
    h2o_iovec_t copy = h2o_strdup(&v->r->req->pool, s, SIZE_MAX);
    free(s);
    *len = copy.len;
    return copy.base;
}

static void override_take(vtlreq_t *v, enum vtlreq_override k, const json_t *obj)
{
    size_t n = json_object_size(obj);
    if (n == 0)
        return;
    rt_kv_t *rows = h2o_mem_alloc_pool(&v->r->req->pool, sizeof(*rows) * (v->novr[k] + n));
    if (v->novr[k] > 0)
        memcpy(rows, v->ovr[k], sizeof(*rows) * v->novr[k]);
    size_t count = v->novr[k];
    const char *name;
    json_t *val;
    json_object_foreach((json_t *)obj, name, val)
    {
        size_t vlen;
        const char *text = override_text(v, val, &vlen);
        if (text == NULL)
            continue;
        h2o_iovec_t key = h2o_strdup(&v->r->req->pool, name, SIZE_MAX);
        rows[count++] = (rt_kv_t){key.base, key.len, text, vlen};
    }
    v->ovr[k] = rows;
    v->novr[k] = count;
}

static void prov_context_out(void *ud, const json_t *ctx)
{
    vtlreq_t *v = ud;
    const json_t *req = json_object_get(ctx, "requestOverride");
    const json_t *resp = json_object_get(ctx, "responseOverride");
    override_take(v, VTLREQ_OVR_REQ_HEADER, json_object_get(req, "header"));
    override_take(v, VTLREQ_OVR_REQ_QUERY, json_object_get(req, "querystring"));
    override_take(v, VTLREQ_OVR_REQ_PATH, json_object_get(req, "path"));
    override_take(v, VTLREQ_OVR_RESP_HEADER, json_object_get(resp, "header"));
    const json_t *status = json_object_get(resp, "status");
    long s = json_is_integer(status)  ? (long)json_integer_value(status)
             : json_is_string(status) ? strtol(json_string_value(status), NULL, 10)
                                      : 0;
    if (s >= 100 && s <= 599)
        v->status_override = (int)s;
}

void vtlreq_init(vtlreq_t *v, dp_request_t *r)
{
    memset(v, 0, sizeof(*v));
    v->r = r;
    v->body = r->req->entity.base != NULL ? r->req->entity : h2o_iovec_init("", 0);
    v->prov = (vtl_provider_t){
        .ud = v,
        .body = prov_body,
        .params = prov_params,
        .context = prov_context,
        .stage_variables = prov_stage_variables,
        .context_out = prov_context_out,
    };
}

int vtlreq_render(vtlreq_t *v, const vtl_template_t *t, h2o_iovec_t *out)
{
    vtl_alloc_t al = {vtl_pool_alloc, &v->r->req->pool};
    vtl_error_t err = {0};
    char *text;
    size_t len;
    /* only the $context names t reads are built; what it cannot set
     * (requestOverride, responseOverride) need not be read back */
    const char *const *names;
    size_t n;
    vtl_provider_t prov = v->prov;
    if (!vtl_context_names(t, &names, &n) && !context_wanted("requestOverride", names, n) &&
        !context_wanted("responseOverride", names, n))
        prov.context_out = NULL;
    v->tmpl = t;
    int rc = vtl_render(t, &prov, NULL, &al, &text, &len, &err);
    v->tmpl = NULL;
    json_decref(v->params);
    json_decref(v->context);
    json_decref(v->stage_variables);
    v->params = v->context = v->stage_variables = NULL;
    if (rc != VTL_OK) {
        char *msg = h2o_mem_alloc_pool(&v->r->req->pool, 256);
        snprintf(msg, 256, "Unable to transform: %s: %s", vtl_strerror(rc), err.message);
        v->r->exec_error = msg;
        log_debug("request %s: template: %s", v->r->request_id, msg);
        return -1;
    }
    *out = h2o_iovec_init(text, len);
    return 0;
}

const rt_kv_t *vtlreq_override(const vtlreq_t *v, enum vtlreq_override k, const char *name,
                               size_t len)
{
    const rt_kv_t *hit = NULL;
    for (size_t i = 0; i < v->novr[k]; i++) {
        const rt_kv_t *kv = &v->ovr[k][i];
        if (kv->key_len == len && (k == VTLREQ_OVR_REQ_HEADER || k == VTLREQ_OVR_RESP_HEADER
                                       ? strncasecmp(kv->key, name, len) == 0
                                       : memcmp(kv->key, name, len) == 0))
            hit = kv; /* the last one set wins */
    }
    return hit;
}

const char *vtlreq_answer_value(const vtlreq_t *v, const params_expr_t *src, size_t *len)
{
    if (src->loc == PARAMS_LOC_BODY)
        return mapping_json_pick(&v->r->req->pool, v->body, src->name, src->name_len, len);
    if (src->loc != PARAMS_LOC_HEADER && src->loc != PARAMS_LOC_MULTIVALUEHEADER)
        return NULL;
    for (size_t i = 0; i < v->nanswer_headers; i++) {
        const h2o_header_t *h = &v->answer_headers[i];
        if (h->name->len == src->name_len &&
            strncasecmp(h->name->base, src->name, src->name_len) == 0) {
            *len = h->value.len;
            return h->value.base;
        }
    }
    return NULL;
}
