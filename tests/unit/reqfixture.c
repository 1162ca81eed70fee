/* reqfixture: h2o's own request life cycle (h2o_init_request,
 * h2o_dispose_request) around a stub connection; the captured output
 * stream is where h2o_send puts the answer. */
#include "reqfixture.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "dpusage.h"
#include "keyrec.h"
#include "request.h"

/* A fixture that cannot be set up is a broken test, not a failed case: it
 * stops the program (the fuzz targets use the fixture too, without cmocka). */
static void fix_require(int ok, const char *what, const char *detail)
{
    if (ok)
        return;
    fprintf(stderr, "reqfixture: %s%s%s\n", what, detail != NULL ? ": " : "",
            detail != NULL ? detail : "");
    abort();
}

/* ---- snapshots ------------------------------------------------------------ */

static void *snap_alloc(reqfix_snap_t *s, size_t size)
{
    void *p = arena_alloc(s->a, size);
    fix_require(p != NULL, "out of memory", NULL);
    memset(p, 0, size);
    return p;
}

/* Appends item to a protobuf repeated field (array *arr of *n pointers). */
static void snap_push(reqfix_snap_t *s, void *arr_ptr, size_t *n, void *item)
{
    void ***arr = arr_ptr;
    void **bigger = snap_alloc(s, sizeof(void *) * (*n + 1));
    if (*n > 0)
        memcpy(bigger, *arr, sizeof(void *) * *n);
    bigger[(*n)++] = item;
    *arr = bigger;
}

static char *snap_str(reqfix_snap_t *s, const char *v)
{
    return arena_strdup(s->a, v);
}

void reqfix_snap_init(reqfix_snap_t *s)
{
    s->a = arena_create(64 * 1024);
    fix_require(s->a != NULL, "out of memory", NULL);
    s->snap = snap_alloc(s, sizeof(*s->snap));
    portico__snapshot__init(s->snap);
    s->snap->version = 1;
    s->snap->store_id = "reqfixture";
}

void reqfix_snap_dispose(reqfix_snap_t *s)
{
    arena_destroy(s->a);
}

Portico__ApiDefinition *reqfix_snap_deployment(reqfix_snap_t *s, const char *api, const char *id)
{
    Portico__ApiDefinition *d = snap_alloc(s, sizeof(*d));
    portico__api_definition__init(d);
    d->api_id = snap_str(s, api);
    d->deployment_id = snap_str(s, id);
    d->api_key_source = "HEADER";
    snap_push(s, &s->snap->deployments, &s->snap->n_deployments, d);
    return d;
}

Portico__Method *reqfix_snap_method(reqfix_snap_t *s, Portico__ApiDefinition *d, const char *path,
                                    const char *verb, const char *body)
{
    Portico__Resource *res = NULL;
    for (size_t i = 0; i < d->n_resources && res == NULL; i++)
        if (strcmp(d->resources[i]->path, path) == 0)
            res = d->resources[i];
    if (res == NULL) {
        res = snap_alloc(s, sizeof(*res));
        portico__resource__init(res);
        res->id = snap_str(s, path);
        res->path = snap_str(s, path);
        snap_push(s, &d->resources, &d->n_resources, res);
    }
    Portico__Method *m = snap_alloc(s, sizeof(*m));
    portico__method__init(m);
    m->http_method = snap_str(s, verb);
    m->authorization_type = "NONE";
    Portico__Integration *in = m->integration = snap_alloc(s, sizeof(*in));
    portico__integration__init(in);
    in->type = "MOCK";
    Portico__KeyValue *tmpl = snap_alloc(s, sizeof(*tmpl));
    portico__key_value__init(tmpl);
    tmpl->key = "application/json";
    tmpl->value = "{\"statusCode\": 200}";
    snap_push(s, &in->request_templates, &in->n_request_templates, tmpl);
    Portico__IntegrationResponse *ir = snap_alloc(s, sizeof(*ir));
    portico__integration_response__init(ir);
    ir->status_code = "200";
    ir->selection_pattern = "";
    Portico__KeyValue *out = snap_alloc(s, sizeof(*out));
    portico__key_value__init(out);
    out->key = "application/json";
    out->value = snap_str(s, body);
    snap_push(s, &ir->response_templates, &ir->n_response_templates, out);
    snap_push(s, &in->responses, &in->n_responses, ir);
    snap_push(s, &res->methods, &res->n_methods, m);
    return m;
}

