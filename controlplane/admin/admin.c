/* admin: request plumbing for the management API; the routes themselves are
 * rows in admin_routes.c and their handlers live in admin_<family>.c. */
#include "admin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_console.h"
#include "admin_gate.h"
#include "crypto.h"
#include "log.h"
#include "netaddr.h"

#define ADMIN_MAX_SEGMENTS 16

typedef struct {
    h2o_handler_t super;
    cp_t *cp;
} admin_handler_t;

static h2o_globalconf_t admin_globalconf;
static h2o_context_t admin_ctx;
static h2o_accept_ctx_t admin_accept_ctx;

int64_t admin_now(void)
{
    return (int64_t)time(NULL);
}

/* ---- replies ------------------------------------------------------------ */

static void admin_send(admin_call_t *c, int status, const char *type, char *body)
{
    h2o_req_t *req = c->req;
    char reqid[37];
    crypto_uuid4(reqid);
    req->res.status = status;
    req->res.reason = status < 300 ? "OK" : "Error";
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-requestid"), 0, NULL,
                          h2o_strdup(&req->pool, reqid, 36).base, 36);
    if (type != NULL)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-errortype"), 0,
                              NULL, type, strlen(type));
    if (body != NULL) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json"));
        h2o_iovec_t copy = h2o_strdup(&req->pool, body, strlen(body));
        free(body);
        req->res.content_length = copy.len;
        h2o_send_inline(req, copy.base, copy.len);
    } else {
        req->res.content_length = 0;
        h2o_send_inline(req, "", 0);
    }
    c->replied = 1;
}

void admin_reply_text(admin_call_t *c, int status, const char *content_type, char *body, size_t len)
{
    h2o_req_t *req = c->req;
    char reqid[37];
    crypto_uuid4(reqid);
    req->res.status = status;
    req->res.reason = status < 300 ? "OK" : "Error";
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-requestid"), 0, NULL,
                          h2o_strdup(&req->pool, reqid, 36).base, 36);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    h2o_iovec_t copy = h2o_strdup(&req->pool, body, len);
    free(body);
    req->res.content_length = copy.len;
    h2o_send_inline(req, copy.base, copy.len);
    c->replied = 1;
}

void admin_reply(admin_call_t *c, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    admin_send(c, status, NULL, text);
}

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, at most U+10FFFF), or 0. */
static size_t admin_utf8_len(const unsigned char *s)
{
    size_t n = s[0] < 0x80                    ? 1
               : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
               : (s[0] & 0xf0) == 0xe0        ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                              : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) ||
        (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))))
        return 0;
    return n;
}

/* Messages quote what the client sent (and may be cut by the buffer):
 * bytes that are not UTF-8 become '?' so the JSON answer can carry them. */
static void admin_utf8_sanitize(char *msg)
{
    unsigned char *p = (unsigned char *)msg;
    while (*p != '\0') {
        size_t n = admin_utf8_len(p);
        if (n == 0)
            *p++ = '?';
        else
            p += n;
    }
}

void admin_fail(admin_call_t *c, int status, const char *type, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    admin_utf8_sanitize(msg);
    json_t *body = json_pack("{s:s}", "message", msg);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    admin_send(c, status, type, text);
}

void admin_store_fail(admin_call_t *c, int rc, const char *msg_not_found)
{
    if (rc == STORE_ENOTFOUND)
        admin_not_found(c, "%s", msg_not_found);
    else if (rc == STORE_ECONFLICT)
        admin_conflict(c, "The request conflicts with the current state of the resource");
    else if (store_cannot_write(c->store))
        admin_fail(c, 503, "ServiceUnavailableException",
                   "The control plane cannot write its store now (disk full or failing); "
                   "nothing was changed, try again later");
    else
        admin_fail(c, 500, "InternalFailure", "The store failed to process the request");
}

int admin_begin(admin_call_t *c)
{
    if (publish_begin(c->publish) == STORE_OK)
        return 0;
    admin_store_fail(c, STORE_EIO, NULL);
    return -1;
}

int admin_commit(admin_call_t *c)
{
    if (publish_commit(c->publish) != STORE_OK) {
        admin_store_fail(c, STORE_EIO, NULL);
        return -1;
    }
    return 0;
}

