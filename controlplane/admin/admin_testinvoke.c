/* admin_testinvoke: one test invocation. A MOCK integration makes no network
 * call and is answered at once; an HTTP integration's endpoint is called on
 * a thread of its own (admin_defer.h) while the admin loop goes on
 * serving, and the answer is given when the call is back (or never, if the
 * client went away). HTTP_PROXY is refused with 400. */
#include "admin_testinvoke.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin_method.h"
#include "admin_defer.h"
#include "admin_testinvoke_http.h"
#include "crypto.h"
#include "params.h"
#include "pathtmpl.h"
#include "pattern.h"
#include "store_api.h"
#include "vtl.h"

typedef struct ti ti_t;
struct ti {
    vtl_jsonprov_t jp; /* first: the provider's ud is this struct */
    json_t *doc;       /* {"body", "params", "context", "stageVariables"} */
    json_t *headers;   /* the answer's headers */
    int status_override;
    json_t *over_headers, *over_query, *over_path; /* requestOverride.* */
    json_t *answer_headers;                        /* the endpoint's (HTTP) */
    char *log;
    size_t log_len;
    arena_t *arena;
    char request_id[37];
    /* the endpoint call (HTTP), its strings owned here */
    ti_http_req_t call;
    char *call_url, *call_body;
    json_t *call_headers;
    /* its outcome, filled on the worker thread */
    int call_rc;
    ti_http_res_t call_res;
    char call_err[256];
    /* what the answer needs once the call is back */
    json_t *method, *resource; /* owned */
    json_t *integ;             /* in method */
    const char *resource_path; /* in resource */
    struct timespec t0;
};

/* ti_request's status when the endpoint call is under way */
#define TI_PENDING (-1000)

static void ti_log(ti_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "Mon Nov 30 11:29:30 UTC 2026 : message\n", as the reference writes it. */
static void ti_log(ti_t *t, const char *fmt, ...)
{
    char line[2048], when[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm);
    int n = snprintf(line, sizeof(line), "%s : ", when);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(line) - 1)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    char *bigger = realloc(t->log, t->log_len + (size_t)n + 1);
    if (bigger == NULL)
        return;
    memcpy(bigger + t->log_len, line, (size_t)n);
    t->log = bigger;
    t->log_len += (size_t)n;
    t->log[t->log_len] = '\0';
}

/* ---- the request the caller describes ------------------------------------- */

/* Percent-decoded s as a JSON string (NULL when not UTF-8). */
static json_t *ti_decoded(const char *s, size_t len)
{
    int n = 0;
    char *d = curl_easy_unescape(NULL, s, (int)len, &n);
    json_t *out = d != NULL ? json_stringn(d, (size_t)n) : NULL;
    curl_free(d);
    return out;
}

/* {name} and {name+} of the resource path matched against the request path. */
static json_t *ti_path_params(const char *tmpl, const char *path)
{
    json_t *out = json_object();
    while (*tmpl == '/' && *path == '/') {
        tmpl++, path++;
        size_t tl = strcspn(tmpl, "/"), pl = strcspn(path, "/?");
        if (tl > 2 && tmpl[0] == '{') {
            int greedy = tmpl[tl - 2] == '+';
            size_t nl = tl - 2 - (size_t)greedy;
            if (greedy)
                pl = strcspn(path, "?");
            char name[128];
            if (nl < sizeof(name)) {
                memcpy(name, tmpl + 1, nl);
                name[nl] = '\0';
                json_object_set_new(out, name, ti_decoded(path, pl));
            }
        }
        tmpl += tl;
        path += pl;
    }
    return out;
}

static json_t *ti_query(const char *path_qs)
{
    json_t *q = json_object();
    const char *p = strchr(path_qs, '?');
    while (p != NULL && *++p != '\0') {
        size_t len = strcspn(p, "&"), nl = strcspn(p, "=&");
        char name[256];
        if (nl > 0 && nl < sizeof(name)) {
            memcpy(name, p, nl);
            name[nl] = '\0';
            if (json_object_get(q, name) == NULL)
                json_object_set_new(
                    q, name, nl < len ? ti_decoded(p + nl + 1, len - nl - 1) : json_string(""));
        }
        p = p[len] == '&' ? p + len : NULL;
    }
    return q;
}