Portico__StageBinding *reqfix_snap_stage(reqfix_snap_t *s, const char *api, const char *name,
                                         const char *deployment)
{
    Portico__StageBinding *b = snap_alloc(s, sizeof(*b));
    portico__stage_binding__init(b);
    b->api_id = snap_str(s, api);
    b->stage_name = snap_str(s, name);
    b->deployment_id = snap_str(s, deployment);
    snap_push(s, &s->snap->stages, &s->snap->n_stages, b);
    return b;
}

Portico__MethodSetting *reqfix_snap_setting(reqfix_snap_t *s, Portico__StageBinding *b,
                                            const char *resource_path, const char *verb)
{
    Portico__MethodSetting *m = snap_alloc(s, sizeof(*m));
    portico__method_setting__init(m);
    /* the stage's key: "*" "/" "*" for the stage, or the path with '/' written "~1" and the verb */
    char key[256];
    size_t n = 0;
    if (strcmp(resource_path, "*") == 0) {
        n = (size_t)snprintf(key, sizeof(key), "*");
    } else {
        for (const char *p = resource_path; *p != '\0' && n + 3 < sizeof(key); p++)
            n += (size_t)(*p == '/' ? snprintf(key + n, sizeof(key) - n, "~1")
                                    : snprintf(key + n, sizeof(key) - n, "%c", *p));
    }
    snprintf(key + n, sizeof(key) - n, "/%s", verb);
    m->key = snap_str(s, key);
    m->resource_path = snap_str(s, resource_path);
    m->http_method = snap_str(s, verb);
    m->require_authorization_for_cache_control = 1;
    m->unauthorized_cache_control_header_strategy = "SUCCEED_WITH_RESPONSE_HEADER";
    m->throttling_burst_limit = 5000;
    m->throttling_rate_limit = 10000;
    m->cache_ttl_seconds = 300;
    m->logging_level = "OFF";
    snap_push(s, &b->method_settings, &b->n_method_settings, m);
    return m;
}

Portico__UsagePlan *reqfix_snap_plan(reqfix_snap_t *s, const char *id, const char *api,
                                     const char *stage)
{
    Portico__UsagePlan *p = snap_alloc(s, sizeof(*p));
    portico__usage_plan__init(p);
    p->id = snap_str(s, id);
    p->quota_period = "DAY";
    Portico__PlanApiStage *as = snap_alloc(s, sizeof(*as));
    portico__plan_api_stage__init(as);
    as->api_id = snap_str(s, api);
    as->stage = snap_str(s, stage);
    snap_push(s, &p->api_stages, &p->n_api_stages, as);
    snap_push(s, &s->snap->usage_plans, &s->snap->n_usage_plans, p);
    return p;
}

void reqfix_snap_key(reqfix_snap_t *s, const char *value, const char *key_id, const char *plan_id)
{
    fix_require(strlen(key_id) == KEYREC_KEY_ID_LEN && strlen(plan_id) == KEYREC_PLAN_ID_LEN,
                "key and plan ids have fixed lengths", key_id);
    size_t len = s->snap->api_key_table.len;
    uint8_t *table = snap_alloc(s, len + KEYREC_LEN);
    if (len > 0)
        memcpy(table, s->snap->api_key_table.data, len);
    uint8_t sha[CRYPTO_SHA256_LEN];
    crypto_sha256(value, strlen(value), sha);
    keyrec_pack(table + len, sha, key_id, plan_id);
    s->snap->api_key_table.data = table;
    s->snap->api_key_table.len = len + KEYREC_LEN;
}

