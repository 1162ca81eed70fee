/* integ_v2: parameter mapping for HTTP APIs, as the reference documents
 * it ("Transforming API requests and responses" for HTTP APIs): several
 * header or query values join with commas; append adds to the client's
 * value, overwrite replaces it, remove drops it; reserved headers never
 * reach here (rt_build_v2.c leaves their mappings out). Every value that
 * becomes part of the endpoint request or the answer passes httpval.h. */
#include "integ_v2.h"

#include <stdlib.h>
#include <string.h>

#include "canonpath.h"
#include "fn_event.h"
#include "httpval.h"
#include "log.h"
#include "mapping.h"
#include "query.h"
#include "rt_v2.h"
#include "pctdecode.h"

typedef struct {
    char *buf;
    size_t len, cap;
    h2o_mem_pool_t *pool;
} v2buf_t;

static void vb_put(v2buf_t *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 64;
        char *bigger = h2o_mem_alloc_pool(b->pool, cap);
        if (b->len > 0)
            memcpy(bigger, b->buf, b->len);
        b->buf = bigger;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->buf + b->len, s, n);
    b->len += n;
}

/* Percent-decoding ('+' as space in a query); an invalid escape stays as is. */
static const char *v2_decode(h2o_mem_pool_t *pool, const char *s, size_t len, int plus,
                             size_t *out_len)
{
    char *out = h2o_mem_alloc_pool(pool, len + 1);
    *out_len = pct_decode(s, len, plus, out);
    return out;
}

/* Every value of a header (any case), joined with commas; NULL when none. */
static const char *headers_joined(h2o_mem_pool_t *pool, const h2o_headers_t *hs, const char *name,
                                  size_t len, size_t *vlen)
{
    v2buf_t b = {NULL, 0, 0, pool};
    int found = 0;
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        if (h->name->len != len || !h2o_lcstris(name, len, h->name->base, len))
            continue;
        if (found++)
            vb_put(&b, ",", 1);
        vb_put(&b, h->value.base, h->value.len);
    }
    if (!found)
        return NULL;
    vb_put(&b, "", 0);
    *vlen = b.len;
    return b.buf != NULL ? b.buf : "";
}

/* Every value of a query parameter (decoded), joined with commas. */
static const char *query_joined(dp_request_t *r, const char *name, size_t len, size_t *vlen)
{
    v2buf_t b = {NULL, 0, 0, &r->req->pool};
    int found = 0;
    query_iter_t it;
    query_pair_t q;
    query_iter_init(&it, r->query.base, r->query.len);
    while (query_next(&it, &q)) {
        size_t nlen;
        const char *n = v2_decode(&r->req->pool, q.name, q.name_len, 1, &nlen);
        if (nlen != len || memcmp(n, name, len) != 0)
            continue;
        if (found++)
            vb_put(&b, ",", 1);
        size_t dlen;
        const char *d = v2_decode(&r->req->pool, q.value, q.value_len, 1, &dlen);
        vb_put(&b, d, dlen);
    }
    if (!found)
        return NULL;
    *vlen = b.len;
    return b.buf != NULL ? b.buf : "";
}

#define LIT_IS(s, n, lit) ((n) == sizeof(lit) - 1 && memcmp((s), (lit), sizeof(lit) - 1) == 0)
#define HAS_PREFIX(s, n, lit) ((n) > sizeof(lit) - 1 && memcmp((s), (lit), sizeof(lit) - 1) == 0)