static json_t *ti_context(ti_t *t, admin_call_t *c, const char *resource_path)
{
    char epoch[32];
    snprintf(epoch, sizeof(epoch), "%lld", (long long)time(NULL) * 1000);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s},s:{},s:{s:{},s:{},s:{}},"
                     "s:{s:{}}}",
                     "accountId", "000000000000", "apiId", admin_arg(c, "restapi_id"), "httpMethod",
                     admin_arg(c, "http_method"), "requestId", t->request_id, "resourceId",
                     admin_arg(c, "resource_id"), "resourcePath", resource_path, "stage",
                     "test-invoke-stage", "requestTimeEpoch", epoch, "identity", "sourceIp",
                     "test-invoke-source-ip", "userAgent", "test-invoke", "authorizer",
                     "requestOverride", "header", "querystring", "path", "responseOverride",
                     "header");
}

static const char *ti_header(json_t *headers, const char *name)
{
    const char *k;
    json_t *v;
    json_object_foreach(headers, k, v) if (strcasecmp(k, name) == 0) return json_string_value(v);
    return NULL;
}

/* ---- rendering ------------------------------------------------------------- */

static void ti_context_out(void *ud, const json_t *ctx)
{
    ti_t *t = ud;
    const json_t *resp = json_object_get(ctx, "responseOverride");
    const json_t *status = json_object_get(resp, "status");
    long s = json_is_integer(status)  ? (long)json_integer_value(status)
             : json_is_string(status) ? strtol(json_string_value(status), NULL, 10)
                                      : 0;
    if (s >= 100 && s <= 599)
        t->status_override = (int)s;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(resp, "header"), k, v) if (json_is_string(v))
        json_object_set(t->headers, k, v);
    const json_t *req = json_object_get(ctx, "requestOverride");
    json_object_update(t->over_headers, json_object_get(req, "header"));
    json_object_update(t->over_query, json_object_get(req, "querystring"));
    json_object_update(t->over_path, json_object_get(req, "path"));
}

/* Renders src; NULL (logged) on failure. The result is malloc'd. */
static char *ti_render(ti_t *t, const char *src, size_t *len)
{
    vtl_template_t *tmpl;
    vtl_error_t err = {0};
    vtl_provider_t prov;
    vtl_jsonprov_init(&t->jp, t->doc, &prov);
    prov.context_out = ti_context_out;
    vtl_alloc_t al = vtl_arena_alloc(t->arena);
    char *out;
    if (vtl_compile(src, strlen(src), t->arena, &tmpl, &err) != VTL_OK ||
        vtl_render(tmpl, &prov, NULL, &al, &out, len, &err) != VTL_OK) {
        ti_log(t, "Execution failed due to configuration error: Unable to transform: %s",
               err.message);
        return NULL;
    }
    char *copy = malloc(*len + 1);
    if (copy != NULL) {
        memcpy(copy, out, *len);
        copy[*len] = '\0';
    }
    return copy;
}

/* The template of templates for a media type (parameters ignored), else NULL. */
static const char *ti_template_for(json_t *templates, const char *ct, const char **key)
{
    size_t len = strcspn(ct, ";");
    while (len > 0 && ct[len - 1] == ' ')
        len--;
    const char *k;
    json_t *v;
    json_object_foreach(templates, k, v) if (strlen(k) == len && strncasecmp(k, ct, len) == 0)
    {
        *key = k;
        return json_string_value(v);
    }
    return NULL;
}

/* Accept, then application/json, then the first. */
static const char *ti_accept_template(json_t *templates, const char *accept, const char **key)
{
    const char *k, *json = NULL, *first = NULL, *jk = NULL, *fk = NULL;
    json_t *v;
    json_object_foreach(templates, k, v)
    {
        if (accept != NULL && strstr(accept, k) != NULL) {
            *key = k;
            return json_string_value(v);
        }
        if (strcmp(k, "application/json") == 0)
            json = json_string_value(v), jk = k;
        if (first == NULL)
            first = json_string_value(v), fk = k;
    }
    *key = json != NULL ? jk : fk;
    return json != NULL ? json : first;
}

static json_t *ti_select(json_t *responses, int status)
{
    char code[16];
    snprintf(code, sizeof(code), "%d", status);
    json_t *def = NULL, *r;
    const char *k;
    json_object_foreach(responses, k, r)
    {
        const char *pat = json_string_value(json_object_get(r, "selectionPattern"));
        if (pat == NULL || pat[0] == '\0') {
            if (def == NULL)
                def = r;
            continue;
        }
        char err[128];
        pattern_t *re = pattern_compile(pat, err, sizeof(err));
        int hit = re != NULL && pattern_matches(re, code, strlen(code));
        pattern_free(re);
        if (hit)
            return r;
    }
    return def;
}