void reqfix_snap_domain(reqfix_snap_t *s, const char *name, const char *base_path, const char *api,
                        const char *stage)
{
    Portico__DomainName *d = snap_alloc(s, sizeof(*d));
    portico__domain_name__init(d);
    d->name = snap_str(s, name);
    Portico__BasePathMapping *m = snap_alloc(s, sizeof(*m));
    portico__base_path_mapping__init(m);
    m->base_path = snap_str(s, base_path);
    m->api_id = snap_str(s, api);
    m->stage = snap_str(s, stage);
    snap_push(s, &d->mappings, &d->n_mappings, m);
    snap_push(s, &s->snap->domains, &s->snap->n_domains, d);
}

runtime_t *reqfix_snap_compile(reqfix_snap_t *s)
{
    size_t len = portico__snapshot__get_packed_size(s->snap);
    uint8_t *buf = malloc(len + 1);
    fix_require(buf != NULL, "out of memory", NULL);
    portico__snapshot__pack(s->snap, buf);
    char err[512] = "";
    runtime_t *rt = runtime_compile(buf, len, err, sizeof(err));
    free(buf);
    if (rt == NULL)
        fix_require(0, "the fixture's snapshot does not compile", err);
    return rt;
}

/* ---- requests ------------------------------------------------------------- */

static socklen_t fix_get_peername(h2o_conn_t *conn, struct sockaddr *sa)
{
    reqfix_t *f = H2O_STRUCT_FROM_MEMBER(reqfix_t, conn, conn);
    memcpy(sa, &f->peer, f->peer_len);
    return f->peer_len;
}

static void fix_do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
                        h2o_send_state_t state)
{
    reqfix_t *f = H2O_STRUCT_FROM_MEMBER(reqfix_t, capture, self);
    size_t len = f->body.len;
    for (size_t i = 0; i < n; i++)
        len += bufs[i].len;
    char *all = h2o_mem_alloc_pool(&req->pool, len + 1);
    memcpy(all, f->body.base, f->body.len);
    size_t at = f->body.len;
    for (size_t i = 0; i < n; i++) {
        memcpy(all + at, bufs[i].base, bufs[i].len);
        at += bufs[i].len;
    }
    all[len] = '\0';
    f->body = h2o_iovec_init(all, len);
    f->sent = 1;
    if (!h2o_send_state_is_in_progress(state))
        f->finished = 1;
}

void reqfix_peer(reqfix_t *f, const char *ip)
{
    memset(&f->peer, 0, sizeof(f->peer));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&f->peer;
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(40000);
        f->peer_len = sizeof(*v4);
        return;
    }
    fix_require(inet_pton(AF_INET6, ip, &f->peer.sin6_addr) == 1, "not an address", ip);
    f->peer.sin6_family = AF_INET6;
    f->peer.sin6_port = htons(40000);
    f->peer_len = sizeof(f->peer);
}

void reqfix_init(reqfix_t *f, runtime_t *rt)
{
    memset(f, 0, sizeof(*f));
    f->dp.invoke_domain = "localhost";
    f->dp.invoke_domain_len = strlen(f->dp.invoke_domain);
    f->dp.nthreads = 1;
    atomic_init(&f->dp.rate_share_ppm, THROTTLE_SHARE_ALL);
    f->dp.threads = &f->thread;
    f->thread.dp = &f->dp;
    f->thread.rng.s[0] = 0x9e3779b97f4a7c15ULL; /* fixed: runs repeat */
    f->thread.rng.s[1] = 0xbf58476d1ce4e5b9ULL;
    f->thread.obs = &f->obs;
    f->obs.thread = &f->thread;
    f->thread.hasher = crypto_hasher_create();
    f->thread.usage = dpusage_create();
    fix_require(f->thread.hasher != NULL, "out of memory", NULL);
    fix_require(f->thread.usage != NULL, "out of memory", NULL);
    f->thread.lease = calloc(1, sizeof(*f->thread.lease));
    fix_require(f->thread.lease != NULL, "out of memory", NULL);
    f->thread.lease->rt = rt;
    f->thread.lease->refs = 1;
    f->callbacks.get_peername = fix_get_peername;
    f->conn.callbacks = &f->callbacks;
    f->capture.do_send = fix_do_send;
    reqfix_peer(f, "127.0.0.1");
}