/* One reference ("request.header.x", without '$' or braces). */
static const char *v2_ref(dp_request_t *r, const char *s, size_t n, const h2o_headers_t *res,
                          size_t *vlen)
{
    h2o_mem_pool_t *pool = &r->req->pool;
    if (HAS_PREFIX(s, n, "request.header."))
        return headers_joined(pool, &r->req->headers, s + 15, n - 15, vlen);
    if (HAS_PREFIX(s, n, "request.querystring."))
        return query_joined(r, s + 20, n - 20, vlen);
    if (LIT_IS(s, n, "request.path")) {
        *vlen = r->path.len;
        return r->path.base;
    }
    if (HAS_PREFIX(s, n, "request.path.")) {
        const char *v = request_path_param(r, s + 13, n - 13, vlen);
        return v != NULL ? v2_decode(pool, v, *vlen, 0, vlen) : NULL;
    }
    if (LIT_IS(s, n, "request.body")) {
        *vlen = r->req->entity.len;
        return r->req->entity.base != NULL ? r->req->entity.base : "";
    }
    if (HAS_PREFIX(s, n, "request.body."))
        return mapping_json_pick(pool, r->req->entity, s + 13, n - 13, vlen);
    if (HAS_PREFIX(s, n, "context."))
        return mapping_context(r, s + 8, n - 8, vlen);
    if (HAS_PREFIX(s, n, "stageVariables."))
        return rt_vars_get(r->variables, s + 15, n - 15, vlen);
    if (res != NULL && HAS_PREFIX(s, n, "response.header."))
        return headers_joined(pool, res, s + 16, n - 16, vlen);
    return NULL;
}

static int ref_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

static int ref_start(const char *s, size_t n)
{
    static const char *const roots[] = {"request.", "context.", "stageVariables.", "response.",
                                        NULL};
    for (const char *const *p = roots; *p != NULL; p++)
        if (n >= strlen(*p) && memcmp(s, *p, strlen(*p)) == 0)
            return 1;
    return 0;
}

const char *integ_v2_eval(dp_request_t *r, const char *expr, size_t len, const h2o_headers_t *res,
                          size_t *vlen)
{
    v2buf_t b = {NULL, 0, 0, &r->req->pool};
    int refs = 0, found = 0, literal = 0;
    size_t i = 0;
    while (i < len) {
        const char *name = NULL;
        size_t nlen = 0, next = i + 1;
        if (expr[i] == '$' && i + 1 < len && expr[i + 1] == '{') {
            const char *close = memchr(expr + i + 2, '}', len - i - 2);
            if (close != NULL && ref_start(expr + i + 2, (size_t)(close - expr - i - 2))) {
                name = expr + i + 2;
                nlen = (size_t)(close - name);
                next = (size_t)(close - expr) + 1;
            }
        } else if (expr[i] == '$' && ref_start(expr + i + 1, len - i - 1)) {
            size_t k = i + 1;
            while (k < len && ref_char(expr[k]))
                k++;
            name = expr + i + 1;
            nlen = k - i - 1;
            next = k;
        }
        if (name == NULL) {
            vb_put(&b, expr + i, 1);
            literal = 1;
            i++;
            continue;
        }
        refs++;
        size_t n;
        const char *v = v2_ref(r, name, nlen, res, &n);
        if (v != NULL) {
            found++;
            vb_put(&b, v, n);
        }
        i = next;
    }
    if (refs > 0 && found == 0 && !literal)
        return NULL;
    vb_put(&b, "", 1); /* NUL-terminated for the callers that want it */
    *vlen = b.len - 1;
    return b.buf;
}

/* ---- the endpoint request -------------------------------------------------- */

static const rt_v2_integ_t *v2_integ(const dp_request_t *r)
{
    return r->method->v2 != NULL ? r->method->v2->integ : NULL;
}

/* The part of an overwrite:path value before its first reference, cut
 * after the last '/', made canonical: what the mapped path may not climb
 * out of (a decoded "../" from a path parameter must not leave "/files/"). */
static int v2_path_confined(dp_request_t *r, const rt_v2_param_t *p, h2o_iovec_t path)
{
    const char *dollar = memchr(p->value, '$', p->value_len);
    size_t fixed = dollar != NULL ? (size_t)(dollar - p->value) : p->value_len;
    while (fixed > 0 && p->value[fixed - 1] != '/')
        fixed--;
    size_t cap = canonpath_room(fixed + 1), plen, cap2 = canonpath_room(path.len), len;
    char *prefix = h2o_mem_alloc_pool(&r->req->pool, cap);
    char *canon = h2o_mem_alloc_pool(&r->req->pool, cap2);
    const char *q = memchr(path.base, '?', path.len);
    size_t pathlen = q != NULL ? (size_t)(q - path.base) : path.len;
    if (fixed == 0 || p->value[0] != '/')
        return canonpath_normalize(path.base, pathlen, canon, cap2, &len) == CANONPATH_OK;
    return canonpath_normalize(p->value, fixed, prefix, cap, &plen) == CANONPATH_OK &&
           canonpath_normalize(path.base, pathlen, canon, cap2, &len) == CANONPATH_OK &&
           canonpath_within(canon, len, prefix, plen);
}