/* ---- arguments ---------------------------------------------------------- */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes (and '+' as space when form) into the pool; NULL when malformed. */
static char *admin_decode(h2o_mem_pool_t *pool, const char *s, size_t len, int form)
{
    char *out = h2o_mem_alloc_pool(pool, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
                return NULL;
            char ch = (char)(hi * 16 + lo);
            if (ch == '\0')
                return NULL;
            out[n++] = ch;
            i += 2;
        } else {
            out[n++] = form && s[i] == '+' ? ' ' : s[i];
        }
    }
    out[n] = '\0';
    return out;
}

const char *admin_arg(admin_call_t *c, const char *name)
{
    for (int i = 0; i < c->nargs; i++)
        if (strcmp(c->arg_names[i], name) == 0)
            return c->args[i];
    return NULL;
}

const char *admin_query(admin_call_t *c, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = c->query.base, *end = p != NULL ? p + c->query.len : NULL; /* no query */
    while (p != NULL && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        const char *kend = eq != NULL ? eq : stop;
        if ((size_t)(kend - p) == nlen && memcmp(p, name, nlen) == 0) {
            const char *v = eq != NULL ? eq + 1 : stop;
            return admin_decode(&c->req->pool, v, (size_t)(stop - v), 1);
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
    return NULL;
}

int admin_page(admin_call_t *c, int *limit, const char **position)
{
    const char *l = admin_query(c, "limit");
    *limit = 25;
    if (l != NULL) {
        char *end;
        long v = strtol(l, &end, 10);
        if (*l == '\0' || *end != '\0' || v < 1 || v > 500) {
            admin_bad_request(c, "Invalid limit value: %s; must be between 1 and 500", l);
            return -1;
        }
        *limit = (int)v;
    }
    *position = admin_query(c, "position");
    return 0;
}

void admin_reply_page(admin_call_t *c, json_t *items, int more, const char *position_field)
{
    json_t *body = json_object();
    if (more && json_array_size(items) > 0) {
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        json_t *pos = json_object_get(last, position_field);
        if (pos != NULL)
            json_object_set(body, "position", pos);
    }
    json_object_set_new(body, "item", items);
    admin_reply(c, 200, body);
}

/* ---- validation --------------------------------------------------------- */

static const char *const admin_type_names[] = {
    [ADMIN_STRING] = "a string",
    [ADMIN_BOOL] = "a boolean",
    [ADMIN_INT] = "an integer",
    [ADMIN_NUMBER] = "a number",
    [ADMIN_STRING_LIST] = "a list of strings",
    [ADMIN_STRING_MAP] = "a map of strings",
    [ADMIN_BOOL_MAP] = "a map of booleans",
    [ADMIN_OBJECT] = "an object",
};

static int admin_all_values(json_t *container, int (*pred)(const json_t *))
{
    size_t i;
    json_t *v;
    const char *k;
    if (json_is_array(container)) {
        json_array_foreach(container, i, v) if (!pred(v)) return 0;
        return 1;
    }
    json_object_foreach(container, k, v) if (!pred(v)) return 0;
    return 1;
}

static int is_string(const json_t *v)
{
    return json_is_string(v);
}

static int is_bool(const json_t *v)
{
    return json_is_boolean(v);
}

static int admin_type_ok(const admin_field_t *f, json_t *v)
{
    switch (f->type) {
    case ADMIN_STRING:
        return json_is_string(v);
    case ADMIN_BOOL:
        return json_is_boolean(v);
    case ADMIN_INT:
        return json_is_integer(v);
    case ADMIN_NUMBER:
        return json_is_number(v);
    case ADMIN_STRING_LIST:
        return json_is_array(v) && admin_all_values(v, is_string);
    case ADMIN_STRING_MAP:
        return json_is_object(v) && admin_all_values(v, is_string);
    case ADMIN_BOOL_MAP:
        return json_is_object(v) && admin_all_values(v, is_bool);
    case ADMIN_OBJECT:
        return json_is_object(v);
    }
    return 0;
}

static int admin_value_ok(admin_call_t *c, const admin_field_t *f, json_t *v)
{
    if (f->type == ADMIN_STRING) {
        size_t len = json_string_length(v);
        if (len < (size_t)f->min || (f->max > 0 && len > (size_t)f->max)) {
            admin_bad_request(c, "Invalid length for %s: must be between %.0f and %.0f characters",
                              f->name, f->min, f->max);
            return -1;
        }
        if (f->choices != NULL) {
            for (const char *const *ch = f->choices; *ch != NULL; ch++)
                if (strcmp(*ch, json_string_value(v)) == 0)
                    return 0;
            admin_bad_request(c, "Invalid value for %s: %s", f->name, json_string_value(v));
            return -1;
        }
    }
    if ((f->type == ADMIN_INT || f->type == ADMIN_NUMBER) && (f->min != 0 || f->max != 0)) {
        double d = json_number_value(v);
        if (!isfinite(d) || d < f->min || d > f->max) {
            admin_bad_request(c, "Invalid value for %s: must be between %g and %g", f->name, f->min,
                              f->max);
            return -1;
        }
    }
    return 0;
}

int admin_check(admin_call_t *c, json_t *obj, const admin_field_t *fields)
{
    for (const admin_field_t *f = fields; f->name != NULL; f++) {
        json_t *v = json_object_get(obj, f->name);
        if (v == NULL || json_is_null(v)) {
            if (f->required) {
                admin_bad_request(c, "%s is required", f->name);
                return -1;
            }
            continue;
        }
        if (!admin_type_ok(f, v)) {
            admin_bad_request(c, "Invalid type for %s: expected %s", f->name,
                              admin_type_names[f->type]);
            return -1;
        }
        if (admin_value_ok(c, f, v) != 0)
            return -1;
    }
    return 0;
}

void admin_copy_fields(json_t *dst, json_t *src, const admin_field_t *fields)
{
    for (const admin_field_t *f = fields; f->name != NULL; f++) {
        json_t *v = json_object_get(src, f->name);
        if (v != NULL && !json_is_null(v))
            json_object_set_new(dst, f->name, json_deep_copy(v));
    }
}

/* ---- dispatch ----------------------------------------------------------- */

/* Splits path (without query) into segments in place in a pool copy. */
static int admin_split(h2o_mem_pool_t *pool, h2o_iovec_t path, h2o_iovec_t *segs)
{
    int n = 0;
    size_t i = 0;
    while (i < path.len) {
        if (path.base[i] == '/') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < path.len && path.base[i] != '/')
            i++;
        if (n == ADMIN_MAX_SEGMENTS)
            return -1;
        segs[n++] = h2o_iovec_init(path.base + start, i - start);
    }
    return n;
}

/* Matches a pattern; fills captures on success. 1 = match. */
static int admin_match(admin_call_t *c, const char *pattern, h2o_iovec_t *segs, int nsegs)
{
    int k = 0, nargs = 0;
    const char *p = pattern;
    while (*p != '\0') {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *end = strchr(p, '/');
        size_t plen = end != NULL ? (size_t)(end - p) : strlen(p);
        if (k == nsegs)
            return 0;
        if (p[0] == '{') {
            if (nargs == ADMIN_MAX_ARGS)
                return 0;
            c->arg_names[nargs] = h2o_strdup(&c->req->pool, p + 1, plen - 2).base;
            c->args[nargs] = admin_decode(&c->req->pool, segs[k].base, segs[k].len, 0);
            if (c->args[nargs] == NULL)
                return 0;
            nargs++;
        } else if (segs[k].len != plen || memcmp(segs[k].base, p, plen) != 0) {
            return 0;
        }
        k++;
        p += plen;
    }
    if (k != nsegs)
        return 0;
    c->nargs = nargs;
    return 1;
}

static int admin_parse_body(admin_call_t *c, int document, size_t max_body)
{
    h2o_iovec_t e = c->req->entity;
    size_t max = max_body != 0 ? max_body : ADMIN_MAX_BODY;
    if (e.base == NULL || e.len == 0 || (document && e.len <= max)) {
        c->body = json_object();
        return 0;
    }
    if (e.len > max) {
        if (max_body != 0)
            admin_fail(c, 413, "RequestEntityTooLargeException",
                       "Request must be smaller than %zu bytes for this operation", max);
        else
            admin_fail(c, 413, "BadRequestException", "Request body is larger than %d bytes",
                       ADMIN_MAX_BODY);
        return -1;
    }
    json_error_t err;
    c->body = json_loadb(e.base, e.len, JSON_REJECT_DUPLICATES, &err);
    if (c->body == NULL) {
        admin_bad_request(c, "Could not parse request body into json: %s (line %d, column %d)",
                          err.text, err.line, err.column);
        return -1;
    }
    if (!json_is_object(c->body)) {
        admin_bad_request(c, "The request body must be a JSON object");
        return -1;
    }
    return 0;
}

static void admin_dispatch(admin_call_t *c)
{
    h2o_req_t *req = c->req;
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    if (req->query_at != SIZE_MAX)
        c->query =
            h2o_iovec_init(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    h2o_iovec_t segs[ADMIN_MAX_SEGMENTS];
    int nsegs = admin_split(&req->pool, h2o_iovec_init(req->path.base, path_len), segs);
    int path_known = 0;
    for (const admin_route_t *r = admin_routes; nsegs >= 0 && r->method != NULL; r++) {
        if (!admin_match(c, r->pattern, segs, nsegs))
            continue;
        path_known = 1;
        if (!h2o_memis(req->method.base, req->method.len, r->method, strlen(r->method)))
            continue;
        int raw = (r->document_body && admin_query(c, "mode") != NULL) || r->raw_body;
        if (admin_parse_body(c, raw, r->max_body) == 0)
            r->handler(c);
        return;
    }
    if (path_known)
        admin_fail(c, 405, "MethodNotAllowedException", "Method %.*s is not allowed on this path",
                   (int)req->method.len, req->method.base);
    else
        admin_fail(c, 404, "UnknownOperationException", "No operation matches %.*s %.*s",
                   (int)req->method.len, req->method.base, (int)path_len, req->path.base);
}

static int admin_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    admin_handler_t *h = (admin_handler_t *)self;
    admin_call_t c = {.req = req, .cp = h->cp, .store = h->cp->store, .publish = h->cp->publish};
    if (admin_console_wants(h->cp->console, req)) {
        admin_console_serve(h->cp->console, req); /* static files: no token, no data */
        return 0;
    }
    int is_health =
        h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/healthz"));
    /* credentials: headers first, then (SigV4) the body's hash */
    int refused = !is_health && (admin_auth_headers(&c) != 0 || admin_auth_body(&c) != 0);
    if (!refused)
        admin_dispatch(&c);
    if (!c.replied && !c.deferred) {
        /* a handler returned without answering: a bug, but never leave a request hanging */
        publish_rollback(c.publish);
        admin_fail(&c, 500, "InternalFailure", "The request was not answered");
    }
    json_decref(c.body);
    return 0;
}

static void admin_on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        admin_gate_accept(listener->data, &admin_accept_ctx, sock);
}

h2o_context_t *admin_init(cp_t *cp)
{
    h2o_config_init(&admin_globalconf);
    admin_globalconf.max_request_entity_size = ADMIN_MAX_ENTITY;
    admin_globalconf.server_name = h2o_iovec_init(H2O_STRLIT("portico-cp"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&admin_globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    admin_handler_t *h = (admin_handler_t *)h2o_create_handler(path, sizeof(*h));
    h->super.on_req = admin_on_req;
    h->cp = cp;
    h2o_context_init(&admin_ctx, cp->loop, &admin_globalconf);
    return &admin_ctx;
}

int admin_start(cp_t *cp, const char *spec, char *err, size_t err_len)
{
    int fd = netaddr_listen(spec, 0, err, err_len);
    if (fd < 0)
        return -1;
    admin_init(cp);
    admin_accept_ctx.ctx = &admin_ctx;
    admin_accept_ctx.hosts = admin_globalconf.hosts;
    h2o_socket_t *sock = h2o_evloop_socket_create(cp->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = cp;
    h2o_socket_read_start(sock, admin_on_accept);
    return 0;
}