static void fix_end_request(reqfix_t *f)
{
    if (!f->live)
        return;
    h2o_dispose_request(&f->req); /* the pool's dispose ends r (the lease, in-flight count) */
    f->live = 0;
}

/* The dp_request_t lives in the fixture, not in the pool: its end is the
 * pool object below. */
static void fix_on_end(void *p)
{
    reqfix_t *f = *(reqfix_t **)p;
    request_dispose(&f->r);
}

void reqfix_request(reqfix_t *f, const char *method, const char *host, const char *path)
{
    fix_end_request(f);
    h2o_init_request(&f->req, &f->conn, NULL);
    h2o_req_t *req = &f->req;
    req->pathconf = &f->pathconf;
    req->_ostr_top = &f->capture;
    req->version = 0x101;
    req->scheme = &H2O_URL_SCHEME_HTTP;
    req->input.scheme = req->scheme;
    req->method = req->input.method = h2o_strdup(&req->pool, method, strlen(method));
    req->authority = req->input.authority = h2o_strdup(&req->pool, host, strlen(host));
    req->path = req->input.path = h2o_strdup(&req->pool, path, strlen(path));
    const char *q = strchr(path, '?');
    req->query_at = q != NULL ? (size_t)(q - path) : SIZE_MAX;
    req->path_normalized =
        h2o_iovec_init(req->path.base, q != NULL ? req->query_at : req->path.len);
    f->sent = f->finished = 0;
    f->body = h2o_iovec_init("", 0);
    reqfix_t **end = h2o_mem_alloc_shared(&req->pool, sizeof(*end), fix_on_end);
    *end = f;
    request_init(&f->r, req, &f->thread);
    fix_require(request_lease(&f->r) == 0, "no runtime", NULL);
    f->live = 1;
}

void reqfix_header(reqfix_t *f, const char *name, const char *value)
{
    h2o_req_t *req = &f->req;
    h2o_iovec_t n = h2o_strdup(&req->pool, name, strlen(name));
    h2o_strtolower(n.base, n.len);
    h2o_add_header_by_str(&req->pool, &req->headers, n.base, n.len, 1, name, value, strlen(value));
}

enum step_result reqfix_run(reqfix_t *f, const step_fn *steps, size_t n)
{
    enum step_result res = STEP_CONTINUE;
    for (size_t i = 0; i < n && res == STEP_CONTINUE; i++) {
        f->r.step = (int)i + 1;
        res = steps[i](&f->r);
    }
    return res;
}

int reqfix_status(const reqfix_t *f)
{
    return f->sent ? f->req.res.status : 0;
}

const char *reqfix_res_header(const reqfix_t *f, const char *name, size_t *len)
{
    const h2o_headers_t *hs = &f->req.res.headers;
    for (size_t i = 0; i < hs->size; i++)
        if (h2o_lcstris(hs->entries[i].name->base, hs->entries[i].name->len, name, strlen(name))) {
            *len = hs->entries[i].value.len;
            return hs->entries[i].value.base;
        }
    return NULL;
}

void reqfix_dispose(reqfix_t *f)
{
    fix_end_request(f);
    dp_lease_t *lease = f->thread.lease;
    if (lease != NULL && --lease->refs == 0) {
        runtime_release(lease->rt);
        free(lease);
    }
    crypto_hasher_destroy(f->thread.hasher);
    dpusage_destroy(f->thread.usage);
}