int integ_v2_path(dp_request_t *r, h2o_url_t *url)
{
    const rt_v2_integ_t *vi = v2_integ(r);
    if (vi == NULL)
        return 0;
    const char *q = memchr(url->path.base, '?', url->path.len);
    h2o_iovec_t uri_query = q != NULL
                                ? h2o_iovec_init(q, url->path.len - (size_t)(q - url->path.base))
                                : h2o_iovec_init("", 0);
    h2o_iovec_t path = {NULL, 0};
    const rt_v2_param_t *mapped = NULL;
    for (size_t i = 0; i < vi->nreq; i++) {
        const rt_v2_param_t *p = &vi->req[i];
        if (p->loc != RT_V2_PATH)
            continue;
        size_t n;
        const char *v = integ_v2_eval(r, p->value, p->value_len, NULL, &n);
        if (v != NULL) {
            path = h2o_iovec_init(v, n);
            mapped = p;
        }
    }
    if (mapped != NULL && !v2_path_confined(r, mapped, path)) {
        log_warn("integration %s: the mapped path leaves its fixed prefix", r->request_id);
        return -1;
    }
    if (path.base == NULL && vi->uri_has_path)
        return 0;
    v2buf_t b = {NULL, 0, 0, &r->req->pool};
    if (path.base == NULL) { /* the client's path as sent, the stage's prefix included */
        if (strcmp(r->stage->name, "$default") != 0) {
            vb_put(&b, "/", 1);
            vb_put(&b, r->stage->name, strlen(r->stage->name));
        }
        path = r->path;
    } else if (path.len == 0 || path.base[0] != '/') {
        vb_put(&b, "/", 1);
    }
    vb_put(&b, path.base, path.len);
    vb_put(&b, uri_query.base, uri_query.len);
    if (memchr(b.buf, '#', b.len) != NULL || httpval_target(b.buf, b.len) != 0)
        return -1;
    url->path = h2o_iovec_init(b.buf, b.len);
    return 0;
}

int integ_v2_header_mapped(const dp_request_t *r, const h2o_iovec_t *name)
{
    const rt_v2_integ_t *vi = v2_integ(r);
    for (size_t i = 0; vi != NULL && i < vi->nreq; i++) {
        const rt_v2_param_t *p = &vi->req[i];
        if (p->loc == RT_V2_HEADER && p->name_len == name->len &&
            h2o_lcstris(name->base, name->len, p->name, p->name_len))
            return 1;
    }
    return 0;
}

/* The value of header `name` after every mapping on it, in order. */
static const char *v2_mapped_value(dp_request_t *r, const rt_v2_integ_t *vi, const char *name,
                                   size_t name_len, const h2o_headers_t *current,
                                   const h2o_headers_t *res, size_t *vlen)
{
    const char *cur = headers_joined(&r->req->pool, current, name, name_len, vlen);
    for (size_t i = 0; i < vi->nreq; i++) {
        const rt_v2_param_t *p = &vi->req[i];
        if (p->loc != RT_V2_HEADER || p->name_len != name_len || memcmp(p->name, name, name_len))
            continue;
        if (p->op == RT_V2_REMOVE) {
            cur = NULL;
            continue;
        }
        size_t n;
        const char *v = integ_v2_eval(r, p->value, p->value_len, res, &n);
        if (v == NULL)
            continue;
        if (p->op == RT_V2_APPEND && cur != NULL) {
            char *j = h2o_mem_alloc_pool(&r->req->pool, *vlen + n + 2);
            memcpy(j, cur, *vlen);
            j[*vlen] = ',';
            memcpy(j + *vlen + 1, v, n);
            cur = j;
            *vlen += n + 1;
        } else {
            cur = v;
            *vlen = n;
        }
    }
    return cur;
}