/* ---- the invocation ---------------------------------------------------------- */

static int ti_status_of(const char *out)
{
    json_t *doc = json_loads(out, JSON_DECODE_ANY, NULL);
    json_t *code = json_object_get(doc, "statusCode");
    long s = json_is_integer(code)  ? (long)json_integer_value(code)
             : json_is_string(code) ? strtol(json_string_value(code), NULL, 10)
             : doc != NULL          ? 200
                                    : -1;
    json_decref(doc);
    return s >= 100 && s <= 599 ? (int)s : -1;
}

/* Runs the MOCK integration; the answer's status, or 500 on a failure. */
/* ---- HTTP: the endpoint call ----------------------------------------------- */

/* A mapping source for this request (ti's doc); a new string or NULL. */
static json_t *ti_source(ti_t *t, const char *expr)
{
    params_expr_t e;
    if (expr == NULL || params_parse_source(expr, &e) != 0)
        return NULL;
    char name[300];
    if (e.name_len >= sizeof(name))
        return NULL;
    memcpy(name, e.name != NULL ? e.name : "", e.name_len);
    name[e.name_len] = '\0';
    json_t *params = json_object_get(t->doc, "params");
    switch (e.kind) {
    case PARAMS_SRC_STATIC:
        return json_string(name);
    case PARAMS_SRC_STAGE_VARIABLE:
        return json_incref(json_object_get(json_object_get(t->doc, "stageVariables"), name));
    case PARAMS_SRC_CONTEXT:
        return json_incref(json_object_get(json_object_get(t->doc, "context"), name));
    case PARAMS_SRC_METHOD_REQUEST:
        if (e.loc == PARAMS_LOC_PATH)
            return json_incref(json_object_get(json_object_get(params, "path"), name));
        if (e.loc == PARAMS_LOC_QUERYSTRING)
            return json_incref(json_object_get(json_object_get(params, "querystring"), name));
        if (e.loc == PARAMS_LOC_HEADER) {
            const char *v = ti_header(json_object_get(params, "header"), name);
            return v != NULL ? json_string(v) : NULL;
        }
        if (e.loc == PARAMS_LOC_BODY && e.name_len == 0)
            return json_incref(json_object_get(t->doc, "body"));
        return NULL;
    default:
        return NULL;
    }
}

typedef struct {
    ti_t *t;
    json_t *path; /* integration.request.path.X values */
} ti_uri_t;

static const char *ti_uri_path(void *ctx, const char *name, size_t len, size_t *vlen)
{
    ti_uri_t *u = ctx;
    char key[256];
    if (len >= sizeof(key))
        return NULL;
    memcpy(key, name, len);
    key[len] = '\0';
    json_t *v = json_object_get(u->path, key);
    if (v == NULL)
        v = json_object_get(json_object_get(json_object_get(u->t->doc, "params"), "path"), key);
    *vlen = json_string_length(v);
    return json_string_value(v);
}

static const char *ti_uri_var(void *ctx, const char *name, size_t len, size_t *vlen)
{
    ti_uri_t *u = ctx;
    char key[256];
    if (len >= sizeof(key))
        return NULL;
    memcpy(key, name, len);
    key[len] = '\0';
    json_t *v = json_object_get(json_object_get(u->t->doc, "stageVariables"), key);
    *vlen = json_string_length(v);
    return json_string_value(v);
}

/* The mapped request parameters into path/query/headers, then the
 * template's requestOverride (which wins). */
static void ti_mapped(ti_t *t, json_t *integ, json_t *path, json_t *query, json_t *headers)
{
    const char *target;
    json_t *src;
    json_object_foreach(json_object_get(integ, "requestParameters"), target, src)
    {
        params_expr_t e;
        json_t *v = ti_source(t, json_string_value(src));
        if (json_is_string(v) && params_parse_integration_target(target, &e) == 0) {
            json_t *into = e.loc == PARAMS_LOC_PATH          ? path
                           : e.loc == PARAMS_LOC_QUERYSTRING ? query
                           : e.loc == PARAMS_LOC_HEADER      ? headers
                                                             : NULL;
            char name[300];
            if (into != NULL && e.name_len < sizeof(name)) {
                memcpy(name, e.name, e.name_len);
                name[e.name_len] = '\0';
                json_object_set(into, name, v);
            }
        }
        json_decref(v);
    }
    json_object_update(path, t->over_path);
    json_object_update(query, t->over_query);
    json_object_update(headers, t->over_headers);
}