h2o_iovec_t integ_v2_headers(dp_request_t *r)
{
    const rt_v2_integ_t *vi = v2_integ(r);
    v2buf_t b = {NULL, 0, 0, &r->req->pool};
    vb_put(&b, "", 0);
    for (size_t i = 0; vi != NULL && i < vi->nreq; i++) {
        const rt_v2_param_t *p = &vi->req[i];
        int first = 1;
        for (size_t k = 0; k < i && first; k++) /* each header once */
            first = !(vi->req[k].loc == RT_V2_HEADER && vi->req[k].name_len == p->name_len &&
                      memcmp(vi->req[k].name, p->name, p->name_len) == 0);
        if (p->loc != RT_V2_HEADER || !first)
            continue;
        size_t n;
        const char *v = v2_mapped_value(r, vi, p->name, p->name_len, &r->req->headers, NULL, &n);
        if (v == NULL)
            continue;
        if (httpval_header(p->name, p->name_len, v, n) != 0) {
            log_warn("integration %s: refused: mapped header %s is not valid HTTP", r->request_id,
                     p->name);
            return h2o_iovec_init(NULL, 0);
        }
        vb_put(&b, p->name, p->name_len);
        vb_put(&b, ": ", 2);
        vb_put(&b, v, n);
        vb_put(&b, "\r\n", 2);
    }
    return b.buf != NULL ? h2o_iovec_init(b.buf, b.len) : h2o_iovec_init("", 0);
}

static void v2_put_pair(dp_request_t *r, v2buf_t *b, int *has_query, const char *name, size_t nlen,
                        const char *v, size_t vlen)
{
    vb_put(b, *has_query ? "&" : "?", 1);
    h2o_iovec_t enc = h2o_uri_escape(&r->req->pool, name, nlen, NULL);
    vb_put(b, enc.base, enc.len);
    vb_put(b, "=", 1);
    enc = h2o_uri_escape(&r->req->pool, v, vlen, NULL);
    vb_put(b, enc.base, enc.len);
    *has_query = 1;
}

static int v2_query_replaced(const rt_v2_integ_t *vi, const char *name, size_t len)
{
    for (size_t i = 0; vi != NULL && i < vi->nreq; i++) {
        const rt_v2_param_t *p = &vi->req[i];
        if (p->loc == RT_V2_QUERY && p->op != RT_V2_APPEND && p->name_len == len &&
            memcmp(p->name, name, len) == 0)
            return 1;
    }
    return 0;
}

h2o_iovec_t integ_v2_query(dp_request_t *r, int has_query)
{
    const rt_v2_integ_t *vi = v2_integ(r);
    int mapped = 0;
    for (size_t i = 0; vi != NULL && i < vi->nreq && !mapped; i++)
        mapped = vi->req[i].loc == RT_V2_QUERY;
    if (!mapped) { /* the client's query as it sent it */
        if (r->query.len == 0)
            return h2o_iovec_init("", 0);
        char *out = h2o_mem_alloc_pool(&r->req->pool, r->query.len + 1);
        out[0] = has_query ? '&' : '?';
        memcpy(out + 1, r->query.base, r->query.len);
        return h2o_iovec_init(out, r->query.len + 1);
    }
    v2buf_t b = {NULL, 0, 0, &r->req->pool};
    query_iter_t it;
    query_pair_t q;
    query_iter_init(&it, r->query.base, r->query.len);
    while (query_next(&it, &q)) { /* the client's pairs, as it encoded them */
        size_t nlen;
        const char *n = v2_decode(&r->req->pool, q.name, q.name_len, 1, &nlen);
        if (q.name_len == 0 || v2_query_replaced(vi, n, nlen))
            continue;
        vb_put(&b, has_query ? "&" : "?", 1);
        vb_put(&b, q.name, (size_t)(q.value + q.value_len - q.name));
        has_query = 1;
    }
    for (size_t i = 0; vi != NULL && i < vi->nreq; i++) {
        const rt_v2_param_t *p = &vi->req[i];
        size_t n;
        const char *v;
        if (p->loc != RT_V2_QUERY || p->op == RT_V2_REMOVE ||
            (v = integ_v2_eval(r, p->value, p->value_len, NULL, &n)) == NULL)
            continue;
        v2_put_pair(r, &b, &has_query, p->name, p->name_len, v, n);
    }
    return b.buf != NULL ? h2o_iovec_init(b.buf, b.len) : h2o_iovec_init("", 0);
}

/* ---- the answer ---------------------------------------------------------- */

void integ_v2_response(dp_request_t *r)
{
    const rt_v2_integ_t *vi = v2_integ(r);
    h2o_req_t *req = r->req;
    const rt_v2_resp_t *rs = NULL;
    for (size_t i = 0; vi != NULL && i < vi->nresp && rs == NULL; i++)
        if (vi->resp[i].status == req->res.status)
            rs = &vi->resp[i];
    if (rs == NULL)
        return;
    h2o_headers_t orig = req->res.headers; /* $response.header.x: the endpoint's values */
    h2o_headers_t copy = {NULL, 0, 0};
    for (size_t i = 0; i < orig.size; i++)
        h2o_add_header_by_str(&req->pool, &copy, orig.entries[i].name->base,
                              orig.entries[i].name->len, 0, NULL, orig.entries[i].value.base,
                              orig.entries[i].value.len);
    int status = 0;
    for (size_t i = 0; i < rs->nparams; i++) {
        const rt_v2_param_t *p = &rs->params[i];
        size_t n;
        const char *v =
            p->op == RT_V2_REMOVE ? "" : integ_v2_eval(r, p->value, p->value_len, &copy, &n);
        if (v == NULL)
            continue;
        if (p->loc == RT_V2_STATUS) {
            char num[8];
            if (n == 0 || n >= sizeof(num))
                continue;
            memcpy(num, v, n);
            num[n] = '\0';
            char *end;
            long st = strtol(num, &end, 10);
            if (*end == '\0' && httpval_status((int)st) == 0)
                status = (int)st;
            continue;
        }
        if (p->op != RT_V2_APPEND) { /* overwrite and remove: the endpoint's go */
            ssize_t at;
            while ((at = h2o_find_header_by_str(&req->res.headers, p->name, p->name_len, -1)) >= 0)
                h2o_delete_header(&req->res.headers, at);
        }
        if (p->op == RT_V2_REMOVE)
            continue;
        if (httpval_header(p->name, p->name_len, v, n) != 0) {
            log_warn("request %s: response mapping %s: not a valid header value", r->request_id,
                     p->name);
            continue;
        }
        h2o_add_header_by_str(&req->pool, &req->res.headers, p->name, p->name_len, 1, NULL, v, n);
    }
    if (status != 0)
        req->res.status = status;
}

/* ---- function integrations ------------------------------------------------- */

int integ_v2_fn_event(dp_request_t *r, struct fn_event_in *ev)
{
    const rt_v2_route_t *rv = r->method->v2;
    ev->route_key = rv->route_key;
    ev->resource = strcmp(rv->route_key, "$default") == 0 ? "$default" : r->method->resource_path;
    if (strcmp(r->stage->name, "$default") != 0) { /* rawPath names the stage */
        size_t slen = strlen(r->stage->name);
        char *p = h2o_mem_alloc_pool(&r->req->pool, slen + r->path.len + 2);
        p[0] = '/';
        memcpy(p + 1, r->stage->name, slen);
        memcpy(p + 1 + slen, r->path.base, r->path.len);
        p[1 + slen + r->path.len] = '\0';
        ev->path = p;
    }
    return rv->integ != NULL && rv->integ->payload_v2;
}

int integ_v2_fn_format(const dp_request_t *r)
{
    const rt_v2_route_t *rv = r->method->v2;
    return rv != NULL && rv->integ != NULL && rv->integ->payload_v2 ? FN_ANSWER_V2 : FN_ANSWER_V1;
}