/* The endpoint's URL: the URI template expanded, the query appended. */
static char *ti_url(ti_t *t, const char *uri, json_t *path, json_t *query)
{
    ti_uri_t u = {t, path};
    size_t cap = strlen(uri) + 4096;
    pathtmpl_buf_t out = {malloc(cap), 0, cap};
    if (out.buf == NULL ||
        pathtmpl_expand(uri, strlen(uri), ti_uri_path, ti_uri_var, &u, &out) != 0) {
        free(out.buf);
        return NULL;
    }
    out.buf[out.len] = '\0';
    CURL *curl = curl_easy_init();
    const char *k;
    json_t *v;
    char *url = strdup(out.buf);
    free(out.buf);
    int first = strchr(url, '?') == NULL;
    json_object_foreach(query, k, v)
    {
        char *ek = curl != NULL ? curl_easy_escape(curl, k, 0) : NULL;
        char *ev = curl != NULL ? curl_easy_escape(curl, json_string_value(v), 0) : NULL;
        char *joined = NULL;
        if (ek != NULL && ev != NULL &&
            asprintf(&joined, "%s%s%s=%s", url, first ? "?" : "&", ek, ev) > 0) {
            free(url);
            url = joined;
            first = 0;
        }
        curl_free(ek);
        curl_free(ev);
    }
    if (curl != NULL)
        curl_easy_cleanup(curl);
    return url;
}

/* Prepares the call of the (rendered) request in t->call; 0, or -1 after
 * logging. */
static int ti_endpoint_prepare(ti_t *t, json_t *integ, const char *body, size_t len,
                               const char *content_type)
{
    json_t *path = json_object(), *query = json_object(), *headers = json_object();
    ti_mapped(t, integ, path, query, headers);
    if (content_type != NULL && ti_header(headers, "Content-Type") == NULL)
        json_object_set_new(headers, "Content-Type", json_string(content_type));
    const char *uri = json_string_value(json_object_get(integ, "uri"));
    const char *method = json_string_value(json_object_get(integ, "httpMethod"));
    json_t *timeout = json_object_get(integ, "timeoutInMillis");
    char *url = uri != NULL ? ti_url(t, uri, path, query) : NULL;
    int rc = -1;
    if (url == NULL) {
        ti_log(t, "Execution failed due to configuration error: Invalid endpoint address");
        goto out;
    }
    char *text = json_dumps(headers, JSON_COMPACT);
    ti_log(t, "Endpoint request URI: %s", url);
    ti_log(t, "Endpoint request headers: %s", text != NULL ? text : "{}");
    ti_log(t, "Endpoint request body after transformations: %.*s", (int)len, body);
    ti_log(t, "Sending request to %s", url);
    free(text);
    t->call_body = malloc(len + 1);
    if (t->call_body == NULL) {
        ti_log(t, "Execution failed: out of memory");
        goto out;
    }
    memcpy(t->call_body, body, len);
    t->call_body[len] = '\0';
    t->call_url = url;
    url = NULL;
    t->call_headers = json_incref(headers);
    t->call = (ti_http_req_t){method != NULL && strcmp(method, "ANY") != 0 ? method : "GET",
                              t->call_url,
                              t->call_headers,
                              t->call_body,
                              len,
                              json_is_integer(timeout) ? (long)json_integer_value(timeout) : 29000};
    rc = 0;
out:
    free(url);
    json_decref(path);
    json_decref(query);
    json_decref(headers);
    return rc;
}

/* The call is back: the endpoint's status (its answer in t->doc), or -1
 * after logging. */
static int ti_endpoint_done(ti_t *t, int rc, ti_http_res_t *res, const char *err)
{
    if (rc != 0) {
        ti_log(t, "Execution failed due to a network error: %s", err);
        return -1;
    }
    ti_log(t, "Received response. Status: %d", res->status);
    char *text = json_dumps(res->headers, JSON_COMPACT);
    ti_log(t, "Endpoint response headers: %s", text != NULL ? text : "{}");
    free(text);
    ti_log(t, "Endpoint response body before transformations: %.*s", (int)res->body_len, res->body);
    json_object_set_new(t->doc, "body", json_stringn(res->body, res->body_len));
    json_decref(t->answer_headers);
    t->answer_headers = json_incref(res->headers);
    int status = res->status;
    ti_http_res_dispose(res);
    return status;
}

/* ---- the integration's request and response ------------------------------- */

/* The request phase: the template, then the endpoint call prepared (HTTP:
 * TI_PENDING) or the status the template names (MOCK). The status, or the
 * answer to give (415, 500) negated. */
static int ti_request(ti_t *t, json_t *integ, json_t *req_headers)
{
    const char *ct = ti_header(req_headers, "Content-Type"), *key = NULL;
    json_t *templates = json_object_get(integ, "requestTemplates");
    const char *src = ti_template_for(templates, ct != NULL ? ct : "application/json", &key);
    const char *pass = json_string_value(json_object_get(integ, "passthroughBehavior"));
    int http = strcmp(json_string_value(json_object_get(integ, "type")), "HTTP") == 0;
    if (src == NULL && pass != NULL &&
        (strcmp(pass, "NEVER") == 0 ||
         (strcmp(pass, "WHEN_NO_TEMPLATES") == 0 && json_object_size(templates) > 0))) {
        ti_log(t, "Execution failed: Unsupported Media Type");
        return -415;
    }
    json_t *in_body = json_incref(json_object_get(t->doc, "body"));
    char *out = NULL;
    size_t len = json_string_length(in_body);
    int status = 200;
    if (src != NULL && (out = ti_render(t, src, &len)) == NULL)
        status = -500;
    else if (http)
        status = ti_endpoint_prepare(t, integ, out != NULL ? out : json_string_value(in_body), len,
                                     out != NULL ? key : ct) == 0
                     ? TI_PENDING
                     : -1;
    else if (out != NULL)
        status = ti_status_of(out);
    if (!http && out != NULL)
        ti_log(t, "Endpoint request body after transformations: %s", out);
    if (!http)
        json_object_set_new(t->doc, "body", json_string("")); /* MOCK: no endpoint body */
    free(out);
    json_decref(in_body);
    return status < 0 && status != TI_PENDING ? -500 : status;
}

static void ti_response_params(ti_t *t, json_t *resp)
{
    const char *target;
    json_t *v;
    json_object_foreach(json_object_get(resp, "responseParameters"), target, v)
    {
        params_expr_t e;
        const char *s = json_string_value(v);
        json_t *val = NULL;
        if (strncmp(target, "method.response.header.", 23) != 0 || s == NULL ||
            params_parse_source(s, &e) != 0)
            continue;
        if (e.kind == PARAMS_SRC_INTEGRATION_RESPONSE && e.loc == PARAMS_LOC_HEADER) {
            char name[300];
            if (e.name_len < sizeof(name)) {
                memcpy(name, e.name, e.name_len);
                name[e.name_len] = '\0';
                const char *h = ti_header(t->answer_headers, name);
                val = h != NULL ? json_string(h) : NULL;
            }
        } else if (e.kind == PARAMS_SRC_INTEGRATION_RESPONSE && e.name_len == 0) {
            val = json_incref(json_object_get(t->doc, "body"));
        } else {
            val = ti_source(t, s);
        }
        if (json_is_string(val))
            json_object_set(t->headers, target + 23, val);
        json_decref(val);
    }
}

/* The response phase, from the request phase's status (ti_request); the
 * answer's status, with its body in *body. */
static int ti_run(ti_t *t, json_t *integ, json_t *req_headers, int status, char **body,
                  size_t *body_len)
{
    const char *key = NULL;
    if (status == -415) {
        *body = strdup("{\"message\":\"Unsupported Media Type\"}");
        *body_len = strlen(*body);
        return 415;
    }
    if (status < 0)
        goto fail;
    json_t *resp = ti_select(json_object_get(integ, "integrationResponses"), status);
    if (resp == NULL) {
        ti_log(t,
               "Execution failed due to configuration error: No match for output mapping and "
               "no default output mapping configured. Endpoint Response Status Code: %d",
               status);
        goto fail;
    }
    status = atoi(json_string_value(json_object_get(resp, "statusCode")));
    const char *src = ti_accept_template(json_object_get(resp, "responseTemplates"),
                                         ti_header(req_headers, "Accept"), &key);
    json_object_set_new(t->headers, "Content-Type",
                        json_string(key != NULL ? key : "application/json"));
    if (src != NULL) {
        if ((*body = ti_render(t, src, body_len)) == NULL)
            goto fail;
    } else {
        json_t *b = json_object_get(t->doc, "body");
        *body = strdup(json_string_value(b) != NULL ? json_string_value(b) : "");
        *body_len = json_string_length(b);
    }
    ti_response_params(t, resp);
    ti_log(t, "Method response body after transformations: %.*s", (int)*body_len, *body);
    return t->status_override != 0 ? t->status_override : status;
fail:
    free(*body);
    *body = strdup("{\"message\": \"Internal server error\"}");
    *body_len = strlen(*body);
    return 500;
}

static json_t *ti_request_doc(admin_call_t *c, ti_t *t, const char *resource_path)
{
    const char *pq = json_string_value(json_object_get(c->body, "pathWithQueryString"));
    const char *body = json_string_value(json_object_get(c->body, "body"));
    json_t *headers = json_object_get(c->body, "headers");
    json_t *vars = json_object_get(c->body, "stageVariables");
    headers = json_is_object(headers) ? json_incref(headers) : json_object();
    vars = json_is_object(vars) ? json_incref(vars) : json_object();
    if (pq == NULL)
        pq = resource_path;
    return json_pack("{s:s,s:{s:o,s:o,s:o},s:o,s:o}", "body", body != NULL ? body : "", "params",
                     "path", ti_path_params(resource_path, pq), "querystring", ti_query(pq),
                     "header", headers, "context", ti_context(t, c, resource_path),
                     "stageVariables", vars);
}

static int ti_check_body(admin_call_t *c)
{
    static const char *const strings[] = {"pathWithQueryString", "body", "clientCertificate", NULL};
    for (const char *const *s = strings; *s != NULL; s++) {
        json_t *v = json_object_get(c->body, *s);
        if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
            admin_bad_request(c, "Invalid type for %s: expected a string", *s);
            return -1;
        }
    }
    static const char *const maps[] = {"headers", "stageVariables", NULL};
    for (const char *const *m = maps; *m != NULL; m++) {
        json_t *v = json_object_get(c->body, *m), *x;
        const char *k;
        if (v == NULL || json_is_null(v))
            continue;
        if (!json_is_object(v)) {
            admin_bad_request(c, "Invalid type for %s: expected a map of strings", *m);
            return -1;
        }
        json_object_foreach(v, k, x) if (!json_is_string(x))
        {
            admin_bad_request(c, "Invalid type for %s: expected a map of strings", *m);
            return -1;
        }
    }
    return 0;
}

static void ti_free(ti_t *t)
{
    if (t->arena != NULL)
        arena_destroy(t->arena);
    json_decref(t->doc);
    json_decref(t->headers);
    json_decref(t->over_headers);
    json_decref(t->over_query);
    json_decref(t->over_path);
    json_decref(t->answer_headers);
    json_decref(t->call_headers);
    json_decref(t->method);
    json_decref(t->resource);
    free(t->call_url);
    free(t->call_body);
    free(t->log);
    free(t);
}

static json_t *ti_req_headers(ti_t *t)
{
    return json_object_get(json_object_get(t->doc, "params"), "header");
}

/* The answer, from the request phase's status. */
static void ti_finish(admin_call_t *c, ti_t *t, int request_status)
{
    char *body = NULL;
    size_t body_len = 0;
    int status = ti_run(t, t->integ, ti_req_headers(t), request_status, &body, &body_len);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ms = (t1.tv_sec - t->t0.tv_sec) * 1000LL + (t1.tv_nsec - t->t0.tv_nsec) / 1000000;
    if (status < 500)
        ti_log(t, "Successfully completed execution");
    ti_log(t, "Method completed with status: %d", status);
    json_t *multi = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(t->headers, k, v) json_object_set_new(multi, k, json_pack("[O]", v));
    char head[64];
    snprintf(head, sizeof(head), "Execution log for request %s\n", t->request_id);
    json_t *full = json_sprintf("%s%s", head, t->log != NULL ? t->log : "");
    admin_reply(c, 200,
                json_pack("{s:i,s:s%,s:O,s:o,s:o,s:I}", "status", status, "body", body, body_len,
                          "headers", t->headers, "multiValueHeaders", multi, "log", full, "latency",
                          (json_int_t)ms));
    free(body);
}

static admin_defer_cap_t ti_cap = {.max = TI_HTTP_MAX_CALLS};

/* On the worker thread: the endpoint call. */
static void ti_call_work(void *arg)
{
    ti_t *t = arg;
    t->call_rc = ti_http_call(&t->call, &t->call_res, t->call_err, sizeof(t->call_err));
}

/* The endpoint call is back (on the admin loop); c is NULL when the client
 * went away. */
static void ti_call_back(admin_call_t *c, void *arg)
{
    ti_t *t = arg;
    int status = ti_endpoint_done(t, t->call_rc, &t->call_res, t->call_err);
    if (c != NULL)
        ti_finish(c, t, status < 0 ? -500 : status);
    ti_free(t);
}

/* Logs the request and runs the request phase; answers at once, or starts
 * the endpoint call and keeps t (then returns 1). */
static int ti_start(admin_call_t *c, ti_t *t)
{
    clock_gettime(CLOCK_MONOTONIC, &t->t0);
    ti_log(t, "Starting execution for request: %s", t->request_id);
    ti_log(t, "HTTP Method: %s, Resource Path: %s", admin_arg(c, "http_method"), t->resource_path);
    char *text = json_dumps(json_object_get(json_object_get(t->doc, "params"), "path"), 0);
    ti_log(t, "Method request path: %s", text != NULL ? text : "{}");
    free(text);
    text = json_dumps(json_object_get(json_object_get(t->doc, "params"), "querystring"), 0);
    ti_log(t, "Method request query string: %s", text != NULL ? text : "{}");
    free(text);
    ti_log(t, "Method request body before transformations: %s",
           json_string_value(json_object_get(t->doc, "body")));
    int status = ti_request(t, t->integ, ti_req_headers(t));
    if (status != TI_PENDING) {
        ti_finish(c, t, status);
        return 0;
    }
    ti_http_global_init();
    if (admin_defer_start(c, &ti_cap, ti_call_work, ti_call_back, t) != 0) {
        admin_fail(c, 429, "TooManyRequestsException",
                   "Too many test invocations under way; try again later");
        return 0;
    }
    return 1;
}

void admin_test_invoke(admin_call_t *c)
{
    json_t *method = NULL, *res = NULL;
    if (ti_check_body(c) != 0 || admin_require_method(c, &method) != 0)
        return;
    ti_t *t = NULL;
    int rc =
        admin_method_expand(c, admin_arg(c, "resource_id"), admin_arg(c, "http_method"), method);
    if (rc == STORE_OK)
        rc = store_resource_get(c->store, admin_arg(c, "restapi_id"), admin_arg(c, "resource_id"),
                                &res);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Resource identifier specified");
        goto fail;
    }
    json_t *integ = json_object_get(method, "methodIntegration");
    const char *type = json_string_value(json_object_get(integ, "type"));
    if (type == NULL) {
        admin_fail(c, 404, "NotFoundException", "No integration defined for method");
        goto fail;
    }
    if (strcmp(type, "MOCK") != 0 && strcmp(type, "HTTP") != 0) {
        admin_bad_request(c,
                          "TestInvokeMethod runs MOCK and HTTP integrations (this integration "
                          "is %s); deploy to a stage to call it",
                          type);
        goto fail;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        admin_fail(c, 500, "InternalFailure", "Out of memory");
        goto fail;
    }
    t->method = method;
    t->resource = res;
    method = res = NULL;
    t->integ = integ;
    const char *resource_path = json_string_value(json_object_get(t->resource, "path"));
    t->resource_path = resource_path != NULL ? resource_path : "/";
    crypto_uuid4(t->request_id);
    t->arena = arena_create(64 * 1024);
    t->headers = json_object();
    t->over_headers = json_object();
    t->over_query = json_object();
    t->over_path = json_object();
    t->doc = ti_request_doc(c, t, t->resource_path);
    if (t->arena == NULL || t->doc == NULL) {
        admin_fail(c, 500, "InternalFailure", "Out of memory");
        goto fail;
    }
    if (ti_start(c, t) == 1)
        return; /* ti_call_back answers and frees t */
fail:
    if (t != NULL)
        ti_free(t);
    json_decref(method);
    json_decref(res);
}
